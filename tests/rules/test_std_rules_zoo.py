"""The standard rule library on real models: every zoo entry under every tracer keeps its numbers,
and each std rule set fires where it should, with exact counts on small models made for it."""

import math
import warnings

import pytest
import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx

from rewrite import apply, load, report_of
from rewrite.front import zoo

RTOL, ATOL = 1e-4, 1e-5

# Rewrites std:std makes at least, per (entry, tracer). make_fx writes batch norm as
# getitem(native_batch_norm(...), 0) and drops eval-mode dropout while tracing; export keeps
# batch_norm / dropout as single ops.
AT_LEAST = {
    ("resnet_basic", "symbolic_trace"): {"conv2d-batch_norm": 3},
    ("resnet_basic", "make_fx"): {"conv2d-native_batch_norm": 3},
    ("resnet_basic", "export"): {"conv2d-batch_norm": 3},
    ("resnet_bottleneck", "symbolic_trace"): {"conv2d-batch_norm": 3},
    ("resnet_bottleneck", "make_fx"): {"conv2d-native_batch_norm": 3},
    ("resnet_bottleneck", "export"): {"conv2d-batch_norm": 3},
    ("unet_block", "symbolic_trace"): {"conv2d-batch_norm": 6},
    ("unet_block", "make_fx"): {"conv2d-native_batch_norm": 6},
    ("unet_block", "export"): {"conv2d-batch_norm": 6},
    ("bert_layer", "symbolic_trace"): {"dropout-eval": 3},
    ("bert_layer", "export"): {"dropout-eval": 3},
}


@pytest.fixture(scope="module")
def std():
    return load("std:std")


def _trace(module, inputs, how):
    if how == "symbolic_trace":
        return fx.symbolic_trace(module)
    if how == "make_fx":
        with torch.no_grad():
            return make_fx(module)(*inputs)
    return torch.export.export(module, inputs).module()


@pytest.mark.parametrize("how", list(zoo.TRACERS))
@pytest.mark.parametrize("name", zoo.names())
def test_std_keeps_numbers_on_every_zoo_entry(std, name, how):
    entry = zoo.get(name)
    inputs = entry.inputs()
    with torch.no_grad():
        expected = entry.build()(*inputs)
    gm = zoo.trace(name, how)
    assert apply(gm, std) is gm
    gm.graph.lint()
    with torch.no_grad():
        torch.testing.assert_close(gm(*inputs), expected, rtol=RTOL, atol=ATOL)
    counts = report_of(gm).counts
    for rule_id, n in AT_LEAST.get((name, how), {}).items():
        assert counts.get(rule_id, 0) >= n, (rule_id, report_of(gm).format())
    made = [n for n in gm.graph.nodes if "rewrite_rule" in n.meta]
    assert {n.meta["rewrite_rule"] for n in made} <= set(std.ids())
    if how != "symbolic_trace":  # traced graphs carry meta['val']; new nodes get theirs computed
        assert [n.name for n in made if "val" not in n.meta] == []
        # and they stay aten graphs: new nodes call aten overloads, as every other node does
        calls = [n for n in made if n.op == "call_function"]
        assert [(n.name, n.target) for n in calls if not isinstance(n.target, torch._ops.OpOverload)] == []
    else:
        assert [n.name for n in made if isinstance(n.target, torch._ops.OpOverload)] == []


def _apply_checked(module, inputs, how, rs, typed=True):
    gm = _trace(module, inputs, how)
    apply(gm, load(rs), example_inputs=inputs if typed else None)  # shapes for guards (silu: a float x)
    gm.graph.lint()
    torch.testing.assert_close(gm(*inputs), module(*inputs))
    return report_of(gm)


class Algebra(nn.Module):
    def forward(self, x, i):
        a = torch.neg(torch.neg(x)) + 0
        a = (a - 0) * 1 / 1
        a = a.transpose(0, 1).transpose(0, 1).transpose(1, 2).transpose(2, 1)
        a = a[0].t().t().reshape(12).reshape(3, 4).reshape(3, 4)
        return a.unsqueeze(1).squeeze(1), i * 1, i / 1  # int: i * 1 stays int, i / 1 makes floats


ALGEBRA_INPUTS = (torch.randn(2, 3, 4), torch.arange(6).reshape(2, 3))
UNGUARDED = {"neg-neg": 1, "transpose-transpose": 1, "transpose-transpose-swapped": 1, "t-t": 1,
             "squeeze-unsqueeze": 1}


# x + 0 on floats is not x for x = -0.0 (add-zero-float needs no-signed-zeros); i * 1 is the graph's output
# and would become the caller's own i (refused: the output would alias an input)
REFUSED_OUTPUT_ALIAS = ("mul-one", "the output would share storage with the caller's")


