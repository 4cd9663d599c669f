"""What an apply did: which rule fired where, how often, how long each rule took.

>>> report = Report(ruleset="demo", rewrites=(Rewrite("neg-neg", "neg_1", None, ()),),
...                 stats=(RuleStats("neg-neg", 1, 2, 0.001), RuleStats("mul-one", 0, 0, 0.0)),
...                 nodes_before=5, nodes_after=3, seconds=0.002)
>>> report.fired("neg-neg"), report.never_matched
(1, ('mul-one',))
>>> print(report.format().splitlines()[0])
rule set 'demo': 1 rewrite, 5 -> 3 nodes in 2.0 ms

See Also:
    rewrite.engine.apply.apply: produces a Report; ``report_of(gm)`` reads the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Rewrite", "Refusal", "RuleStats", "Report", "report_of"]


class Rewrite(NamedTuple):
    """One rewrite: the rule, the root node it replaced, its stack trace, the nodes it made (frozen, hashable;
    a NamedTuple: an apply records one per rewrite)."""

    rule_id: str
    node: str
    stack_trace: str | None
    new_nodes: tuple[str, ...]
    assumes: tuple[str, ...] = ()  # the granted assumptions (rewrite.lang.assumptions) the rewrite relied on


class Refusal(NamedTuple):
    """A rewrite that matched and was refused, and why (it would have changed the program's numbers)."""

    rule_id: str
    node: str
    reason: str


@dataclass(frozen=True)
class RuleStats:
    """Per-rule totals: rewrites made, match attempts, seconds spent matching and replacing; and the matches that
    did not fire, by cause (a guard false, undecided or raising; a refused rewrite), with the first in words."""

    rule_id: str
    fired: int
    attempts: int
    seconds: float
    guard_false: int = 0
    guard_undecided: int = 0
    guard_raised: int = 0
    refused: int = 0
    why: str = ""

    @property
    def matched(self) -> int:
        """Matches of the pattern: those that fired and those that did not."""
        return self.fired + self.guard_false + self.guard_undecided + self.guard_raised + self.refused


@dataclass(frozen=True)
class Report:
    """The outcome of one ``apply``: rewrites in order, per-rule stats (rule-set order), sizes, time."""

    ruleset: str
    rewrites: tuple[Rewrite, ...]
    stats: tuple[RuleStats, ...]
    nodes_before: int
    nodes_after: int
    seconds: float
    dry_run: bool = False
    skipped: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (rule id, assumptions it needs that were not granted)
    refused: tuple[Refusal, ...] = ()  # matches whose rewrite would have changed the numbers (aliasing, writes)
    removed: tuple[str, ...] = ()  # parameters, buffers, submodules no node reads any more, removed

    def fired(self, rule_id: str) -> int:
        """How many times ``rule_id`` fired (0 for an unknown id)."""
        return next((s.fired for s in self.stats if s.rule_id == rule_id), 0)

    @property
    def counts(self) -> dict[str, int]:
        """Rewrites per rule, for the rules that fired, in rule-set order."""
        return {s.rule_id: s.fired for s in self.stats if s.fired}

    @property
    def never_matched(self) -> tuple[str, ...]:
        """Ids of the rules whose pattern never matched."""
        return tuple(s.rule_id for s in self.stats if not s.matched)

    def why_not(self, rule_id: str) -> str:
        """Why ``rule_id`` did not fire (or fired less than it matched), in a sentence.

        >>> r = Report("s", (), (RuleStats("a", 0, 3, 0.0, guard_false=3, why="guard 'x.ndim == 4' false at node "
        ...            "'relu'"), RuleStats("b", 0, 0, 0.0)), 3, 3, 0.0, skipped=(("c", ("no-nans",)),))
        >>> print(r.why_not("a")); print(r.why_not("b")); print(r.why_not("c"))
        matched 3 times, fired 0: guard 'x.ndim == 4' false at node 'relu' (3 guard false)
        never tried: no node of its root op in the graph
        not applied: it assumes no-nans, which was not granted
        """
        skipped = dict(self.skipped)
        if rule_id in skipped:
            return f"not applied: it assumes {', '.join(skipped[rule_id])}, which was not granted"
        s = next((s for s in self.stats if s.rule_id == rule_id), None)
        if s is None:
            return f"no rule {rule_id!r} in this report (disabled, or not in rule set {self.ruleset!r})"
        if not s.attempts:
            return "never tried: no node of its root op in the graph"
        if not s.matched:
            return (f"tried at {s.attempts} node(s); the pattern never matched "
                    f"(rewrite.explain(gm, rules, {rule_id!r}) shows the first mismatch)")
        counts = [f"{n} {what}" for n, what in ((s.guard_false, "guard false"), (s.guard_undecided, "undecided"),
                                                 (s.guard_raised, "guard raised"), (s.refused, "refused")) if n]
        if not counts:
            return f"fired {s.fired} time(s)"
        return f"matched {s.matched} times, fired {s.fired}: {s.why} ({', '.join(counts)})"

    def format(self) -> str:
        """A human-readable summary table."""
        plural = "" if len(self.rewrites) == 1 else "s"
        mode = " (dry run: module unchanged)" if self.dry_run else ""
        lines = [
            f"rule set {self.ruleset!r}: {len(self.rewrites)} rewrite{plural}, "
            f"{self.nodes_before} -> {self.nodes_after} nodes in {self.seconds * 1e3:.1f} ms{mode}"
        ]
        width = max((len(s.rule_id) for s in self.stats), default=4)
        for s in self.stats:
            if s.fired:
                lines.append(f"  {s.rule_id:<{width}}  fired {s.fired:>5}  "
                             f"attempts {s.attempts:>6}  {s.seconds * 1e3:8.2f} ms")
        for s in self.stats:
            if s.matched > s.fired:
                lines.append(f"  did not fire: {s.rule_id}: {self.why_not(s.rule_id)}")
        if self.never_matched:
            lines.append("  never matched: " + ", ".join(self.never_matched))
        assumed = sorted({a for r in self.rewrites for a in r.assumes})
        if assumed:
            lines.append("  relied on assumptions: " + ", ".join(assumed))
        if self.removed:
            shown = ", ".join(self.removed[:8]) + (f" and {len(self.removed) - 8} more" if len(self.removed) > 8 else "")
            lines.append(f"  removed {len(self.removed)} unread attribute{'s' if len(self.removed) != 1 else ''}: "
                         + shown)
        for rule_id, needs in self.skipped:
            lines.append(f"  not applied: {rule_id} assumes {', '.join(needs)} (grant it: apply(..., "
                         f"assume={list(needs)!r}) or 'assume:' in the rule set)")
        return "\n".join(lines)


def report_of(gm) -> Report | None:
    """The report of the last ``rewrite.apply`` on ``gm`` (``gm.meta['rewrite_report']``), or None.

    >>> import torch.fx as fx, torch
    >>> report_of(fx.symbolic_trace(torch.nn.ReLU())) is None
    True
    """
    return getattr(gm, "meta", {}).get("rewrite_report")
