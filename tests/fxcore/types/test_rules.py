"""Inference rules: every canonical op has one; random well-formed graphs (Hypothesis) are typed exactly as
ShapeProp runs them, through several front-end spellings; sizes read with size()/shape flow into views."""
import math
import operator

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from torch.fx.passes.shape_prop import ShapeProp

from fxcore.ops import default_table
from fxcore.types import GradualTypeError, GraphTypeChecker, TensorType, default_rules, meta_type
from tests.fxcore.types.helpers import same_type


def test_every_canonical_op_has_a_rule():
    table, rules = default_table(), default_rules()
    missing = [n for n in table.listed() if n not in rules and not table.op(n).inplace_of]
    assert not missing, f"add type rules for {missing} (fxcore/types/rules_*.py)"


def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def step(draw, shape):
    """One random op applicable to a tensor of ``shape``: (kind, target, args after x, new_leaf_shape or None)."""
    rank = len(shape)
    kinds = ["unary", "binary", "reshape", "sum", "unsqueeze", "softmax"]
    kinds += ["transpose", "permute", "flatten", "matmul", "cat", "getitem", "mean"] if rank >= 2 else []
    kind = draw(st.sampled_from(kinds))
    dim = draw(st.integers(-rank, rank - 1)) if rank else 0
    if kind == "unary":
        return (draw(st.sampled_from([torch.relu, torch.sigmoid, F.gelu, "neg", "exp", operator.neg])), (), None)
    if kind == "binary":
        other = tuple(draw(st.sampled_from([1, d])) for d in shape[draw(st.integers(0, rank)):])
        return (draw(st.sampled_from([torch.add, operator.mul, "sub", torch.maximum, operator.truediv])), (), other)
    if kind == "reshape":
        n = math.prod(shape)
        a = draw(st.sampled_from(_divisors(n)))
        return (draw(st.sampled_from(["view", "reshape", torch.reshape])), ((a, -1),), None)
    if kind in ("sum", "mean"):
        return (draw(st.sampled_from(["sum", torch.sum] if kind == "sum" else ["mean", torch.mean])),
                (dim, draw(st.booleans())), None)
    if kind == "unsqueeze":
        return (draw(st.sampled_from(["unsqueeze", torch.unsqueeze])), (draw(st.integers(-rank - 1, rank)),), None)
    if kind == "softmax":
        return (draw(st.sampled_from([F.softmax, "softmax", torch.softmax])), (dim,), None)
    if kind == "transpose":
        return ("transpose", (dim, draw(st.integers(-rank, rank - 1))), None)
    if kind == "permute":
        return ("permute", tuple(draw(st.permutations(range(rank)))), None)
    if kind == "flatten":
        return (torch.flatten, (draw(st.integers(0, rank - 1)),), None)
    if kind == "matmul":
        return (draw(st.sampled_from([torch.matmul, operator.matmul])), (), (shape[-1], draw(st.integers(1, 4))))
    if kind == "cat":
        return (torch.cat, dim, shape[:dim % rank] + (draw(st.integers(1, 3)),) + shape[dim % rank + 1:])
    return (operator.getitem, (draw(st.sampled_from([0, slice(None, 1), (slice(None), None), (Ellipsis, -1)])),),
            None)


def _emit(g, x, target, args, leaf):
    if target is torch.cat:
        return g.call_function(torch.cat, ((x, leaf),), {"dim": args})
    extra = (leaf,) if leaf is not None else ()
    if isinstance(target, str):
        return g.call_method(target, (x,) + extra + tuple(args))
    return g.call_function(target, (x,) + extra + tuple(args))


@settings(max_examples=60)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.data())
def test_random_graphs_are_typed_exactly_as_they_run(shape, data):
    g, inputs = torch.fx.Graph(), [torch.randn(shape)]
    x = g.placeholder("x")
    current = shape
    for i in range(data.draw(st.integers(1, 6))):
        target, args, leaf_shape = data.draw(step(current))
        leaf = None
        if leaf_shape is not None:
            leaf = g.placeholder(f"p{i}")
            inputs.append(torch.randn(leaf_shape))
        x = _emit(g, x, target, args, leaf)
        g.output(x)
        gm = torch.fx.GraphModule(torch.nn.Module(), g)
        try:
            current = tuple(gm(*inputs).shape)
        except Exception:  # an op that torch itself rejects: the checker must reject it too
            env = {n.name: TensorType(tuple(t.shape)) for n, t in zip(g.find_nodes(op="placeholder"), inputs)}
            with pytest.raises(GradualTypeError):
                GraphTypeChecker(env, gm, strict=True).type_check()
            return
        g.erase_node(g.output_node())
    g.output(x)
    gm = torch.fx.GraphModule(torch.nn.Module(), g)
    env = {n.name: TensorType(tuple(t.shape), t.dtype) for n, t in zip(g.find_nodes(op="placeholder"), inputs)}
    result = GraphTypeChecker(env, gm, strict=True).type_check()
    ShapeProp(gm).propagate(*inputs)
    for node in g.nodes:
        if "tensor_meta" in node.meta:
            assert same_type(result[node], meta_type(node)), (node.format_node(), result[node], meta_type(node))


def test_sizes_read_from_tensors_flow_into_views():
    class M(torch.nn.Module):
        def forward(self, x):
            b, t, c = x.shape
            return x.view(b * t, c // 2, -1).transpose(0, 1)[:, : x.size(1)]

    gm = torch.fx.symbolic_trace(M())
    result = GraphTypeChecker({"x": TensorType((2, 3, 8))}, gm).type_check()
    assert list(result.values())[-2] == TensorType((4, 3, 2))


def test_expand_refuses_minus_one_in_a_new_leading_dimension():
    gm = torch.fx.symbolic_trace(lambda x: x.expand(-1, 3))
    with pytest.raises(GradualTypeError, match="sizes must be >= 0, or -1"):
        GraphTypeChecker({"x": TensorType((3,))}, gm).type_check()
    with pytest.raises(RuntimeError, match="leading, non-existing dimension"):
        torch.randn(3).expand(-1, 3)
