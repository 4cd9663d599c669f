"""The per-run memos (a call's binding, a pure rule application, torch's view) change nothing but time.

Every graph is typed twice, with and without the memos (``infer_types(..., memo=False)``): the
precise types (dtypes included), torch's views and every ``meta`` entry must be identical, and an
ill-typed graph must fail with the same message.
"""
import pytest
import torch
from hypothesis import given, settings, strategies as st

from fxcore.types import GradualTypeError, TensorType
from fxcore.types.infer import infer_types
from rewrite.front import zoo
from tests.fxcore.types.helpers import same_type
from tests.fxcore.types.op_cases import Spec, op_case
from tests.fxcore.types.test_soundness import _call

OPS = ("add", "mul", "relu", "transpose", "reshape", "sum", "cat", "linear", "max_pool2d", "getitem", "size",
       "unsqueeze", "matmul", "softmax", "add_", "expand")
DTYPES = (torch.float32, torch.float16, torch.int64)
_TRACER_META = frozenset({"val", "tensor_meta", "example_value", "stack_trace", "nn_module_stack", "source_fn_stack",
                          "original_aten", "seq_nr", "from_node", "torch_fn"})


def _typed(gm, env, memo):
    for n in gm.graph.nodes:
        n.type = None
        for k in [k for k in n.meta if k not in _TRACER_META]:
            del n.meta[k]
    try:
        inf = infer_types(gm, env=env, view=True, memo=memo)
    except GradualTypeError as e:
        return str(e)
    return [(n.name, inf.types[n], n.type, dict(n.meta)) for n in gm.graph.nodes]


def assert_same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    for (name, t1, v1, m1), (_, t2, v2, m2) in zip(a, b):
        assert same_type(t1, t2) and same_type(v1, v2), (name, t1, t2, v1, v2)
        assert m1.keys() == m2.keys(), (name, m1, m2)
        assert all(m1[k] is m2[k] or same_type(m1[k], m2[k]) for k in m1 if k not in _TRACER_META), (name, m1, m2)


@st.composite
def repeated_calls(draw):
    """A graph of calls, many repeating an earlier call's shapes with other dtypes and other operand nodes."""
    g, env, calls = torch.fx.Graph(), {}, []
    for _ in range(draw(st.integers(2, 8))):
        if calls and draw(st.booleans()):
            name, operands = draw(st.sampled_from(calls))
        else:
            name = draw(st.sampled_from(OPS))
            operands = draw(op_case(name))
            calls.append((name, operands))
        dtype = draw(st.sampled_from(DTYPES))

        def node_of(v):
            if isinstance(v, Spec):
                p = g.placeholder(f"p{len(env)}")
                env[p.name] = TensorType(v.shape, dtype if v.dtype.is_floating_point else v.dtype)
                return p
            return type(v)(node_of(e) for e in v) if isinstance(v, (tuple, list)) else v

        _call(name)(g, tuple(node_of(v) for v in operands))
    g.output(None)
    return torch.fx.GraphModule(torch.nn.Module(), g), env


@settings(max_examples=60)
@given(repeated_calls())
def test_memos_change_nothing_on_repeated_calls(graph):
    gm, env = graph
    assert_same(_typed(gm, env, True), _typed(gm, env, False))


@pytest.mark.parametrize("how", ["symbolic_trace", "make_fx"])
@pytest.mark.parametrize("name", zoo.names())
def test_memos_change_nothing_on_the_zoo(name, how):
    entry = zoo.get(name)
    gm = zoo.trace(entry, how)
    env = {n.name: TensorType(tuple(x.shape), x.dtype)
           for n, x in zip(gm.graph.find_nodes(op="placeholder"), entry.inputs())}
    assert_same(_typed(gm, env, True), _typed(gm, env, False))


def test_torch_add_names_its_own_operands_on_a_replayed_call():
    gm = torch.fx.symbolic_trace(lambda a, b, c, d: (a + b, c + d))
    env = {"a": TensorType((2, 3)), "b": TensorType((3,)), "c": TensorType((2, 3)), "d": TensorType((3,))}
    infer_types(gm, env=env, view=True)
    adds = [n for n in gm.graph.nodes if n.op == "call_function"]
    assert sorted(adds[0].meta) == ["a", "b", "broadcast", "type", "type_written"]
    assert sorted(adds[1].meta) == ["broadcast", "c", "d", "type", "type_written"]
