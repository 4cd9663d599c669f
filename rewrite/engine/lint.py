"""``lint_changed``: torch's ``Graph.lint`` checks, run on the nodes an apply created or rewired.

A rewrite only creates nodes and points existing users at new values; every
other node keeps its arguments and its place. Checking the changed nodes (and
their users) is the same guarantee as linting the whole graph, at a cost that
grows with the number of rewrites instead of the graph's size.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.relu(x))
>>> relu = list(gm.graph.nodes)[1]
>>> lint_changed(gm.graph, [relu])
>>> with gm.graph.inserting_before(relu):
...     late = gm.graph.call_function(torch.neg, (relu,))
>>> lint_changed(gm.graph, [late])
Traceback (most recent call last):
...
RuntimeError: argument 'relu' of node 'neg' is used before it is defined; a rewrite must insert new nodes after their inputs

See Also:
    torch.fx.Graph.lint, rewrite.engine.apply.apply
"""

from __future__ import annotations

from typing import Iterable

import torch
import torch.fx as fx

from fxcore.view.targets import side_table_key

__all__ = ["lint_changed"]

_LEGAL_OPS = ("placeholder", "call_method", "call_module", "call_function", "get_attr", "output", "root")


def lint_changed(graph: fx.Graph, nodes: Iterable[fx.Node]) -> None:
    """Raise ``RuntimeError`` / ``ValueError`` (as ``Graph.lint`` would) if a changed node breaks the graph."""
    owner = graph.owning_module
    table = getattr(graph._find_nodes_lookup_table, "table", None)
    for node in nodes:
        if node._erased:
            continue
        _check_node(graph, node, owner, table)
        for arg in node._input_nodes:
            if arg.graph is not graph or arg._erased or not arg < node:
                _check_input(graph, arg, node)
        for user in node.users:
            if user._erased or user.graph is not graph:
                raise RuntimeError(f"node {node.name!r} is used by {user.name!r}, which is not in this graph")
            if not node < user:
                raise RuntimeError(f"argument {node.name!r} of node {user.name!r} is used before it is defined; "
                                   f"a rewrite must insert new nodes after their inputs")


def _check_node(graph: fx.Graph, node: fx.Node, owning_module, table) -> None:
    op = node.op
    if op not in _LEGAL_OPS:
        raise RuntimeError(f"node {node.name!r} has unknown opcode {node.op!r}")
    if node.graph is not graph:
        raise RuntimeError(f"node {node.name!r} does not belong to this graph")
    # FX's side table: ``node in graph._find_nodes_lookup_table``, read without adding an empty group
    group = table.get(side_table_key(node)) if table is not None else None
    if (node not in group) if group is not None else (node not in graph._find_nodes_lookup_table):
        raise RuntimeError(f"node {node.name!r} is not in the graph's side table")
    if owning_module is None:
        return
    if node.op == "call_function":
        if not callable(node.target):
            raise ValueError(f"node {node.name!r}: target {node.target!r} has type "
                             f"{torch.typename(node.target)} but a callable is expected")
    elif not isinstance(node.target, str):
        raise ValueError(f"node {node.name!r}: target {node.target!r} has type "
                         f"{torch.typename(node.target)} but a str is expected")
    if node.op in ("get_attr", "call_module"):
        owner = owning_module
        for atom in node.target.split("."):
            owner = getattr(owner, atom, None)
            if owner is None:
                raise RuntimeError(f"node {node.name!r}: target {node.target!r} names no attribute of the module")
        if node.op == "call_module" and not isinstance(owner, torch.nn.Module):
            raise RuntimeError(f"node {node.name!r}: target {node.target!r} is not an nn.Module")


def _check_input(graph: fx.Graph, arg: fx.Node, node: fx.Node) -> None:
    """Raise for an argument that is not in the graph or comes after ``node``."""
    if arg.graph is not graph or arg._erased:
        raise RuntimeError(f"argument {arg.name!r} of node {node.name!r} is not in this graph")
    if not arg < node:
        raise RuntimeError(f"argument {arg.name!r} of node {node.name!r} is used before it is defined; "
                           f"a rewrite must insert new nodes after their inputs")
