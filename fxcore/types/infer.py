"""The inference engine shared by the checker and refinement: passes over the graph, constraint solving.

One pass visits the nodes in graph (topological) order and applies each node's rule. A type set
by hand on a node (``node.type``, e.g. ``out: TensorType(...) = self.conv(x)``) is met with the
inferred one, and tells rank-preserving rules the rank of an operand of unknown type.
Dimension equalities that involve dimension variables are collected as
:class:`~fxcore.types.rules_core.Constraint` values and solved together with ``unify`` at the end
of the pass; the most general unifier is substituted into every node type. When refining, a
further pass starts from the substituted input types, until the types no longer change (usually
two passes). With ``view=True`` the pass also computes torch's view of each node
(:mod:`fxcore.types.compat`). Cost is linear in the graph per pass; nothing recurses on graph depth.

>>> import torch
>>> gm = torch.fx.symbolic_trace(torch.nn.ReLU())
>>> inf = infer_types(gm, annotate=False)
>>> [str(t) for t in inf.types.values()]
['Dyn', 'Dyn', 'Dyn']

See Also
--------
fxcore.types.checker.GraphTypeChecker, fxcore.types.refine.Refine
"""
from __future__ import annotations

import operator
from typing import Any, Mapping, Optional

import torch
import torch.fx

from unify import Var, reify, unify

from .compat import ViewState, project, structure_type, torch_view_rules
from .errors import GradualTypeError, MissingTypeRuleError
from .meta import TYPE_KEY, WRITTEN_KEY, meta_type, type_from_value
from .relations import meet
from .resolve import CallResolver
from .rules_core import Constraint, RuleContext, TypeRules
from .rules_elementwise import inplace
from .tensor_types import Dyn, ScalarType, TensorType, as_type

__all__ = ["infer_types", "substitute", "Inference", "hand_set_type", "write_types"]

MAX_PASSES = 4
_CALLS = frozenset({"call_function", "call_method", "call_module"})
_RULE_ERRORS = (IndexError, ValueError, KeyError, AttributeError, TypeError, ZeroDivisionError)


def substitute(t: Any, s: Mapping) -> Any:
    """Apply a substitution of dimension variables to a type (types are shallow: no deep recursion).

    >>> from unify import var
    >>> substitute(TensorType((var('b'), 3)), {var('b'): 8})
    TensorType((8, 3))
    """
    if not s:
        return t
    if isinstance(t, TensorType):
        if any(isinstance(d, Var) for d in t.dims):
            return TensorType(tuple(reify(d, s) if isinstance(d, Var) else d for d in t.dims), t.dtype)
        return t
    if isinstance(t, ScalarType) and isinstance(t.value, Var):
        return ScalarType(t.kind, reify(t.value, s))
    if isinstance(t, tuple):
        return tuple(substitute(e, s) for e in t)
    return t


def hand_set_type(node: torch.fx.Node) -> Any:
    """The type set by hand on a node (``node.type``), or None; what the checker wrote itself is not one.

    >>> g = torch.fx.Graph(); x = g.placeholder('x'); x.type = TensorType((2, Dyn))
    >>> hand_set_type(x)
    TensorType((2, Dyn))
    """
    t = node.type
    if t is None or t is node.meta.get(WRITTEN_KEY):
        return None
    t = as_type(t)
    return None if t == Dyn else t


