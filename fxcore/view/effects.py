"""What a graph writes in place and which of its values share storage: the facts a safe rewrite needs.

Every value of a graph gets its storage *origins*: the nodes whose storage it may share. A fresh value
(``add``, ``relu``, a placeholder, a parameter) is its own origin; a view (``transpose``, ``view``,
``select``, an in-place op's result) has its input's origins; a value that *may* alias its input
(``reshape``, ``contiguous``, ``to``, ``dropout`` in eval, anything unknown) has both. A write (an
in-place op, an ``out=`` argument, ``setitem``, ``copy_``, a module called with ``inplace=True``)
writes every origin of the value it writes.

Sources of the facts, most precise first: the alias annotations of an aten schema (``Tensor(a!)``
written, ``-> Tensor(a)`` a view), the canonical op of a torch-level spelling (`fxcore.ops`), and
conservative defaults for what is unknown: an unknown call may alias its inputs, and an unknown
callable or module from outside torch may write them.

>>> import torch, torch.fx as fx
>>> def f(x):
...     y = x * 1.0
...     y.mul_(2)
...     return x + y.t()
>>> g = fx.symbolic_trace(f).graph
>>> fx_ = GraphEffects(g)
>>> x, y, mul_, t = [n for n in g.nodes][:4]
>>> fx_.functional, [w.name for w in fx_.writers_of(fx_.origins(y))]
(False, ['mul_'])
>>> sorted(n.name for n in fx_.origins(t)), fx_.origins(x) == {x}
(['mul'], True)

See Also
--------
fxcore.edit.alias_check : refuses rewrites that would make a write visible through a new alias.
"""
from __future__ import annotations

import functools
import inspect
import operator
from typing import Any

import torch
from torch.fx import Graph, Node

from fxcore.ops import default_table
from fxcore.view.targets import target_groups

__all__ = ["GraphEffects", "FRESH", "VIEW", "MAY", "op_alias_kind", "op_writes"]

FRESH, VIEW, MAY = "fresh", "view", "may"  # a value's relation to its inputs' storage

# canonical ops whose result may be the input itself or a copy, whatever their schema says
_MAY_ALIAS = frozenset({
    "reshape", "reshape_as", "contiguous", "to", "type_as", "flatten", "ravel", "dropout", "alpha_dropout",
    "feature_dropout", "feature_alpha_dropout", "conj", "conj_physical", "resolve_conj", "resolve_neg",
    "unsafe_chunk", "getitem", "float", "double", "half", "bfloat16", "int", "long", "short", "bool", "byte",
    "char", "type", "cpu", "cuda", "expand_as", "broadcast_to", "squeeze", "unflatten", "view_as",
})
# results that share their input's storage although the schema does not say so
_ALWAYS_VIEW = frozenset({"identity", "_unsafe_view", "lift_fresh", "data"})
_INPLACE_OPERATORS = frozenset({operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ifloordiv,
                                operator.imod, operator.ipow, operator.iand, operator.ior, operator.ixor,
                                operator.ilshift, operator.irshift, operator.imatmul, operator.setitem})
_TRUSTED_MODULES = ("torch", "operator", "_operator", "builtins", "math", "fxcore", "rewrite")


def op_alias_kind(name: str) -> str:
    """How a canonical op's result relates to its inputs' storage: `FRESH`, `VIEW` or `MAY` (alias).

    >>> op_alias_kind('add'), op_alias_kind('transpose'), op_alias_kind('reshape'), op_alias_kind('nope')
    ('fresh', 'view', 'may', 'may')
    """
    return _op_kind(name)


