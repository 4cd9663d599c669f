"""torch's SubgraphMatcher semantics as a matching view, and pattern graphs turned into pattern terms.

torch.fx's ``SubgraphMatcher`` compares nodes by exact ``(op, target)``, args
and kwargs positionally (schema-normalized for ``OpOverload`` targets), literals
by exact type and ``==``, get_attr nodes by the type of their value, and uses
placeholders as wildcards.  ``ExactView`` states that as a view for
``fxcore.match.program`` and ``fxcore.match.engine``; ``graph_to_terms`` turns a pattern
graph into one pattern term per anchor, every pattern node named by a
``bind`` variable so shared pattern nodes map to one graph node.

See Also
--------
fxcore.matcher_utils : the torch-compatible ``SubgraphMatcher`` built on this.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.fx import Graph, Node

from unify.variable import Var

from fxcore.view.pattern import Bound, OpKey

__all__ = ["ExactView", "graph_to_terms", "PatternTerms"]

_CALLS = ("call_function", "call_method", "call_module")


def _schema_arguments(node: Node) -> tuple:
    """All arguments of an OpOverload call in schema order, defaults filled (as torch's matcher does)."""
    out = []
    for i, arg in enumerate(node.target._schema.arguments):
        if arg.name in node.kwargs:
            out.append(node.kwargs[arg.name])
        elif not arg.kwarg_only and i < len(node.args):
            out.append(node.args[i])
        else:
            out.append(arg.default_value)
    return tuple(out)


def _attr_type(node: Node) -> type | None:
    """The type of the value a get_attr node reads, or None without an owning module."""
    gm = node.graph.owning_module
    if gm is None:
        return None
    return type(torch.fx.graph_module._get_attr(gm, node.target))


@dataclass(frozen=True)
class ExactView:
    """Exact-target view of nodes: the semantics of ``torch.fx.passes.utils.matcher_utils``.

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); x = g.placeholder('x'); y = g.call_function(torch.add, (x, 1), {'alpha': 2})
    >>> v = ExactView()
    >>> v.key(y)[:2] == ('call_function', torch.add), v.operands(y) == (x, 1, 2)
    (True, True)

    See Also
    --------
    graph_to_terms
    """

    def key(self, node: Node) -> Any:
        """``(op, target)`` plus the arity and kwarg names (unless schema-normalized); None for placeholders."""
        op = node.op
        if op in _CALLS or op == "output":
            if isinstance(node.target, torch._ops.OpOverload):
                return (op, node.target)
            return (op, node.target, len(node.args), tuple(node.kwargs))
        if op == "get_attr":
            return (op, _attr_type(node))
        return None

    def operands(self, node: Node) -> tuple:
        """Args then kwarg values; for OpOverload targets, all schema arguments with defaults."""
        if isinstance(node.target, torch._ops.OpOverload) and node.op in _CALLS:
            return _schema_arguments(node)
        if node.op == "get_attr":
            return ()
        return (*node.args, *node.kwargs.values())

    def impure(self, node: Node) -> bool:
        """torch's matcher does not exclude impure nodes."""
        return False

    def same(self, bound: object, value: object) -> bool:
        """A repeated pattern variable: the same node, or an ``==`` literal (torch's ``nodes_map[pn] == gn``)."""
        if isinstance(bound, Node) or isinstance(value, Node):
            return bound is value
        try:
            return bool(bound == value)
        except Exception:
            return False

    def literal_equal(self, pattern: object, value: object) -> bool:
        """torch's literal rule: same type and ``==``."""
        if type(pattern) is not type(value):
            return False
        try:
            return bool(pattern == value)
        except Exception:
            return False

    def pattern_key(self, head: object, args: tuple) -> tuple:
        """Pattern heads here are already exact keys (``OpKey``)."""
        return (head.key if isinstance(head, OpKey) else head), None

    def swaps(self, key: object) -> tuple:
        """torch's matcher tries no operand permutations."""
        return ()


@dataclass(frozen=True)
class PatternTerms:
    """A pattern graph as terms: one root term per anchor, and each pattern node's variable."""

    roots: tuple
    node_vars: tuple[tuple[Node, Var], ...]
    placeholders: tuple[Node, ...]
    returning: tuple[Node, ...]
    anchors: tuple[Node, ...]


def graph_to_terms(pattern: Graph, anchors: list[Node], view: ExactView) -> PatternTerms:
    """Turn a pattern graph into terms: placeholders become variables, other nodes ``bind`` subterms.

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); x = g.placeholder('x'); r = g.call_function(torch.relu, (x,)); _ = g.output(r)
    >>> t = graph_to_terms(g, [r], ExactView())
    >>> t.roots[0].pattern[1], [n.name for n, _ in t.node_vars]
    (~('pattern', 'x'), ['x', 'relu', 'output'])

    See Also
    --------
    ExactView
    """
    terms: dict[Node, Any] = {}
    node_vars = []
    for n in pattern.nodes:
        v = Var("pattern", n.name)
        node_vars.append((n, v))
        if n.op == "placeholder":
            terms[n] = v
            continue
        ops = [_term_arg(a, terms) for a in view.operands(n)]
        terms[n] = Bound(v, (OpKey(view.key(n)), *ops))
    output = next(iter(reversed(pattern.nodes)))
    return PatternTerms(tuple(terms[a] for a in anchors), tuple(node_vars),
                        tuple(n for n in pattern.nodes if n.op == "placeholder"),
                        tuple(output.all_input_nodes), tuple(anchors))


def _term_arg(a: object, terms: dict) -> object:
    """A pattern operand as a term: nodes by their terms, containers as lists (literal sequences)."""
    if isinstance(a, Node):
        return terms[a]
    if isinstance(a, (list, tuple)):
        return [_term_arg(x, terms) for x in a]
    return a
