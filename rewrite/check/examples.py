"""Checking the examples embedded in rules: ``before`` must normalize to ``after``.

Each example is normalized with the whole rule set (:func:`rewrite.engine.normalize.normalize_full`).
Guards see plain terms, which carry no tensor metadata; an example may give
hints (``types: {t: "float32[2,3]"}``, and ``result`` for the example's
``before`` term as a whole).  When an example does not reach its ``after``
and some guard could not be decided for lack of metadata, the example is
*skipped* with that reason instead of failed: add ``types:`` to check it.

>>> from rewrite.lang.loader import loads
>>> rs = loads('''
... rules:
...   - id: mul-one
...     pattern: "mul(x, 1)"
...     replacement: x
...     when: x.dtype.is_floating_point
...     examples:
...       - {before: "mul(t, 1)", after: t, types: {t: "float32[2]"}}
...       - {before: "mul(t, 1)", after: t}
... ''')
>>> [(r.status, r.reason[:33]) for r in check_examples(rs)]
[('passed', ''), ('skipped', "undecided guard in rule 'mul-one'")]

See Also
--------
rewrite.engine.normalize.normalize, rewrite.lang.rule.Example
"""
from __future__ import annotations

from dataclasses import dataclass

from unify import var
from rewrite.errors import ExampleError, NonTerminationError, SourcePos
from rewrite.engine.normalize import normalize_full, term_view

__all__ = ["ExampleResult", "check_examples", "assert_examples"]


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example: status is 'passed', 'failed' or 'skipped' (with a reason)."""

    rule_id: str
    index: int
    status: str
    reason: str = ""
    got: object = None
    expected: object = None
    pos: SourcePos | None = None

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        tail = f": {self.reason}" if self.reason else ""
        return f"{where}rule {self.rule_id!r} example {self.index}: {self.status}{tail}"


def _hints(example) -> dict:
    hints = {}
    for name, facts in example.types:
        hints[example.before if name == "result" else var(name)] = facts
    return hints


def _check(rule, index, example, ruleset, table) -> ExampleResult:
    base = dict(rule_id=rule.id, index=index, expected=example.after, pos=example.pos or rule.pos)
    if not example.on_terms:
        return ExampleResult(status="skipped", reason="a model snippet: checked on graphs "
                             "(rewrite.check.graph_examples)", **base)
    try:
        nf = normalize_full(example.before, ruleset, view=term_view(_hints(example)), table=table,
                            assume=rule.assumes)  # (an example shows the rule where it may fire)
    except NonTerminationError as exc:
        return ExampleResult(status="failed", reason=str(exc).splitlines()[0], **base)
    if nf.term == example.after:
        return ExampleResult(status="passed", got=nf.term, **base)
    if nf.undecided:
        names = ", ".join(repr(r) for r in nf.undecided)
        return ExampleResult(status="skipped", got=nf.term, reason=(
            f"undecided guard in rule {names}: add types: {{name: \"float32[2,3]\"}} hints "
            "for the values it reads"), **base)
    return ExampleResult(status="failed", got=nf.term, reason=(
        f"expected {example.after!r}, got {nf.term!r} (rules fired: "
        f"{', '.join(nf.fired) or 'none'})"), **base)


def check_examples(ruleset, *, table=None) -> tuple:
    """Check every embedded example of the rule set's enabled rules, in declaration order.

    See Also
    --------
    assert_examples
    """
    return tuple(_check(rule, i, ex, ruleset, table)
                 for rule in ruleset.enabled() for i, ex in enumerate(rule.examples))


def assert_examples(ruleset, *, table=None) -> tuple:
    """Check the examples; raise :class:`ExampleError` listing every failure (skips are returned).

    >>> from rewrite.lang.loader import loads
    >>> rs = loads('rules: [{id: nn, pattern: neg(neg(x)), replacement: x, '
    ...            'examples: [{before: neg(neg(t)), after: neg(t)}]}]', filename='r.yaml')
    >>> assert_examples(rs)
    Traceback (most recent call last):
    ...
    rewrite.errors.ExampleError: r.yaml:1:... rule 'nn': 1 example(s) failed:
    ...

    See Also
    --------
    check_examples
    """
    results = check_examples(ruleset, table=table)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        first = failed[0]
        raise ExampleError(f"{len(failed)} example(s) failed:\n" +
                           "\n".join("  " + str(r) for r in failed),
                           pos=first.pos, rule_id=first.rule_id,
                           hint="fix the rule or the example's after:")
    return results