class Inference:
    """One type inference over a GraphModule: node types (and torch's views), the substitution, the constraints."""

    def __init__(self, gm: torch.fx.GraphModule, rules: TypeRules, table: Any = None, env: Optional[Mapping] = None,
                 symbolic: bool = False, use_meta: bool = True, strict: bool = False, view: bool = False) -> None:
        from fxcore.ops import default_table

        self.gm, self.rules, self.table = gm, rules, default_table() if table is None else table
        self.env, self.symbolic, self.use_meta, self.strict = dict(env or {}), symbolic, use_meta, strict
        self.types: dict = {}
        self.view: Optional[dict] = {} if view else None
        self.view_rules = torch_view_rules() if view else {}
        self.subst: dict = {}
        self.constraints: list = []
        self.untyped: list = []
        self.resolver = CallResolver(self.table, gm)
        self._fresh: dict = {}
        self._attr_types: dict = {}
        self._resolved: dict = {}
        self._modules: dict = {}
        self._inplace: dict = {}

    # -- what rules call back into -------------------------------------------------------------
    def type_of_node(self, node: torch.fx.Node) -> Any:
        return self.types.get(node, Dyn)

    def type_of_attr(self, qualname: str) -> Any:
        if qualname not in self._attr_types:
            try:
                value = operator.attrgetter(qualname)(self.gm)
            except AttributeError:
                raise GradualTypeError(f"the module has no attribute {qualname!r}",
                                       hint="check the get_attr target / module parameter name") from None
            self._attr_types[qualname] = type_from_value(value)
        return self._attr_types[qualname]

    def module_of(self, node: torch.fx.Node) -> Any:
        if node.op != "call_module":
            return None
        if node.target not in self._modules:
            try:
                self._modules[node.target] = self.gm.get_submodule(node.target)
            except AttributeError:
                self._modules[node.target] = None
        return self._modules[node.target]

    def refine_node(self, node: torch.fx.Node, t: Any) -> None:
        """An operand of unknown type turned out to be ``t`` (its view follows when it was unknown too)."""
        self.types[node] = t
        if self.view is not None and self.view.get(node, Dyn) == Dyn:
            self.view[node] = t

    def fresh(self, node: torch.fx.Node) -> Any:
        if not self.symbolic:
            return Dyn
        i = self._fresh.get(node, 0)
        self._fresh[node] = i + 1
        return Var(f"{node.name}.{i}")

    def resolve(self, d: Any) -> Any:
        return reify(d, self.subst) if isinstance(d, Var) and self.subst else d

    def constrain(self, c: Constraint) -> None:
        self.constraints.append(c)

    # -- the passes ----------------------------------------------------------------------------
    def run(self) -> dict:
        """Infer every node's type; returns {node: type} with the final substitution applied."""
        previous = None
        for _ in range(MAX_PASSES):
            self.constraints, self._fresh, self.untyped = [], {}, []
            self._one_pass()
            self.subst = self._solve()
            current = {n: substitute(t, self.subst) for n, t in self.types.items()} if self.subst else self.types
            if not self.symbolic or not self.constraints or current == previous:
                break
            previous = current
        return current

    def _one_pass(self) -> None:
        types, view = self.types, self.view
        for node in self.gm.graph.nodes:
            if node.op in _CALLS:
                self._call(node)
                continue
            if node.op == "placeholder":
                t = self._placeholder_type(node)
            elif node.op == "get_attr":
                t = self.type_of_attr(node.target)
            else:
                t = structure_type(node.args[0] if node.args else None, types, type_from_value)
                if view is not None:
                    view[node] = structure_type(node.args[0] if node.args else None, view, type_from_value)
                    types[node] = t
                    continue
            types[node] = t
            if view is not None:
                view[node] = t

    def _solve(self) -> dict:
        """Solve all constraints at once with unify; on failure, locate the first failing one."""
        if not self.constraints:
            return dict(self.subst)
        lhs = tuple(c.lhs for c in self.constraints)
        rhs = tuple(c.rhs for c in self.constraints)
        s = unify(lhs, rhs, self.subst)
        if s is not False:
            return s
        s = dict(self.subst)
        for c in self.constraints:
            s2 = unify(c.lhs, c.rhs, s)
            if s2 is False:
                a, b = reify(c.lhs, s), reify(c.rhs, s)
                raise GradualTypeError(f"{c.why}: {a} != {b} (dimension constraint {c.lhs} == {c.rhs})",
                                       node=c.node, op=c.op)
            s = s2
        return s

    def _placeholder_type(self, node: torch.fx.Node) -> Any:
        t = self.env.get(node, self.env.get(node.name, None))
        t = as_type(node.type if t is None else t)
        if self.use_meta and t == Dyn:
            t = meta_type(node)
        elif self.use_meta:
            t = self._meet_meta(node, "placeholder", t)
        if self.symbolic and isinstance(t, TensorType):
            t = t.with_dims(Var(f"{node.name}.{i}") if d == Dyn else d for i, d in enumerate(t.dims))
        return substitute(t, self.subst)

    def _resolve(self, node: torch.fx.Node) -> tuple:
        """``(op, operands, param names)``; memoized per node across the passes of a refinement."""
        if not self.symbolic:
            return self.resolver(node)
        found = self._resolved.get(node)
        if found is None:
            found = self._resolved[node] = self.resolver(node)
        return found

    def _call(self, node: torch.fx.Node) -> None:
        op, operands, names = self._resolve(node)
        rule = self.rules.lookup(op, node.target if node.op == "call_function" else None) or self._inplace_rule(op)
        hand = hand_set_type(node)
        if rule is None:
            t = self._no_rule(node, op, hand)
        else:
            t = self._apply(rule, node, op, operands, names, self, hand)
            if self.use_meta and not self.symbolic and _has_meta(node):
                t = self._meet_meta(node, op, t)
        self.types[node] = t
        if self.view is not None:
            self.view[node] = self._view_type(node, t, op, operands, names, rule, hand)

    def _apply(self, rule: Any, node: torch.fx.Node, op: Any, operands: tuple, names: Any, state: Any,
               hand: Any) -> Any:
        ctx = RuleContext(node, op, operands, names, state)
        try:
            if hand is not None and isinstance(hand, TensorType):
                _use_hand_set_type(ctx, rule, hand, self)
            t = rule(ctx)
            return t if hand is None else self._meet_hand_set(ctx, t, hand)
        except GradualTypeError as e:
            raise e.at(node.name, op, ctx.input_types()) from None
        except _RULE_ERRORS as e:
            raise GradualTypeError(f"the type rule failed with {e!r}", node=node.name, op=op,
                                   input_types=ctx.input_types()) from e

    def _meet_hand_set(self, ctx: RuleContext, t: Any, hand: Any) -> Any:
        if self.symbolic and isinstance(t, TensorType) and isinstance(hand, TensorType) and t.rank == hand.rank:
            return t.with_dims(ctx.equal(a, b, "the type set by hand on this node") for a, b in zip(t.dims, hand.dims))
        try:
            return meet(t, hand)
        except GradualTypeError:
            ctx.fail(f"the inferred type {t!r} is inconsistent with the type set by hand {hand!r}",
                     hint="fix the annotation (node.type) or the model")

    def _view_type(self, node: torch.fx.Node, t: Any, op: Any, operands: tuple, names: Any, rule: Any,
                   hand: Any) -> Any:
        """torch's view of a call node: ours unless torch's rule differs or an input's view does."""
        view_rule = self.view_rules.get(op) if type(op) is str else None
        if view_rule is not None:
            v = self._apply(view_rule, node, op, operands, names, ViewState(self), None)
            if v is not None:
                return v if hand is None else meet(v, hand)
        if rule is None or self._inputs_agree(node):
            return t
        return self._apply(rule, node, op, operands, names, ViewState(self), hand)

    def _inputs_agree(self, node: torch.fx.Node) -> bool:
        types, view = self.types, self.view
        for n in node.all_input_nodes:
            if view.get(n) is not types.get(n):
                return False
        return True

    def _inplace_rule(self, op: Any) -> Any:
        """An in-place op without its own rule: its out-of-place op's rule, keeping the shape of ``self``."""
        if not (isinstance(op, str) and op in self.table and self.table.op(op).inplace_of):
            return None
        if op not in self._inplace:
            base = self.rules.lookup(self.table.op(op).inplace_of)
            self._inplace[op] = inplace(base) if base is not None else None
        return self._inplace[op]

    def _no_rule(self, node: torch.fx.Node, op: Any, hand: Any) -> Any:
        t = meta_type(node) if self.use_meta else Dyn
        if hand is not None:
            return meet(t, hand)
        if t == Dyn:
            if self.strict:
                raise MissingTypeRuleError("no inference rule for this op", node=node.name, op=op,
                                           hint="add one with default_rules().extended({op: rule}) and pass "
                                                "the new registry as GraphTypeChecker(env, gm, rules)")
            self.untyped.append(node)
        return t

    def _meet_meta(self, node: torch.fx.Node, op: Any, t: Any) -> Any:
        recorded = meta_type(node)
        try:
            return meet(t, recorded)
        except GradualTypeError:
            raise GradualTypeError(f"inferred type {t!r} is inconsistent with the recorded meta type {recorded!r}",
                                   node=node.name, op=op,
                                   hint="the graph's meta['val'] is stale or the graph is ill-typed") from None


