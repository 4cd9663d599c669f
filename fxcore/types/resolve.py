"""Resolve call nodes to ``(canonical op, operands, parameter names)``, memoized by call shape within one run.

Binding a call to its op schema costs more than typing it. Calls that share a target and their
literal arguments (every ``torch.transpose(x, 0, 1)``, every ``aten.add.Tensor(a, b)``, every call of
one module) bind the same way: only the nodes in the operand slots differ. `CallResolver` binds the
first such call through the op table and replays the result for the others, with their own nodes.
The memo lives as long as the resolver (one type-checking run), so a module changed between runs
is read again.

>>> import torch
>>> from fxcore.ops import default_table
>>> g = torch.fx.Graph(); x, y = g.placeholder('x'), g.placeholder('y')
>>> a, b = g.call_function(torch.transpose, (x, 0, 1)), g.call_function(torch.transpose, (y, 0, 1))
>>> r = CallResolver(default_table(), None)
>>> r(a)[:2], r(b)[:2], r.hits
(('transpose', (x, 0, 1)), ('transpose', (y, 0, 1)), 1)

See Also
--------
fxcore.ops.OpTable.resolve_node : the binding this memoizes.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.fx

from .tensor_types import TensorType

__all__ = ["CallResolver", "bind_schema", "typed_key"]

_LITERALS = frozenset({int, float, bool, str, type(None), torch.dtype, torch.device, torch.layout,
                       torch.memory_format, type(Ellipsis)})
_NODE = torch.fx.Node
_TT = TensorType


class _Slot:
    """The i-th distinct node among a call's arguments (in a memo key and in a replayed result)."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i

    def __repr__(self) -> str:
        return f"<slot {self.i}>"


_SLOTS = tuple(_Slot(i) for i in range(64))


class _Uncacheable(Exception):
    pass


_PLAIN = frozenset({int, str, type(None)})  # literals no other literal equals: they stand for themselves


def _encode(value: Any, out: list, slots: dict) -> None:
    """Append a prefix encoding of an argument to ``out``.

    A node is its slot (a unique object: the index of its first occurrence); an int, str or None
    itself; another literal is tagged with its type (``True`` and ``1.0`` equal ``1``); a container is
    its type, its length, then its elements. Tensors, dicts and user objects raise ``_Uncacheable``.
    """
    t = type(value)
    if t is _NODE:
        slot = slots.get(value)
        if slot is None:
            if len(slots) == len(_SLOTS):
                raise _Uncacheable
            slot = slots[value] = _SLOTS[len(slots)]
        out.append(slot)
    elif t in _PLAIN:
        out.append(value)
    elif t in _LITERALS:
        out.append(t)
        out.append(value)
    elif t is tuple or t is list or isinstance(value, (tuple, list)):  # FX's immutable_list too
        out.append(t)
        out.append(len(value))
        for v in value:
            _encode(v, out, slots)
    elif t is slice:
        out.append(slice)
        _encode(value.start, out, slots)
        _encode(value.stop, out, slots)
        _encode(value.step, out, slots)
    else:
        raise _Uncacheable


def _dtypes(t: Any) -> Any:
    """What ``==`` on types leaves out: the dtypes (of a tensor type, or of the tensors in a tuple type)."""
    if type(t) is tuple:
        return tuple(_dtypes(e) for e in t)
    return getattr(t, "dtype", None)


def _encode_typed(value: Any, out: list, types: dict, default: Any) -> None:
    """As `_encode`, with a node encoded by its type and dtype instead of its slot."""
    t = type(value)
    if t is _NODE:
        vt = types.get(value, default)
        out.append(vt)
        out.append(_dtypes(vt))
    elif t in _PLAIN:
        out.append(value)
    elif t in _LITERALS:
        out.append(t)
        out.append(value)
    elif t is tuple or t is list or isinstance(value, (tuple, list)):
        out.append(t)
        out.append(len(value))
        for v in value:
            _encode_typed(v, out, types, default)
    elif t is slice:
        out.append(slice)
        for v in (value.start, value.stop, value.step):
            _encode_typed(v, out, types, default)
    else:
        raise _Uncacheable


