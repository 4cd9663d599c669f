"""Emitting in the graph's dialect: every op with an aten overload round-trips through it, aten graphs stay aten."""
import pytest
import torch
import torch.fx as fx
from torch.fx.experimental.proxy_tensor import make_fx

from fxcore import ops
from fxcore.edit.dialect import aten_dialect, aten_emits, for_graph, is_aten_graph
from fxcore.ops.emit import EmitChoice, EmitSpec
from tests.fxcore.ops.test_emit import EMITTABLE, WRAP, _NO_SAMPLE, _replace, _run, _same, _sample

T = ops.default_table()
A = aten_dialect(T)
ATEN = {e.op: e for e in aten_emits(T)}


@pytest.mark.parametrize("name", [n for n in EMITTABLE if n not in _NO_SAMPLE and n in ATEN])
def test_aten_emit_round_trip(name):
    """The aten overload computes what the op's default callable computes, and resolves back to the op."""
    fn, inputs, module = _sample(name)
    gm = fx.symbolic_trace(WRAP[len(inputs)](fn, module))
    expected = _run(gm, inputs)
    new = _replace(gm, name, A)
    assert isinstance(new.target, torch._ops.OpOverload)
    assert ops.canonical_op(new, T) == name
    assert _same(_run(gm, inputs), expected)


def test_the_common_ops_have_aten_emits():
    for name in ("silu", "gelu", "relu", "neg", "add", "mul", "sum", "reshape", "permute", "transpose",
                 "contiguous", "layer_norm", "linear", "conv2d", "softmax", "flatten", "expand", "t"):
        assert name in ATEN, name
    assert A.call_target("silu") is torch.ops.aten.silu.default
    assert T.call_target("silu") is torch.nn.functional.silu  # the default table is unchanged


def test_conv_padding_picks_the_overload_that_takes_it():
    x, w = torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3)
    for padding, target in (([1, 1], torch.ops.aten.conv2d.default), ("same", torch.ops.aten.conv2d.padding),
                            (1, torch.ops.aten.conv2d.default)):  # a bare int for int[2]: passed as [1, 1]
        operands = (x, w, None, 1, padding, 1, 1)
        assert A.call_target("conv2d", operands) is target
        args, kwargs = A.emit_args("conv2d", operands)
        torch.testing.assert_close(target(*args, **kwargs), torch.conv2d(x, w, None, 1, padding))


def test_a_choice_that_no_overload_fits_falls_back():
    choice = ATEN["split"]
    assert isinstance(choice, EmitChoice)
    assert choice.pick(("x", "neither an int nor a list", 0)) is choice.fallback


def test_scalar_operands_pick_the_scalar_overload():
    x = torch.tensor([1.0, 2.0])
    assert A.call_target("eq", (x, 2)) is torch.ops.aten.eq.Scalar
    assert A.call_target("eq", (x, x)) is torch.ops.aten.eq.Tensor
    assert A.call_target("add", (x, 2, 1)) is torch.ops.aten.add.Tensor  # add.Scalar's alpha is positional
    args, kwargs = A.emit_args("eq", (x, 2))
    assert torch.ops.aten.eq.Scalar(*args, **kwargs).tolist() == [False, True]


def test_an_authors_own_emit_is_kept():
    def my_silu(x):
        return x * torch.sigmoid(x)

    mine = T.extended(emits=[EmitSpec("silu", my_silu)])
    assert aten_dialect(mine).call_target("silu") is my_silu
    assert aten_dialect(mine).call_target("gelu") is torch.ops.aten.gelu.default


def test_aten_graphs_are_told_apart():
    x = torch.randn(3)
    aten = make_fx(lambda a: torch.relu(a)[0] + a.shape[0])(x)
    exported = torch.export.export(torch.nn.Linear(3, 3), (x.unsqueeze(0),)).module()
    traced = fx.symbolic_trace(lambda a: torch.relu(a))
    assert is_aten_graph(aten.graph) and is_aten_graph(exported.graph)
    assert not is_aten_graph(traced.graph) and not is_aten_graph(fx.Graph())
    assert for_graph(T, aten.graph) is A and for_graph(T, traced.graph) is T
