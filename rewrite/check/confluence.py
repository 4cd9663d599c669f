"""Confluence of a rule set: each critical pair joined by normalization, and the set's CoCo verdict.

For every feasible critical pair (`rewrite.check.critical_pairs`) both one-step results are normalized
(`rewrite.engine.normalize.normalize_full`; a guard undecided on plain terms does not fire; the two
rules' declared assumptions are granted).  The pair is

- ``'joinable'`` when both reach the same normal form modulo commutative operand order (both
  derivations are kept);
- ``'not joinable'`` otherwise, with a witness: the overlap, the position, both one-step results and
  normal forms, both rules, a runnable module's code to paste into a test, and ``numerically``:
  ``'equal'`` when the normal forms agree on random tensors (rule order changes the graph, not the
  numbers), ``'different'`` when they do not (then both rules are named as suspects), None when no
  input runs;
- ``'unknown'`` when a normalization ran out of budget (or a Python replacement declined on terms).

Guard-infeasible pairs are counted, not listed.  The set's verdict follows CoCo: ``'YES'`` when every
feasible pair is joinable, ``'NO'`` when some pair is not joinable, ``'MAYBE'`` otherwise.

>>> from rewrite.lang.loader import loads
>>> rs = loads('''
... rules:
...   - {id: neg-mul-left, pattern: "neg(mul(x, y))", replacement: "mul(neg(x), y)"}
...   - {id: neg-mul-right, pattern: "neg(mul(x, y))", replacement: "mul(x, neg(y))"}
... ''')
>>> report = check_confluence(rs)
>>> report.verdict, [(p.verdict, p.numerically) for p in report.pairs]
('NO', [('not joinable', 'equal'), ('joinable', None)])
>>> report.pairs[0].normal_forms
('mul(neg(~x), ~y)', 'mul(~x, neg(~y))')

See Also
--------
rewrite.check.critical_pairs, rewrite.engine.normalize.normalize_full
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from fxcore.match.diagnose import show_term
from unify import reify
from unify.commutative import is_op_term
from rewrite.check.critical_pairs import commutative_of, critical_pairs, replace_at, subterm_at
from rewrite.check.feasibility import joint_facts
from rewrite.check.guard_facts import rule_facts
from rewrite.check.pair_numeric import compare_numerically, module_code
from rewrite.check.term_graph import term_variables
from rewrite.engine.normalize import normalize_full, term_view
from rewrite.errors import NonTerminationError, RuleError
from rewrite.lang.facts import TensorFacts
from rewrite.lang.rule import Compute

__all__ = ["PairResult", "ConfluenceReport", "check_confluence", "join_pair", "canonical_term"]

VERDICTS = ("joinable", "not joinable", "unknown", "infeasible")


@dataclass(frozen=True)
class PairResult:
    """The verdict on one critical pair (see the module docstring); terms are printed in call syntax."""

    rules: tuple
    position: str
    witness: str
    results: tuple
    normal_forms: tuple
    verdict: str
    numerically: str | None = None
    derivations: tuple = ((), ())
    suspects: tuple = ()
    reason: str = ""
    locations: tuple = field(default=(None, None), compare=False, repr=False)  # the rules' SourcePos
    source: tuple | None = field(default=None, compare=False, repr=False)  # module_code's arguments

    @functools.cached_property
    def module(self) -> str:
        """For a pair that is not joinable: Python code of a module computing the overlap, traced by FX,
        with example inputs (paste it into a test); '' otherwise.  Built when first read."""
        if self.source is None:
            return ""
        overlap, variables, inputs, comment, table = self.source
        try:
            return module_code(overlap, variables, inputs, comment=comment, table=table)
        except Exception as exc:  # an op the emitter cannot build: the witness stays a term
            return f"# no runnable module: {type(exc).__name__}: {exc}"

    def to_json(self) -> dict:
        """A plain JSON-able dict (the CLI's contract: rules, position, witness, normal_forms, verdict,
        numerically; then one_step, derivations, suspects, module, reason, locations)."""
        return {"rules": list(self.rules), "position": self.position, "witness": self.witness,
                "normal_forms": list(self.normal_forms), "verdict": self.verdict,
                "numerically": self.numerically, "one_step": list(self.results),
                "derivations": [list(d) for d in self.derivations], "suspects": list(self.suspects),
                "module": self.module, "reason": self.reason,
                "locations": [None if p is None else str(p) for p in self.locations]}

    def format(self) -> str:
        """Human text: the pair, its verdict, and for a non-joinable pair the witness."""
        head = f"{self.rules[0]} / {self.rules[1]} at {self.position}: {self.verdict}"
        if self.numerically:
            head += f" (numerically {self.numerically})"
        lines = [head, f"  overlap: {self.witness}"]
        if self.verdict != "joinable":
            for rule, one, nf, d in zip(self.rules, self.results, self.normal_forms, self.derivations):
                lines.append(f"  {rule}: {one} ->* {nf}   [{' -> '.join(d) or 'no rewrite'}]")
        if self.suspects:
            lines.append(f"  suspects: {', '.join(self.suspects)} (one of them changes the numbers)")
        if self.reason:
            lines.append(f"  {self.reason}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ConfluenceReport:
    """The set's ``verdict`` ('YES', 'NO', 'MAYBE'), each feasible pair's result, the infeasible ones counted."""

    verdict: str
    pairs: tuple
    infeasible: int
    dropped: tuple = field(default=(), compare=False, repr=False)

    def to_json(self) -> dict:
        """``{"verdict", "infeasible", "pairs": [PairResult.to_json(), ...]}``."""
        return {"verdict": self.verdict, "infeasible": self.infeasible,
                "pairs": [p.to_json() for p in self.pairs]}

    def counts(self) -> dict:
        """Pairs per verdict, in `VERDICTS` order (zeros left out)."""
        out = {v: sum(p.verdict == v for p in self.pairs) for v in VERDICTS}
        out["infeasible"] += self.infeasible
        return {k: n for k, n in out.items() if n}

    def format(self) -> str:
        """Human text: the verdict and counts, then every pair that is not joinable."""
        counts = ", ".join(f"{n} {v}" for v, n in self.counts().items()) or "no critical pairs"
        lines = [f"confluence: {self.verdict} ({counts})"]
        lines += [p.format() for p in self.pairs if p.verdict != "joinable"]
        return "\n".join(lines)


def canonical_term(term, commutative):
    """``term`` with the operands of each commutative call in a fixed order (for comparing normal forms).

    >>> from rewrite.check.critical_pairs import commutative_of
    >>> canonical_term(('mul', ('add', 'z', 'a', 1), 'b'), commutative_of())
    ('mul', 'b', ('add', 'a', 'z', 1))
    """
    if type(term) not in (tuple, list):
        return term
    parts = type(term)(canonical_term(t, commutative) for t in term)
    if is_op_term(parts) and commutative(parts):
        a, b = parts[1], parts[2]
        if repr(b) < repr(a):
            parts = (parts[0], b, a, *parts[3:])
    return parts


def _view(pair, facts) -> tuple:
    """The guard view for normalizing the pair's terms, and the variables pinned to one literal."""
    joint = joint_facts(pair, facts)
    pinned, hints = {}, {}
    for (v, attr), allowed in joint.items():
        if attr == "value" and allowed.inside and len(allowed.values) == 1:
            pinned[v] = next(iter(allowed.values))
    for v in {v for v, _ in joint}:
        ndim, dtype = joint.get((v, "ndim")), joint.get((v, "dtype"))
        rank = next(iter(ndim.values)) if ndim is not None and len(ndim.values) == 1 else None
        kind = next(iter(dtype.values)) if dtype is not None and len(dtype.values) == 1 else None
        if rank is not None or kind is not None:
            hints[v] = TensorFacts(None if rank is None else (None,) * rank, kind)
    return term_view(hints), pinned, tuple(sorted((repr(v), repr(f)) for v, f in hints.items()))