def typed_key(node: torch.fx.Node, types: dict, default: Any) -> Any:
    """The call shape of ``node`` with its argument nodes replaced by their types (``types``, else ``default``).

    Two calls with the same typed key get the same type from a pure rule; None if an argument is not a literal.
    """
    out = [node.op, node.target]
    try:
        for a in node.args:
            t = type(a)
            if t is _NODE:  # the commonest arguments, inline
                vt = types.get(a, default)
                out.append(vt)
                out.append(vt.dtype if type(vt) is _TT else _dtypes(vt))
            elif t is int:
                out.append(a)
            else:
                _encode_typed(a, out, types, default)
        if node.kwargs:
            out.append(dict)
            for k, v in node.kwargs.items():
                out.append(k)
                _encode_typed(v, out, types, default)
    except _Uncacheable:
        return None
    return tuple(out)


def _template(value: Any, slot_of: Mapping) -> Any:
    """The bound operands with this call's nodes replaced by their slots."""
    if type(value) is _NODE:
        return slot_of[value]
    if type(value) is tuple:
        return tuple(_template(v, slot_of) for v in value)
    return value


def _fill(value: Any, nodes: list) -> Any:
    if type(value) is _Slot:
        return nodes[value.i]
    if type(value) is tuple:
        return tuple(_fill(v, nodes) for v in value)
    return value


def bind_schema(target: Any, args: tuple, kwargs: Mapping) -> tuple:
    """Operands and parameter names of an aten call bound by its schema (defaults filled).

    >>> bind_schema(torch.ops.aten.add.Tensor, ('x', 'y'), {})
    (('x', 'y', 1), ('self', 'other', 'alpha'))
    """
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


class CallResolver:
    """``resolver(node) -> (op, operands, param names or None)`` for call nodes, memoized by call shape.

    ``table`` is the op table; ``root`` the GraphModule owning call_module targets (None: the
    node's graph's owner). `key` gives a node's call shape (hashable, or None) and its argument
    nodes in slot order; `resolve` binds with it.
    """

    def __init__(self, table: Any, root: Optional[torch.nn.Module], memo: bool = True) -> None:
        self.table, self.root, self.memo = table, root, memo
        self._memo: dict = {}
        self.hits = 0

    def __call__(self, node: torch.fx.Node) -> tuple:
        key, nodes = self.key(node)
        return self.resolve(node, key, nodes)

    @staticmethod
    def key(node: torch.fx.Node) -> tuple:
        """``(call shape, argument nodes in slot order)``; the shape is None when an argument is not a literal."""
        slots: dict = {}
        out = [node.op, node.target]
        try:
            for a in node.args:
                t = type(a)
                if t is _NODE and len(slots) < len(_SLOTS):  # the commonest arguments, inline
                    slot = slots.get(a)
                    if slot is None:
                        slot = slots[a] = _SLOTS[len(slots)]
                    out.append(slot)
                elif t is int:
                    out.append(a)
                else:
                    _encode(a, out, slots)
            if node.kwargs:
                out.append(dict)
                for k, v in node.kwargs.items():
                    out.append(k)
                    _encode(v, out, slots)
        except _Uncacheable:
            return None, list(slots)
        return tuple(out), list(slots)  # (hashed where it is looked up: an unhashable literal raises TypeError there)

    def resolve(self, node: torch.fx.Node, key: Any, nodes: list) -> tuple:
        """Bind ``node`` (whose `key` is ``key, nodes``), replaying an earlier binding of the same call shape."""
        if key is None or not self.memo:
            return self._bind(node)
        try:
            entry = self._memo.get(key)
        except TypeError:  # an unhashable literal or target
            return self._bind(node)
        if entry is None:
            found = self._bind(node)
            slot_of = {n: _SLOTS[i] for i, n in enumerate(nodes)}
            try:
                self._memo[key] = (found[0], _template(found[1], slot_of), found[2])
            except KeyError:  # an operand node that is not an argument node: never replay this one
                self._memo[key] = False
            return found
        if entry is False:
            return self._bind(node)
        self.hits += 1
        return entry[0], _fill(entry[1], nodes), entry[2]

    def _bind(self, node: torch.fx.Node) -> tuple:
        found = self.table.resolve_node(node)
        if found is not None:
            name, operands = found
            return name, operands, self.table.op(name).param_names
        if isinstance(node.target, torch._ops.OpOverload):
            return (node.target, *bind_schema(node.target, node.args, node.kwargs))
        from fxcore.ops import canonical_op

        return canonical_op(node, self.table), tuple(node.args) + tuple(node.kwargs.values()), None
