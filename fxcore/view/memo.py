"""Memoized node resolution: nodes with the same call shape share one ``OpTable.resolve_node`` result.

Resolving a node through the op table (binding its args to the canonical
schema, filling defaults) costs tens of microseconds; graphs repeat the same
call shapes thousands of times (``mul(<node>, <node>)``, ``sum(<node>, 1,
True)``).  The *shape* of a call is its op, target and arguments with every
node replaced by a hole numbered by first occurrence (so ``x * x`` and ``x * y``
differ) and every literal tagged with its exact type (so ``1``, ``1.0``,
``True`` and ``-0.0``/``0.0`` differ).  The first node of a shape is resolved
for real; its operands, with nodes turned into holes, are a template that the
next nodes of the same shape fill in.  This relies on the table treating nodes
as opaque values, which is its contract (``node_operands`` keeps nodes as is).

The commonest shape gets a cheaper key: a call_function / call_method whose
arguments are all nodes, passed by position (``mul(a, b)``, ``aten.neg(x)``).
Its resolution depends only on the op kind, the target and the argument count,
so a *positional plan* keyed by those three says which argument goes where and
which defaults follow, without walking the arguments to build a shape.

A memo holds only what the target and the call shape decide, so one memo may
serve views of many graphs (`fxcore.view.canonical.TargetFacts`). Module calls
are not memoized: their resolution reads the module object. The memo forgets
everything once it holds `ResolutionMemo.LIMIT` shapes, so graphs with endless
distinct literals cannot grow it without bound.

See Also
--------
fxcore.view.canonical.TargetFacts : one memo per op table, shared by its views.
"""
from __future__ import annotations

from typing import Any

from torch.fx import Node

__all__ = ["ResolutionMemo"]


class _Hole:
    """The ``i``-th distinct node among a call's arguments."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i

    def __eq__(self, other: object) -> bool:
        return type(other) is _Hole and other.i == self.i

    def __hash__(self) -> int:
        return hash((_Hole, self.i))


_NO_SHAPE = object()


def _shape_of(seq: Any, nodes: dict) -> tuple:
    """A hashable description of an argument sequence: nodes as hole numbers, literals with their type."""
    out = []
    for a in seq:
        if isinstance(a, Node):
            i = nodes.get(a)
            if i is None:
                i = nodes[a] = len(nodes)
            out.append(i)
            continue
        t = type(a)
        if t is float:
            out.append((t, a.hex()))
        elif t is dict:
            out.append((t, tuple(a), _shape_of(a.values(), nodes)))
        elif isinstance(a, (list, tuple)):
            out.append((t, _shape_of(a, nodes)))
        else:
            out.append((t, a))
    return tuple(out)


def _template(value: Any, holes: dict) -> Any:
    """Operands with each argument node replaced by its hole."""
    if isinstance(value, Node):
        return _Hole(holes[value]) if value in holes else _NO_SHAPE
    if type(value) is tuple:
        return tuple(_template(v, holes) for v in value)
    return value


def _fill(template: Any, nodes: list) -> Any:
    if type(template) is _Hole:
        return nodes[template.i]
    if type(template) is tuple:
        return tuple(_fill(v, nodes) for v in template)
    return template


def _has_stray_node(template: Any) -> bool:
    if template is _NO_SHAPE:
        return True
    return type(template) is tuple and any(_has_stray_node(v) for v in template)


class _Plan:
    """Operands of an all-node positional call: ``args`` reordered by ``picks``, then the constant ``tail``."""

    __slots__ = ("name", "picks", "tail", "target")

    def __init__(self, name, picks, tail, target) -> None:
        self.name, self.picks, self.tail = name, picks, tail
        self.target = target  # keeps the target alive: the plan is keyed by its id

    def fill(self, args: tuple) -> tuple:
        picks = self.picks
        head = args if picks is None else tuple([args[i] for i in picks])
        return self.name, head + self.tail if self.tail else head


def _positional_plan(found: tuple, args: tuple, target) -> _Plan | None:
    """The plan that reproduces ``found`` from ``args``, or None if the operands are not that simple."""
    name, operands = found
    if len({id(a) for a in args}) != len(args):  # x * x: which position is which is ambiguous
        return None
    position = {id(a): i for i, a in enumerate(args)}
    picks, k = [], 0
    while k < len(operands) and isinstance(operands[k], Node):
        i = position.get(id(operands[k]))
        if i is None:
            return None
        picks.append(i)
        k += 1
    tail = operands[k:]
    if len(picks) != len(args) or _has_node(tail):
        return None
    return _Plan(name, None if picks == list(range(len(args))) else tuple(picks), tuple(tail), target)


def _has_node(value: Any) -> bool:
    if isinstance(value, Node):
        return True
    return type(value) is tuple and any(_has_node(v) for v in value)


class ResolutionMemo:
    """``resolve(node, compute)``: ``compute(node)`` once per call shape, then template filling.

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); a, b = g.placeholder('a'), g.placeholder('b')
    >>> m1, m2 = g.call_function(torch.mul, (a, b)), g.call_function(torch.mul, (b, a))
    >>> calls = []
    >>> def compute(n): calls.append(n.name); return ('mul', tuple(n.args))
    >>> memo = ResolutionMemo()
    >>> memo.resolve(m1, compute), memo.resolve(m2, compute), calls
    (('mul', (a, b)), ('mul', (b, a)), ['mul'])

    See Also
    --------
    fxcore.view.canonical.CanonicalView
    """

    LIMIT = 4096  # shapes (templates + plans) kept before the memo starts over

    def __init__(self) -> None:
        self._templates: dict = {}
        # (op kind, id(target), argument count) -> _Plan of an all-node positional call; read directly by
        # `fxcore.view.canonical.CanonicalView.resolve` (emptied in place, never replaced)
        self.plans: dict = {}

    def size(self) -> int:
        """How many call shapes are memoized."""
        return len(self._templates) + len(self.plans)

    def _make_room(self) -> None:
        if len(self._templates) + len(self.plans) >= self.LIMIT:
            self._templates.clear()
            self.plans.clear()

    def resolve(self, node: Node, compute) -> tuple:
        op, args = node.op, node._args
        if op == "call_module":  # the module object decides, not the shape
            return compute(node)
        if not node._kwargs:
            for a in args:
                if type(a) is not Node:
                    break
            else:
                key = (op, id(node.target), len(args))
                plan = self.plans.get(key)
                if plan is not None:
                    return plan.fill(args)
                found = compute(node)
                plan = _positional_plan(found, args, node.target)
                if plan is not None:
                    self._make_room()
                    self.plans[key] = plan
                return found
        nodes: dict = {}
        try:
            kwargs = node._kwargs
            # the target by id (aten overloads hash in Python); the entry keeps it alive
            key = (op, id(node.target), _shape_of(args, nodes),
                   (tuple(kwargs), _shape_of(kwargs.values(), nodes)) if kwargs else ())
            entry = self._templates.get(key)
        except TypeError:  # an unhashable literal: no memo for this shape
            return compute(node)
        if entry is not None:
            name, template, _target = entry
            return name, _fill(template, list(nodes))
        found = compute(node)
        name, operands = found
        template = _template(operands, nodes)
        if not _has_stray_node(template):
            self._make_room()
            self._templates[key] = (name, template, node.target)
        return found
