"""The term view: unify.unify on FX nodes, and agreement of the compiled matcher with unify's semantics."""
import operator

import torch
import torch.fx as fx
from hypothesis import given, settings
from hypothesis import strategies as st

import fxcore.view.term  # noqa: F401  (installs the term view)
from fxcore.match import compile_pattern
from fxcore.ops import canonical_op, node_operands
from fxcore.view.pattern import approx, bind, typed
from tests.graphs import UNARY, Swish, all_front_ends, node, random_graph_strategy
from unify import reify, unify, var

x, y = var("x"), var("y")


def test_unify_binds_by_identity_on_every_front_end():
    for gm in all_front_ends(Swish()).values():
        mul = [n for n in gm.graph.nodes if canonical_op(n) == "mul"][0]
        s = unify(("mul", x, ("sigmoid", x)), mul)
        assert s[x].op == "placeholder"


def test_two_distinct_nodes_never_unify():
    gm = fx.symbolic_trace(lambda a: torch.relu(a) + torch.relu(a))
    r1, r2 = node(gm.graph, "relu"), node(gm.graph, "relu_1")
    assert unify(r1, r2) is False and unify(r1, r1) == {}
    assert unify(("add", x, x, 1), node(gm.graph, "add")) is False  # relu and relu_1 are different values
    assert unify(("add", x, y, 1), node(gm.graph, "add")) == {x: r1, y: r2}


def test_nodes_are_ground_for_reify():
    gm = fx.symbolic_trace(Swish())
    mul = node(gm.graph, "mul")
    assert reify(("neg", x), {x: mul}) == ("neg", mul)


def test_pattern_elements_unify():
    gm = fx.symbolic_trace(lambda a: a * 2 + a.permute(1, 0) * 2.5)
    assert unify(("mul", x, typed(y, int)), node(gm.graph, "mul")) == {x: node(gm.graph, "a"), y: 2}
    assert unify(("mul", x, typed(y, int)), node(gm.graph, "mul_1")) is False
    assert unify(("mul", x, approx(2.5 + 1e-9)), node(gm.graph, "mul_1"))
    s = unify(("mul", bind(y, ("permute", x, (1, 0))), 2.5), node(gm.graph, "mul_1"))
    assert s[y] is node(gm.graph, "permute")


def _term_of(n, depth, names, rnd):
    """A pattern for node ``n``: its canonical term to ``depth``, deeper values as variables."""
    if not isinstance(n, fx.Node):
        return var("lit", rnd.draw(st.integers(0, 9))) if rnd.draw(st.integers(0, 4)) == 0 else n
    if depth == 0 or n.op == "placeholder":
        return names.setdefault(n, var("v", len(names)))
    return (canonical_op(n), *[_term_of(a, depth - 1, names, rnd) for a in node_operands(n)])


NONCOMMUTATIVE = (operator.sub, torch.div)


@settings(max_examples=60)
@given(random_graph_strategy(max_nodes=10, binary=NONCOMMUTATIVE), st.data())
def test_compiled_matcher_agrees_with_unify(gm, data):
    calls = [n for n in gm.graph.nodes if n.op == "call_function"]
    if not calls:
        return
    target = data.draw(st.sampled_from(calls))
    pattern = _term_of(target, data.draw(st.integers(1, 3)), {}, data)
    cp = compile_pattern(pattern)
    for n in gm.graph.nodes:
        fast, slow = cp.match(n), unify(pattern, n)
        if fast:
            assert slow == dict(fast.bindings)
        elif slow is not False:  # unify is purely structural: the only extra rejections are graph-safety checks
            assert "outside the match" in fast.reason or "impure" in fast.reason


@settings(max_examples=30)
@given(random_graph_strategy(max_nodes=8, unary=UNARY, binary=(torch.mul, torch.add)), st.data())
def test_commutative_match_is_unify_of_some_operand_order(gm, data):
    calls = [n for n in gm.graph.nodes if n.op == "call_function"]
    target = data.draw(st.sampled_from(calls))
    pattern = _term_of(target, 2, {}, data)
    cp = compile_pattern(pattern)
    for n in gm.graph.nodes:
        m = cp.match(n)
        if m and canonical_op(n) in ("mul", "add"):
            ops = node_operands(n)
            swapped = (ops[1], ops[0], *ops[2:])
            direct = unify(pattern[1:], ops)
            other = unify(pattern[1:], swapped) if pattern[0] == canonical_op(n) else False
            assert dict(m.bindings) in (direct, other)
