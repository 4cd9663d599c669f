"""Graph surgery for a match: build the replacement, redirect uses, erase what died, keep ``meta``.

``replace_match(gm, match, replacement, rule_id=...)`` instantiates the
replacement (a term over canonical ops, or a Python callable) as new
call_function nodes just before the match's root, points every use of the
root(s) at the new value, and erases the nodes left dead (never impure ones).
New nodes inherit the root's ``stack_trace`` and ``nn_module_stack``, get
``meta['rewrite_rule'] = rule_id``, and ``meta['val']`` when their inputs carry
FakeTensor values.  Recompiling is left to the caller (once per apply).

See Also
--------
fxcore.match.find_matches : where matches come from.
"""
from __future__ import annotations

from typing import Any

from torch.fx import Graph, GraphModule, Node

from unify.variable import isvar

from . import ops as _ops
from .match import Match
from .ops_model import Attr
from .pattern import is_op_term
from .surgery_meta import copy_meta, fake_mode_of, propagate_val

__all__ = ["replace_match", "instantiate", "ReplacementError"]


class ReplacementError(ValueError):
    """A replacement that cannot be built: unbound variable, a literal where a node is needed, bad arity."""


def _graph_of(gm: GraphModule | Graph) -> Graph:
    return gm if isinstance(gm, Graph) else gm.graph


def instantiate(graph: Graph, term: Any, bindings, table=None, attrs: dict | None = None) -> Any:
    """Build ``term`` as nodes at the graph's current insertion point; returns the value (node or literal).

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> g = fx.Graph(); a = g.placeholder('a')
    >>> out = instantiate(g, ('mul', var('x'), ('sigmoid', var('x'))), {var('x'): a})
    >>> out.target is torch.mul, out.args[1].target is torch.sigmoid
    (True, True)

    See Also
    --------
    replace_match
    """
    table = _ops.default_table() if table is None else table
    attrs = {} if attrs is None else attrs
    done: list = []
    todo: list = [(False, term)]
    while todo:  # iterative post-order: deep replacement terms are fine
        built, t = todo.pop()
        if built:
            n = len(t) - 1 if is_op_term(t) else len(t)
            args = tuple(done[len(done) - n:]) if n else ()
            del done[len(done) - n:]
            done.append(_call(graph, t[0], args, table) if is_op_term(t) else type(t)(args))
        elif is_op_term(t) or (type(t) in (tuple, list)):
            kids = t[1:] if is_op_term(t) else t
            todo.append((True, t))
            todo.extend((False, k) for k in reversed(kids))
        else:
            done.append(_leaf(graph, t, bindings, attrs))
    return done[0]


def _leaf(graph: Graph, t: Any, bindings, attrs: dict) -> Any:
    if isvar(t):
        if t not in bindings:
            names = ", ".join(map(repr, bindings)) or "none"
            raise ReplacementError(f"replacement uses variable {t!r}, which the pattern does not bind "
                                   f"(bound: {names}); use only variables of the pattern")
        t = bindings[t]
    if isinstance(t, Attr):
        if t.qualname not in attrs:
            attrs[t.qualname] = graph.get_attr(t.qualname)
        return attrs[t.qualname]
    return t


def _call(graph: Graph, head: Any, operands: tuple, table) -> Node:
    if isinstance(head, str):
        try:
            if len(operands) < len(table.op(head).params):  # short terms get the op's defaults
                operands = table.normalize_call(head, operands)
            args, kwargs = table.emit_args(head, operands)
        except _ops.OpSignatureError as exc:
            raise ReplacementError(f"replacement {head}(...): {exc}") from None
        return graph.call_function(table.call_target(head), args, kwargs)
    return graph.call_function(head, operands)


