"""Assertions for a user's test suite: each runs one of `rewrite.check`'s checks and raises AssertionError
with the witness (the unsound rule's counterexample, the non-joinable pair, the loop, the two graphs).

The checks are imported when an assertion is called, so ``import rewrite.testing`` stays light.

- `assert_sound`: every rule keeps the numbers (`rewrite.check.soundness.check_soundness`);
- `assert_confluent`: every critical pair is joinable (`rewrite.check.confluence.check_confluence`);
- `assert_terminates`: rewriting always stops (`rewrite.check.termination.check_termination`);
- `assert_order_independent`: every rule and worklist order gives the same graph
  (`rewrite.check.order.order_independence`).

A verdict the check could not reach (MAYBE, a rule's "unknown") fails only with ``strict=True``, as the CLI's
``--strict`` does.

See Also
--------
rewrite.check : the checks; rewrite.front.cli : the same checks for CI (``python -m rewrite check/test``).
"""
from __future__ import annotations

from rewrite.testing.rule_terms import checked_ruleset

__all__ = ["assert_sound", "assert_confluent", "assert_terminates", "assert_order_independent"]


def _text(result) -> str:
    """A check result as the text a failing test shows: its own ``format()``, else its repr."""
    fmt = getattr(result, "format", None)
    return fmt() if callable(fmt) else repr(result)


def assert_sound(ruleset, *, examples=None, seed: int = 0, assume=None, strict: bool = False):
    """Every rule of ``ruleset`` keeps the numbers; else AssertionError with each unsound rule's counterexample.

    ``examples``, ``seed``, ``assume``: as `rewrite.check.soundness.check_soundness` takes them. With
    ``strict=True`` a rule whose soundness is "unknown" fails too. Returns the results.

    See Also
    --------
    rewrite.check.soundness.check_soundness
    """
    ruleset = checked_ruleset(ruleset, "assert_sound")
    from rewrite.check import soundness
    results = soundness.check_soundness(ruleset, examples=examples, seed=seed, assume=assume)
    failing = ("unsound", "unknown") if strict else ("unsound",)
    bad = [r for r in results if r.verdict in failing]
    if bad:
        raise AssertionError(f"rule set {ruleset.name!r}: {len(bad)} of {len(results)} rules "
                             f"{' or '.join(failing)}:\n\n" + "\n\n".join(_text(r) for r in bad))
    return results


def assert_confluent(ruleset, *, budget=None, numeric: bool = True, seed: int = 0, strict: bool = False,
                     allow_equal_numbers: bool = False):
    """Every critical pair of ``ruleset`` is joinable; else AssertionError with each non-joinable pair.

    The witness of a pair: the overlap term, the position, both one-step results and normal forms, the two
    rules, and whether the normal forms are numerically equal. ``allow_equal_numbers=True`` accepts pairs
    whose normal forms differ as graphs but agree on random tensors (the order changes the graph, not the
    numbers). With ``strict=True`` a MAYBE (some pair ran out of budget) fails too. Returns the report.

    See Also
    --------
    rewrite.check.confluence.check_confluence
    """
    ruleset = checked_ruleset(ruleset, "assert_confluent")
    from rewrite.check import confluence
    report = confluence.check_confluence(ruleset, budget=budget, numeric=numeric, seed=seed)
    failing = ("not joinable", "unknown") if strict else ("not joinable",)
    pairs = [p for p in report.pairs if p.verdict in failing
             and not (allow_equal_numbers and p.verdict == "not joinable" and p.numerically == "equal")]
    if pairs:
        counted = f"{len(pairs)} critical pair{'s' if len(pairs) != 1 else ''}"
        raise AssertionError(f"rule set {ruleset.name!r} is not confluent (verdict {report.verdict}): {counted}:\n\n"
                             + "\n\n".join(_text(p) for p in pairs))
    return report


def assert_terminates(ruleset, *, budget=None, strict: bool = False):
    """Rewriting with ``ruleset`` always stops; else AssertionError with the looping or growing term and rules.

    With ``strict=True`` a MAYBE (no proof found, no loop either) fails too. Returns the report.

    See Also
    --------
    rewrite.check.termination.check_termination
    """
    ruleset = checked_ruleset(ruleset, "assert_terminates")
    from rewrite.check import termination
    report = termination.check_termination(ruleset, budget=budget)
    if report.verdict == "NO" or (strict and report.verdict != "YES"):
        raise AssertionError(f"rule set {ruleset.name!r} may not terminate (verdict {report.verdict}):\n"
                             + _text(report))
    return report


def assert_order_independent(gm, ruleset, *, seeds=20, example_inputs=None):
    """Applying ``ruleset`` to ``gm`` in ``seeds`` drawn rule and worklist orders gives one graph (compared
    canonically: structure and targets, not names); else AssertionError with two graphs and their seeds.

    ``gm`` is a GraphModule (copied for each order, never changed) or a function making one; ``seeds`` a
    count or the seeds themselves. Returns the report.

    See Also
    --------
    rewrite.check.order.order_independence, rewrite.engine.apply.apply
    """
    ruleset = checked_ruleset(ruleset, "assert_order_independent")
    from rewrite.check import order
    report = order.order_independence(gm, ruleset, seeds=seeds, example_inputs=example_inputs)
    if not report.independent:
        raise AssertionError(f"rule set {ruleset.name!r}: the rewritten graph depends on the order:\n"
                             + _text(report.witness if report.witness is not None else report))
    return report
