"""FX's own node edits (erase, rename, retarget) with the same effects, without its per-attribute overhead.

Every attribute set on an FX ``Node`` goes through ``Node.__setattr__``, which
asks whether the node is in the graph's per-target side table
(``_find_nodes_lookup_table``), takes it out and puts it back, though that table
is keyed by op and target only. ``Graph.erase_node`` pays that to set
``_erased``, on top of its own table removal; a rename pays it for the name.
In a rewrite pass these are a tenth of the time. The functions here do what
FX does, in FX's order (hooks first, then the table, the node list, the
namespace), writing the attributes directly; each is differential-tested
against FX's own call (``tests/fxcore/edit/test_node_edits.py``).

A graph whose class overrides ``erase_node`` (or an ``erase_node`` patched on
``Graph`` after this module was imported) gets FX's call itself.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.relu(x).neg())
>>> relu, neg = list(gm.graph.nodes)[1:3]
>>> _ = neg.replace_all_uses_with(relu); erase(gm.graph, neg)
>>> rename(relu, 'act'); [n.name for n in gm.graph.nodes], len(gm.graph.find_nodes(op='call_function', target=torch.neg))
(['x', 'act', 'output'], 0)

See Also
--------
fxcore.edit.surgery : the rewrites that use them.
"""
from __future__ import annotations

import functools
from typing import Any

from torch._C import _NodeBase, _fx_map_arg  # _fx_map_arg: what torch.fx.node.map_arg calls, after checking its fn
from torch.fx import Graph, Node
from torch.fx import graph as _fx_graph

from fxcore.view.targets import side_table_key

__all__ = ["erase", "rename", "retarget", "deaf_to_renames", "fresh_name"]

_FX_ERASE = Graph.erase_node
_FX_CREATE_NAME = _fx_graph._Namespace.create_name
_set = object.__setattr__
_set_erased = _NodeBase._erased.__set__  # the C slot's own setter


_to_none = {}.get  # node -> None, called from C without a Python frame (the dict stays empty)


def erase(graph: Graph, node: Node) -> None:
    """``graph.erase_node(node)``: the same checks, hooks, side table, node list and argument unlinking.

    A node with users, from another graph or already erased gets FX's call, for its error or warning.
    """
    if type(graph).erase_node is not _FX_ERASE or node.users or node.graph is not graph or node._erased:
        graph.erase_node(node)
        return
    owner = graph.owning_module
    hooks = getattr(owner, "_erase_node_hooks", None) if owner is not None else None
    if hooks is not None:
        for hook in hooks:
            hook(node)
    op = node.op  # (side_table_key, inlined)
    graph._find_nodes_lookup_table.table[(op, node.target if op == "call_function" else None)].pop(node)
    node._remove_from_list()
    _set_erased(node, True)  # iterators may retain handles to erased nodes
    graph._len -= 1
    kwargs = node._kwargs  # (an empty one maps to an equal empty one)
    node._update_args_kwargs(_fx_map_arg(node._args, _to_none), _fx_map_arg(kwargs, _to_none) if kwargs else kwargs)


def deaf_to_renames(hook):
    """Mark a replace hook that needs no word of a rename (`rename` does not call it; FX's own renames still do).

    FX calls a module's replace hooks both when a user's argument is about to be replaced and when a
    node it reads is renamed; a hook that only cares about the first (the undo journal, which keeps
    names itself) is spared the second.

    >>> deaf_to_renames(lambda old, new, user: None)._deaf_to_renames
    True
    """
    hook._deaf_to_renames = True
    return hook


def rename(node: Node, candidate: str) -> None:
    """``node._rename(candidate)`` as ``Node.__setattr__`` does it (a fresh name from the graph's namespace, the
    module's replace hooks told once per user, the namespace updated), without the side-table churn.

    Unlike ``Node._rename``, a candidate equal to the current name still gets a fresh one (the caller
    asks for the name a new node would get). Hooks marked `deaf_to_renames` are not called.
    """
    graph = node.graph
    namespace = graph._graph_namespace
    name = fresh_name(namespace, candidate)
    hooks = getattr(graph.owning_module, "_replace_hooks", None)
    if hooks and node.users:
        hearing = [hook for hook in hooks if not getattr(hook, "_deaf_to_renames", False)]
        for user in node.users if hearing else ():
            for hook in hearing:
                hook(old=node, new=name, user=user)
    _set(node, "name", name)
    namespace._rename_object(node, name)


@functools.lru_cache(maxsize=512)
def _split_name(candidate: str) -> tuple | None:
    """FX's cleaning of a name candidate and its split into a base and a numeric suffix (``_Namespace``'s
    regular expressions, run once per candidate); None where FX would raise."""
    match = _fx_graph._name_regex.match(candidate)
    if match is None:
        candidate = _fx_graph._illegal_char_regex.sub("_", candidate)
        if not candidate:
            candidate = "_unnamed"
        if candidate[0].isdigit():
            candidate = f"_{candidate}"
        match = _fx_graph._name_regex.match(candidate)
        if match is None:
            return None
    base, num = match.group(1, 2)
    return candidate, base, num


def fresh_name(namespace, candidate: str) -> str:
    """``namespace.create_name(candidate, None)`` (a graph's ``_graph_namespace``): the same name and bookkeeping,
    with the candidate's cleaning and split remembered (``rename`` asks for the same few candidates).

    >>> import torch.fx as fx
    >>> ns = fx.Graph()._graph_namespace
    >>> fresh_name(ns, 'silu'), fresh_name(ns, 'silu'), fresh_name(ns, 'add.Tensor'), fresh_name(ns, 'list')
    ('silu', 'silu_1', 'add_Tensor', 'list_1')
    """
    split = _split_name(candidate)
    if split is None or type(namespace).create_name is not _FX_CREATE_NAME:
        return namespace.create_name(candidate, None)
    candidate, base, num = split
    used = namespace._used_names
    if num is None or candidate in used:
        num = namespace._base_count.get(base, 0)
        if _fx_graph._illegal_names.get(candidate) is not None:  # a keyword or builtin: never shadowed
            num += 1
            candidate = f"{base}_{num}"
    else:
        num = int(num)
    while candidate in used:
        num += 1
        candidate = f"{base}_{num}"
    used.add(candidate)
    namespace._base_count[base] = num
    return candidate


def retarget(node: Node, target: Any) -> None:
    """``node.target = target``: the node moves to its new key in FX's per-target side table."""
    table = node.graph._find_nodes_lookup_table.table
    listed = table.get(side_table_key(node))
    if listed is not None and node in listed:
        del listed[node]
        _set(node, "target", target)
        table[side_table_key(node)][node] = None
    else:
        _set(node, "target", target)
