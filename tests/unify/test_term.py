"""The term protocol and register_unify, with small custom types (no torch)."""
from __future__ import annotations

import pytest

from unify import reify, unify, var
from unify.core import register_unify
from unify.term import TermProtocolError, arguments, isterm, operator, register_term, term

x, y = var("x"), var("y")


class Expr:
    """A user term type with a constructor: reify can rebuild it."""

    def __init__(self, op, *args):
        self.op, self.args = op, args

    def __eq__(self, other):
        return isinstance(other, Expr) and (self.op, self.args) == (other.op, other.args)

    __hash__ = None


register_term(Expr, operator=lambda e: e.op, arguments=lambda e: e.args, term=lambda op, args: Expr(op, *args))


class GraphNode:
    """Like an FX node: a term view (op, operands), identity-only equality, no constructor (ground)."""

    def __init__(self, op, *operands):
        self.op, self.operands = op, operands
        self.arguments_calls = 0

    def view(self):
        self.arguments_calls += 1
        return self.operands


register_term(GraphNode, operator=lambda n: n.op, arguments=GraphNode.view)


@register_unify(GraphNode, GraphNode)
def _nodes_by_identity(u, v, s):
    return s if u is v else False


def test_tuples_are_terms():
    assert operator(("add", 1, 2)) == "add" and arguments(("add", 1, 2)) == (1, 2)
    assert term("add", (1, 2)) == ("add", 1, 2)
    assert isterm(("neg", 1)) and not isterm(()) and not isterm(3) and not isterm([1])
    with pytest.raises(TermProtocolError, match="register_term"):
        operator(3)


def test_registered_type_unifies_with_tuple_patterns():
    e = Expr("add", 1, Expr("neg", 2))
    assert isterm(e) and operator(e) == "add"
    assert unify(e, ("add", x, ("neg", y))) == {x: 1, y: 2}
    assert unify(("add", x, ("neg", y)), e) == {x: 1, y: 2}
    assert unify(e, ("mul", x, y)) is False
    assert unify(e, ("add", x)) is False


def test_reify_rebuilds_registered_terms_and_term_like():
    r = reify(Expr("add", x, 1), {x: 5})
    assert r == Expr("add", 5, 1)
    assert term("mul", (1, 2), like=Expr("f")) == Expr("mul", 1, 2)
    with pytest.raises(TermProtocolError, match="constructor"):
        term("mul", (1,), like=GraphNode("f"))


def test_graph_nodes_bind_by_identity_and_are_never_walked():
    a = GraphNode("placeholder")
    b = GraphNode("relu", a)
    c = GraphNode("mul", b, GraphNode("sigmoid", b))
    s = unify(c, ("mul", x, ("sigmoid", x)))
    assert s == {x: b} and s[x] is b
    assert unify(GraphNode("mul", a, GraphNode("sigmoid", b)), ("mul", x, ("sigmoid", x))) is False
    assert unify(GraphNode("relu", a), b) is False  # distinct nodes: identity only, not structure
    calls = a.arguments_calls + b.arguments_calls
    assert reify(("f", x), s) == ("f", b)  # reify and the occurs check never look inside a node
    assert unify(y, ("g", c)) == {y: ("g", c)}
    assert a.arguments_calls + b.arguments_calls == calls


def test_register_unify_is_symmetric_for_distinct_types():
    class Celsius(float):
        pass

    class Kelvin(float):
        pass

    @register_unify(Celsius, Kelvin)
    def _temperature(u, v, s):
        return s if abs(u + 273.15 - v) < 1e-9 else False

    assert unify(("t", Celsius(0.0)), ("t", Kelvin(273.15))) == {}
    assert unify(("t", Kelvin(273.15)), ("t", Celsius(0.0))) == {}
    assert unify(Kelvin(1.0), Celsius(1.0)) is False


def test_register_unify_may_bind_variables():
    class Box:
        def __init__(self, v):
            self.v = v

    @register_unify(Box, Box)
    def _boxes(u, v, s):
        return unify(u.v, v.v, s)

    assert unify((Box(x), y), (Box(1), 2)) == {x: 1, y: 2}
    assert unify((Box(x), x), (Box(1), 2)) is False
