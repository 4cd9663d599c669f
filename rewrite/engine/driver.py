"""The worklist driver of one apply: candidates by target, rules tried in plan order, revisits after rewrites.

Most nodes cost a dictionary lookup: which rules may root at a node is read from its target (cached per target,
with the plan), and a rule is tried only when the op terms right under its root may be among the node's inputs
(``CompiledPattern.may_match``), again from targets alone. After a rewrite only what it can have made
matchable is revisited (see `Driver._enqueue`).

See Also:
    rewrite.engine.apply.apply : opens the journal, runs a driver, lints and recompiles.
"""

from __future__ import annotations

import random
import time
from collections import deque
from heapq import heappop, heappush
from typing import Any

import torch.fx as fx
from torch.fx import Node

from fxcore.edit.alias_check import refusal
from fxcore.edit.dialect import for_graph
from fxcore.edit.meta import val_mismatch
from fxcore.edit.surgery import rewrite_match
from fxcore.view.canonical import CanonicalView, TargetFacts
from fxcore.view.effects import GraphEffects
from fxcore.view.targets import decided_groups, nodes_by_possible_op
from rewrite.engine.journal import GraphJournal
from rewrite.engine.outcomes import Outcomes
from rewrite.engine.plan import RulePlan, _Entry
from rewrite.engine.replacement import ModuleTensors, replacement_term
from rewrite.engine.report import Refusal, Report, Rewrite, RuleStats
from rewrite.engine.termination import TerminationWatch
from rewrite.errors import ApplyError, ReplacementTypeError, RuleError
from rewrite.lang.facts import describe

__all__ = ["Driver"]

_new_tuple = tuple.__new__
_RESOLVE = object()  # "the target does not decide: resolve the node to find its rules"


class Driver:
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
        self.outcomes = Outcomes()  # matches that did not fire, by cause (the cold path)
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
        if entry.guarded:
            holds = rule.guard_value(match.bindings, describe, result=node)
            if holds is not True:
                self.outcomes.guard_failed(rule, node, match.bindings, holds)
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
                self.outcomes.refused(rule.id, name, why)
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

    def _stats(self, rule_id: str, fired: int, tried: int, seconds: float) -> RuleStats:
        tally = self.outcomes.get(rule_id)
        if tally is None:
            return RuleStats(rule_id, fired, tried, seconds)
        return RuleStats(rule_id, fired, tried, seconds, tally.guard_false, tally.undecided, tally.raised,
                         tally.refused, tally.why)

    def _read_effects(self) -> GraphEffects:
        self._effects = GraphEffects(self.gm.graph, self.view)
        return self._effects

    def report(self, before: int, after: int, seconds: float, dry_run: bool) -> Report:
        idle, fired, spent = self.plan.idle_stats, self.fired, self.seconds  # most rules of a big set never try
        stats = tuple([self._stats(rid, fired[rid], tried, spent[rid]) if tried else idle[rid]
                       for rid, tried in self.attempts.items()])
        return Report(self.plan.name, tuple(self.rewrites), stats, before, after, seconds, dry_run,
                      skipped=self.plan.skipped, refused=tuple(self.refused), removed=self.removed)