def _step(rule, bindings):
    """The rule's replacement for ``bindings``, or None when a Python replacement declines."""
    if not isinstance(rule.replacement, Compute):
        return rule.instantiate(bindings)
    try:
        return rule.instantiate(bindings)
    except Exception:  # a Python replacement that cannot work on plain terms
        return None


def _normal_form(term, ruleset, view, context: tuple, memo: dict | None, table):
    """`normalize_full` of ``term``, once per term and context (hints, assumptions, budget) in one check.

    Keyed by the term's repr, which tells ``0.0`` from ``-0.0`` and ``1`` from ``1.0`` where ``==`` does not.
    """
    hints, assume, budget = context
    key = (repr(term), context)
    if memo is not None and key in memo:
        return memo[key]
    nf = normalize_full(term, ruleset, view=view, budget=budget, table=table, assume=assume)
    if memo is not None:
        memo[key] = nf
    return nf


def join_pair(pair, ruleset, *, facts=None, budget=None, numeric=True, seed=0, table=None,
              memo: dict | None = None) -> PairResult:
    """Join one critical pair (see the module docstring).

    >>> from rewrite.lang.loader import loads
    >>> from rewrite.check.critical_pairs import critical_pairs
    >>> rs = loads("rules: [{id: nn, pattern: neg(neg(x)), replacement: x}]")
    >>> result = join_pair(critical_pairs(rs).pairs[0], rs)
    >>> result.verdict, result.normal_forms, result.derivations
    ('joinable', ("neg(~x')", "neg(~x')"), (('nn',), ('nn',)))

    See Also
    --------
    check_confluence
    """
    facts = {r.id: rule_facts(r) for r in (pair.outer, pair.inner)} if facts is None else facts
    view, pinned, hints = _view(pair, facts)
    fill = (lambda t: reify(t, pinned)) if pinned else (lambda t: t)
    overlap = fill(pair.overlap)
    outer_b = {v: fill(t) for v, t in pair.outer_bindings().items()}
    inner_b = {v: fill(t) for v, t in pair.inner_bindings().items()}
    one = [_step(pair.outer, outer_b), None]
    inner_out = _step(pair.inner, inner_b)
    one[1] = None if inner_out is None else replace_at(overlap, pair.position, inner_out)
    base = dict(rules=pair.rules, position=pair.position_text, witness=show_term(overlap),
                locations=(pair.outer.pos, pair.inner.pos))
    if one[0] is None or one[1] is None:
        return PairResult(results=tuple("?" if t is None else show_term(t) for t in one), normal_forms=("?", "?"),
                          verdict="unknown", reason="a Python replacement declined on plain terms", **base)
    assume = tuple(dict.fromkeys(pair.outer.assumes + pair.inner.assumes))
    try:
        nfs = [_normal_form(t, ruleset, view, (hints, assume, budget), memo, table) for t in one]
    except NonTerminationError as exc:
        return PairResult(results=tuple(map(show_term, one)), normal_forms=("?", "?"), verdict="unknown",
                          reason=f"normalization ran out of budget: {exc}", **base)
    except RuleError as exc:
        return PairResult(results=tuple(map(show_term, one)), normal_forms=("?", "?"), verdict="unknown",
                          reason=f"normalization failed: {exc}", **base)
    base.update(results=tuple(map(show_term, one)), normal_forms=tuple(show_term(n.term) for n in nfs),
                derivations=tuple((rule_id, *n.fired) for rule_id, n in zip(pair.rules, nfs)))
    commutative = commutative_of(table)
    if canonical_term(nfs[0].term, commutative) == canonical_term(nfs[1].term, commutative):
        return PairResult(verdict="joinable", **base)
    return _not_joinable(pair, overlap, outer_b, inner_b, [n.term for n in nfs], base, numeric, seed, table)


