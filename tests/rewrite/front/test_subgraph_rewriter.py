"""rewrite.replace_pattern / replace_pattern_with_filters against torch.fx.subgraph_rewriter.

Each scenario of torch's test/fx/test_subgraph_rewriter.py runs on two fresh copies of the same
module, one rewritten by torch and one by us: same generated code, same outputs, same matches
(anchors, node maps and replacement nodes, compared by node name). Then what torch does not
promise: a filter or callback that raises leaves the module exactly as it was.
"""

import copy
import operator

import pytest
import torch
import torch.fx as fx
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.fx import subgraph_rewriter as torch_rewriter
from torch.fx import symbolic_trace

import rewrite
from tests.graphs import random_graph_strategy
from tests.rewrite.util import fingerprint


@torch.fx.wrap
def wrapped_gemm_bias_mul(a, b, bias):
    lin_res = torch.nn.functional.linear(a, b, bias=bias)
    return lin_res, lin_res * a


@torch.fx.wrap
def wrapped_gemm_bias_mul_with_c(a, b, bias, c):
    lin_res = torch.nn.functional.linear(a, b, bias=bias)
    return lin_res, lin_res * c


def _names(value):
    if isinstance(value, fx.Node):
        return value.name
    return value


def _match_summary(matches):
    rows = []
    for m in matches:
        row = (m.anchor.name, sorted((k.name, str(_names(v))) for k, v in m.nodes_map.items()))
        if hasattr(m, "replacements"):
            row += ([r.name for r in m.replacements],)
        rows.append(row)
    return rows


def differential(module, pattern, replacement=None, *, inputs=(), filters=False, **kwargs):
    """Rewrite a fresh copy of ``module`` with torch and one with us; assert the same outcome.

    ``module`` is an nn.Module or a function (traced with symbolic_trace) or a GraphModule.
    Returns our rewritten GraphModule and our matches.
    """
    ours_gm, theirs_gm = _fresh(module), _fresh(module)
    name = "replace_pattern_with_filters" if filters or kwargs else "replace_pattern"
    args = (pattern,) if replacement is None else (pattern, replacement)
    theirs = getattr(torch_rewriter, name)(theirs_gm, *args, **kwargs)
    ours = getattr(rewrite, name)(ours_gm, *args, **kwargs)
    ours_gm.graph.lint()
    assert ours_gm.code == theirs_gm.code
    assert _match_summary(ours) == _match_summary(theirs)
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    assert sorted(ours_gm.state_dict()) == sorted(theirs_gm.state_dict())
    assert [n for n, _ in ours_gm.named_modules()] == [n for n, _ in theirs_gm.named_modules()]
    if inputs:
        torch.testing.assert_close(ours_gm(*_clone(inputs)), theirs_gm(*_clone(inputs)))
    return ours_gm, ours


def _fresh(module):
    if isinstance(module, fx.GraphModule):
        return copy.deepcopy(module)
    if isinstance(module, torch.nn.Module):
        return symbolic_trace(copy.deepcopy(module))
    return symbolic_trace(module)


def _clone(inputs):
    return tuple(t.clone() if isinstance(t, torch.Tensor) else t for t in inputs)


X = (torch.rand(1, 3),)
X34 = (torch.randn(3, 4),)


# --- torch's scenarios --------------------------------------------------------------------------------


def test_preserves_logic():
    def model(x):
        val = torch.neg(x) + torch.relu(x)
        return torch.add(val, val)

    def pattern(x):
        return torch.neg(x) + torch.relu(x)

    gm, matches = differential(model, pattern, pattern, inputs=X)
    assert len(matches) == 1


def test_oneliner_pattern():
    def model(x):
        val = torch.neg(x)
        return torch.add(val, val)

    differential(model, lambda x: torch.neg(x), lambda x: torch.relu(x), inputs=X)


def test_single_pattern_match():
    def model(x):
        val = torch.neg(x) + torch.relu(x)
        return torch.add(val, val)

    gm, matches = differential(model, lambda x: torch.neg(x) + torch.relu(x), lambda x: torch.relu(x), inputs=X)
    assert len(matches) == 1


def test_multiple_pattern_match():
    def model(x, w1, w2):
        m1 = torch.cat([w1, w2]).sum()
        m2 = torch.cat([w1, w2]).sum()
        return x + torch.max(m1) + torch.max(m2)

    def pattern(w1, w2):
        return torch.cat([w1, w2]).sum()

    def replacement(w1, w2):
        return torch.stack([w1, w2])

    gm, matches = differential(model, pattern, replacement, inputs=(torch.rand(1, 3),) * 3)
    assert len(matches) == 2


