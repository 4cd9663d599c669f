"""Why a rule's matches did not fire, tallied during one apply: a guard was false, undecided or raised, or the
rewrite was refused. The cold path of the driver: nothing here runs for a match that fires.

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from rewrite.lang.rule import Rule
>>> x = var('x')
>>> rule = Rule('r', ('relu', x), x, guards=('x.ndim == 4',))
>>> gm = fx.symbolic_trace(lambda a: torch.relu(a))
>>> relu = [n for n in gm.graph.nodes if n.op == 'call_function'][0]
>>> outcomes = Outcomes()
>>> outcomes.guard_failed(rule, relu, {x: relu.args[0]}, rule.guard_value({x: relu.args[0]}, result=relu))
>>> outcomes.tally('r').undecided, outcomes.tally('r').why
(1, "guard 'x.ndim == 4' undecided at node 'relu': x (node 'a') has no shape or dtype metadata: ...")

See Also
--------
rewrite.engine.report.RuleStats : where the tallies end up.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

from rewrite.lang.facts import Unknown, describe

__all__ = ["Outcomes", "Tally", "GuardWarning"]


class GuardWarning(UserWarning):
    """A guard raised a Python error (division by zero, ...): it counts as undecided, so the rule did not fire."""


@dataclass
class Tally:
    """One rule's matches that did not fire, by cause, and the first cause in words."""

    guard_false: int = 0
    undecided: int = 0
    raised: int = 0
    refused: int = 0
    why: str = ""


class Outcomes:
    """The tallies of one apply, per rule id (only rules with a match that did not fire have one)."""

    def __init__(self):
        self._tallies: dict[str, Tally] = {}

    def tally(self, rule_id: str) -> Tally:
        found = self._tallies.get(rule_id)
        if found is None:
            found = self._tallies[rule_id] = Tally()
        return found

    def get(self, rule_id: str) -> Tally | None:
        return self._tallies.get(rule_id)

    def guard_failed(self, rule, node, bindings, value) -> None:
        """Count a match whose guards gave ``value`` (False or UNKNOWN) at ``node``; warn once if one raised."""
        tally = self.tally(rule.id)
        if value is False:
            tally.guard_false += 1
            if not tally.why:
                verdict = rule.guard_verdict(bindings, describe, result=node)
                tally.why = f"guard {verdict.guard!r} false at node {node.name!r}"
            return
        if not isinstance(value, Unknown):
            return
        verdict = rule.guard_verdict(bindings, describe, result=node)
        if verdict.raised:
            tally.raised += 1
            if tally.raised == 1:
                warnings.warn(f"rule {rule.id!r}: guard {verdict.guard!r} {verdict.reason} at node {node.name!r}; "
                              f"it counts as undecided, so the rule did not fire there", GuardWarning, stacklevel=5)
        else:
            tally.undecided += 1
        if not tally.why or (verdict.raised and tally.raised == 1):
            tally.why = f"guard {verdict.guard!r} undecided at node {node.name!r}: {verdict.reason}"

    def refused(self, rule_id: str, node_name: str, reason: str) -> None:
        """Count a rewrite refused at ``node_name`` (it would have changed the numbers)."""
        tally = self.tally(rule_id)
        tally.refused += 1
        if not tally.why:
            tally.why = f"refused at node {node_name!r}: {reason}"
