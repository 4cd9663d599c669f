"""A graph's nodes grouped by call target, read from FX's own side table instead of a pass over the nodes.

Every ``torch.fx.Graph`` keeps its nodes grouped by ``(op, target)`` (``call_function``) or by ``op``
alone (every other kind) so that ``Graph.find_nodes`` is a lookup; FX updates the groups on every
insert and erase. A driver that decides per target whether a node is worth visiting can then read
one node per ``call_function`` target instead of every node, and visit the nodes of the targets it
wants only.

The side table is private to FX (``Graph._find_nodes_lookup_table``, present since torch 2.4); if it
is missing or not the expected shape, the groups are built by a pass over ``graph.nodes`` instead,
with the same result.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.neg(torch.relu(x)) + torch.neg(x))
>>> [(op, getattr(t, '__name__', t), [n.name for n in ns]) for op, t, ns in target_groups(gm.graph)]
[('placeholder', None, ['x']), ('call_function', 'relu', ['relu']), ('call_function', 'neg', ['neg', 'neg_1']), ('call_function', 'add', ['add']), ('output', None, ['output'])]
>>> target_groups(gm.graph) == _groups_by_scan(gm.graph)
True
"""

from __future__ import annotations

from typing import Any

from torch.fx import Graph, Node

__all__ = ["target_groups", "target_keys", "decided_groups", "nodes_by_possible_op", "side_table_key"]


def side_table_key(node: Node) -> tuple:
    """``node``'s key in FX's side table (``_FindNodesLookupTable._key``): ``(op, target)`` for a call_function,
    ``(op, None)`` for every other kind.

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); x = g.placeholder('x')
    >>> side_table_key(g.call_function(torch.neg, (x,)))[1] is torch.neg, side_table_key(x)
    (True, ('placeholder', None))
    """
    op = node.op
    return (op, node.target if op == "call_function" else None)


def target_groups(graph: Graph) -> list[tuple[str, Any, list[Node]]]:
    """``(op, target, nodes)`` per ``call_function`` target and ``(op, None, nodes)`` per other op kind.

    Groups come in order of first insertion into the graph, nodes within a group in insertion order
    (not necessarily graph order: sort the nodes you keep, ``Node`` orders by graph position).
    Empty groups are left out.
    """
    return [(op, target, list(nodes)) for op, target, nodes in _live_groups(graph)]


def _live_groups(graph: Graph) -> list[tuple[str, Any, Any]]:
    """`target_groups` with FX's own node collections, live: read them before the graph changes."""
    table = getattr(getattr(graph, "_find_nodes_lookup_table", None), "table", None)
    if not isinstance(table, dict):
        return _groups_by_scan(graph)
    # a snapshot of the groups: find_nodes adds empty groups on a miss
    return [(key[0], key[1], nodes) for key, nodes in list(table.items())
            if nodes and type(key) is tuple and len(key) == 2]


def target_keys(graph: Graph) -> list[tuple[str, Any]]:
    """The ``(op, target)`` of every group of `target_groups`, without copying the groups' nodes.

    >>> import torch, torch.fx as fx
    >>> gm = fx.symbolic_trace(lambda x: torch.neg(x) + torch.neg(x))
    >>> target_keys(gm.graph) == [(op, t) for op, t, _ in target_groups(gm.graph)]
    True
    """
    table = getattr(getattr(graph, "_find_nodes_lookup_table", None), "table", None)
    if not isinstance(table, dict):
        return [(op, target) for op, target, _ in _groups_by_scan(graph)]
    return [key for key, nodes in list(table.items()) if nodes and type(key) is tuple and len(key) == 2]


def decided_groups(graph: Graph, decide) -> list[tuple[Any, list[Node]]]:
    """``(decide(node), nodes)`` pairs covering every node: ``decide`` is asked once per ``call_function``
    target (its first node speaks for all its nodes, so ``decide`` must read nothing but the target),
    once per node of the other kinds.

    A ``call_function`` target's ``nodes`` are FX's own collection, not a copy (most callers keep a few
    groups of many): iterate or copy them before changing the graph.

    >>> import torch, torch.fx as fx
    >>> gm = fx.symbolic_trace(lambda x: torch.neg(x) + torch.neg(x))
    >>> [(d, [n.name for n in ns]) for d, ns in decided_groups(gm.graph, lambda n: n.op)]
    [('placeholder', ['x']), ('call_function', ['neg', 'neg_1']), ('call_function', ['add']), ('output', ['output'])]
    """
    out = []
    for op, _, nodes in _live_groups(graph):
        if op == "call_function":
            out.append((decide(next(iter(nodes))), nodes))
        else:
            out.extend((decide(n), [n]) for n in nodes)
    return out


def nodes_by_possible_op(graph: Graph, possible_ops, wanted=None) -> tuple[dict[Any, list[Node]], list[Node]]:
    """``(by_op, unsure)``: the nodes that may be each op, by ``possible_ops(node)`` (a tuple of ops, or
    None when only resolving the node can tell: those are ``unsure``). Asked as in `decided_groups`.

    A node is listed under each of its possible ops; lists are in no particular order. With ``wanted``
    (a collection of ops), only those ops are listed.

    >>> import torch, torch.fx as fx
    >>> from fxcore.ops import default_table
    >>> gm = fx.symbolic_trace(lambda x: torch.relu(x) + torch.neg(x))
    >>> by_op, unsure = nodes_by_possible_op(gm.graph, default_table().possible_ops)
    >>> [n.name for n in by_op['relu']], [n.name for n in by_op['relu_']], [n.name for n in by_op['neg']], unsure
    (['relu'], ['relu'], ['neg'], [])
    """
    by_op: dict[Any, list[Node]] = {}
    unsure: list[Node] = []
    for ops, members in decided_groups(graph, possible_ops):
        if ops is None:
            unsure.extend(members)
            continue
        for op in ops:
            if wanted is not None and op not in wanted:
                continue
            found = by_op.get(op)
            if found is None:
                by_op[op] = list(members)
            else:
                found.extend(members)
    return by_op, unsure


def _groups_by_scan(graph: Graph) -> list[tuple[str, Any, list[Node]]]:
    """`target_groups` by a pass over the nodes (the fallback, and the reference the tests compare with)."""
    groups: dict[tuple, list[Node]] = {}
    for node in graph.nodes:
        key = side_table_key(node)
        found = groups.get(key)
        if found is None:
            groups[key] = [node]
        else:
            found.append(node)
    return [(op, target, nodes) for (op, target), nodes in groups.items()]
