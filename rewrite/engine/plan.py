"""A rule set compiled for one op table: its rules' patterns (and decomposition variants) indexed by root op.

Compiled once per rule set, table, grant of assumptions and dialect (`RulePlan.build` is cached), and shared by
every apply of it: the decisions the driver takes per call_function target and what views learn from targets
(`fxcore.view.canonical.TargetFacts`) live with the plan.

See Also:
    rewrite.engine.driver.Driver : runs a plan over a graph.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fxcore.ops import default_table
from fxcore.view.canonical import TargetFacts
from fxcore.view.pattern import Bound, is_op_term
from rewrite.engine.report import RuleStats
from rewrite.engine.variants import entries_with_variants, variant_depth
from rewrite.lang.assumptions import missing
from rewrite.lang.rule import Compute

__all__ = ["RulePlan", "shuffled"]


@dataclass(frozen=True, eq=False)  # identity: ranked by position in the plan
class _Entry:
    rule: Any
    pattern: Any
    rule_id: str = field(init=False)
    guarded: bool = field(init=False)  # the rule has guards to evaluate
    computed: bool = field(init=False)  # its replacement is Python code (a Compute), which sees the graph's nodes
    assumes: tuple = field(init=False)  # the assumptions its rewrites rely on (granted, or it is not in a plan)

    def __post_init__(self):
        object.__setattr__(self, "rule_id", self.rule.id)
        object.__setattr__(self, "assumes", self.rule.assumes)
        object.__setattr__(self, "guarded", bool(self.rule.guards))
        object.__setattr__(self, "computed", isinstance(self.rule.replacement, Compute))


@dataclass(frozen=True)
class RulePlan:
    """A rule set compiled for matching: entries indexed by canonical root op, in rule-set order."""

    name: str
    entries: tuple[_Entry, ...]
    by_root: tuple[tuple[Any, tuple[_Entry, ...]], ...]
    depth: int
    # rules left out because they assume what was not granted: (rule id, the missing assumptions)
    skipped: tuple = ()
    # a memo of the applies' decisions per call_function target: id(target) -> (rules, None or _RESOLVE;
    # the target, keeping the id alive; may such a node be an inner node of a match). Such a decision reads
    # the target, the plan and the table only.
    call_rules: dict = field(default_factory=dict, compare=False, repr=False)
    # what the applies' views learn from targets and call shapes (the table's, not one graph's)
    facts: TargetFacts | None = field(default=None, compare=False, repr=False)
    # derived once for every apply: by_root as a dict, each entry's rank in rule-set order, whether every
    # root is a canonical op name (none an exact target or module type), the ops needed right under roots
    root_index: dict = field(init=False, compare=False, repr=False)
    rank: dict = field(init=False, compare=False, repr=False)
    roots_are_names: bool = field(init=False, compare=False, repr=False)
    input_ops: frozenset = field(init=False, compare=False, repr=False)
    inner_ops: frozenset | None = field(init=False, compare=False, repr=False)  # None: any node may be inner
    rule_ids: tuple = field(init=False, compare=False, repr=False)
    idle_stats: dict = field(init=False, compare=False, repr=False)  # rule id -> the stats of a rule never tried

    def __post_init__(self):
        ids = tuple(entry.rule_id for entry in self.entries)
        derived = {"root_index": dict(self.by_root), "rank": {entry: i for i, entry in enumerate(self.entries)},
                   "roots_are_names": all(isinstance(op, str) for op, _ in self.by_root),
                   "input_ops": frozenset(op for e in self.entries for op in e.pattern.input_ops),
                   "inner_ops": _inner_ops(self.entries, self.facts.table if self.facts else default_table()),
                   "rule_ids": ids, "idle_stats": {rid: RuleStats(rid, 0, 0, 0.0) for rid in ids}}
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @staticmethod
    @lru_cache(maxsize=64)
    def build(ruleset, table, granted: tuple = (), variants: bool = True) -> "RulePlan":
        """Compile every enabled rule of ``ruleset`` whose assumptions ``granted`` grants, once (cached per rule
        set, op table, grant and ``variants``): its pattern and, with ``variants`` (for aten graphs), the variants
        that match its ops decomposed (`rewrite.engine.variants`), each an entry of the rule."""
        skipped = tuple((rule.id, missing(rule.assumes, granted)) for rule in ruleset.ordered()
                        if missing(rule.assumes, granted))
        entries = entries_with_variants([rule for rule in ruleset.ordered() if not missing(rule.assumes, granted)],
                                        table, _Entry, variants)
        index: dict[Any, list[_Entry]] = {}
        for entry in entries:
            index.setdefault(entry.pattern.root_op, []).append(entry)
        depth = max(max((_depth(entry.rule.pattern) for entry in entries), default=1),
                    variant_depth(entry.pattern for entry in entries))
        return RulePlan(ruleset.name, entries, tuple((op, tuple(es)) for op, es in index.items()), depth,
                        skipped, facts=TargetFacts(table))


def shuffled(plan: RulePlan, seed: int) -> RulePlan:
    """``plan`` with its rules in an order drawn from ``seed`` (for testing that the order does not matter)."""
    entries = list(plan.entries)
    random.Random(seed).shuffle(entries)
    index: dict[Any, list[_Entry]] = {}
    for entry in entries:
        index.setdefault(entry.pattern.root_op, []).append(entry)
    return RulePlan(plan.name, tuple(entries), tuple((op, tuple(es)) for op, es in index.items()), plan.depth,
                    plan.skipped, facts=plan.facts)


def _inner_ops(entries, table) -> frozenset | None:
    """The canonical ops of every rule's inner nodes; None when one is an exact target or a module type (an op
    the table does not know), which possible ops cannot rule out.

    >>> from rewrite.pyrules import ops, rule, ruleset
    >>> from unify import var
    >>> plan = RulePlan.build(ruleset("s", rule("r", ops.neg(ops.neg(var("x"))), var("x"))), default_table())
    >>> sorted(plan.inner_ops)
    ['neg']
    """
    keys = {key for entry in entries for key in entry.pattern.inner_ops}
    return frozenset(keys) if all(isinstance(key, str) and key in table for key in keys) else None


def _depth(term: Any) -> int:
    """How many users up from a new node a rule can root: op-term nesting minus one, at least 1 (iterative).

    Literal tuples (``permute(x, (1, 0))``) and lists of operands are not levels of the graph.

    >>> from unify import var
    >>> _depth(('permute', ('permute', var('x'), (1, 0)), (1, 0))), _depth(('relu', ('relu', ('relu', var('x')))))
    (1, 2)
    """
    deepest, stack = 0, [(term, 0)]
    while stack:
        item, level = stack.pop()
        if is_op_term(item):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in item[1:])
        elif isinstance(item, Bound):
            stack.append((item.pattern, level))
        elif isinstance(item, (tuple, list)):
            stack.extend((child, level) for child in item)
    return max(deepest - 1, 1)
