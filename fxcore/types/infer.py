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

import contextlib
import gc
import operator
from typing import Any, Iterator, Mapping, Optional

import torch
import torch.fx

from unify import Var, reify, unify

from .calls import CallTyping, hand_set_type
from .compat import project, structure_type, torch_view_rules
from .errors import GradualTypeError
from .meta import TYPE_KEY, WRITTEN_KEY, meta_type, type_from_value
from .resolve import CallResolver
from .rules_core import Constraint, TypeRules
from .tensor_types import Dyn, ScalarType, TensorType, as_type

__all__ = ["infer_types", "substitute", "Inference", "hand_set_type", "write_types", "gc_paused"]

MAX_PASSES = 4
_CALLS = frozenset({"call_function", "call_method", "call_module"})


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


class Inference(CallTyping):
    """One type inference over a GraphModule: node types (and torch's views), the substitution, the constraints."""

    def __init__(self, gm: torch.fx.GraphModule, rules: TypeRules, table: Any = None, env: Optional[Mapping] = None,
                 symbolic: bool = False, use_meta: bool = True, strict: bool = False, view: bool = False,
                 memo: bool = True) -> None:
        from fxcore.ops import default_table

        self.gm, self.rules, self.table = gm, rules, default_table() if table is None else table
        self.env, self.symbolic, self.use_meta, self.strict = dict(env or {}), symbolic, use_meta, strict
        self.types: dict = {}
        self.view: Optional[dict] = {} if view else None
        self.view_rules = torch_view_rules() if view else {}
        self.subst: dict = {}
        self.constraints: list = []
        self.untyped: list = []
        self.resolver = CallResolver(self.table, gm, memo)
        self.memo = memo
        self._fresh: dict = {}
        self._attr_types: dict = {}
        self._resolved: dict = {}
        self._modules: dict = {}
        self._inplace: dict = {}
        self._results: dict = {}
        self._views: dict = {}
        self.effects = 0  # operand refinements so far: a rule application that made one is not memoized

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
        self.effects += 1
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

    def _resolve(self, node: torch.fx.Node, key: Any, nodes: list) -> tuple:
        """``(op, operands, param names)``; memoized per node across the passes of a refinement."""
        if not self.symbolic:
            return self.resolver.resolve(node, key, nodes)
        found = self._resolved.get(node)
        if found is None:
            found = self._resolved[node] = self.resolver.resolve(node, key, nodes)
        return found



def infer_types(gm: torch.fx.GraphModule, rules: Optional[TypeRules] = None, *, table: Any = None,
                env: Optional[Mapping] = None, symbolic: bool = False, use_meta: bool = True,
                strict: bool = False, annotate: bool = True, view: bool = False, memo: bool = True) -> "Inference":
    """Run inference; with ``annotate`` store each type in ``node.meta['type']`` (and with ``view``, torch's
    view of it in ``node.type``).

    Returns the :class:`Inference` (its ``types``, ``view``, ``subst``, ``constraints``, ``untyped``).
    ``memo=False`` types every node on its own (no replay of an equal call: for checking the memos).
    """
    if rules is None:
        from .rules_default import default_rules

        rules = default_rules()
    inf = Inference(gm, rules, table, env, symbolic, use_meta, strict, view, memo)
    with gc_paused():
        inf.types = inf.run()
        if annotate:
            write_types(inf)
    return inf


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic collector while a pass runs (as ``fxcore.edit.gc_pause``, which types may not import).

    A pass allocates many small containers (types, keys, contexts) that all live until it ends and
    form no reference cycle; the collector's young-generation runs walk them for nothing, and its
    full runs walk the whole graph: on 40k nodes that made refinement grow faster than the graph
    (bench_types). A collector that was already off is left off.

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Node.__setattr__ re-files the node in the graph's find_nodes table (a dict popped and refilled) on every attribute
# write, which grows faster than the graph (6.3x from 10k to 40k nodes where a plain write grows 4.2x, bench_types);
# the table is keyed by op and target only, so writing ``type`` need not touch it (and leaves find_nodes' order alone).
def write_types(inf: Inference) -> None:
    """Store the precise types in ``meta['type']`` and, when computed, torch's views in ``node.type``."""
    view, set_attr = inf.view, object.__setattr__
    if view is None:
        for node, t in inf.types.items():
            node.meta[TYPE_KEY] = t
        return
    for node, t in inf.types.items():
        meta, v = node.meta, view[node]
        if type(v) is not TensorType:
            v = project(v)
        meta[TYPE_KEY] = t
        meta[WRITTEN_KEY] = v
        set_attr(node, "type", v)  # not node.type = v: see above
