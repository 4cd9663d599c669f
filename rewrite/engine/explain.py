"""``rewrite.explain``: why a rule does (not) fire at the nodes it could root at, without changing anything.

For each candidate node (those of the rule's root op, or the one asked about): the first mismatch and the
best partial match if the pattern does not match; else what the guards said (false, undecided and on what
missing fact, or the error one raised); else whether the rewrite would be refused (and why); else that it
would fire.

>>> import torch, torch.fx as fx
>>> import rewrite
>>> gm = fx.symbolic_trace(lambda a, b: torch.relu(a) * 1 + torch.neg(torch.neg(b)))
>>> print(explain(gm, rewrite.load("std:algebraic"), "mul-one"))
rule 'mul-one': mul(~x, 1)
  node 'mul': the pattern matches (~x = node 'relu'); guard 'result.dtype == x.dtype and result.shape == x.shape' undecided: result (node 'mul') has no shape or dtype metadata: the graph has no meta['val']; pass example_inputs to rewrite.apply

See Also
--------
rewrite.engine.report.Report.why_not : the same causes, tallied by apply.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.fx as fx

from fxcore.edit.alias_check import refusal
from fxcore.match.diagnose import show_term, show_value
from fxcore.ops import default_table
from fxcore.view.canonical import CanonicalView
from fxcore.view.effects import GraphEffects
from rewrite.errors import RuleError
from rewrite.lang.facts import describe
from rewrite.lang.loader import load
from rewrite.lang.rule import Compute
from rewrite.lang.ruleset import RuleSet

__all__ = ["explain", "Explanation"]


@dataclass(frozen=True)
class Explanation:
    """What ``explain`` found: the rule, its pattern, and one line per candidate node."""

    rule_id: str
    pattern: str
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join([f"rule {self.rule_id!r}: {self.pattern}", *(f"  {line}" for line in self.lines)])


def explain(gm: fx.GraphModule, ruleset, rule_id: str, node=None, *, table=None) -> Explanation:
    """Why rule ``rule_id`` of ``ruleset`` does or does not fire at each node of its root op in ``gm`` (or at
    ``node``, a Node or its name)."""
    ruleset = ruleset if isinstance(ruleset, RuleSet) else load(ruleset)
    if rule_id not in ruleset:
        from rewrite.errors import did_you_mean
        raise RuleError(f"no rule {rule_id!r} in rule set {ruleset.name!r}",
                        hint=did_you_mean(rule_id, ruleset.ids()) or "see ruleset.ids()")
    rule = ruleset[rule_id]
    from fxcore.match import compile_pattern
    view = CanonicalView(table or default_table())
    pattern = compile_pattern(rule.pattern, view.table)
    candidates = _candidates(gm, pattern, view, node)
    if not candidates:
        return Explanation(rule_id, show_term(rule.pattern),
                           (f"no node of its root op {pattern.root_op!r} in the graph",))
    effects = GraphEffects(gm.graph, view)
    return Explanation(rule_id, show_term(rule.pattern),
                       tuple(_at(n, rule, pattern, view, gm, effects) for n in candidates))


def _candidates(gm, pattern, view, node) -> list:
    if node is not None:
        wanted = node if isinstance(node, fx.Node) else next((n for n in gm.graph.nodes if n.name == node), None)
        if wanted is None:
            raise RuleError(f"no node named {node!r} in the graph",
                            hint="node names are those of gm.graph (print(gm.graph))")
        return [wanted]
    return [n for n in gm.graph.nodes if n.op.startswith("call") and view.key(n) == pattern.root_op]


def _at(node, rule, pattern, view, gm, effects) -> str:
    match = pattern.match(node, view=view)
    if not match:
        partial = ", ".join(f"{k!r} = {show_value(v)}" for k, v in match.partial.items()) or "nothing bound"
        return f"node {node.name!r}: no match: {match.reason}; best partial match: {partial}"
    bound = ", ".join(f"{k!r} = {show_value(v)}" for k, v in match.bindings.items())
    head = f"node {node.name!r}: the pattern matches ({bound})"
    if rule.guards:
        verdict = rule.guard_verdict(match.bindings, describe, result=node)
        if verdict.value is False:
            return f"{head}; guard {verdict.guard!r} is false"
        if verdict.value is not True:
            return f"{head}; guard {verdict.guard!r} undecided: {verdict.reason}"
    if isinstance(rule.replacement, Compute):
        return f"{head}; the guards hold; a Python replacement decides (not run by explain)"
    why = refusal(effects, match, rule.replacement)
    if why is not None:
        return f"{head}; the rewrite would be refused: {why}"
    return f"{head}; the guards hold: it fires"
