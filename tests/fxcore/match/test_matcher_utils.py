"""fxcore.matcher_utils.SubgraphMatcher: torch's own test scenarios, and differential tests against torch's matcher."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.fx import symbolic_trace
from torch.fx.experimental.proxy_tensor import make_fx
from torch.fx.passes.utils import matcher_utils as torch_mu

from fxcore.matcher_utils import InternalMatch, SubgraphMatcher, SubgraphMatcherWithNameNodeMap
from tests.graphs import random_graph_strategy, swish_chain

BOTH = pytest.mark.parametrize("Matcher", [torch_mu.SubgraphMatcher, SubgraphMatcher], ids=["torch", "ours"])


# ---- torch's test/fx/test_matcher_utils.py scenarios, run against both matchers --------------------------
@BOTH
def test_subgraph_matcher_with_attributes(Matcher):
    class LargeModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self._weight = torch.nn.Parameter(torch.ones(3, 3))
            self._bias = torch.nn.Parameter(torch.ones(3, 3))

        def forward(self, x):
            return torch.ops.aten.addmm.default(self._bias, x, self._weight)

    class PatternModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self._weight_1 = torch.nn.Parameter(torch.ones(5, 5))
            self._bias_1 = torch.nn.Parameter(torch.ones(5, 5))

        def forward(self, x):
            return torch.ops.aten.addmm.default(self._bias_1, x, self._weight_1)

    assert len(Matcher(symbolic_trace(PatternModel()).graph).match(symbolic_trace(LargeModel()).graph)) == 1


@BOTH
def test_subgraph_matcher_with_list(Matcher):
    def original(x, y):
        return torch.ops.aten.view(x, [5, y.shape[0]])

    def pattern(x, y, z):
        return torch.ops.aten.view(x, [z, y.shape[0]])

    assert len(Matcher(symbolic_trace(pattern).graph).match(symbolic_trace(original).graph)) == 1


@BOTH
def test_subgraph_matcher_with_list_bad(Matcher):
    def original(x, y):
        return torch.ops.aten._reshape_alias_copy.default(x, [1, y.shape[0]], [y.shape[1], y.shape[1]])

    def pattern(x, y, b):
        return torch.ops.aten._reshape_alias_copy.default(x, [b, y.shape[0], y.shape[1]], [y.shape[1]])

    assert len(Matcher(symbolic_trace(pattern).graph).match(symbolic_trace(original).graph)) == 0


@BOTH
def test_subgraph_matcher_ignore_literals(Matcher):
    original = make_fx(lambda x: x + 1)(torch.ones(3, 3)).graph
    original.eliminate_dead_code()
    pattern = make_fx(lambda x: x + 2)(torch.ones(4, 4)).graph
    pattern.eliminate_dead_code()
    assert len(Matcher(pattern).match(original)) == 0
    assert len(Matcher(pattern, ignore_literals=True).match(original)) == 1


@BOTH
def test_variadic_arg_matching(Matcher):
    inputs = (torch.randn(20, 16, 50, 32),)

    def maxpool(x, kernel_size, stride, padding, dilation):
        return torch.ops.aten.max_pool2d_with_indices.default(x, kernel_size, stride, padding, dilation)

    m = Matcher(symbolic_trace(maxpool).graph)
    assert len(m.match(symbolic_trace(maxpool).graph)) == 1
    for kw in ({"stride": 1}, {"padding": 1}, {"stride": 1, "padding": 1}):
        g = make_fx(torch.nn.MaxPool2d(kernel_size=2, **kw))(*inputs).graph
        assert len(m.match(g)) == 1


# ---- test_subgraph_rewriter.py matching scenarios ------------------------------------------------------
@BOTH
def test_internal_pattern_nodes_cannot_have_outside_users(Matcher):
    def model(x, w1, w2):
        m1 = torch.cat([w1, w2]).sum()
        m2 = torch.cat([w1, w2]).sum()
        return x + torch.max(m1) + torch.max(m2) + m2

    def pattern(w1, w2):
        return torch.cat([w1, w2]).sum()

    assert len(Matcher(symbolic_trace(pattern).graph).match(symbolic_trace(model).graph)) == 2


@BOTH
def test_placeholder_matching(Matcher):
    def model(x):
        return torch.neg(x) + torch.relu(x)

    def pattern(x):
        return torch.relu(x)

    pg, g = symbolic_trace(pattern).graph, symbolic_trace(model).graph
    assert len(Matcher(pg, match_placeholder=True).match(g)) == 1
    g2 = symbolic_trace(lambda x: torch.relu(torch.neg(x))).graph
    assert len(Matcher(pg, match_placeholder=True).match(g2)) == 0
    assert len(Matcher(pg).match(g2)) == 1


@BOTH
def test_multiple_outputs_and_overlap(Matcher):
    def model(x, y):
        a = torch.sigmoid(x)
        b = torch.relu(x)
        return a + b, torch.sigmoid(y), torch.relu(y)

    def pattern(x):
        return torch.sigmoid(x), torch.relu(x)

    pg, g = symbolic_trace(pattern).graph, symbolic_trace(model).graph
    assert len(Matcher(pg).match(g)) == 2
    assert len(Matcher(pg, match_output=True).match(g)) == 0


@BOTH
def test_kwargs_must_agree(Matcher):
    def model(x):
        return torch.sum(x, dim=1) + torch.sum(x, 1)

    def pattern(x):
        return torch.sum(x, dim=1)

    assert len(Matcher(symbolic_trace(pattern).graph).match(symbolic_trace(model).graph)) == 1


@BOTH
def test_cycle_would_be_created(Matcher):
    def model(x):
        a = torch.relu(x)
        b = torch.neg(a)
        return torch.sigmoid(a), torch.tanh(b)

    def pattern(x, y):
        return torch.sigmoid(torch.relu(x)), torch.tanh(y)

    # fusing {relu, sigmoid, tanh} with tanh's input neg(relu) outside: a cycle, so no match
    assert len(Matcher(symbolic_trace(pattern).graph).match(symbolic_trace(model).graph)) == 0


def test_name_node_map():
    def target(x, weight):
        x = x * 2
        weight = weight * 3
        conv = F.conv2d(x, weight)
        relu = F.relu(conv)
        relu2 = relu * 2
        return relu + relu2

    def pattern(x, weight):
        conv = F.conv2d(x, weight)
        relu = F.relu(conv)
        relu_mul_by_two = relu * 2
        return relu, relu_mul_by_two, {"conv": conv, "relu": relu}

    class Wrap(torch.nn.Module):
        def __init__(self, f):
            super().__init__()
            self.f = f

        def forward(self, *args):
            return self.f(*args)

    example = (torch.randn(1, 3, 3, 3), torch.randn(3, 3, 3, 3))
    pattern_gm = torch.export.export(Wrap(pattern), example, strict=True).module()
    target_gm = torch.export.export(Wrap(target), example, strict=True).module()
    (m,) = SubgraphMatcherWithNameNodeMap(pattern_gm).match(target_gm.graph)
    assert m.name_node_map["conv"].target == torch.ops.aten.conv2d.default
    assert m.name_node_map["relu"].target == torch.ops.aten.relu.default


def test_constructor_errors_like_torch():
    with pytest.raises(ValueError):
        SubgraphMatcher(torch.fx.Graph())
    g = torch.fx.Graph()
    x = g.placeholder("x")
    g.call_function(torch.relu, (x,))
    g.output(x)
    with pytest.raises(AssertionError, match="dead code"):
        SubgraphMatcher(g)


def test_internal_match_copy_keeps_name_node_map():
    import copy

    m = InternalMatch(anchors=[], name_node_map={"a": None})
    assert copy.copy(m).name_node_map == {"a": None}


# ---- differential tests against torch's matcher on random graphs --------------------------------------
def _extract_pattern(gm, roots, depth):
    """A pattern graph: the subgraph above ``roots`` up to ``depth`` calls, deeper values as placeholders."""
    g = torch.fx.Graph()
    env, inputs = {}, {}
    keep = set()
    frontier = list(roots)
    for _ in range(depth):
        keep.update(n for n in frontier if n.op == "call_function")
        frontier = [a for n in frontier if n.op == "call_function" for a in n.all_input_nodes]
    for n in gm.graph.nodes:
        if n in keep:
            for a in n.all_input_nodes:
                if a not in keep and a not in inputs:
                    inputs[a] = env[a] = g.placeholder(f"in{len(inputs)}")
    for n in gm.graph.nodes:
        if n in keep:
            env[n] = g.node_copy(n, lambda a: env[a])
    outs = [env[r] for r in roots]
    g.output(outs[0] if len(outs) == 1 else tuple(outs))
    return g


def _summary(matches):
    def show(v):
        return v.name if isinstance(v, torch.fx.Node) else repr(v)

    return [({pn.name: show(gn) for pn, gn in m.nodes_map.items()}, [show(n) for n in m.placeholder_nodes],
             [show(n) for n in m.returning_nodes], [n.name for n in m.anchors]) for m in matches]


FLAGS = st.fixed_dictionaries({
    "match_output": st.just(False), "match_placeholder": st.booleans(),
    "remove_overlapping_matches": st.booleans(), "ignore_literals": st.booleans()})


@settings(max_examples=150)
@given(random_graph_strategy(max_nodes=14), st.data(), FLAGS)
def test_differential_against_torch(gm, data, flags):
    calls = [n for n in gm.graph.nodes if n.op == "call_function"]
    if not calls:
        return
    roots = data.draw(st.lists(st.sampled_from(calls), min_size=1, max_size=2, unique=True))
    pattern = _extract_pattern(gm, roots, data.draw(st.integers(1, 3)))
    try:
        expected = torch_mu.SubgraphMatcher(pattern, **flags)
    except AssertionError:  # a pattern torch rejects (dead code): ours must reject it too
        with pytest.raises(AssertionError):
            SubgraphMatcher(pattern, **flags)
        return
    assert _outcome(SubgraphMatcher(pattern, **flags), gm.graph) == _outcome(expected, gm.graph)


def _outcome(matcher, graph):
    """The summary of the matches, or the exception type (torch's matcher raises KeyError in corner cases)."""
    try:
        return _summary(matcher.match(graph))
    except Exception as exc:
        return type(exc)


@settings(max_examples=40)
@given(random_graph_strategy(max_nodes=10), random_graph_strategy(max_nodes=3, n_inputs=1), FLAGS)
def test_differential_against_torch_unrelated_patterns(gm, pattern_gm, flags):
    pattern = pattern_gm.graph
    ours, theirs = SubgraphMatcher(pattern, **flags), torch_mu.SubgraphMatcher(pattern, **flags)
    assert _outcome(ours, gm.graph) == _outcome(theirs, gm.graph)


def test_same_matches_as_torch_on_a_chain():
    gm = swish_chain(200)
    pattern = symbolic_trace(lambda x: x * torch.sigmoid(x)).graph
    assert _summary(SubgraphMatcher(pattern).match(gm.graph)) == _summary(
        torch_mu.SubgraphMatcher(pattern).match(gm.graph))