@functools.lru_cache(maxsize=None)
def op_writes(name: str) -> bool:
    """Does the canonical op ``name`` write one of its operands in place (``add_``, ``copy_``, ``index_put_``)?

    >>> op_writes('add_'), op_writes('add'), op_writes('copy_')
    (True, False, True)
    """
    packet = getattr(torch.ops.aten, name, None) if name.isidentifier() else None
    if isinstance(packet, torch._ops.OpOverloadPacket):
        return any(a.alias_info is not None and a.alias_info.is_write
                   for ov in packet.overloads() if not ov.endswith("out")
                   for a in getattr(packet, ov)._schema.arguments)
    opdef = default_table().op(name) if name in default_table() else None
    return bool(opdef is not None and opdef.inplace_of) or (name.endswith("_") and not name.endswith("__"))


@functools.lru_cache(maxsize=None)
def _op_kind(name: str) -> str:
    if name in _MAY_ALIAS:
        return MAY
    if name in _ALWAYS_VIEW:
        return VIEW
    packet = getattr(torch.ops.aten, name, None) if name.isidentifier() else None
    if not isinstance(packet, torch._ops.OpOverloadPacket):
        return MAY if name not in default_table() else FRESH
    kinds = {_schema_kind(getattr(packet, ov)._schema) for ov in packet.overloads() if not ov.endswith("out")}
    return VIEW if kinds == {VIEW} else MAY if VIEW in kinds or MAY in kinds else FRESH


_OVERLOAD_KINDS: dict[int, tuple[str, Any]] = {}  # id(overload) -> (kind, the overload: keeps the id alive)


def _overload_kind(target) -> str:
    """`_kind` of an aten overload, from its name and schema alone (cached by identity: an OpOverload's
    ``__hash__`` is Python code)."""
    hit = _OVERLOAD_KINDS.get(id(target))
    if hit is None:
        name = target._schema.name.split("::")[-1]
        kind = VIEW if name in _ALWAYS_VIEW else MAY if name in _MAY_ALIAS else _schema_kind(target._schema)
        hit = _OVERLOAD_KINDS[id(target)] = (kind, target)
    return hit[0]


def _schema_kind(schema) -> str:
    """FRESH, or VIEW when a result carries an alias annotation (``-> Tensor(a)``, ``Tensor(a!)``)."""
    return VIEW if any(r.alias_info is not None for r in schema.returns) else FRESH


def _schema_writes(node: Node, schema) -> tuple:
    """The argument nodes an aten call writes (``Tensor(a!)``), by position or keyword."""
    out = []
    for i, arg in enumerate(schema.arguments):
        if arg.alias_info is None or not arg.alias_info.is_write:
            continue
        value = node.args[i] if i < len(node.args) and not arg.kwarg_only else node.kwargs.get(arg.name)
        out.extend(_nodes_in(value))
    return tuple(out)


def _nodes_in(value: Any) -> list:
    if isinstance(value, Node):
        return [value]
    if isinstance(value, (tuple, list)):
        return [n for v in value for n in _nodes_in(v)]
    return []


@functools.lru_cache(maxsize=4096)
def _may_write_cached(target: Any) -> bool:
    return _may_write_uncached(target)


def _may_write(target: Any) -> bool:
    """May a call of ``target`` write an argument whatever its keywords (per target, cached when hashable)?"""
    try:
        return _may_write_cached(target)
    except TypeError:
        return _may_write_uncached(target)


def _may_write_uncached(target: Any) -> bool:
    if isinstance(target, torch._ops.OpOverload):
        return any(a.alias_info is not None and a.alias_info.is_write for a in target._schema.arguments)
    if target in _INPLACE_OPERATORS or not _trusted(target):
        return True
    name = getattr(target, "__name__", "")
    return (name.endswith("_") and not name.endswith("__")) or _takes_inplace(target)


def _takes_inplace(fn: Any) -> bool:
    """Does ``fn`` take an ``inplace`` flag (``F.relu(x, True)``: positional, so keywords do not tell)?"""
    try:
        return "inplace" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _trusted(fn: Any) -> bool:
    module = getattr(fn, "__module__", None) or getattr(type(fn), "__module__", "")
    return isinstance(fn, (torch._ops.OpOverload, torch._ops.OpOverloadPacket, torch._ops.HigherOrderOperator)) \
        or str(module).split(".")[0] in _TRUSTED_MODULES


