"""``rewrite.apply(gm, ruleset)``: a worklist driver that rewrites a GraphModule to a fixpoint.

Candidates come from an index by canonical root op, so rules whose root op is
absent from the graph cost nothing; after a rewrite only the new nodes and the
users above them (up to the deepest pattern's depth) are revisited. The order is
the rule set's (priority, then specificity, then file order). Every change is
journaled: on any error the module is left exactly as it was. The changed nodes
are linted (``rewrite.engine.lint.lint_changed``) and the module recompiled once, at
the end.

Most nodes cost a dictionary lookup: which rules may root at a node is read
from its target (cached per target), and a rule is tried only when the op
terms right under its root may be among the node's inputs
(``CompiledPattern.may_match``), again from targets alone.

See Also:
    rewrite.engine.journal.GraphJournal, rewrite.engine.termination.TerminationWatch,
    rewrite.engine.report.Report
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from heapq import heappop, heappush
from typing import Any

import torch.fx as fx
from torch.fx import Node

from fxcore.view.canonical import CanonicalView, TargetFacts
from fxcore.edit.gc_pause import gc_paused
from fxcore.view.targets import decided_groups, nodes_by_possible_op
from fxcore.view.pattern import Bound, is_op_term
from fxcore.ops import default_table
from fxcore.edit.dialect import for_graph, is_aten_graph
from fxcore.edit.alias_check import refusal
from fxcore.edit.meta import val_mismatch
from fxcore.edit.surgery import rewrite_match
from fxcore.view.effects import GraphEffects

from rewrite.errors import RuleError
from rewrite.lang.assumptions import assumption_names, missing
from rewrite.lang.facts import describe
from rewrite.engine.dead_attrs import dead_attributes, remove_attributes
from rewrite.engine.journal import GraphJournal
from rewrite.engine.lint import lint_changed
from rewrite.lang.loader import load
from rewrite.engine.replacement import ModuleTensors, replacement_term
from rewrite.lang.ruleset import RuleSet
from rewrite.engine.report import Refusal, Report, Rewrite, RuleStats
from rewrite.lang.rule import Compute
from rewrite.engine.termination import TerminationWatch, default_budget
from rewrite.engine.variants import entries_with_variants, variant_depth

__all__ = ["apply", "ApplyError", "ReplacementTypeError", "RulePlan"]


class ApplyError(RuntimeError):
    """A rule failed while being applied; the module was left exactly as it was."""


class ReplacementTypeError(ApplyError):
    """A replacement whose value differs from the matched root's ``meta['val']`` in shape, dtype or device."""


_new_tuple = tuple.__new__
_RESOLVE = object()  # "the target does not decide: resolve the node to find its rules"


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


def _shuffled(plan: RulePlan, seed: int) -> RulePlan:
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


