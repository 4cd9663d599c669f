"""nn.Module calls viewed as functional canonical ops, parameters as Attr operands."""
import pytest
import torch
import torch.nn as nn

from fxcore import ops
from fxcore.ops import Attr


class Holder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.sub = m

    def forward(self, x):
        return self.sub(x)


def _node(module):
    gm = torch.fx.symbolic_trace(Holder(module))
    return next(n for n in gm.graph.nodes if n.op == "call_module")


W, B = Attr("sub.weight"), Attr("sub.bias")
RM, RV = Attr("sub.running_mean"), Attr("sub.running_var")

CASES = [
    (nn.Linear(3, 2), ("linear", (W, B))),
    (nn.Linear(3, 2, bias=False), ("linear", (W, None))),
    (nn.Conv2d(3, 4, 3), ("conv2d", (W, B, (1, 1), (0, 0), (1, 1), 1))),
    (nn.Conv2d(4, 4, (3, 1), stride=2, padding=1, groups=2, bias=False),
     ("conv2d", (W, None, (2, 2), (1, 1), (1, 1), 2))),
    (nn.Conv1d(3, 4, 3, dilation=2), ("conv1d", (W, B, (1,), (0,), (2,), 1))),
    (nn.Conv3d(3, 4, 1), ("conv3d", (W, B, (1, 1, 1), (0, 0, 0), (1, 1, 1), 1))),
    (nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1),
     ("conv_transpose2d", (W, B, (2, 2), (0, 0), (1, 1), 1, (1, 1)))),
    (nn.BatchNorm2d(4).eval(), ("batch_norm", (W, B, RM, RV, False, 0.1, 1e-5))),
    (nn.BatchNorm1d(4), ("batch_norm", (W, B, RM, RV, True, 0.1, 1e-5))),
    (nn.BatchNorm2d(4, affine=False, track_running_stats=False).eval(),
     ("batch_norm", (None, None, None, None, True, 0.1, 1e-5))),
    (nn.LayerNorm(5, eps=1e-6), ("layer_norm", ((5,), W, B, 1e-6))),
    (nn.GroupNorm(2, 4), ("group_norm", (2, W, B, 1e-5))),
    (nn.Embedding(10, 3, padding_idx=0), ("embedding", (W, "IDX", 0, False, False))),
    (nn.Dropout(0.2), ("dropout", (0.2, True))),
    (nn.Dropout(0.2).eval(), ("dropout", (0.2, False))),
    (nn.Identity(), ("identity", ())),
    (nn.ReLU(), ("relu", ())),
    (nn.ReLU(inplace=True), ("relu_", ())),
    (nn.ReLU6(), ("hardtanh", (0.0, 6.0))),
    (nn.GELU(approximate="tanh"), ("gelu", ("tanh",))),
    (nn.SiLU(), ("silu", ())),
    (nn.LeakyReLU(0.3), ("leaky_relu", (0.3,))),
    (nn.Softplus(2, 10), ("softplus", (2, 10))),
    (nn.Flatten(), ("flatten", (1, -1))),
    (nn.Softmax(dim=-1), ("softmax", (-1, None))),
    (nn.LogSoftmax(1), ("log_softmax", (1, None))),
    (nn.MaxPool2d(3, stride=1, padding=1), ("max_pool2d", ((3, 3), (1, 1), (1, 1), (1, 1), False))),
    (nn.AvgPool2d(2), ("avg_pool2d", ((2, 2), (2, 2), (0, 0), False, True, None))),
    (nn.AdaptiveAvgPool2d((1, 1)), ("adaptive_avg_pool2d", ((1, 1),))),
    (nn.PReLU(), ("prelu", (W,))),
]


@pytest.mark.parametrize("module,expected", CASES, ids=[type(m).__name__ + str(i) for i, (m, _) in enumerate(CASES)])
def test_module_as_functional(module, expected):
    n = _node(module)
    op, operands = ops.canonical_op(n), ops.node_operands(n)
    x = n.args[0]
    if op == "embedding":
        assert (op, operands) == (expected[0], (W, x) + expected[1][2:])
    else:
        assert (op, operands) == (expected[0], (x,) + expected[1])


@pytest.mark.parametrize("module", [
    nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect"), nn.MaxPool2d(2, return_indices=True),
    nn.Softmax(dim=None), nn.Embedding(4, 2, max_norm=1.0), nn.Upsample(scale_factor=2)])
def test_modules_without_canonical_form_stay_unknown(module):
    n = _node(module)
    assert ops.canonical_op(n) is type(module)
    assert ops.node_operands(n) == (n.args[0],)


def test_subclass_of_a_known_module_is_not_canonicalized():
    class MyLinear(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    class Leaf(torch.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return True

    root = Holder(MyLinear(2, 2))
    gm = torch.fx.GraphModule(root, Leaf().trace(root))
    n = next(n for n in gm.graph.nodes if n.op == "call_module")
    assert ops.canonical_op(n) is MyLinear


def test_dropout_module_impure_only_in_training():
    assert ops.is_impure(_node(nn.Dropout(0.2)))
    assert not ops.is_impure(_node(nn.Dropout(0.2).eval()))
    assert ops.is_impure(_node(nn.ReLU(inplace=True)))
    assert not ops.is_impure(_node(nn.Linear(2, 2)))


def test_call_module_without_owning_module_is_unresolved():
    g = torch.fx.Graph()
    x = g.placeholder("x")
    n = g.call_module("relu", (x,))
    assert ops.canonical_op(n) == ops.Unresolved("call_module", "relu")
    assert ops.canonical_op(n) != "relu"


def test_attr_is_frozen_and_hashable():
    a = Attr("conv.weight")
    with pytest.raises(AttributeError):
        a.qualname = "other"
    assert {a: 1}[Attr("conv.weight")] == 1