def _use_hand_set_type(ctx: RuleContext, rule: Any, hand: TensorType, inference: "Inference") -> None:
    """A rule that keeps its operand's rank (or shape): the hand-set result type tells about the operand."""
    marked = getattr(rule, "keeps_rank", None)
    if marked is None:
        return
    key, when, shape = marked
    value = ctx.arg(key, None)
    if not isinstance(value, torch.fx.Node) or (when is not None and not when(ctx)):
        return
    t = ctx.type_of(value)
    if t == Dyn:
        t = ctx.refine_operand(key, TensorType(tuple(ctx.fresh() for _ in range(hand.rank))))
    if shape and isinstance(t, TensorType) and t.rank == hand.rank and ctx._state is inference:
        inference.types[value] = inference._meet_hand_set(ctx, t, hand)


def _has_meta(node: torch.fx.Node) -> bool:
    meta = node.meta
    return "val" in meta or "example_value" in meta or "tensor_meta" in meta


def infer_types(gm: torch.fx.GraphModule, rules: Optional[TypeRules] = None, *, table: Any = None,
                env: Optional[Mapping] = None, symbolic: bool = False, use_meta: bool = True,
                strict: bool = False, annotate: bool = True, view: bool = False) -> "Inference":
    """Run inference; with ``annotate`` store each type in ``node.meta['type']`` (and with ``view``, torch's
    view of it in ``node.type``).

    Returns the :class:`Inference` (its ``types``, ``view``, ``subst``, ``constraints``, ``untyped``).
    """
    if rules is None:
        from .rules_default import default_rules

        rules = default_rules()
    inf = Inference(gm, rules, table, env, symbolic, use_meta, strict, view)
    inf.types = inf.run()
    if annotate:
        write_types(inf)
    return inf


def write_types(inf: Inference) -> None:
    """Store the precise types in ``meta['type']`` and, when computed, torch's views in ``node.type``."""
    view = inf.view
    for node, t in inf.types.items():
        meta = node.meta
        meta[TYPE_KEY] = t
        if view is not None:
            v = project(view[node])
            node.type = v
            meta[WRITTEN_KEY] = v