def apply(gm: fx.GraphModule, ruleset, *, max_rewrites: int | None = None, once: bool = False,
          dry_run: bool = False, table=None, assume=(), seed: int | None = None) -> fx.GraphModule:
    """Rewrite ``gm`` in place with ``ruleset`` (a RuleSet, a rule file or ``"std:NAME"``); return it.

    ``assume`` grants named assumptions (`rewrite.lang.assumptions`: ``"no-signed-zeros"``, ``"no-infs"``,
    ``"no-nans"``, ``"finite-math"``) on top of the rule set's own ``assume:``; a rule that assumes what is not
    granted does not fire, and the report lists it (`Report.skipped`) and, per rewrite, what it relied on.
    ``seed`` draws the order of the rules and of the worklist from a random generator, as MLIR's greedy
    driver's randomizer does: a confluent rule set gives the same graph whatever the seed; without it the
    order is the rule set's and the graph's.

    New nodes are emitted in the graph's dialect: aten overloads in a graph of aten calls (``make_fx``,
    ``torch.export``), torch callables otherwise (`fxcore.edit.dialect`).
    ``once=True`` makes one sweep over the graph (new nodes are not revisited);
    ``dry_run=True`` finds and reports the rewrites, then leaves the module as it
    was. The :class:`~rewrite.engine.report.Report` is in ``gm.meta['rewrite_report']``
    (see :func:`rewrite.engine.report.report_of`). On any error the module is exactly
    as it was before the call. Python's cyclic garbage collector is paused while it runs
    (`fxcore.edit.gc_pause`).
    """
    if not isinstance(gm, fx.GraphModule):
        raise TypeError(f"rewrite.apply needs a torch.fx.GraphModule, got {type(gm).__name__}; trace the "
                        f"model first, e.g. torch.fx.symbolic_trace(model) or torch.export.export(model, "
                        f"args).module()")
    if max_rewrites is not None and (isinstance(max_rewrites, bool) or not isinstance(max_rewrites, int)
                                     or max_rewrites < 0):
        raise TypeError(f"max_rewrites must be a non-negative int (or None for the default budget), not "
                        f"{max_rewrites!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int (or None for the rule set's order), not {seed!r}")
    if not isinstance(ruleset, RuleSet):
        ruleset = load(ruleset)
    table = default_table() if table is None else table
    plan = RulePlan.build(ruleset, table, tuple(sorted(set(ruleset.assume + assumption_names(assume)))),
                          is_aten_graph(gm.graph))  # (decomposed forms are aten calls: other graphs need none)
    if seed is not None:
        plan = _shuffled(plan, seed)
    budget = default_budget(len(gm.graph.nodes)) if max_rewrites is None else max_rewrites
    with gc_paused():  # what the run allocates dies by refcount as _rewrite returns (fxcore.edit.gc_pause)
        report = _rewrite(gm, plan, table, budget, once, dry_run, seed)
    gm.meta["rewrite_report"] = report
    return gm


def _rewrite(gm: fx.GraphModule, plan: RulePlan, table, budget: int, once: bool, dry_run: bool,
             seed: int | None = None) -> Report:
    """The journaled run of `apply`: rewrite, lint the changed nodes, recompile; roll back on any error."""
    started, nodes_before = time.perf_counter(), len(gm.graph.nodes)
    recompiled = False
    with GraphJournal(gm) as journal:
        try:
            driver = _Driver(gm, plan, table, journal, budget, once, seed)
            driver.run()
            if dry_run:
                journal.rollback()
            elif journal.changed:
                driver.removed = dead_attributes(gm, journal.attribute_candidates())
                if driver.removed:
                    journal.keep_modules()  # (rollback puts them back)
                    remove_attributes(gm, driver.removed)
                lint_changed(gm.graph, journal.changed_nodes())
                recompiled = True
                gm.recompile()
        except BaseException:
            journal.rollback()
            if recompiled:
                gm.recompile()
            raise
    return driver.report(nodes_before, len(gm.graph.nodes), time.perf_counter() - started, dry_run)