def replace_match(gm: GraphModule | Graph, match: Match, replacement: Any, *, rule_id: str,
                  table=None, view=None) -> list[Node]:
    """Replace ``match`` by ``replacement``; returns the new nodes in graph order.

    ``replacement`` is a term (op tuples over the match's variables, literals,
    ``Attr`` values), a tuple of terms (one per root of a multi-output match),
    or a callable ``fn(bindings, graph) -> Node | tuple[Node, ...]`` that adds
    nodes at the current insertion point.  A bare variable redirects uses to
    its node.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> from fxcore.match import find_matches
    >>> gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)) + 1)
    >>> m, = find_matches(gm.graph, ('neg', ('neg', var('x'))))
    >>> replace_match(gm, m, var('x'), rule_id='neg-neg')
    []
    >>> [n.op for n in gm.graph.nodes]
    ['placeholder', 'call_function', 'output']

    See Also
    --------
    instantiate, fxcore.match.find_matches
    """
    graph = _graph_of(gm)
    roots = match.roots or (match.root,)
    at = min(roots)
    _hoist_inputs(at, match)
    before = at.prev
    with graph.inserting_before(at):
        values = _build(graph, roots, replacement, match, table)
    new = _nodes_between(before, at)
    fake_mode = fake_mode_of(roots) if new else None
    for node in new:
        copy_meta(match.root, node, rule_id)
        propagate_val(node, gm, fake_mode)
    for root, value in zip(roots, values):
        _redirect(root, value, new)
    _erase_dead(match, graph, table, view)
    return new


def _build(graph: Graph, roots: tuple, replacement: Any, match: Match, table) -> tuple:
    """The new value of every root."""
    if callable(replacement) and not isvar(replacement) and not is_op_term(replacement):
        out = replacement(match.bindings, graph)
        values = out if isinstance(out, (tuple, list)) else (out,)
    elif len(roots) > 1:
        if type(replacement) is not tuple or is_op_term(replacement) or len(replacement) != len(roots):
            raise ReplacementError(f"a match with {len(roots)} roots needs a tuple of {len(roots)} "
                                   f"replacement terms, got {replacement!r}")
        attrs: dict = {}
        values = tuple(instantiate(graph, r, match.bindings, table, attrs) for r in replacement)
    else:
        values = (instantiate(graph, replacement, match.bindings, table),)
    if len(values) != len(roots):
        raise ReplacementError(f"replacement gave {len(values)} values for {len(roots)} roots")
    return tuple(values)


def _redirect(root: Node, value: Any, new: list[Node]) -> None:
    if not isinstance(value, Node):
        raise ReplacementError(f"the replacement of node {root.name!r} is the literal {value!r}; a node's "
                               f"value must be replaced by a node (e.g. ('full_like', x, {value!r}))")
    if value is root:
        return
    fresh = set(new)
    root.replace_all_uses_with(value, delete_user_cb=lambda user: user not in fresh)


def _nodes_between(before: Node, end: Node) -> list[Node]:
    out, n = [], before.next
    while n is not end:
        out.append(n)
        n = n.next
    return out


def _hoist_inputs(at: Node, match: Match) -> None:
    """Move bound nodes that sit after the insertion point (multi-output matches) up before it."""
    late = [v for v in match.bindings.values() if isinstance(v, Node) and at < v and v not in match.nodes]
    if not late:
        return
    order: dict[Node, None] = {}
    stack = list(late)
    while stack:  # the late nodes and their ancestors after ``at`` (acyclic matches never reach the match)
        n = stack.pop()
        if n not in order and at < n:
            order[n] = None
            stack.extend(n.all_input_nodes)
    for n in sorted(order):
        at.prepend(n)


def _erase_dead(match: Match, graph: Graph, table, view=None) -> None:
    """Erase matched nodes, and then their inputs, that have no users left (never impure nodes)."""
    impure = view.impure if view is not None else (lambda n: _ops.is_impure(n, table))
    bound = [v for v in match.bindings.values() if isinstance(v, Node)]
    stack = sorted({n: None for n in (*match.nodes, *bound)})
    while stack:
        n = stack.pop()
        if n._erased or n.users or n.op in ("placeholder", "output") or impure(n):
            continue
        inputs = n.all_input_nodes
        graph.erase_node(n)
        stack.extend(sorted(i for i in inputs if not i._erased))
