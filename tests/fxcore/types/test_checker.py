"""GraphTypeChecker: genuinely ill-typed models are rejected with a located message; the rule registry is
extensible without leaking; differential tests against torch's graph_gradual_typechecker."""
import pytest
import torch
import torch.fx.tensor_type as ttt
from hypothesis import given, settings, strategies as st
from torch import nn
from torch.fx.annotate import annotate
from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker as TorchChecker

from fxcore.types import (Dyn, GradualTypeError, GraphTypeChecker, MissingTypeRuleError, TensorType, TypeRules,
                          as_type, default_rules, is_consistent, is_more_precise)


def check(fn_or_module, *shapes, **kw):
    gm = torch.fx.symbolic_trace(fn_or_module)
    names = [n.name for n in gm.graph.nodes if n.op == "placeholder"]
    return gm, GraphTypeChecker({n: TensorType(s) for n, s in zip(names, shapes)}, gm, **kw).type_check()


class Wrong(nn.Module):
    def __init__(self, layer, fn):
        super().__init__()
        self.layer, self.fn = layer, fn

    def forward(self, x):
        return self.fn(self, x)


WRONG = {
    "matmul inner dims": (lambda x, y: x @ y, [(2, 3), (4, 5)], "matmul: inner dimensions must match: 3 != 4"),
    "linear in_features": (Wrong(nn.Linear(16, 8), lambda m, x: m.layer(x)), [(2, 32)], "in_features"),
    "bad reshape": (lambda x: x.view(3, 5), [(4, 4)], "cannot reshape a tensor of 16 elements"),
    "bad reshape -1": (lambda x: x.reshape(-1, 5), [(4, 4)], "cannot split 16 elements"),
    "conv channels": (Wrong(nn.Conv2d(4, 8, 3), lambda m, x: m.layer(x)), [(1, 3, 8, 8)], "input channels"),
    "batch norm channels": (Wrong(nn.BatchNorm2d(5), lambda m, x: m.layer(x)), [(1, 3, 8, 8)], "channels"),
    "broadcast": (lambda x, y: x + y, [(2, 3), (4,)], "cannot be broadcast"),
    "cat sizes": (lambda x, y: torch.cat([x, y], 1), [(2, 3), (4, 3)], "cat: sizes of dimension 0 must match"),
    "layer norm shape": (Wrong(nn.LayerNorm(7), lambda m, x: m.layer(x)), [(2, 8)], "normalized_shape"),
    "permute": (lambda x: x.permute(0, 0, 1), [(2, 3, 4)], "not a permutation"),
    "transpose range": (lambda x: x.transpose(0, 3), [(2, 3)], "out of range"),
    "kernel too large": (Wrong(nn.Conv2d(3, 4, 5), lambda m, x: m.layer(x)), [(1, 3, 3, 3)], "larger than"),
    "bmm batch": (lambda x, y: torch.bmm(x, y), [(2, 3, 4), (3, 4, 5)], "batch sizes must match"),
    "index out of range": (lambda x: x[5], [(3, 4)], "out of bounds"),
}


@pytest.mark.parametrize("case", list(WRONG))
def test_inconsistent_models_are_rejected_with_node_op_and_types(case):
    fn, shapes, message = WRONG[case]
    with pytest.raises(GradualTypeError, match=message.replace("(", r"\(")) as info:
        check(fn, *shapes)
    err = info.value
    assert err.node is not None and err.op is not None and isinstance(err, TypeError)
    assert f"node {err.node!r}" in str(err) and "input types" in str(err)


def test_rules_are_keyed_by_canonical_op_for_every_spelling():
    for fn in (lambda x, y: torch.add(x, y), lambda x, y: x + y, lambda x, y: x.add(y)):
        gm, res = check(fn, (2, 1), (3,))
        assert res[list(gm.graph.nodes)[2]] == TensorType((2, 3))


def my_op(x):
    return torch.cat([x, x])


torch.fx.wrap("my_op")


def test_user_rules_extend_a_new_registry_without_touching_the_default():
    gm = torch.fx.symbolic_trace(lambda x: my_op(x))
    env = {"x": TensorType((2, 3))}
    assert GraphTypeChecker(env, gm).type_check().untyped  # unknown op: Dyn, listed
    with pytest.raises(MissingTypeRuleError, match="my_op"):
        GraphTypeChecker(env, gm, strict=True).type_check()

    def rule(ctx):
        t = ctx.tensor(0)
        return t.with_dims((t.dims[0] * 2,) + t.dims[1:])

    mine = default_rules().extended({my_op: rule})
    res = GraphTypeChecker(env, gm, mine).type_check()
    assert res.complete and list(res.values())[1] == TensorType((4, 3))
    assert my_op not in default_rules() and isinstance(mine, TypeRules)
    with pytest.raises(AttributeError):
        default_rules()._rules = {}


