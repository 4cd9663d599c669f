"""Static termination of a rule set: a proof (YES), a loop or growth witness (NO), or neither (MAYBE).

Not to be confused with `rewrite.engine.termination`, the runtime watch that stops one apply that loops:
this module decides, before any graph is seen, whether *any* term can be rewritten forever.

1. **Proof**: a linear polynomial interpretation under which every enabled rule strictly decreases
   (`rewrite.check.interpretation`), printed as the certificate.  A rule whose replacement is Python code
   (`compute`) cannot be proved unless it declares its result's shape (``compute(fn, result=term)``).
2. **Loop search** (`rewrite.check.loops`): from the rules' left sides and their overlaps, one rewrite step at
   a time, a term that comes back (a loop) or reappears inside a larger term (growth).
3. Otherwise MAYBE, with the reason: the rules no interpretation orients, the Python replacements, and a
   loop that needs guards plain terms cannot decide, if the search found one.

The verdict is about every order the rules may fire in (``apply(seed=...)`` draws any of them), with every
assumption granted: a set that terminates only under its priorities is not proved.

>>> from rewrite.lang.loader import loads
>>> report = check_termination(loads('rules: [{id: nn, pattern: neg(neg(x)), replacement: x}]'))
>>> report.verdict
'YES'
>>> print(report.certificate)
[neg](x) = x + 1
(variables: any natural; literals and other leaves: 0; a list or tuple of operands: the sum of its elements)
nn: [lhs] = x + 2 > [rhs] = x because constant 2 > 0 and every coefficient of x at least as large
>>> swap = loads('rules: [{id: swap, pattern: "add(x, y)", replacement: "add(y, x)"}]')
>>> check_termination(swap).to_json()['loop']['rules']
['swap']

See Also
--------
rewrite.engine.termination : the runtime budget and cycle detection of apply.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rewrite.check.interpretation import Interpretation, find_interpretation
from rewrite.check.loops import LoopWitness, find_loop, start_terms
from rewrite.lang.rule import Compute

__all__ = ["TerminationReport", "check_termination", "DEFAULT_BUDGET"]

#: expansions of the loop search, and candidate interpretations tried, when ``budget`` is not given
DEFAULT_BUDGET = 5_000

VERDICTS = ("YES", "NO", "MAYBE")


@dataclass(frozen=True)
class TerminationReport:
    """The verdict ("YES", "NO" or "MAYBE") with its evidence: the ``certificate`` (YES), the ``loop``
    (NO; also a MAYBE's loop that needs undecidable guards), the ``reason`` (MAYBE)."""

    verdict: str
    certificate: str | None = None
    loop: LoopWitness | None = None
    reason: str = ""
    interpretation: Interpretation | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")

    def to_json(self) -> dict:
        """``{"verdict": "YES", "certificate": str}``, ``{"verdict": "NO", "loop": {...}}`` or
        ``{"verdict": "MAYBE", "reason": str}``.

        >>> TerminationReport("MAYBE", reason="budget").to_json()
        {'verdict': 'MAYBE', 'reason': 'budget'}
        """
        if self.verdict == "YES":
            return {"verdict": "YES", "certificate": self.certificate}
        if self.verdict == "NO":
            return {"verdict": "NO", "loop": self.loop.to_json()}
        return {"verdict": "MAYBE", "reason": self.reason}

    def format(self) -> str:
        """Human text: the verdict line, then the certificate, the loop or the reason.

        >>> print(TerminationReport("MAYBE", reason="no proof, no loop").format())
        termination: MAYBE
        no proof, no loop
        """
        body = {"YES": self.certificate, "NO": self.loop.format() if self.loop else "", "MAYBE": self.reason}
        return f"termination: {self.verdict}\n{body[self.verdict]}"


def _opaque(rules) -> list:
    return [r.id for r in rules if isinstance(r.replacement, Compute) and r.replacement.result is None]


def check_termination(ruleset, *, budget: int | None = None, table=None) -> TerminationReport:
    """Decide whether rewriting with ``ruleset``'s enabled rules always terminates (see the module).

    ``budget`` bounds the candidate interpretations tried and the loop search's expansions (default
    `DEFAULT_BUDGET`); ``table`` is the op table (commutativity), ``False`` for none.

    >>> from rewrite.lang.loader import loads
    >>> r = check_termination(loads('rules: [{id: grow, pattern: relu(x), replacement: relu(relu(x))}]'))
    >>> print(r.format())
    termination: NO
    growth: relu(~x) -> relu(relu(~x)) by grow; relu(relu(~x)) holds an instance of relu(~x) and grows

    See Also
    --------
    rewrite.check.interpretation.find_interpretation, rewrite.check.loops.find_loop
    """
    if budget is None:
        budget = DEFAULT_BUDGET
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"budget must be a positive int (search steps), not {budget!r}; e.g. budget=20000")
    rules = ruleset.enabled()
    opaque = _opaque(rules)
    found = find_interpretation(rules, table=table, budget=budget)
    if not found.failing and not opaque:
        return TerminationReport("YES", certificate=found.format(), interpretation=found)
    loop = find_loop(ruleset, budget=budget, table=table)
    if loop is not None:
        return TerminationReport("NO", loop=loop, interpretation=found)
    guarded = any(r.guards for r in rules)  # else the search with undecided guards would find nothing new
    maybe = find_loop(ruleset, budget=budget, table=table, conditional=True) if guarded else None
    return TerminationReport("MAYBE", loop=maybe, reason=_reason(found, opaque, maybe, ruleset, budget),
                             interpretation=found)


def _reason(found: Interpretation, opaque: list, maybe: LoopWitness | None, ruleset, budget: int) -> str:
    lines = []
    if maybe is not None:
        lines.append("possible " + maybe.format())
    if found.failing:
        lines.append(f"no linear interpretation found (tried {found.tried}) that orients "
                     + ", ".join(found.failing) + "; the closest:")
        lines.extend("  " + p.explain() for p in found.proofs if not p.decreases)
    if opaque:
        lines.append("Python replacements cannot be proved: " + ", ".join(opaque) +
                     "; declare what they return: compute(fn, result=term) (other variables are new constants)")
    if maybe is None:
        lines.append(f"no loop found within {budget} rewrite steps from {len(start_terms(ruleset))} start terms "
                     "(left sides and their overlaps)")
    return "\n".join(lines)