def _not_joinable(pair, overlap, outer_b, inner_b, nfs, base, numeric, seed, table) -> PairResult:
    variables = term_variables(overlap)
    checks = ((pair.outer, outer_b, overlap), (pair.inner, inner_b, subterm_at(overlap, pair.position)))
    found = compare_numerically(overlap, nfs, variables, checks=checks, seed=seed, table=table) if numeric else None
    verdict = None if found is None else found.verdict
    suspects = pair.rules if verdict == "different" else ()
    where = "the root" if not pair.position else f"argument path {base['position']}"
    comment = (f"Rules {pair.rules[0]!r} (at the root) and {pair.rules[1]!r} (at {where}) both rewrite "
               f"this; their normal forms differ.")
    source = (overlap, variables, found.inputs if found is not None else (), comment, table)
    reason = "" if found is None else (found.detail if verdict != "equal" else f"equal on {found.config}")
    if verdict == "different":
        reason = f"on {found.config}: {found.detail}"
    return PairResult(verdict="not joinable", numerically=verdict, suspects=tuple(dict.fromkeys(suspects)),
                      source=source, reason=reason, **base)


def check_confluence(ruleset, *, budget=None, numeric=True, seed=0, table=None) -> ConfluenceReport:
    """The confluence report of ``ruleset``: every feasible critical pair joined, the CoCo verdict.

    ``budget``: rewrites per normalization (default: `rewrite.engine.normalize.default_budget`);
    ``numeric``: compare non-joinable normal forms on random tensors; ``seed``: for those tensors.

    >>> from rewrite.lang.loader import load
    >>> report = check_confluence(load('std:algebraic'))
    >>> report.verdict, sorted({p.numerically for p in report.pairs if p.verdict == 'not joinable'})
    ('NO', ['equal'])
    >>> sorted(report.to_json())
    ['infeasible', 'pairs', 'verdict']

    See Also
    --------
    join_pair, rewrite.check.critical_pairs.critical_pairs
    """
    found = critical_pairs(ruleset, table=table)
    facts = {r.id: rule_facts(r) for r in ruleset.enabled()}
    memo: dict = {}
    results = tuple(join_pair(p, ruleset, facts=facts, budget=budget, numeric=numeric, seed=seed, table=table,
                              memo=memo)
                    for p in found.pairs)
    verdicts = {r.verdict for r in results}
    verdict = "NO" if "not joinable" in verdicts else "MAYBE" if "unknown" in verdicts else "YES"
    return ConfluenceReport(verdict, results, found.infeasible, found.dropped)
