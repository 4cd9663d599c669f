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

__all__ = ["CallResolver", "bind_schema"]

_LITERALS = frozenset({int, float, bool, str, type(None), torch.dtype, torch.device, torch.layout,
                       torch.memory_format, type(Ellipsis)})
_NODE = torch.fx.Node


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


def _key(value: Any, slots: dict) -> Any:
    """A hashable key for an argument: nodes as their slot, literals with their type, containers tagged."""
    t = type(value)
    if t is _NODE:
        slot = slots.get(value)
        if slot is None:
            if len(slots) == len(_SLOTS):
                raise _Uncacheable
            slot = slots[value] = _SLOTS[len(slots)]
        return slot
    if t in _LITERALS:
        return (t, value)
    if t is tuple or t is list:
        return (t, *(_key(v, slots) for v in value))
    if t is slice:
        return (slice, _key(value.start, slots), _key(value.stop, slots), _key(value.step, slots))
    raise _Uncacheable  # tensors, dicts, user objects: bind this call on its own


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
    node's graph's owner).
    """

    def __init__(self, table: Any, root: Optional[torch.nn.Module]) -> None:
        self.table, self.root = table, root
        self._memo: dict = {}
        self.hits = 0

    def __call__(self, node: torch.fx.Node) -> tuple:
        slots: dict = {}
        try:
            key = (node.op, node.target, _key(node.args, slots), _key(tuple(node.kwargs.items()), slots))
            entry = self._memo.get(key)
        except (_Uncacheable, TypeError):  # TypeError: an unhashable literal or target
            return self._bind(node)
        if entry is None:
            found = self._bind(node)
            try:
                entry = self._memo[key] = (found[0], _template(found[1], slots), found[2])
            except KeyError:  # an operand node that is not an argument node: never replay this one
                self._memo[key] = False
            return found
        if entry is False:
            return self._bind(node)
        self.hits += 1
        return entry[0], _fill(entry[1], list(slots)), entry[2]

    def _bind(self, node: torch.fx.Node) -> tuple:
        found = self.table.resolve_node(node)
        if found is not None:
            name, operands = found
            return name, operands, self.table.op(name).param_names
        if isinstance(node.target, torch._ops.OpOverload):
            return (node.target, *bind_schema(node.target, node.args, node.kwargs))
        from fxcore.ops import canonical_op

        return canonical_op(node, self.table), tuple(node.args) + tuple(node.kwargs.values()), None