def test_algebraic_on_export_with_guards():
    """export graphs carry meta['val']: dtype/shape guards decide; div-one refuses the int tensor."""
    report = _apply_checked(Algebra(), ALGEBRA_INPUTS, "export", "std:algebraic")
    assert report.counts == {**UNGUARDED, "sub-zero": 1, "mul-one": 1, "div-one": 1,
                             "reshape-reshape": 2, "reshape-noop": 1}
    assert [(r.rule_id, REFUSED_OUTPUT_ALIAS[1] in r.reason) for r in report.refused] == [("mul-one", True)]


def test_algebraic_on_make_fx():
    """make_fx spells reshape as aten.view: the reshape rules match it through reshape's decomposed form, as in export."""
    report = _apply_checked(Algebra(), ALGEBRA_INPUTS, "make_fx", "std:algebraic")
    assert report.counts == {**UNGUARDED, "sub-zero": 1, "mul-one": 1, "div-one": 1, "reshape-reshape": 2,
                             "reshape-noop": 1}
    assert [(r.rule_id, REFUSED_OUTPUT_ALIAS[1] in r.reason) for r in report.refused] == [("mul-one", True)]


def test_algebraic_on_symbolic_trace_without_types():
    """No meta['val'] in a symbolic trace: guarded rules cannot prove their guard and do not fire."""
    report = _apply_checked(Algebra(), ALGEBRA_INPUTS, "symbolic_trace", "std:algebraic", typed=False)
    assert report.counts == {**UNGUARDED, "reshape-reshape": 2}


class Activations(nn.Module):
    def forward(self, x):
        a = x * torch.sigmoid(x) + torch.sigmoid(x) * x
        g = 0.5 * a * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (a + 0.044715 * torch.pow(a, 3.0))))
        return F.relu(torch.relu(g.relu()))


@pytest.mark.parametrize("how", list(zoo.TRACERS))
def test_activations(how):
    report = _apply_checked(Activations(), (torch.randn(3, 4, 5),), how, "std:activations")
    assert report.counts == {"silu": 2, "gelu-tanh": 1, "relu-relu": 2}


class Layout(nn.Module):
    def forward(self, x):
        inverse = x.permute(1, 2, 0).permute(2, 0, 1)
        self_inverse = x.permute(0, 2, 1).permute(0, 2, 1)
        not_inverse = x.permute(1, 2, 0).permute(1, 2, 0)
        return inverse + 1, self_inverse, not_inverse


@pytest.mark.parametrize("how", list(zoo.TRACERS))
def test_layout(how):
    report = _apply_checked(Layout(), (torch.randn(3, 4, 5),), how, "std:layout")
    assert report.counts == {"permute-inverse": 2}


class Inference(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop, self.ident = nn.Dropout(0.2), nn.Identity()

    def forward(self, x):
        y = self.ident(self.drop(x)) + F.dropout(x, 0.5, training=False)
        return y.t().contiguous().contiguous()


def test_inference():
    """symbolic_trace keeps dropout/identity calls (make_fx/export trace them away)."""
    report = _apply_checked(Inference().eval(), (torch.randn(4, 5),), "symbolic_trace", "std:inference")
    assert report.counts == {"dropout-eval": 2, "identity": 1, "contiguous-contiguous": 1}


def test_inference_leaves_training_dropout():
    """The nn.Dropout in train mode stays; F.dropout(..., training=False) still goes."""
    gm = fx.symbolic_trace(Inference().train())
    apply(gm, load("std:inference"))
    assert report_of(gm).counts == {"dropout-eval": 1, "identity": 1, "contiguous-contiguous": 1}
    assert [n.target for n in gm.graph.nodes if n.op == "call_module"] == ["drop"]


class ConvBNs(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv1d(3, 4, 3), nn.BatchNorm1d(4)
        self.c2, self.b2 = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.b1(self.c1(x))
        return self.b2(self.c2(y.unsqueeze(-1)))


@pytest.mark.parametrize("how", ["symbolic_trace", "export"])
def test_folding(how):
    module = ConvBNs().eval()
    report = _apply_checked(module, (torch.randn(2, 3, 8),), how, "std:folding")
    assert report.counts == {"conv1d-batch_norm": 1, "conv2d-batch_norm": 1}


def test_std_is_the_union_of_the_library_and_loads_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an ambiguity between two rules of the library would be an error
        std = load("std:std")
    for name in ("algebraic", "activations", "inference", "layout", "folding"):
        assert set(load(f"std:{name}").ids()) <= set(std.ids()), name
