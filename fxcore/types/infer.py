"""The inference engine shared by the checker and refinement: passes over the graph, constraint solving.

One pass visits the nodes in graph (topological) order and applies each node's
rule. Dimension equalities that involve dimension variables are collected as
:class:`~fxcore.types.rules_core.Constraint` values and solved together with
``unify`` at the end of the pass; the most general unifier is substituted into
every node type. When refining, a further pass starts from the substituted
input types, until the types no longer change (usually two passes). Cost is
linear in the graph per pass; nothing recurses on graph depth.

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

from .errors import GradualTypeError, MissingTypeRuleError
from .meta import TYPE_KEY, meta_type, type_from_value
from .rules_core import Constraint, RuleContext, TypeRules
from .rules_elementwise import same_shape
from .tensor_types import Dyn, ScalarType, TensorType, as_type, meet

__all__ = ["infer_types", "substitute", "Inference"]

MAX_PASSES = 4


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


class Inference:
    """One type inference over a GraphModule: node types, the substitution, the constraints."""

    def __init__(self, gm: torch.fx.GraphModule, rules: TypeRules, table: Any = None, env: Optional[Mapping] = None,
                 symbolic: bool = False, use_meta: bool = True, strict: bool = False) -> None:
        from fxcore.ops import default_table

        self.gm, self.rules, self.table = gm, rules, default_table() if table is None else table
        self.env, self.symbolic, self.use_meta, self.strict = dict(env or {}), symbolic, use_meta, strict
        self.types: dict = {}
        self.subst: dict = {}
        self.constraints: list = []
        self.untyped: list = []
        self._fresh: dict = {}
        self._attr_types: dict = {}
        self._resolved: dict = {}

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
            current = {n: substitute(t, self.subst) for n, t in self.types.items()}
            if not self.symbolic or not self.constraints or current == previous:
                break
            previous = current
        return current

    def _one_pass(self) -> None:
        for node in self.gm.graph.nodes:
            self.types[node] = self._infer_node(node)

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

    def _infer_node(self, node: torch.fx.Node) -> Any:
        if node.op == "placeholder":
            return self._placeholder_type(node)
        if node.op == "get_attr":
            return self.type_of_attr(node.target)
        if node.op == "output":
            return _structure_type(node.args[0] if node.args else None, self.types)
        return self._call_type(node)

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
        """``(op, operands, param names)``, computed once per node (passes reuse it)."""
        if node not in self._resolved:
            self._resolved[node] = self._resolve_uncached(node)
        return self._resolved[node]

    def _resolve_uncached(self, node: torch.fx.Node) -> tuple:
        found = self.table.resolve_node(node)
        if found is not None:
            name, operands = found
            return name, operands, self.table.op(name).param_names
        from fxcore.ops import canonical_op

        if isinstance(node.target, torch._ops.OpOverload):
            return (node.target, *_bind_schema(node.target, node.args, node.kwargs))
        return canonical_op(node, self.table), tuple(node.args) + tuple(node.kwargs.values()), None

    def _call_type(self, node: torch.fx.Node) -> Any:
        op, operands, names = self._resolve(node)
        target = node.target if node.op == "call_function" else None
        rule = self.rules.lookup(op, target) or self._inplace_rule(op)
        if rule is None:
            return self._no_rule(node, op)
        ctx = RuleContext(node, op, operands, names, self)
        try:
            t = rule(ctx)
        except GradualTypeError as e:
            raise e.at(node.name, op, ctx.input_types()) from None
        except (IndexError, ValueError, KeyError, AttributeError, TypeError, ZeroDivisionError) as e:
            raise GradualTypeError(f"the type rule failed with {e!r}", node=node.name, op=op,
                                   input_types=ctx.input_types()) from e
        if self.use_meta and not self.symbolic and _has_meta(node):
            return self._meet_meta(node, op, t)
        return t

    def _inplace_rule(self, op: Any) -> Any:
        """An in-place op without its own rule returns its (mutated) ``self`` operand."""
        if isinstance(op, str) and op in self.table and self.table.op(op).inplace_of:
            return same_shape("self")
        return None

    def _no_rule(self, node: torch.fx.Node, op: Any) -> Any:
        t = meta_type(node) if self.use_meta else Dyn
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


def _has_meta(node: torch.fx.Node) -> bool:
    meta = node.meta
    return "val" in meta or "example_value" in meta or "tensor_meta" in meta


def _bind_schema(target: Any, args: tuple, kwargs: Mapping) -> tuple:
    """Operands and parameter names of an aten call bound by its schema (defaults filled)."""
    names, operands = [], []
    for i, a in enumerate(target._schema.arguments):
        names.append(a.name)
        if i < len(args):
            operands.append(args[i])
        elif a.name in kwargs:
            operands.append(kwargs[a.name])
        else:
            operands.append(a.default_value if a.has_default_value() else None)
    return tuple(operands), tuple(names)


def _structure_type(arg: Any, types: Mapping) -> Any:
    """Types of an output structure: nodes replaced by their types, lists/tuples as tuples."""
    if isinstance(arg, torch.fx.Node):
        return types.get(arg, Dyn)
    if isinstance(arg, (tuple, list)):
        return tuple(_structure_type(a, types) for a in arg)
    if isinstance(arg, dict):
        return tuple(_structure_type(arg[k], types) for k in arg)
    return type_from_value(arg) if arg is not None else None


def infer_types(gm: torch.fx.GraphModule, rules: Optional[TypeRules] = None, *, table: Any = None,
                env: Optional[Mapping] = None, symbolic: bool = False, use_meta: bool = True,
                strict: bool = False, annotate: bool = True) -> "Inference":
    """Run inference; with ``annotate`` store each type in ``node.type`` and ``node.meta['type']``.

    Returns the :class:`Inference` (its ``types``, ``subst``, ``constraints``, ``untyped``).
    """
    if rules is None:
        from .rules_default import default_rules

        rules = default_rules()
    inf = Inference(gm, rules, table, env, symbolic, use_meta, strict)
    inf.types = inf.run()
    if annotate:
        for node, t in inf.types.items():
            node.type = t
            node.meta[TYPE_KEY] = t
    return inf
