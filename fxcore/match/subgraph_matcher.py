"""A drop-in ``SubgraphMatcher`` (torch.fx.passes.utils.matcher_utils API) built on the compiled matcher.

Switch by changing an import::

    from fxcore.matcher_utils import SubgraphMatcher, InternalMatch

Same constructor flags, same ``match(graph, node_name_match="")``, same
``InternalMatch`` fields and the same matches in the same order; but anchor
candidates come from an index (or from the users of nodes already matched),
bindings never leak out of a failed branch, and the cycle check is bounded by
graph order instead of a BFS over the rest of the graph per match.

See Also
--------
fxcore.match : the term-pattern API (canonical ops, commutativity, explanations).
torch.fx.passes.utils.matcher_utils : the reference implementation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from torch.fx import Graph, GraphModule, Node

from fxcore.match.cycles import creates_cycle
from fxcore.match.engine import UNBOUND, search
from fxcore.view.exact import ExactView, PatternTerms, graph_to_terms
from fxcore.match.program import CompileOptions, compile_program

__all__ = ["SubgraphMatcher", "SubgraphMatcherWithNameNodeMap", "InternalMatch"]


@dataclass
class InternalMatch:
    """One match of a pattern graph (mutable, like torch's, so code that annotates it keeps working).

    >>> InternalMatch(anchors=[]).nodes_map
    {}

    See Also
    --------
    SubgraphMatcher
    """

    anchors: list[Node]
    nodes_map: dict[Node, Node] = field(default_factory=dict)
    placeholder_nodes: list[Node] = field(default_factory=list)
    returning_nodes: list[Node] = field(default_factory=list)
    name_node_map: dict[str, Node] = field(default_factory=dict)

    def __copy__(self) -> "InternalMatch":
        return InternalMatch(self.anchors, self.nodes_map.copy(), self.placeholder_nodes.copy(),
                             self.returning_nodes.copy(), self.name_node_map.copy())


class SubgraphMatcher:
    """Find the subgraphs of a graph that match a pattern graph (torch's API and results).

    >>> import torch, torch.fx as fx
    >>> def pattern(x): return torch.relu(x).neg()
    >>> def model(a): return torch.relu(torch.relu(a).neg()).neg()
    >>> m = SubgraphMatcher(fx.symbolic_trace(pattern).graph)
    >>> [[n.name for n in im.returning_nodes] for im in m.match(fx.symbolic_trace(model).graph)]
    [['neg'], ['neg_1']]

    See Also
    --------
    InternalMatch, fxcore.match.find_matches
    """

    def __init__(self, pattern: Graph, match_output: bool = False, match_placeholder: bool = False,
                 remove_overlapping_matches: bool = True, ignore_literals: bool = False) -> None:
        self.pattern = pattern
        self.match_output = match_output
        self.match_placeholder = match_placeholder
        self.remove_overlapping_matches = remove_overlapping_matches
        self.ignore_literals = ignore_literals
        _check_pattern(pattern)
        output = next(iter(reversed(pattern.nodes)))
        self.pattern_placeholder_nodes = [n for n in pattern.nodes if n.op == "placeholder"]
        self.pattern_returning_nodes: list[Node] = output.all_input_nodes
        self.pattern_anchors: list[Node] = [output] if match_output else [
            n for n in output.all_input_nodes if len(n.users) == 1]
        self._view = ExactView()
        self._terms: PatternTerms = graph_to_terms(pattern, self.pattern_anchors, self._view)
        self._program = compile_program(self._terms.roots, self._view, CompileOptions(
            ignore_literals=ignore_literals, guards=self._placeholder_guards()))

    def _placeholder_guards(self) -> tuple:
        """With ``match_placeholder``, placeholders match graph placeholders (or literals) only."""
        if not self.match_placeholder:
            return ()
        def is_placeholder_or_literal(v):
            return not isinstance(v, Node) or v.op == "placeholder"
        return tuple((v, is_placeholder_or_literal) for n, v in self._terms.node_vars if n.op == "placeholder")

    def match(self, graph: Graph, node_name_match: str = "") -> list[InternalMatch]:
        """All matches in graph order of the anchors (torch's order), filtered like torch's.

        >>> import torch, torch.fx as fx
        >>> SubgraphMatcher(fx.symbolic_trace(lambda x: x.sigmoid()).graph).match(fx.Graph())
        []

        See Also
        --------
        SubgraphMatcher
        """
        if not self.pattern_anchors:
            return []
        index = _Candidates(self, graph, node_name_match)
        view = _NamedRootView(node_name_match) if node_name_match else self._view
        found = []
        for root in index.for_anchor(0, ()):
            found.extend(search(self._program, view, root, index.for_anchor, self._injective))
        matches = [m for m in map(self._internal, found) if self._is_contained(m) and self._acyclic(m)]
        return _remove_overlapping(matches) if self.remove_overlapping_matches else matches

    def _injective(self, sol) -> str | None:
        """torch maps distinct pattern nodes to distinct graph nodes."""
        nodes = [v for v in sol.slots if isinstance(v, Node)]
        return None if len(set(nodes)) == len(nodes) else "two pattern nodes matched one graph node"

    def _internal(self, sol) -> InternalMatch:
        slot = {v: i for i, v in enumerate(self._program.variables)}
        nodes_map = {pn: sol.slots[slot[v]] for pn, v in self._terms.node_vars
                     if v in slot and sol.slots[slot[v]] is not UNBOUND}
        return InternalMatch(list(self.pattern_anchors), nodes_map,
                             [nodes_map[pn] for pn in self.pattern_placeholder_nodes],
                             [nodes_map[pn] for pn in self.pattern_returning_nodes])

    def _is_contained(self, m: InternalMatch) -> bool:
        """No matched node, except placeholders and returned nodes, is used outside the match."""
        inner = {gn: pn for pn, gn in m.nodes_map.items() if pn.op != "placeholder"}
        returning = set(self.pattern_returning_nodes)
        return all(pn in returning or all(u in inner for u in gn.users) for gn, pn in inner.items())

    def _acyclic(self, m: InternalMatch) -> bool:
        return not creates_cycle([gn for pn, gn in m.nodes_map.items() if pn.op not in ("placeholder", "output")])


def _check_pattern(pattern: Graph) -> None:
    """torch's constructor checks: a non-empty pattern without dead code."""
    if len(pattern.nodes) == 0:
        raise ValueError("SubgraphMatcher cannot be initialized with an empty pattern")
    for node in pattern.nodes:
        if node.op != "output" and not node.is_impure() and len(node.users) == 0:
            raise AssertionError(f"SubgraphMatcher cannot be initialized with an pattern with dead code "
                                 f"(node {node.name!r} has no users: remove it or return it)")


class _Candidates:
    """Anchor candidates: nodes whose exact key equals the anchor's, in graph order (built once per graph)."""

    def __init__(self, matcher: SubgraphMatcher, graph: Graph, name: str) -> None:
        self.keys = matcher._program.root_keys
        self.anchors = matcher._program.anchors
        self.view, self.name = matcher._view, name
        wanted = set(self.keys)
        self.by_key: dict = {k: [] for k in self.keys}
        self.graph = graph
        for n in graph.nodes:
            k = self.view.key(n)
            if k in wanted:
                self.by_key[k].append(n)

    def for_anchor(self, i: int, slots) -> list[Node]:
        if self.name:
            return [n for n in self.graph.nodes if self.name in n.name or self.view.key(n) == self.keys[i]]
        anchor = self.anchors[i]
        if anchor is None or not isinstance(slots[anchor.slot], Node):
            return self.by_key[self.keys[i]]
        return _walk_users(slots[anchor.slot], anchor.keys, self.view)


def _walk_users(start: Node, keys: tuple, view) -> list[Node]:
    """Nodes reached from ``start`` through users with the given keys (the last is the root's); graph order."""
    level = [start]
    for k in keys:
        level = list({u: None for n in level for u in n.users if view.key(u) == k})
    return sorted(level)


class _AnyKey:
    """An op key equal to every key (torch's ``node_name_match`` override)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


@dataclass(frozen=True)
class _NamedRootView(ExactView):
    """torch's ``node_name_match``: a node whose name contains the string matches any pattern op.

    (torch applies the override to anchors only; here it applies wherever the node appears.)
    """

    name: str = ""

    def key(self, node: Node):
        return _AnyKey() if self.name in node.name else ExactView.key(self, node)


def _remove_overlapping(matches: list[InternalMatch]) -> list[InternalMatch]:
    """Keep matches in order, dropping any that reuses a compute node of an earlier kept match."""
    kept, used = [], set()
    for m in matches:
        mine = [gn for pn, gn in m.nodes_map.items() if pn.op not in ("placeholder", "output")]
        if not any(gn in used for gn in mine):
            kept.append(m)
            used.update(mine)
    return kept


class SubgraphMatcherWithNameNodeMap(SubgraphMatcher):
    """``SubgraphMatcher`` whose pattern returns ``(*outputs, {name: node})``; matches get ``name_node_map``.

    >>> SubgraphMatcherWithNameNodeMap.__mro__[1].__name__
    'SubgraphMatcher'

    See Also
    --------
    torch.fx.passes.utils.matcher_with_name_node_map_utils.SubgraphMatcherWithNameNodeMap
    """

    def __init__(self, pattern_gm: GraphModule, match_output: bool = False, match_placeholder: bool = False,
                 remove_overlapping_matches: bool = True, ignore_literals: bool = False) -> None:
        from torch.fx.passes.utils.matcher_with_name_node_map_utils import _split_to_graph_and_name_node_map
        pattern_gm, self.name_node_map = _split_to_graph_and_name_node_map(pattern_gm)
        super().__init__(pattern_gm.graph, match_output, match_placeholder, remove_overlapping_matches,
                         ignore_literals)

    def match(self, graph: Graph, node_name_match: str = "") -> list[InternalMatch]:
        matches = super().match(graph, node_name_match)
        for m in matches:
            m.name_node_map.update({k: m.nodes_map[n] for k, n in self.name_node_map.items()})
        return matches
