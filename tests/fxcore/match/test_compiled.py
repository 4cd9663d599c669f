"""Term-pattern matching on FX graphs: front ends, normalization, sharing, commutativity, safety, diagnostics."""
import operator

import pytest
import torch
import torch.fx as fx

from fxcore.match import FailedMatch, Match, OpIndex, compile_pattern, explain, find_matches
from fxcore.ops import UnknownOpError
from fxcore.view.pattern import PatternError, approx, bind, typed
from tests.graphs import FRONT_ENDS, Diamond, SumKeepdim, Swish, chain, node, trace
from unify import var

x, y, z, w, b = var("x"), var("y"), var("z"), var("w"), var("b")  # noqa: F841
SWISH = ("mul", x, ("sigmoid", x))


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_one_pattern_matches_every_front_end(front_end):
    gm = trace(Swish(), front_end)
    (m,) = find_matches(gm.graph, SWISH)
    assert isinstance(m, Match) and m.bindings[x].op == "placeholder"
    assert [n.name for n in m.nodes] == [n.name for n in gm.graph.nodes if n.op == "call_function"]


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_keyword_and_default_normalization(front_end):
    gm = trace(SumKeepdim(), front_end)
    assert len(find_matches(gm.graph, ("sum", x, (1,), True, None))) == 3
    assert len(find_matches(gm.graph, ("sum", x, (1,), False, None))) == 0
    assert len(find_matches(gm.graph, ("sum", x, y, True, None))) == 3  # short patterns get defaults
    assert find_matches(gm.graph, ("sum", x)) == []  # sum(x) is sum(x, None, False, None): a full reduction


def test_sharing_is_respected():
    gm = fx.symbolic_trace(lambda a, c: a * torch.sigmoid(c))
    assert find_matches(gm.graph, SWISH) == []
    gm2 = fx.symbolic_trace(lambda a, c: a * torch.sigmoid(a))
    assert len(find_matches(gm2.graph, SWISH)) == 1


def test_commutative_operands_tried_lazily():
    gm = fx.symbolic_trace(lambda a: torch.sigmoid(a) * a)
    (m,) = find_matches(gm.graph, SWISH)
    assert m.bindings[x].name == "a"
    # add is commutative only when alpha == 1
    gm2 = fx.symbolic_trace(lambda a: torch.add(torch.relu(a), a, alpha=2))
    assert find_matches(gm2.graph, ("add", x, ("relu", x), 2)) == []
    assert len(find_matches(gm2.graph, ("add", ("relu", x), x, 2))) == 1
    assert find_matches(gm.graph, ("div", ("sigmoid", x), x)) == []


def test_literals_and_typed_variables():
    gm = fx.symbolic_trace(lambda a: (a * 2) + (a * 2.5) + a.transpose(0, 1))
    assert [m.root.name for m in find_matches(gm.graph, ("mul", x, typed(y, int)))] == ["mul"]
    assert [m.root.name for m in find_matches(gm.graph, ("mul", x, typed(y, float)))] == ["mul_1"]
    assert [m.root.name for m in find_matches(gm.graph, ("mul", x, approx(2.5000001)))] == ["mul_1"]
    assert find_matches(gm.graph, ("mul", x, approx(2.6))) == []
    (m,) = find_matches(gm.graph, ("transpose", x, y, z))
    assert (m.bindings[y], m.bindings[z]) == (0, 1)


def test_typed_sequence_of_ints():
    gm = fx.symbolic_trace(lambda a: a.permute(1, 0))
    (m,) = find_matches(gm.graph, ("permute", x, typed(y, tuple[int, ...])))
    assert m.bindings[y] == (1, 0)


def test_inner_node_with_outside_users_is_not_swallowed():
    gm = fx.symbolic_trace(Diamond())
    assert find_matches(gm.graph, ("neg", ("relu", x))) == []
    fm = compile_pattern(("neg", ("relu", x))).match(node(gm.graph, "neg"))
    assert not fm and "outside the match" in fm.reason and "bind(" in fm.reason
    (m,) = find_matches(gm.graph, ("neg", bind(y, ("relu", x))))
    assert m.bindings[y].name == "relu"


def test_impure_inner_node_is_never_matched():
    g = fx.Graph()
    a = g.placeholder("a")
    inplace = g.call_method("relu_", (a,))
    g.output(g.call_function(torch.neg, (inplace,)))
    assert find_matches(g, ("neg", ("relu_", x))) == []
    assert len(find_matches(g, ("relu_", x))) == 1  # an impure root is fine


def test_multi_output_pattern_shares_variables():
    gm = fx.symbolic_trace(lambda a, c: (torch.relu(a), torch.sigmoid(a), torch.sigmoid(c)))
    (m,) = find_matches(gm.graph, (("relu", x), ("sigmoid", x)))
    assert [r.name for r in m.roots] == ["relu", "sigmoid"] and m.root is m.roots[0]


