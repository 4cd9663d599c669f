"""The term view of FX nodes: ``unify.unify(pattern, node)`` works on graphs directly, lazily.

``install()`` registers ``torch.fx.Node`` under unify's term protocol
(operator = canonical op, arguments = normalized operands, both from
``fxcore.ops``) as a *ground* term (reify and the occurs check never walk into
the graph), makes two distinct nodes never unify (identity only), and teaches
``unify`` the pattern elements of ``fxcore.view.pattern`` (``typed``, ``approx``,
``bind``).  Importing this module installs it; ``install`` is idempotent.

>>> import torch, torch.fx as fx
>>> from unify import unify, var
>>> x = var('x')
>>> gm = fx.symbolic_trace(lambda a, b: (a * torch.sigmoid(a), a * torch.sigmoid(b)))
>>> first, second = [n for n in gm.graph.nodes if n.name.startswith('mul')]
>>> unify(('mul', x, ('sigmoid', x)), first)
{~x: a}
>>> unify(('mul', x, ('sigmoid', x)), second)
False

The compiled matcher of ``fxcore.match`` gives the same bindings (and adds the
graph-safety checks a rewrite needs); the tests check that they agree.

See Also
--------
fxcore.match : the fast matcher.  unify.term : the protocol.
"""
from __future__ import annotations

from torch.fx import Node

from unify.core import register_unify, unify
from unify.term import register_term

from fxcore import ops as _ops
from fxcore.view.pattern import Approx, Bound, Typed

__all__ = ["install", "node_operator", "node_arguments"]

_INSTALLED: list[bool] = []


def node_operator(node: Node):
    """The operator of a node as a term: its canonical op (or exact target; or its opcode for leaves).

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); n = g.call_function(torch.relu, (g.placeholder('a'),))
    >>> node_operator(n)
    'relu'

    See Also
    --------
    node_arguments, fxcore.ops.canonical_op
    """
    return _ops.canonical_op(node)


def node_arguments(node: Node) -> tuple:
    """The arguments of a node as a term: its canonical operands (leaves: ``()``; get_attr: its ``Attr``).

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); a = g.placeholder('a'); n = g.call_method('sum', (a, 1))
    >>> node_arguments(n)
    (a, (1,), False, None)

    See Also
    --------
    node_operator, fxcore.ops.node_operands
    """
    return tuple(_ops.node_operands(node))


def _same_node(u: Node, v: Node, s):
    return s if u is v else False


def _typed(u: Typed, v, s):
    return unify(u.var, v, s) if u.accepts(v) else False


def _approx(u: Approx, v, s):
    return s if u.accepts(v) else False


def _bound(u: Bound, v, s):
    s2 = unify(u.pattern, v, s)
    return False if s2 is False else unify(u.var, v, s2)


def install() -> None:
    """Register FX nodes and the pattern elements with ``unify`` (idempotent).

    >>> install(); install()

    See Also
    --------
    unify.term.register_term, unify.core.register_unify
    """
    if _INSTALLED:
        return
    register_term(Node, operator=node_operator, arguments=node_arguments)
    register_unify(Node, Node)(_same_node)
    elements = ((Typed, _typed), (Approx, _approx), (Bound, _bound))
    for i, (kind, fn) in enumerate(elements):
        register_unify(kind, object)(fn)
        for other, _ in elements[i:]:  # break (A, object) / (object, B) ties: A's rule wins
            register_unify(kind, other)(fn)
    _INSTALLED.append(True)


install()
