"""``replace_pattern`` and ``replace_pattern_with_filters`` with torch.fx.subgraph_rewriter's API.

Same signatures, same results (tests compare against torch's on its own
scenarios), but built on :class:`fxcore.matcher_utils.SubgraphMatcher` (linear,
no leaking backtracking) and all-or-nothing: if a filter, callback or the
replacement fails, the module is left exactly as it was.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.neg(torch.neg(x)) + 1)
>>> [type(m).__name__ for m in replace_pattern(gm, lambda x: torch.neg(torch.neg(x)), lambda x: x)]
['Match']
>>> print(gm.code.strip().splitlines()[-2].strip())
add = x + 1;  x = None

See Also:
    torch.fx.subgraph_rewriter.replace_pattern: the API this follows.
    rewrite.engine.apply.apply: declarative rule sets, to a fixpoint.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch.fx import Graph, GraphModule, Node, symbolic_trace
from torch.fx.subgraph_rewriter import Match, ReplacedPatterns, _replace_attributes

from fxcore.matcher_utils import InternalMatch, SubgraphMatcher

from rewrite.engine.journal import GraphJournal

__all__ = ["replace_pattern", "replace_pattern_with_filters", "Match", "ReplacedPatterns"]

Filter = Callable[[InternalMatch, Graph, Graph], bool]


def replace_pattern(gm: GraphModule, pattern, replacement) -> list[Match]:
    """Replace every non-overlapping match of ``pattern`` in ``gm`` by ``replacement``.

    ``pattern`` and ``replacement`` are callables (traced with ``symbolic_trace``),
    Graphs or GraphModules, exactly as in torch.fx.subgraph_rewriter.
    """
    replaced = _replace_pattern(gm, pattern, replacement)
    return [Match(anchor=r.anchor, nodes_map=r.nodes_map) for r in replaced]


def replace_pattern_with_filters(gm: GraphModule, pattern, replacement=None,
                                 match_filters: list[Filter] | None = None, ignore_literals: bool = False,
                                 replacement_callback: Callable[[InternalMatch, Graph, Graph], Graph] | None = None,
                                 node_name_match: str = "") -> list[ReplacedPatterns]:
    """Like :func:`replace_pattern`, keeping only matches every filter accepts; see torch's docs."""
    return _replace_pattern(gm, pattern, replacement, match_filters or [], ignore_literals,
                            replacement_callback, node_name_match)


def _as_graph(fn_or_graph) -> Graph:
    if isinstance(fn_or_graph, GraphModule):
        return fn_or_graph.graph
    if isinstance(fn_or_graph, Graph):
        return fn_or_graph
    return symbolic_trace(fn_or_graph).graph


def _replace_pattern(gm: GraphModule, pattern, replacement, match_filters=(), ignore_literals=False,
                     replacement_callback=None, node_name_match="") -> list[ReplacedPatterns]:
    pattern_graph = _as_graph(pattern)
    if replacement is None and replacement_callback is None:
        raise TypeError("replace_pattern needs a replacement (callable, Graph or GraphModule) "
                        "or a replacement_callback")
    common = None if replacement is None else _as_graph(replacement)
    matcher = SubgraphMatcher(pattern_graph, match_output=False, match_placeholder=False,
                              remove_overlapping_matches=True, ignore_literals=ignore_literals)
    with GraphJournal(gm) as journal:
        try:
            matches = [m for m in matcher.match(gm.graph, node_name_match=node_name_match)
                       if all(f(m, gm.graph, pattern_graph) for f in match_filters)]
            changed: dict[Node, Node] = {}
            replaced = []
            for match in matches:
                graph = replacement_callback(match, gm.graph, pattern_graph) if replacement_callback else common
                replaced.append(_replace_one(gm, match, pattern_graph, graph, changed))
            gm.recompile()
            if isinstance(replacement, torch.nn.Module):
                journal.keep_modules()  # it deletes unused submodules and copies attributes in
                _replace_attributes(gm, replacement)
        except BaseException:
            journal.rollback()
            gm.recompile()
            raise
    return replaced


def _replace_one(gm: GraphModule, match: InternalMatch, pattern_graph: Graph, replacement_graph: Graph,
                 changed: dict[Node, Node]) -> ReplacedPatterns:
    graph = gm.graph
    placeholders = [n for n in replacement_graph.nodes if n.op == "placeholder"]
    if len(match.placeholder_nodes) != len(placeholders):
        raise ValueError(f"the replacement takes {len(placeholders)} inputs but the pattern binds "
                         f"{len(match.placeholder_nodes)}: give both the same parameters")
    val_map = _bind_inputs(match, placeholders, changed)
    with graph.inserting_before(_insert_point(graph, match)):
        copied = graph.graph_copy(replacement_graph, val_map)
    copied = (copied,) if isinstance(copied, Node) else tuple(copied)
    new_nodes = [v for v in val_map.values() if v not in match.placeholder_nodes]
    if len(match.returning_nodes) != len(copied):
        raise ValueError(f"the pattern returns {len(match.returning_nodes)} values but the replacement "
                         f"returns {len(copied)}: make them return the same number")
    for old, new in zip(match.returning_nodes, copied):
        old.replace_all_uses_with(new)
        changed[old] = new
    for node in reversed(pattern_graph.nodes):
        if node.op not in ("placeholder", "output"):
            graph.erase_node(match.nodes_map[node])
    return ReplacedPatterns(anchor=match.anchors[0], nodes_map=match.nodes_map, replacements=new_nodes)


def _bind_inputs(match: InternalMatch, placeholders: list[Node], changed: dict[Node, Node]) -> dict[Node, Any]:
    """Map the replacement's placeholders to the matched inputs, following earlier replacements."""
    val_map: dict[Node, Any] = {}
    for rn, gn in zip(placeholders, match.placeholder_nodes):
        if not isinstance(gn, Node):
            val_map[rn] = gn
            continue
        val_map[rn] = changed.get(gn, gn)
        if val_map[rn] is not gn:
            index = match.placeholder_nodes.index(gn)
            match.placeholder_nodes[index] = val_map[rn]
            key = next(k for k, v in match.nodes_map.items() if v is gn)
            match.nodes_map[key] = val_map[rn]
    return val_map


def _insert_point(graph: Graph, match: InternalMatch) -> Node:
    """Before the first user of the match's outputs, or after its last output if none is used."""
    users = {u for n in match.returning_nodes for u in n.users}
    if users:
        return next(n for n in graph.nodes if n in users)
    returning, after = set(match.returning_nodes), None
    for node in reversed(graph.nodes):
        if node in returning:
            return after
        after = node
    raise ValueError("none of the match's returning nodes is in the graph")
