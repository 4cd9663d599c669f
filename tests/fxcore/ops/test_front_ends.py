"""Canonical ops across front ends: symbolic_trace, make_fx and torch.export agree on names and operands."""
import operator

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx

from fxcore import ops
from fxcore.ops import Attr, canonical_op, node_operands


class Small(nn.Module):
    """One small model with several spellings of add, sum, relu, permute, softmax, gelu, mean."""

    def forward(self, x, y):
        a = torch.add(x, y) + x.add(y)
        b = a.sum(1, True) + torch.sum(a, dim=1, keepdim=True)
        c = F.relu(b) + torch.relu(b) + b.relu()
        d = c.expand(4, 4).permute(1, 0).softmax(-1)
        return d.view(-1), F.gelu(d, approximate="tanh").mean((0,))


def _graphs(model, args):
    """The same model through the three front ends."""
    return {
        "symbolic_trace": torch.fx.symbolic_trace(model).graph,
        "make_fx": make_fx(model)(*args).graph,
        "export": torch.export.export(model, args).graph_module.graph,
    }


def _signature(graph, keep=("add", "sum", "relu", "permute", "softmax", "gelu", "mean", "view")):
    """Canonical (op, literal operands) of the calls, with nodes replaced by a marker."""
    out = []
    for n in graph.nodes:
        op = canonical_op(n)
        if op in keep:
            out.append((op, tuple("N" if isinstance(a, torch.fx.Node) else a for a in node_operands(n))))
    return out


def test_three_front_ends_agree():
    args = (torch.randn(4, 4), torch.randn(4, 4))
    sigs = {k: _signature(g) for k, g in _graphs(Small(), args).items()}
    assert sigs["symbolic_trace"] == sigs["make_fx"] == sigs["export"]
    assert ("sum", ("N", (1,), True, None)) in sigs["export"]
    assert ("add", ("N", "N", 1)) in sigs["export"]


@pytest.mark.parametrize("call", [
    lambda x: x.sum(1, True), lambda x: torch.sum(x, 1, keepdim=True),
    lambda x: torch.sum(x, dim=1, keepdim=True), lambda x: torch.sum(x, [1], True),
    lambda x: x.sum(dim=(1,), keepdim=True),
])
def test_sum_spellings_are_one_term(call):
    gm = torch.fx.symbolic_trace(call)
    (node,) = [n for n in gm.graph.nodes if n.op.startswith("call")]
    x = next(iter(gm.graph.nodes))
    assert canonical_op(node) == "sum"
    assert node_operands(node) == (x, (1,), True, None)


def test_linear_module_as_functional_op():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)

    gm = torch.fx.symbolic_trace(M())
    node = [n for n in gm.graph.nodes if n.op == "call_module"][0]
    assert canonical_op(node) == "linear"
    assert node_operands(node)[1:] == (Attr("fc.weight"), Attr("fc.bias"))


def _my_logit(x, eps=None):
    return torch.logit(x, eps)


def test_unknown_function_keeps_exact_target():
    g = torch.fx.Graph()
    x = g.placeholder("x")
    n = g.call_function(_my_logit, (x,), {"eps": 1e-6})
    assert canonical_op(n) is _my_logit
    assert node_operands(n) == (x, ("eps", 1e-6))


def test_a_torch_function_of_an_aten_op_not_written_out_is_read_from_torch():
    g = torch.fx.Graph()
    x = g.placeholder("x")
    n = g.call_function(torch.logit, (x,), {"eps": 1e-6})
    assert canonical_op(n) == "logit" and node_operands(n) == (x, 1e-6)
    assert node_operands(g.call_method("logit", (x, 1e-6))) == (x, 1e-6)


def test_normalize_call_errors():
    with pytest.raises(ops.UnknownOpError, match="Did you mean 'sigmoid'"):
        ops.normalize_call("sigmod", ("x",))
    with pytest.raises(ops.OpSignatureError, match="unexpected keyword argument 'keepdims'.*'keepdim'"):
        ops.normalize_call("sum", ("x",), {"keepdims": True})


def test_commutative_and_impure():
    g = torch.fx.Graph()
    x = g.placeholder("x")
    assert ops.is_commutative("add") and not ops.is_commutative("add", (x, x, 2))
    assert ops.is_impure(g.call_function(operator.iadd, (x, x)))
    assert not ops.is_impure(g.call_function(torch.relu, (x,)))