def test_graph_argument_order():
    def mm(x, y):
        return torch.mm(x, y)

    differential(mm, mm, mm, inputs=(torch.randn(3, 4), torch.randn(4, 5)))


def test_correct_output_replacement():
    def model(x, y):
        val = torch.neg(y) + torch.relu(x)
        return torch.add(val, val)

    differential(model, lambda x: torch.relu(x), lambda x: torch.neg(x),
                 inputs=(torch.randn(4, 4), torch.randn(4, 4)))


class NegRelu(torch.nn.Module):
    def forward(self, x):
        val = torch.neg(x) + torch.relu(x)
        return torch.add(val, val)


def test_traced_as_callable():
    class Pattern(torch.nn.Module):
        def forward(self, x):
            return torch.neg(x) + torch.relu(x)

    class Replacement(torch.nn.Module):
        def forward(self, x):
            return torch.sigmoid(x)

    differential(NegRelu(), symbolic_trace(Pattern()), symbolic_trace(Replacement()), inputs=X34)


def test_pattern_and_replacement_as_graphs():
    pattern = symbolic_trace(lambda x: torch.neg(x) + torch.relu(x)).graph
    replacement = symbolic_trace(lambda x: torch.sigmoid(x)).graph
    differential(NegRelu(), pattern, replacement, inputs=X34)


def test_pattern_is_entire_graph():
    def model(x):
        a = torch.neg(x)
        return torch.add(a, a)

    def replacement(x):
        a = torch.sigmoid(x)
        return torch.cat([a, a])

    differential(model, model, replacement, inputs=X34)


def test_pattern_output_node_can_have_users_that_are_not_matched():
    def model(x):
        y = torch.relu(x)
        return torch.neg(y) - y

    differential(model, lambda x: torch.relu(x), lambda x: torch.sigmoid(x), inputs=X34)


def test_internal_pattern_nodes_cannot_have_users_that_are_not_matched():
    def model(x, w1, w2, b1, b2):
        m0 = torch.cat([w1, w2])  # noqa: F841
        m1 = torch.cat([w1, w2])
        m2 = torch.cat([x, b2])
        t0 = torch.addmm(b1, m1, m2.t())  # noqa: F841
        t1 = torch.sum(w1, 1)
        t2 = torch.addmm(b1, m1, m2.t())
        return torch.sum(t1), torch.sum(t2)

    def pattern(x, w1, w2, b1, b2):
        m1 = torch.cat([w1, w2])
        m2 = torch.cat([x, b2])
        return torch.addmm(b1, m1, m2.t())

    def replacement(x, w1, w2, b1, b2):
        return torch.cat([x, w1, w2])

    gm, matches = differential(model, pattern, replacement)
    assert matches == []


def test_placeholder_matching():
    """A pattern placeholder matches a node with inputs of its own (``x += 3``)."""
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dtype = torch.float16

        def forward(self, x):
            x += 3
            x = x.dequantize()
            x = torch.sigmoid(x)
            return x.to(self.dtype)

    def pattern(x):
        x = x.dequantize()
        x = torch.sigmoid(x)
        return x.to(torch.float16)

    differential(M(), pattern, lambda x: x, inputs=X34)


class SubmodM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sigmoid = torch.nn.Sigmoid()
        self.submod = torch.nn.ReLU()

    def forward(self, x):
        x = x + 1
        return self.submod(self.sigmoid(x))