class _Driver:
    """One apply: the worklist, the op index cache, per-rule stats and termination."""

    def __init__(self, gm, plan: RulePlan, table, journal: GraphJournal, budget: int, once: bool,
                 seed: int | None = None):
        self.gm, self.plan, self.table, self.journal, self.once = gm, plan, table, journal, once
        self.rng = random.Random(seed) if seed is not None else None  # a drawn worklist order
        self._before_reuse = journal.before_reuse  # (one bound method for every rewrite)
        self.emit_table = for_graph(table, gm.graph)  # new nodes in the graph's dialect: aten calls in aten graphs
        self.by_root = plan.root_index
        self._rank = plan.rank  # rule-set order
        # rules rooted at exact targets or module types (ops the table does not know) defeat the skip
        self._roots_are_names = plan.roots_are_names
        # (op kind, id(target)) -> (rules for the target, None or _RESOLVE; the target: keeps the id alive)
        self._rootable: dict[tuple, tuple[Any, Any]] = {}
        # the same for call_function, kept by the plan: id(target) -> (its rules, the target, may it be an inner
        # node of some match: _inner)
        self._rootable_calls = plan.call_rules
        self.fired: dict[str, int] = dict.fromkeys(plan.rule_ids, 0)
        self.attempts: dict[str, int] = dict.fromkeys(plan.rule_ids, 0)
        self.seconds: dict[str, float] = dict.fromkeys(plan.rule_ids, 0.0)
        self.rewrites: list[Rewrite] = []
        # one view for the whole apply: each node is resolved once (again only if its args change),
        # shared by the root index, every rule's matcher and the termination fingerprints
        self.view = CanonicalView(table, facts=plan.facts)
        created = journal.created  # nodes that existed before the apply are leaves of the fingerprints
        self.watch = TerminationWatch(budget, self.view.resolve, created.__contains__)
        # candidates no rule may match as the graph is at the start, until a rewrite reaches them (a set, ordered)
        self._dormant: dict[fx.Node, None] = {}
        self._woken: list[fx.Node] = []  # a heap (graph order) of dormant candidates a rewrite reached
        self._cursor: fx.Node | None = None  # the sweep's last node (None: it is over)
        self._queued: set[fx.Node] = set()  # nodes waiting in the sweep, _woken or _later
        self._later: deque = deque()  # nodes rewrites queued, visited after the sweep
        self._computed = False  # a Compute replacement ran since dormant candidates were last checked
        self._effects: GraphEffects | None = None  # what the graph writes and aliases, read at the first match
        self.refused: list[Refusal] = []
        self.removed: tuple[str, ...] = ()  # attributes left unread, removed at the end (rewrite.engine.dead_attrs)
        self._tensors = ModuleTensors(gm)  # what Compute replacements find and add (rewrite.engine.replacement)

    def entries_for(self, node: fx.Node) -> tuple[_Entry, ...] | None:
        """The rules that may root at ``node`` (None if none can), from its target when that decides.

        When the target names one canonical op, its rules are returned without resolving the node;
        a node whose arguments do not fit that op then fails each rule's root check, as it should.
        """
        found = self._target_rules(node)
        return self.by_root.get(self.view.key(node)) if found is _RESOLVE else found

    def _target_rules(self, node: fx.Node) -> Any:
        """``_by_target(node)``, cached per target (module calls are not: the module object decides)."""
        op = node.op
        if op == "call_function":  # the commonest: keyed by the target's id alone (no key tuple to build)
            hit = self._rootable_calls.get(id(node.target))
            return (hit if hit is not None else self._call_facts(node))[0]
        if op == "call_module":
            return self._by_target(node)
        key = (op, id(node.target))
        hit = self._rootable.get(key)
        if hit is None:
            hit = self._rootable[key] = (self._by_target(node), node.target)  # keeps the id alive
        return hit[0]

    def _call_facts(self, node: fx.Node) -> tuple:
        """``(_by_target(node), node.target, _inner(node))`` of a call_function node, remembered by target."""
        return TargetFacts.remember(self._rootable_calls, id(node.target),
                                    (self._by_target(node), node.target, self._inner(node)))

    def _by_target(self, node: fx.Node) -> Any:
        """Rules for ``node`` decided by its target: a tuple, None (no rule can root there), or _RESOLVE."""
        ops = self.view.possible_ops(node)
        if ops is None:
            return _RESOLVE
        if self._cannot_root(node, ops):
            return None
        # a call whose arguments do not fit its op resolves to its exact target: decided here only when no
        # rule roots there. Several possible ops (torch.relu may be relu or relu_): the rules of each, in
        # rule-set order; a rule whose root op the node turns out not to be fails its root check.
        if self._may_root_at_target(node):
            return _RESOLVE
        if len(ops) == 1:
            return self.by_root.get(ops[0])
        rules = [entry for op in ops for entry in self.by_root.get(op, ())]
        return tuple(sorted(rules, key=self._rank.__getitem__)) if rules else None

    def _cannot_root(self, node: fx.Node, ops: tuple) -> bool:
        if any(op in self.by_root for op in ops):
            return False
        return not self._may_root_at_target(node)

    def _may_root_at_target(self, node: fx.Node) -> bool:
        """Whether a rule rooted at an exact target or module type (an op the table does not know) may want
        ``node``: a call whose arguments do not fit its spelling resolves to its exact target instead, and a
        module the table knows may still be wanted by a rule rooted at its type."""
        if self._roots_are_names:
            return False
        return node.op == "call_module" or node.target in self.by_root

    def run(self) -> None:
        """The sweep over the candidates in graph order, then the nodes rewrites queued, oldest first.

        Dormant candidates (`_dormant_among`) are not in the sweep: one a rewrite reaches before the
        sweep does is woken into ``_woken`` and visited at its place (`_reach`).
        """
        entries_for, try_rules, enqueue, once = self.entries_for, self._try_rules, self._enqueue, self.once
        sweep = self._candidates()
        queued = self._queued = set(sweep)
        later, woken, dormant = self._later, self._woken, self._dormant
        i, end = 0, len(sweep)
        while True:
            if woken and (i == end or woken[0] < sweep[i]):
                node = self._cursor = heappop(woken)
            elif i < end:
                node = self._cursor = sweep[i]
                i += 1
            elif later:
                if self.rng is not None:
                    later.rotate(-self.rng.randrange(len(later)))
                node = later.popleft()
                self._cursor = None  # the sweep is over: every candidate is behind it
            elif self._computed and dormant and not once:
                self._cursor = None
                self._wake_changed()
                continue
            else:
                break
            queued.discard(node)
            if node._erased or (not node.users and node.op != "output"):
                continue
            entries = entries_for(node)
            if entries:
                done = try_rules(node, entries)
                if done is not None:
                    if not once:
                        enqueue(*done)
                    elif dormant:  # one sweep: a dormant node whose arguments changed is tried at its place
                        for n in done[0]:
                            if n in dormant:
                                self._reach(n)

    def _wake_changed(self) -> None:
        """Queue, in graph order, the dormant candidates some rule may match now though no rewrite reached them.

        Only Python code can do that: a `Compute` replacement is handed the bound nodes and may set another
        node's ``args`` (FX fires no hook for it). Checked once the queue runs dry after such a replacement.
        """
        self._computed = False
        dormant, queued, later, view = self._dormant, self._queued, self._later, self.view
        hopeful = [n for n in dormant if not n._erased
                   and any(e.pattern.may_match(n, view) for e in self.entries_for(n) or ())]
        for node in sorted(hopeful):
            del dormant[node]
            if node not in queued:
                later.append(node)
                queued.add(node)

    def _reach(self, node: fx.Node) -> None:
        """A rewrite reached the dormant candidate ``node``: it is an ordinary node from now on, visited at its
        place if that is ahead of the sweep."""
        del self._dormant[node]
        cursor = self._cursor
        if cursor is not None and cursor < node and node not in self._queued:
            heappush(self._woken, node)
            self._queued.add(node)

    def _candidates(self) -> list[fx.Node]:
        """The nodes some rule may root at, but dormant ones (noted in `_dormant`), in graph order: one
        decision per call_function target."""
        groups = decided_groups(self.gm.graph, self._target_rules)
        if self.rng is not None:  # a drawn order: every candidate in the sweep (dormancy assumes graph order)
            found = sorted(n for rules, nodes in groups if rules is not None for n in nodes)
            self.rng.shuffle(found)
            return found
        self._dormant = dormant = self._dormant_among(groups)
        if dormant:
            found = [n for rules, nodes in groups if rules is not None for n in nodes if n not in dormant]
        else:
            found = [n for rules, nodes in groups if rules is not None for n in nodes]
        found.sort()  # graph order (Node compares by position)
        return found

    def _dormant_among(self, groups: list) -> dict[fx.Node, None]:
        """Candidates at which no rule's ``may_match`` holds now (a set, in the groups' order).

        ``may_match`` reads only the targets of a node's inputs, so it keeps failing until a rewrite changes
        the node's arguments or turns one of its inputs into another call in place, and either reaches the
        node: ``run`` leaves it out of its sweep until then (`_reach`). Found from the other side: the nodes
        that may be an op a rule needs among its root's inputs (its anchor) and their users. Done for a target
        only when every one of its rules has anchors fewer than the target's nodes (``mul`` roots,
        ``sigmoid`` anchors); otherwise its nodes are tried one by one as usual.
        """
        view, dormant, anchors = self.view, {}, None
        for rules, nodes in groups:
            if type(rules) is not tuple or len(nodes) < 2:
                continue
            awake: set[fx.Node] = set()
            first = next(iter(nodes))  # (FX's own collection: decided_groups does not copy it)
            op, target = first.op, first.target
            for entry in rules:
                needed = entry.pattern.input_ops
                if not needed:
                    break  # this rule may match anywhere
                if anchors is None:  # the nodes of the ops some rule needs under its root
                    anchors = nodes_by_possible_op(self.gm.graph, view.possible_ops, self.plan.input_ops)
                by_op, unsure = anchors
                near = min((by_op.get(op_needed, ()) for op_needed in needed), key=len)
                if len(near) + len(unsure) >= len(nodes):
                    break  # no cheaper than trying every node
                may_match = entry.pattern.may_match
                for anchor in (*near, *unsure):
                    for user in anchor.users:
                        if user.target is target and user.op == op and user not in awake and may_match(user, view):
                            awake.add(user)
            else:  # every rule was asked from its anchors (the nodes' hashes are their ids: no node is read)
                dormant.update(dict.fromkeys(nodes))
                for n in awake:
                    del dormant[n]
        return dormant

    def _enqueue(self, changed: list[fx.Node], survivors: list[fx.Node]) -> None:
        """Queue what a rewrite may have made matchable (`fxcore.edit.surgery.Rewritten`): the changed nodes (new
        nodes, a reused root, users whose arguments now read another value) as roots; and, up to the plan's
        depth, the users of every changed node or survivor (a node that lost a user) that may be an inner node
        of some rule's match, climbing through such nodes only (below a match's root, every node on the way
        down to one of its nodes is an inner node)."""
        target_rules, top, inner = self._target_rules, self.plan.depth, self._may_be_inner
        queued, later, dormant, calls = self._queued, self._later, self._dormant, self._rootable_calls
        nodes, lifted = changed, []
        for node in survivors:  # not a root of anything new (its arguments are as they were): its users are level 1
            hit = calls.get(id(node.target)) if node.op == "call_function" else None
            if not node._erased and (hit[2] if hit is not None else inner(node)):
                lifted.extend(node.users)
        for level in range(top + 1):
            above, lifted = lifted, []
            for node in nodes:
                if node._erased:
                    continue
                # (_target_rules and _may_be_inner, the commonest case inlined: a call_function target seen before)
                hit = calls.get(id(node.target)) if node.op == "call_function" else None
                if (hit[0] if hit is not None else target_rules(node)) is not None and node not in queued:
                    if dormant and node in dormant:  # some rule may root here
                        self._reach(node)
                    if node not in queued:
                        later.append(node)
                        queued.add(node)
                if level < top and (hit[2] if hit is not None else inner(node)):
                    above.extend(node.users)
            nodes = above

    def _may_be_inner(self, node: fx.Node) -> bool:
        """`_inner`, cached per call_function target."""
        if node.op == "call_function":
            hit = self._rootable_calls.get(id(node.target))
            return (hit if hit is not None else self._call_facts(node))[2]
        return self._inner(node)

    def _inner(self, node: fx.Node) -> bool:
        """May ``node`` be an inner node of some rule's match? Only if it may be one of `RulePlan.inner_ops`."""
        inner_ops = self.plan.inner_ops
        if inner_ops is None:
            return True
        ops = self.view.possible_ops(node)
        return ops is None or not inner_ops.isdisjoint(ops)

    def _try_rules(self, node: fx.Node, entries: tuple[_Entry, ...]) -> tuple[list, list] | None:
        view, attempts, clock = self.view, self.attempts, time.perf_counter
        for entry in entries:
            rule_id = entry.rule_id
            attempts[rule_id] += 1
            if not entry.pattern.may_match(node, view):  # read from targets: not worth timing
                continue
            start = clock()
            try:
                done = self._try(node, entry)
            finally:
                self.seconds[rule_id] += clock() - start
            if done is not None:
                return done
        return None

    def _try(self, node: fx.Node, entry: _Entry) -> tuple[list, list] | None:
        """Rewrite at ``node`` with ``entry``'s rule if it matches: (changed nodes, survivors) for `_enqueue`."""
        match = entry.pattern.match(node, view=self.view)
        if not match:
            return None
        rule = entry.rule
        if entry.guarded and not rule.guard_holds(match.bindings, describe, result=node):
            return None
        name, trace = node.name, node.meta.get("stack_trace")
        roots = match.roots or (node,)
        vals = [root.meta.get("val") for root in roots]  # what the users saw: the replacement must give the same
        self.watch.before_rewrite(node)  # while its arguments are intact: surgery may erase it
        try:
            if entry.computed:
                self._computed = True  # (see _wake_changed)
                term = replacement_term(rule, match, self.gm, self.journal, self._tensors)
                if term is None:  # the Python replacement declined this match
                    return None
            else:
                term = rule.replacement
            effects = self._effects or self._read_effects()
            why = refusal(effects, match, term)
            if why is not None:
                self.refused.append(Refusal(rule.id, name, why))
                return None
            new_nodes, values, rewired, survivors = rewrite_match(
                self.gm, match, term, rule_id=rule.id, table=self.emit_table, view=self.view,
                before_reuse=self._before_reuse, inner_ops=entry.pattern.inner_ops)
        except RuleError:
            raise
        except Exception as exc:
            raise ApplyError(
                f"rule {rule.id!r} failed while rewriting node {name!r}: {type(exc).__name__}: {exc}\n"
                f"  the module was left unchanged; fix the rule's replacement or add a guard "
                f"that excludes this node"
            ) from exc
        for val, value in zip(vals, values):
            if val is not None:
                self._check_val(rule.id, name, val, value)
        new_value = values[0]  # what the root's users see now
        for root, value in zip(match.roots or (node,), values):
            effects.replaced(root, value, owned=value is root or value in new_nodes or value in match.nodes)
        self.fired[rule.id] += 1
        # Rewrite(...) without its NamedTuple's Python-level __new__
        self.rewrites.append(_new_tuple(Rewrite, (rule.id, name, trace,
                                                  tuple([n.name for n in new_nodes]) if new_nodes else (),
                                                  entry.assumes)))
        self.watch.record(rule.id, node, new_value)
        if new_value is node and self._dormant:  # the root became the new call in place: its users' arguments
            for user in node.users:  # are the same objects, but they are not dormant any more (_dormant_among)
                if user in self._dormant:
                    self._reach(user)
        return (new_nodes + rewired if rewired else new_nodes), survivors

    @staticmethod
    def _check_val(rule_id: str, name: str, val, value) -> None:
        """Raise `ReplacementTypeError` if ``value`` is not of ``val``'s shape, dtype and device."""
        new = value.meta.get("val", val) if isinstance(value, Node) else value  # (no val: not computable)
        mismatch = val_mismatch(val, new)
        if mismatch is not None:
            raise ReplacementTypeError(
                f"rule {rule_id!r} at node {name!r}: the replacement gives {mismatch}\n"
                f"  the module was left unchanged; fix the replacement, or add a guard such as "
                f"'result.shape == x.shape and result.dtype == x.dtype'")

    def _read_effects(self) -> GraphEffects:
        self._effects = GraphEffects(self.gm.graph, self.view)
        return self._effects

    def report(self, before: int, after: int, seconds: float, dry_run: bool) -> Report:
        idle, fired, spent = self.plan.idle_stats, self.fired, self.seconds  # most rules of a big set never try
        stats = tuple([RuleStats(rid, fired[rid], tried, spent[rid]) if tried else idle[rid]
                       for rid, tried in self.attempts.items()])
        return Report(self.plan.name, tuple(self.rewrites), stats, before, after, seconds, dry_run,
                      skipped=self.plan.skipped, refused=tuple(self.refused), removed=self.removed)
