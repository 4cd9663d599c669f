"""The matcher's shortcuts never change an answer: the target-first OpIndex lists exactly the nodes of each
canonical op, ``may_match`` never rejects a node the full search accepts, and a failed match explains
itself on demand exactly as before."""
import operator

import pytest
import torch
import torch.fx as fx
from hypothesis import given, strategies as st

from fxcore.view.canonical import CanonicalView
from fxcore.match import OpIndex, compile_pattern, find_matches
from rewrite.front import zoo
from tests.graphs import random_graph_strategy
from unify import var

x, y = var("x"), var("y")
UNARY = (torch.relu, torch.neg, torch.sigmoid, torch.tanh)
BINARY = (torch.add, torch.mul, operator.sub, torch.max)
PATTERNS = [
    ("mul", x, ("sigmoid", x)),
    ("neg", ("neg", x)),
    ("add", ("relu", x), y),
    ("sub", x, ("neg", y)),
    ("mul", ("add", x, y), ("add", x, y)),
    ("maximum", ("tanh", x), ("relu", x)),
    ("relu", ("relu", ("relu", x))),
    ("add", x, x, 1),
]


@pytest.mark.parametrize("how", ("symbolic_trace", "make_fx", "export"))
@pytest.mark.parametrize("name", zoo.names())
def test_op_index_lists_exactly_the_nodes_of_each_op(name, how):
    graph = zoo.trace(zoo.get(name), how).graph
    view = CanonicalView()
    index = OpIndex(graph, view=view)
    expected: dict = {}
    for n in graph.nodes:
        expected.setdefault(view.key(n), []).append(n)
    for op, nodes in expected.items():
        assert index.nodes(op) == nodes, op
    assert index.nodes("softmax_backward") == []
    assert index.ops() == tuple(expected)


@given(random_graph_strategy(max_nodes=14, unary=UNARY, binary=BINARY), st.sampled_from(PATTERNS))
def test_may_match_never_rejects_a_match(gm, pattern):
    cp, view = compile_pattern(pattern), CanonicalView()
    for n in gm.graph.nodes:
        if not cp.may_match(n, view):
            assert not cp.match(n, view=view)


@given(random_graph_strategy(max_nodes=14, unary=UNARY, binary=BINARY), st.sampled_from(PATTERNS))
def test_find_matches_agrees_with_matching_every_node(gm, pattern):
    cp = compile_pattern(pattern)
    found = [m.root for m in find_matches(gm.graph, cp)]
    assert found == [n for n in gm.graph.nodes if cp.match(n)]


def test_input_ops_are_the_op_terms_right_under_the_root():
    assert compile_pattern(("mul", ("add", x, y), ("add", x, y))).input_ops == ("add",)
    assert compile_pattern(("relu", ("relu", ("relu", x)))).input_ops == ("relu",)
    assert compile_pattern(("add", x, y)).input_ops == ()
    assert compile_pattern(("cat", [("relu", x), y], 0)).input_ops == ()  # inside a list: not required


def test_a_failed_match_explains_itself_when_asked():
    gm = fx.symbolic_trace(lambda a: a * torch.relu(a))
    mul = [n for n in gm.graph.nodes if n.name == "mul"][0]
    failed = compile_pattern(("mul", x, ("sigmoid", x))).match(mul)
    assert not failed
    assert failed.failure.pc >= 0
    assert failed.reason == "at mul[1]: expected sigmoid(...), got node 'relu' computing relu"
    assert dict(failed.partial) == {x: mul.args[0]}


COMM_PATTERNS = PATTERNS + [
    ("add", ("mul", x, y), ("mul", y, x)),
    ("mul", ("add", x, y), ("add", y, x)),
    ("add", ("relu", x), ("neg", x)),
    ("mul", x, ("add", ("sigmoid", x), 1)),
]


@given(random_graph_strategy(max_nodes=14, unary=UNARY, binary=BINARY), st.sampled_from(COMM_PATTERNS),
       st.booleans())
def test_compiled_closures_find_the_interpreters_first_solution(gm, pattern, knows_table):
    from fxcore.match.engine import Failure, first
    from fxcore.match.fastpath import compile_fast
    from fxcore.ops import default_table

    cp, view = compile_pattern(pattern), CanonicalView()
    # with the table, inner nodes of ops it calls pure are not asked whether they are impure
    fast = compile_fast(cp.program, default_table() if knows_table else None)
    assert fast is not None
    for n in gm.graph.nodes:
        slow = first(cp.program, view, n, None, cp._accept)
        quick = fast(n, view, cp._accept)
        if isinstance(slow, Failure):
            assert quick is None
        else:
            assert quick is not None
            assert all(a is b for a, b in zip(quick.slots, slow.slots)) and quick.matched == slow.matched


def test_long_and_multi_root_programs_are_left_to_the_interpreter():
    from fxcore.match.fastpath import MAX_FAST_LENGTH, compile_fast

    deep = x
    for _ in range(MAX_FAST_LENGTH):
        deep = ("neg", deep)
    assert compile_fast(compile_pattern(deep).program) is None
    assert compile_fast(compile_pattern((("relu", x), ("neg", x))).program) is None


def test_a_view_of_another_table_is_asked_whether_an_inner_node_is_impure():
    """The closures skip the impurity check of ops the pattern's table calls pure only for views of that table:
    a view whose table makes ``neg`` impure (a user's own op table) still finds the inner ``neg`` impure."""
    from dataclasses import replace

    from fxcore.ops import default_table

    table = default_table()
    impure_neg = table.extended(replace(table.op("neg"), impure=True))
    gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)))
    root = [n for n in gm.graph.nodes if n.op == "call_function"][-1]
    cp = compile_pattern(("neg", ("neg", x)), table)
    assert cp._fast is not None
    assert cp.match(root, view=CanonicalView(table))
    assert not cp.match(root, view=CanonicalView(impure_neg))


@pytest.mark.parametrize("train, matches", ((False, True), (True, False)))
def test_an_inner_node_impure_by_its_operands_is_asked(train, matches):
    """``dropout`` is impure only in training (``impure_if``): the closures ask each inner dropout."""
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.nn.functional.dropout(a, 0.5, train)))
    root = [n for n in gm.graph.nodes if n.op == "call_function"][-1]
    assert bool(compile_pattern(("relu", ("dropout", x, var("p"), var("t")))).match(root)) is matches