def test_meta_val_that_contradicts_the_graph_is_an_error():
    from torch.fx.experimental.proxy_tensor import make_fx
    gm = make_fx(lambda x: x.relu())(torch.randn(2, 3))
    relu = [n for n in gm.graph.nodes if n.op == "call_function"][0]
    relu.meta["val"] = torch.empty(5)
    with pytest.raises(GradualTypeError, match="inconsistent with the recorded meta"):
        GraphTypeChecker({}, gm).type_check()


def test_scalar_sizes_flow_into_views():
    gm, res = check(lambda x: x.view(x.size(0) // 2, -1), (8, 3))
    assert list(res.values())[-2] == TensorType((4, 6))


# -- differential against torch's checker on the ops it supports ----------------------------------------


class TorchSupported(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv, self.bn, self.relu = nn.Conv2d(cin, cout, k), nn.BatchNorm2d(cout), nn.ReLU()
        self.pool, self.avg = nn.MaxPool2d(2), nn.AdaptiveAvgPool2d((2, 2))
        self.fc = nn.Linear(cout * 4, 6)

    def forward(self, x):
        y = self.avg(self.pool(self.relu(self.bn(self.conv(x)))))
        y = torch.flatten(y, 1)
        z = self.fc(y)
        return torch.add(z, z)


def _both(module, shape):
    gm1, gm2 = torch.fx.symbolic_trace(module), torch.fx.symbolic_trace(module)
    for gm, t in ((gm1, ttt.TensorType(shape)), (gm2, TensorType(shape))):
        next(iter(gm.graph.nodes)).type = t
    try:
        TorchChecker({}, gm1).type_check()
    except TypeError:
        with pytest.raises(GradualTypeError):
            GraphTypeChecker({}, gm2).type_check()
        return None
    res = GraphTypeChecker({}, gm2).type_check()
    return [(as_type(a.type), res[b]) for a, b in zip(gm1.graph.nodes, gm2.graph.nodes) if a.op != "output"]


@settings(max_examples=25)
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([1, 3]), st.one_of(st.just(Dyn), st.integers(1, 3)),
       st.one_of(st.just(Dyn), st.integers(6, 12)), st.sampled_from([2, 3]))
def test_differential_against_torch_checker(cin, cout, k, batch, hw, given_c):
    shape = (batch if batch != Dyn else ttt.Dyn, given_c, hw if hw != Dyn else ttt.Dyn, 10)
    pairs = _both(TorchSupported(cin, cout, k), shape)
    if pairs is None:
        return
    for theirs, ours in pairs:
        ours = TensorType(ours.dims)  # torch's types carry no dtype
        assert is_consistent(theirs, ours) and is_more_precise(ours, theirs), (theirs, ours)


def test_torch_checker_and_ours_agree_on_static_reshape_transpose_add():
    def f(x, y):
        return torch.transpose(torch.reshape(torch.add(x, y), [2, 6]), 0, 1)

    gm1, gm2 = torch.fx.symbolic_trace(f), torch.fx.symbolic_trace(f)
    for gm, T in ((gm1, ttt.TensorType), (gm2, TensorType)):
        x, y = [n for n in gm.graph.nodes if n.op == "placeholder"]
        x.type, y.type = T((3, 4)), T((4,))
    TorchChecker({}, gm1).type_check()
    res = GraphTypeChecker({}, gm2).type_check()
    for a, b in zip(gm1.graph.nodes, gm2.graph.nodes):
        if a.op != "output":
            assert as_type(a.type) == TensorType(res[b].dims)


def test_torch_annotations_and_fx_annotate_are_inputs():
    class M(nn.Module):
        def forward(self, x: ttt.TensorType((2, ttt.Dyn)), y):
            y = annotate(y, ttt.TensorType((3, 4)))
            return x @ y

    gm = torch.fx.symbolic_trace(M())
    result = GraphTypeChecker({}, gm).type_check()
    assert list(result.values())[-2] == TensorType((2, 4))
    gm.recompile()  # annotations written back into node.type still generate valid code
    assert gm(torch.randn(2, 3), torch.randn(3, 4)).shape == (2, 4)