class SubmodPattern(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sigmoid = torch.nn.Sigmoid()
        self.submod = torch.nn.ReLU()

    def forward(self, x):
        return self.submod(self.sigmoid(x))


class SubmodReplacement(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tanh = torch.nn.Tanh()
        self.submod = torch.nn.ReLU()

    def forward(self, x):
        return self.submod(self.tanh(x))


def test_replaces_referenced_submodules():
    gm, _ = differential(SubmodM(), SubmodPattern(), SubmodReplacement(), inputs=X34)
    assert isinstance(gm.get_submodule("tanh"), torch.nn.Tanh)
    with pytest.raises(AttributeError, match="has no attribute"):
        gm.get_submodule("sigmoid")
    assert type(gm.get_submodule("submod")) is torch.nn.ReLU
    x = torch.randn(3, 4)
    torch.testing.assert_close(gm(x), torch.relu(torch.tanh(x + 1)))


def test_replace_consecutive_submodules():
    def model(x):
        return torch.sigmoid(torch.sigmoid(torch.sigmoid(x)))

    gm, matches = differential(model, lambda x: torch.sigmoid(x), lambda x: torch.exp(x), inputs=X34)
    assert len(matches) == 3


def test_overlapping_matches():
    def model(x):
        return torch.sigmoid(torch.sigmoid(torch.sigmoid(torch.sigmoid(x))))

    gm, matches = differential(model, lambda x: torch.sigmoid(torch.sigmoid(x)), lambda x: torch.neg(x),
                               inputs=X34)
    assert len(matches) == 2


def test_replace_with_multiple_outputs():
    def model(x):
        return torch.sigmoid(x) + torch.relu(x)

    def pattern(a):
        return torch.sigmoid(a), torch.relu(a)

    def replacement(x):
        return torch.exp(x), torch.abs(x)

    differential(model, pattern, replacement, inputs=X34)


def test_replace_with_duplicated_outputs():
    def model(x1, x2):
        x = x1 - x2
        return torch.sigmoid(x) + torch.relu(x)

    def pattern(a1, a2):
        a = a1 - a2
        return torch.sigmoid(a), torch.relu(a), a

    def replacement(x1, x2):
        y1 = torch.exp(x1)
        y2 = torch.abs(x2)
        return y2, y2, y1

    gm, _ = differential(model, pattern, replacement, inputs=(torch.randn(3, 4), torch.randn(3, 4)))
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(gm(a, b), b.abs() + b.abs())


def test_unused_args():
    def model(x, y, z):
        return x + y

    gm, _ = differential(model, lambda x, y: x + y, lambda x, y: x - y, inputs=(torch.randn(3, 4),) * 3)
    assert len([n for n in gm.graph.nodes if n.op == "placeholder"]) == 3


def test_unused_results():
    def model(x, y, cache):
        m = torch.mul(x, y)
        n = cache.index_copy(0, torch.tensor([0]), m)
        p = torch.ops.aten.copy.default(cache, n)
        q = torch.ops.aten.copy_.default(cache, p)  # noqa: F841
        return torch.relu(cache)

    def pattern(self_tensor, src_tensor):
        p = torch.ops.aten.copy.default(self_tensor, src_tensor)
        return torch.ops.aten.copy_.default(self_tensor, p)

    def replacement(self_tensor, src_tensor):
        return torch.ops.aten.copy_.default(self_tensor, src_tensor)

    differential(model, pattern, replacement, inputs=(torch.randn(1, 8), torch.randn(1, 8), torch.randn(2, 8)))


def test_call_method():
    def model(x):
        return x.dequantize().sigmoid().to(torch.float16)

    def pattern(x):
        return x.dequantize().sigmoid().to(torch.float16)

    differential(model, pattern, lambda x: x, inputs=X34)


class GemmBiasMul(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.w0 = torch.nn.Parameter(torch.randn(8, 8))
        self.b0 = torch.nn.Parameter(torch.randn(8))

    def forward(self, in0):
        lin_res = torch.nn.functional.linear(in0, self.w0, bias=self.b0)
        return in0 * lin_res + in0


def test_nodes_with_kwargs():
    def pattern(a, b, bias):
        lin_res = torch.nn.functional.linear(a, b, bias=bias)
        return lin_res, a * lin_res

    def replacement(a, b, bias):
        lin_res, mul_res = wrapped_gemm_bias_mul(a, b, bias)
        return lin_res, mul_res

    gm, matches = differential(GemmBiasMul(), pattern, replacement, inputs=(torch.randn(2, 8),))
    assert len(matches) == 1
    assert any(n.target is wrapped_gemm_bias_mul for n in gm.graph.nodes)


class LocalRevert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        for i in range(5):
            self.register_parameter(f"w{i}", torch.nn.Parameter(torch.randn(8, 8) * 0.3))
            self.register_parameter(f"b{i}", torch.nn.Parameter(torch.randn(8)))

    def forward(self, in0, in1):
        lin = torch.nn.functional.linear
        lin_res_2 = lin(lin(in1, self.w0, bias=self.b0), self.w1, bias=self.b1)
        sum_res_1 = in1 * lin_res_2 + in1  # match at anchor 1
        lin_res_3 = lin(sum_res_1, self.w2, bias=self.b2)
        mul_res_2 = lin_res_3 * torch.sigmoid(lin_res_3)  # not a match at anchor 2
        lin_res_5 = lin(lin(in0, self.w3, bias=self.b3), self.w4, bias=self.b4)
        sum_res_2 = in0 * lin_res_5 + in0  # match at anchor 3
        return torch.cat([mul_res_2, sum_res_2], dim=1)


def test_local_revert():
    def pattern(a, b, bias, c):
        lin_res = torch.nn.functional.linear(a, b, bias=bias)
        return lin_res, c * lin_res

    def replacement(a, b, bias, c):
        lin_res, mul_res = wrapped_gemm_bias_mul_with_c(a, b, bias, c)
        return lin_res, mul_res

    gm, matches = differential(LocalRevert(), pattern, replacement, inputs=(torch.randn(2, 8), torch.randn(2, 8)))
    assert len(matches) == 2
    assert sum(n.target is wrapped_gemm_bias_mul_with_c for n in gm.graph.nodes) == 2


class Quantized(torch.nn.Module):
    def forward(self, x, scale, zero_point):
        x = x.dequantize()
        x = torch.add(x, 2)  # a match: the second input of add is a scalar
        x = x.relu()
        x = torch.quantize_per_tensor(x, scale, zero_point, torch.quint8)
        y = x + 1
        x = x.dequantize()
        x = torch.add(x, y)  # not a match for the filter: the second input is a node
        x = x.relu()
        return torch.quantize_per_tensor(x, scale, zero_point, torch.quint8)


def binary_op_scalar_relu_pattern(x, num, scale, zero_point):
    x = x.dequantize()
    x = torch.add(x, num)
    x = x.relu()
    return torch.quantize_per_tensor(x, scale, zero_point, torch.quint8)


def binary_op_scalar_relu_replacement(x, num, scale, zero_point):
    return torch.mul(x, num)


def second_input_is_scalar(match, original_graph, pattern_graph):
    num = [n for n in pattern_graph.nodes if n.op == "placeholder"][1]
    return isinstance(match.nodes_map[num], (int, float))


def test_replace_pattern_with_filters():
    gm, matches = differential(Quantized(), binary_op_scalar_relu_pattern, binary_op_scalar_relu_replacement,
                               match_filters=None)
    assert len(matches) == 2
    assert [n for n in gm.graph.nodes if n.target == torch.mul] == [r for m in matches for r in m.replacements]
    gm, matches = differential(Quantized(), binary_op_scalar_relu_pattern, binary_op_scalar_relu_replacement,
                               match_filters=[second_input_is_scalar])
    assert len(matches) == 1
    assert [n for n in gm.graph.nodes if n.target == torch.mul] == [r for m in matches for r in m.replacements]


def test_matching_pattern_with_list_type_arg():
    def model(x):
        return torch.ops.aten._reshape_alias_copy.default(x, [1, 2], [3, 4])

    def pattern(x, arg0, arg1):
        return torch.ops.aten._reshape_alias_copy.default(x, arg0, arg1)

    def replacement(x, arg0, arg1):
        return torch.ops.aten._reshape_alias_copy.default(x, arg1, arg0)

    gm, matches = differential(model, pattern, replacement)
    assert len(matches) == 1
    assert "_reshape_alias_copy.default(x, [3, 4], [1, 2])" in gm.code


def test_replacement_with_attrs():
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.tensor([1])
            self.b = torch.tensor([2])

        def forward(self, x):
            return x + self.a - self.b

    class Pattern(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.tensor([1])

        def forward(self, x):
            return x + self.a

    class Replacement(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c = torch.tensor([3])

        def forward(self, x):
            return x - self.c

    gm, matches = differential(M(), Pattern(), Replacement(), inputs=(torch.tensor([10]),))
    assert len(matches) == 1
    assert torch.equal(gm(torch.tensor([10])), torch.tensor([5]))


def test_replacement_adds_a_parameter():
    """A replacement module with its own parameter: it is copied into the rewritten module."""
    class Replacement(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.full((4,), 2.0))

        def forward(self, x):
            return torch.relu(x) * self.scale

    def model(x):
        return torch.sigmoid(torch.relu(x))

    gm, _ = differential(model, lambda x: torch.relu(x), Replacement(), inputs=X34)
    assert "scale" in dict(gm.named_parameters())
    x = torch.randn(3, 4)
    torch.testing.assert_close(gm(x), torch.sigmoid(torch.relu(x) * 2))


def test_matching_variable_arguments():
    def model(x):
        return torch.ops.aten.max_pool2d_with_indices.default(x, [2, 2], stride=[2, 2])

    def pattern(x, kernel_size, stride):
        return torch.ops.aten.max_pool2d_with_indices.default(x, kernel_size, stride, padding=[0, 0])

    gm, matches = differential(model, pattern, pattern)
    assert len(matches) == 1


def _add(x, y):
    return torch.add(x, y)


def _sub_mul(x, y):
    return torch.sub(torch.mul(x, y), y)


def test_replaced_nodes():
    gm, matches = differential(_add, _add, _sub_mul, filters=True, inputs=(torch.randn(3), torch.randn(3)))
    new = [n for n in gm.graph.nodes if n.target in {torch.sub, torch.mul}]
    assert len(new) == 2 and new == [r for m in matches for r in m.replacements]


def test_replace_pattern_with_callback():
    gm, matches = differential(_add, _add, replacement_callback=lambda *args: symbolic_trace(_sub_mul).graph,
                               inputs=(torch.randn(3), torch.randn(3)))
    new = [n for n in gm.graph.nodes if n.target in {torch.sub, torch.mul}]
    assert len(new) == 2 and new == [r for m in matches for r in m.replacements]


def test_callback_sees_each_match():
    """The callback is called once per match with the match and both graphs; it may choose per match."""
    def model(x):
        return torch.relu(x) + torch.relu(x * 2) + torch.relu(x * 3)

    seen = []

    def callback(match, original_graph, pattern_graph):
        root = match.returning_nodes[0].name
        seen.append((root, match.anchors[0].graph is pattern_graph, original_graph is not pattern_graph))
        fn = torch.sigmoid if root == "relu_1" else torch.neg
        return symbolic_trace(lambda x: fn(x)).graph

    differential(model, lambda x: torch.relu(x), replacement_callback=callback, inputs=X34)
    assert seen[:3] == seen[3:]  # torch's run and ours saw the same matches in the same order
    assert [s[0] for s in seen[:3]] == ["relu", "relu_1", "relu_2"]
    assert all(s[1] and s[2] for s in seen)  # anchors are pattern nodes, as in torch


def test_ignore_literals():
    def model(x):
        return torch.relu(x + 2) + torch.relu(x * 3) + torch.relu(x + 1)

    def pattern(x):
        return torch.relu(x + 1)

    def replacement(x):
        return torch.sigmoid(x)

    gm, matches = differential(model, pattern, replacement, inputs=X34, ignore_literals=False)
    assert len(matches) == 1
    gm, matches = differential(model, pattern, replacement, inputs=X34, ignore_literals=True)
    assert len(matches) == 2


def test_node_name_match():
    """torch's node_name_match widens matching: a graph node whose name contains it equals any pattern node."""
    def model(x):
        return torch.relu(torch.neg(x)) + torch.relu(torch.neg(x * 2)) + torch.tanh(x)

    for name in ("", "relu_1", "tanh", "neg"):
        differential(model, lambda x: torch.relu(x), lambda x: torch.sigmoid(x), inputs=X34,
                     node_name_match=name, filters=True)


def test_no_replacement_is_an_error():
    gm = symbolic_trace(_add)
    code = gm.code
    with pytest.raises(AssertionError):
        torch_rewriter.replace_pattern_with_filters(symbolic_trace(_add), _add)
    with pytest.raises((TypeError, AssertionError), match="replacement"):
        rewrite.replace_pattern_with_filters(gm, _add)
    assert gm.code == code


def test_mismatched_arity_is_an_error_and_changes_nothing():
    gm = symbolic_trace(_add)
    before, code = fingerprint(gm), gm.code
    with pytest.raises(Exception, match="inputs"):
        rewrite.replace_pattern(gm, _add, lambda x: torch.neg(x))
    assert gm.code == code and fingerprint(gm) == before


@settings(max_examples=max(60, settings.default.max_examples if settings.default.max_examples > 100 else 0))
@given(random_graph_strategy(max_nodes=10),
       st.sampled_from([
           (lambda x: torch.relu(torch.neg(x)), lambda x: torch.neg(torch.relu(x))),
           (lambda x, y: torch.add(x, y), lambda x, y: torch.mul(x, y)),
           (lambda x, y: torch.mul(torch.sigmoid(x), y), lambda x, y: torch.tanh(x) - y),
           (lambda x: torch.sigmoid(torch.sigmoid(x)), lambda x: torch.neg(x)),
           (lambda x: torch.tanh(x) - 1, lambda x: torch.relu(x)),
       ]),
       st.booleans())
def test_random_graphs_agree_with_torch(gm, rule, ignore_literals):
    pattern, replacement = rule
    inputs = (torch.randn(3), torch.randn(3))
    differential(gm, pattern, replacement, inputs=inputs, ignore_literals=ignore_literals)


# --- all-or-nothing (beyond torch) ------------------------------------------------------------------


def _three_relus(x):
    return torch.relu(x) + torch.relu(x * 2) + torch.relu(x * 3)


def test_raising_match_filter_leaves_the_module_unchanged():
    calls = []

    def flaky(match, original_graph, pattern_graph):
        calls.append(match)
        if len(calls) == 2:
            raise RuntimeError("filter boom")
        return True

    gm = symbolic_trace(_three_relus)
    before, code = fingerprint(gm), gm.code
    with pytest.raises(RuntimeError, match="filter boom"):
        rewrite.replace_pattern_with_filters(gm, lambda x: torch.relu(x), lambda x: torch.neg(x),
                                             match_filters=[flaky])
    assert gm.code == code and fingerprint(gm) == before


@pytest.mark.parametrize("failure", ["raises", "wrong-arity"])
def test_failing_replacement_callback_leaves_the_module_unchanged(failure):
    """Two matches are replaced, the third callback fails: all three are undone (torch would keep two)."""
    calls = []

    def callback(match, original_graph, pattern_graph):
        calls.append(match)
        if len(calls) == 3:
            if failure == "raises":
                raise RuntimeError("callback boom")
            return symbolic_trace(lambda x, y: x + y).graph
        return symbolic_trace(lambda x: torch.neg(x)).graph

    gm = symbolic_trace(_three_relus)
    before, code = fingerprint(gm), gm.code
    x = torch.randn(3)
    expected = gm(x)
    with pytest.raises(Exception, match="boom" if failure == "raises" else "inputs"):
        rewrite.replace_pattern_with_filters(gm, lambda x: torch.relu(x), replacement_callback=callback)
    assert len(calls) == 3
    assert gm.code == code and fingerprint(gm) == before
    gm.graph.lint()
    torch.testing.assert_close(gm(x), expected)


def test_failing_replacement_module_attributes_are_removed_again():
    """A replacement module whose attribute copy fails midway: no attribute of it is left behind."""
    class Replacement(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))

        def forward(self, x, y):  # wrong arity: fails after tracing, before any attribute copy
            return x * self.scale

    gm = symbolic_trace(_three_relus)
    before, code = fingerprint(gm), gm.code
    with pytest.raises(Exception):
        rewrite.replace_pattern(gm, lambda x: torch.relu(x), Replacement())
    assert gm.code == code and fingerprint(gm) == before
    assert not hasattr(gm, "scale")


def test_failing_attribute_copy_keeps_unused_submodules():
    """torch's attribute copy deletes every unused submodule first, then raises when the replacement lacks an
    attribute its graph reads: the deleted submodules come back and nothing copied stays."""
    g = fx.Graph()
    x = g.placeholder("x")
    g.output(g.call_function(torch.add, (x, g.get_attr("offset"))))
    holder = torch.nn.Module()
    holder.register_buffer("offset", torch.ones(1))
    replacement = fx.GraphModule(holder, g)
    del replacement.offset  # the replacement's graph now reads an attribute nobody has

    gm = symbolic_trace(lambda x: torch.relu(x) + 1)
    gm.add_submodule("spare", torch.nn.Linear(2, 2))  # never called: delete_all_unused_submodules removes it
    before, code, modules = fingerprint(gm), gm.code, dict(gm.named_modules())
    with pytest.raises(RuntimeError):
        rewrite.replace_pattern(gm, lambda x: torch.relu(x), replacement)
    assert gm.code == code and fingerprint(gm) == before
    assert dict(gm.named_modules()) == modules and gm.spare is modules["spare"]
    assert not hasattr(gm, "offset")
    gm.graph.lint()
    x = torch.randn(2, 2)
    torch.testing.assert_close(gm(x), torch.relu(x) + 1)