class GraphEffects:
    """The writes and storage origins of one graph (see the module docstring).

    Writes are read once, when built; origins are computed on demand and memoized. A driver that
    changes the graph tells it what changed (`replaced`), and the facts stay true.
    """

    def __init__(self, graph: Graph, view=None) -> None:
        self.graph, self.view = graph, view
        self._kinds: dict[Node, str] = {}
        self._origins: dict[Node, frozenset] = {}
        self._written: dict[Node, list[Node]] = {}  # origin -> the nodes that write it
        self._reach: set | None = None  # the nodes whose storage a returned value may share (`output_reach`)
        self.writes: dict[Node, tuple] = self._find_writes()  # writer -> the values it writes
        self.functional = not self.writes  # nothing in the graph writes in place
        self._index_writes()

    def _find_writes(self) -> dict[Node, tuple]:
        """Every writer, one decision per call_function target: only the nodes of a target that may write,
        and nodes passing ``out=`` or ``inplace=``, are looked at (FX's side table, `fxcore.view.targets`)."""
        found = []
        for op, target, nodes in target_groups(self.graph):
            if op == "call_function" and not _may_write(target):
                if isinstance(target, torch._ops.OpOverload):
                    continue  # its schema says it writes nothing (an out= overload is another target)
                nodes = [n for n in nodes if n.kwargs and ("out" in n.kwargs or "inplace" in n.kwargs)]
            elif op not in ("call_function", "call_method", "call_module"):
                continue
            found.extend((n, w) for n in nodes for w in (self._writes_of(n),) if w)
        return dict(sorted(found))

    def _index_writes(self) -> None:
        self._written = {}
        for writer, values in self.writes.items():
            for value in values:
                for origin in self.origins(value):
                    self._written.setdefault(origin, []).append(writer)

    def writers_of(self, origins) -> list[Node]:
        """The nodes that write any of ``origins``, in graph order."""
        found = {w for o in origins for w in self._written.get(o, ())}
        return sorted(found)

    def written(self, origins) -> bool:
        """Does anything write one of ``origins``?"""
        written = self._written
        return bool(written) and any(o in written for o in origins)

    def origins(self, node: Any) -> frozenset:
        """The storage origins of ``node``'s value (iterative, memoized); a literal has none."""
        if not isinstance(node, Node):
            return frozenset()
        memo, stack = self._origins, [node]
        while stack:
            n = stack[-1]
            if n in memo:
                stack.pop()
                continue
            kind = self.kind(n)
            inputs = () if kind is FRESH else self._aliased_inputs(n, kind)
            missing = [i for i in inputs if i not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            own = frozenset((n,)) if kind is not VIEW else frozenset()
            memo[n] = own.union(*(memo[i] for i in inputs)) if inputs else own or frozenset((n,))
        return memo[node]

    @staticmethod
    def _aliased_inputs(node: Node, kind: str) -> list:
        """The inputs whose storage the value may share: the first tensor for a view, all for MAY."""
        inputs = node.all_input_nodes
        return inputs[:1] if kind is VIEW else list(inputs)

    def output_reach(self) -> set:
        """The values whose storage the caller may receive: those returned, and up from them every input a
        view or may-alias value shares storage with (a returned ``t(y)`` reaches ``y``; ``add(y, z)`` stops)."""
        if self._reach is None:
            out = self.graph.find_nodes(op="output")  # (FX's side table: no walk over the graph)
            reach, stack = set(), [v for o in out for v in o.all_input_nodes]
            while stack:
                node = stack.pop()
                if node in reach:
                    continue
                reach.add(node)
                kind = self.kind(node)
                if kind is not FRESH:
                    stack.extend(self._aliased_inputs(node, kind))
            self._reach = reach
        return self._reach

    def replaced(self, old: Node, new: Any, owned: bool) -> None:
        """``old``'s users now read ``new``: forget what that changed. ``owned``: ``new`` is ``old`` itself
        changed in place, or a node nobody else reads (made by the rewrite, or an inner node of the match);
        when it is fresh storage too, it takes over ``old``'s place as an origin, writes included."""
        reach = self._reach  # what is returned changes only if the storage went through old
        if reach is not None and old in reach:
            self._reach = None
        if self._origins:
            self._origins.clear()
        self._kinds.pop(old, None)
        if not self.writes:  # (a rewrite adds no writes: `fxcore.edit.alias_check` refuses a replacement that would)
            return
        fresh = owned and isinstance(new, Node) and self.kind(new) is FRESH
        if old in self.writes:  # a writer itself was rewritten: read the writes again
            self.writes = self._find_writes()
            self.functional = not self.writes
            self._index_writes()
        elif fresh and isinstance(new, Node) and old in self._written:
            self._written[new] = self._written.pop(old)

    def kind(self, node: Node) -> str:
        """`FRESH`, `VIEW` or `MAY`: how ``node``'s value relates to its inputs' storage (memoized; per target
        for aten overloads, whose schema alone decides)."""
        kind = self._kinds.get(node)
        if kind is None:
            target = node.target
            if type(target) is torch._ops.OpOverload:
                kind = _overload_kind(target)
            else:
                kind = self._kinds[node] = self._kind(node)
        return kind

    def _kind(self, node: Node) -> str:
        op, target = node.op, node.target
        if op in ("placeholder", "get_attr", "output"):
            return FRESH
        if op == "call_function" and target in _INPLACE_OPERATORS:
            return VIEW
        if isinstance(target, torch._ops.OpOverload):
            return _overload_kind(target)
        if op == "call_module":
            module = self._module(target)
            if module is None or not _trusted(type(module)):
                return MAY
        name = self._canonical(node)
        if isinstance(name, str):
            return _op_kind(name) if not (op == "call_method" and name.endswith("_")) else VIEW
        if op == "call_method":
            return VIEW if target.endswith("_") and not target.endswith("__") else MAY
        return MAY

    def _canonical(self, node: Node) -> Any:
        if self.view is not None:
            return self.view.resolve(node)[0]
        from fxcore.ops import canonical_op
        return canonical_op(node)

    def _module(self, target: str):
        owner = self.graph.owning_module
        try:
            return owner.get_submodule(target) if owner is not None else None
        except AttributeError:
            return None

    def _writes_of(self, node: Node) -> tuple:
        """The values ``node`` writes in place (usually none)."""
        op, target = node.op, node.target
        if op not in ("call_function", "call_method", "call_module"):
            return ()
        out = tuple(_nodes_in(node.kwargs.get("out")))
        if isinstance(target, torch._ops.OpOverload):
            return _schema_writes(node, target._schema) + out
        first = tuple(_nodes_in(node.args[:1]))
        if op == "call_function" and target in _INPLACE_OPERATORS:
            return first
        if node.kwargs.get("inplace") is True:
            return first + out
        if op == "call_module":
            module = self._module(target)
            if module is None or not _trusted(type(module)):
                return tuple(node.all_input_nodes)
            return first if getattr(module, "inplace", False) is True else out
        if op == "call_method":
            return first + out if target.endswith("_") and not target.endswith("__") else out
        if not _trusted(target):
            return tuple(node.all_input_nodes)
        name = self._canonical(node)
        if isinstance(name, str):
            opdef = default_table().op(name) if name in default_table() else None
            if opdef is not None and opdef.impure and (opdef.inplace_of or name.endswith("_")):
                return first + out
        elif getattr(target, "__name__", "").endswith("_") and not target.__name__.endswith("__"):
            return first + out
        return out
