"""List arguments and defaults are normalized: ``1``, ``(1, 1)`` and ``[1, 1]`` for ``int[2] stride=1`` are one value
when matching and when binding; SymInt lists and tuples; device, memory_format, pin_memory and layout defaults."""
import warnings

import pytest
import torch
import torch.nn as nn
from hypothesis import given, strategies as st
from torch.fx.experimental.proxy_tensor import make_fx

from fxcore import ops
from fxcore.match import find_matches
from unify import var

x, w, b, s = var("x"), var("w"), var("b"), var("s")


class SqueezeExcite(nn.Module):
    def __init__(self, c=8, r=4):
        super().__init__()
        self.pool, self.fc1, self.fc2 = nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // r, 1), nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))


def _fronts(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, args)
        return {"symbolic_trace": torch.fx.symbolic_trace(model), "make_fx": make_fx(model)(*args),
                "export": ep.graph_module, "export+decompositions": ep.run_decompositions().graph_module}


@pytest.mark.parametrize("front", ["symbolic_trace", "make_fx", "export", "export+decompositions"])
def test_conv2d_finds_both_convolutions_of_a_squeeze_excite_block_in_every_front_end(front):
    gm = _fronts(SqueezeExcite().eval(), torch.randn(2, 8, 5, 5))[front]
    assert len(find_matches(gm.graph, ops.normalize_term("conv2d", (x, w, b)))) == 2


@pytest.mark.parametrize("form", [lambda v: v, lambda v: (v, v), lambda v: [v, v]], ids=["int", "tuple", "list"])
def test_an_int_list_is_one_value_when_matching_and_binding(form):
    gm = torch.fx.symbolic_trace(SqueezeExcite())  # nn.Conv2d says stride=(1, 1), padding=(0, 0)
    exact = ops.normalize_term("conv2d", (x, w, b), {"stride": form(1), "padding": form(0)})
    assert len(find_matches(gm.graph, exact)) == 2
    binding = find_matches(gm.graph, ops.normalize_term("conv2d", (x, w, b), {"stride": form(1), "padding": s}))
    assert [m.bindings[s] for m in binding] == [(0, 0), (0, 0)]
    assert find_matches(gm.graph, ops.normalize_term("conv2d", (x, w, b), {"stride": form(2)})) == []


@given(st.sampled_from([1, 2, 3]), st.integers(0, 5))
def test_int_n_lists_normalize_alike(n, v):
    name = f"conv{n}d"
    forms = [v, (v,) * n, [v] * n]
    outs = {ops.normalize_call(name, ("x", "w"), {"stride": f, "padding": f, "dilation": f}) for f in forms}
    assert len(outs) == 1 and next(iter(outs))[3] == (v,) * n


def test_a_string_padding_stays_a_string_and_emits_its_overload():
    assert ops.normalize_call("conv2d", ("x", "w"), {"padding": "same"})[4] == "same"
    from fxcore.edit.dialect import aten_dialect
    t = aten_dialect(ops.default_table())
    assert t.emit_spec("conv2d", ("x", "w", None, (1, 1), "same", (1, 1), 1)).target is torch.ops.aten.conv2d.padding
    assert t.emit_spec("conv2d", ("x", "w", None, (1, 1), (0, 0), (1, 1), 1)).target is torch.ops.aten.conv2d.default


def test_symint_lists_and_tuples_are_one_value():
    g = torch.fx.Graph()
    a = g.placeholder("a")
    v1 = g.call_function(torch.ops.aten.view.default, (a, [2, 3]))
    v2 = g.call_method("view", (a, 2, 3))
    v3 = g.call_method("reshape", (a, torch.Size([2, 3])))
    assert ops.node_operands(v1) == ops.node_operands(v2) == (a, (2, 3)) and ops.node_operands(v3) == (a, (2, 3))


@pytest.mark.parametrize("name,written,default", [
    ("_to_copy", {"device": "cpu"}, {"device": torch.device("cpu")}),
    ("clone", {"memory_format": torch.preserve_format}, {}),
    ("zeros_like", {"pin_memory": False}, {}),
    ("empty", {"layout": torch.strided}, {}),
])
def test_a_value_meaning_the_default_is_the_default(name, written, default):
    args = ("x",) if name != "empty" else ((2, 3),)
    assert ops.normalize_call(name, args, written) == ops.normalize_call(name, args, default)


def test_a_tensor_ops_layout_is_not_its_default():
    """``_to_copy(x, layout=torch.strided)`` of a sparse x is to_dense: not the same as no layout."""
    assert ops.normalize_call("_to_copy", ("x",), {"layout": torch.strided}) != ops.normalize_call("_to_copy", ("x",))


def test_make_fx_and_symbolic_trace_casts_are_one_term():
    g = torch.fx.Graph()
    a = g.placeholder("a")
    by_method = ops.node_operands(g.call_method("to", (a, "cpu", torch.float16)))
    by_keyword = ops.node_operands(g.call_method("to", (a,), {"dtype": torch.float16, "device": torch.device("cpu")}))
    by_aten = ops.node_operands(g.call_function(torch.ops.aten.to.device, (a, torch.device("cpu"), torch.float16)))
    assert by_method == by_keyword == by_aten