def test_multi_output_never_creates_a_cycle():
    def f(a, c):
        r = torch.relu(a)
        return r, torch.sigmoid(r.neg() + a), torch.sigmoid(c)

    gm = fx.symbolic_trace(f)
    pattern = (("relu", x), ("sigmoid", y))
    # {relu, sigmoid(neg(relu) + a)}: a path leaves the match (neg, add) and comes back: rejected
    (m,) = find_matches(gm.graph, pattern)
    assert m.roots[1].name == "sigmoid_1" and m.bindings[y].name == "c"
    # the whole computation as one multi-output match is fine: nothing leaves and comes back
    whole = (("relu", x), ("sigmoid", ("add", ("neg", bind(z, ("relu", x))), x, 1)))
    assert compile_pattern(whole).match(node(gm.graph, "relu"))


def test_cycle_rejection_is_explained():
    def f(a):
        r = torch.relu(a)
        return r, torch.sigmoid(r.neg() + a)

    gm = fx.symbolic_trace(f)
    fm = compile_pattern((("relu", x), ("sigmoid", y))).match(node(gm.graph, "relu"))
    assert not fm and "cycle" in fm.reason


def test_failed_match_is_falsy_and_explains():
    gm = fx.symbolic_trace(lambda a: a * torch.relu(a))
    fm = compile_pattern(SWISH).match(node(gm.graph, "mul"))
    assert isinstance(fm, FailedMatch) and not fm
    assert "expected sigmoid(...)" in fm.reason and "relu" in fm.reason
    assert dict(fm.partial) == {x: node(gm.graph, "a")}
    text = explain(node(gm.graph, "mul"), SWISH)
    assert "does not match" in text and "best partial match" in text


def test_nonlinear_variable_conflict_is_explained():
    gm = fx.symbolic_trace(lambda a, c: a * torch.sigmoid(c))
    fm = compile_pattern(SWISH).match(node(gm.graph, "mul"))
    assert "already node 'a'" in fm.reason or "already node 'c'" in fm.reason


def test_no_bindings_leak_from_failed_branch():
    # first order binds x to the sigmoid and fails; the swapped order must start clean
    gm = fx.symbolic_trace(lambda a: torch.sigmoid(a) * a)
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))
    assert dict(m.bindings) == {x: node(gm.graph, "a")}


def test_unknown_op_has_did_you_mean():
    with pytest.raises(UnknownOpError, match="sigmoid"):
        compile_pattern(("sigmod", x))
    with pytest.raises(PatternError):
        compile_pattern(("relu", x, 1, 2, 3))


def test_index_shared_between_patterns_and_root_op():
    gm = fx.symbolic_trace(Diamond())
    index = OpIndex(gm.graph)
    assert compile_pattern(("neg", x)).root_op == "neg"
    assert len(find_matches(gm.graph, ("neg", x), index=index)) == 1
    assert len(find_matches(gm.graph, ("relu", x), index=index)) == 1


def test_deep_graph_and_deep_pattern_without_recursion():
    gm = chain(20_000, ops=(torch.neg,))
    assert len(find_matches(gm.graph, ("neg", ("neg", x)))) == 19_999  # overlapping matches are all found
    deep = x
    for _ in range(100_000):
        deep = ("neg", deep)
    last = list(gm.graph.nodes)[-2]
    fm = compile_pattern(deep).match(last)  # 100k-deep pattern against a 20k-deep graph
    assert not fm and "expected neg(...), got node 'x'" in fm.reason and "more)..." in fm.reason
    shallow = x
    for _ in range(20_000):
        shallow = ("neg", shallow)
    assert compile_pattern(shallow).match(last)


def test_unknown_targets_match_by_exact_target():
    def my_op(t):
        return t + 1

    g = fx.Graph()
    a = g.placeholder("a")
    g.output(g.call_function(my_op, (a,)))
    (m,) = find_matches(g, (my_op, x))
    assert m.bindings[x] is a
    assert find_matches(g, (operator.neg, x)) == []


def test_match_is_a_frozen_hashable_value():
    gm = fx.symbolic_trace(Swish())
    (m,) = find_matches(gm.graph, SWISH)
    with pytest.raises(Exception):
        m.root = None
    assert hash(m) == hash(find_matches(gm.graph, SWISH)[0])


def test_cached_view_stays_valid_across_rewrites():
    from fxcore.edit.surgery import replace_match

    model = chain(5, ops=(torch.neg,))
    gm = chain(5, ops=(torch.neg,))
    cp = compile_pattern(("neg", ("neg", x)))
    rewrites = 0
    while True:  # the pattern's per-graph view is reused by every call below
        found = [m for m in map(cp.match, list(gm.graph.nodes)) if m]
        if not found:
            break
        replace_match(gm, found[0], x, rule_id="neg-neg")
        rewrites += 1
    assert rewrites == 2 and [n.op for n in gm.graph.nodes].count("call_function") == 1
    gm.recompile()
    t = torch.randn(3)
    torch.testing.assert_close(gm(t), model(t))
