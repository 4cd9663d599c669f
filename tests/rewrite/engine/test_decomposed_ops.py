"""One rule per op finds the same sites in symbolic_trace, make_fx, torch.export and export + run_decompositions()
graphs (and inductor-decomposed ones where the op decomposes there), for inputs of rank 2, 3 and 4, with and
without bias; the replacement is the fused op in the graph's dialect, and the numbers hold."""
import warnings
from dataclasses import dataclass
from typing import Callable

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx

import rewrite
from fxcore.edit.dialect import is_aten_graph
from fxcore.ops import canonical_op

RULES = {
    "linear": "linear(x, w, b)", "layer_norm": "layer_norm(x, s, w, b, e)",
    "batch_norm": "batch_norm(x, w, b, m, v, t, mo, e)", "softmax": "softmax(x, d)",
    "log_softmax": "log_softmax(x, d)", "silu": "silu(x)", "gelu": "gelu(x, approximate=a)",
    "conv1d": "conv1d(x, w, b, s, p, d, g)", "conv2d": "conv2d(x, w, b, s, p, d, g)", "matmul": "matmul(x, y)",
    "reshape": "reshape(x, s)",
}
RULESETS = {op: rewrite.loads(f"ruleset: {op}\nrules:\n  - id: {op}\n    pattern: {p}\n    replacement: {p}\n",
                             warn=False) for op, p in RULES.items()}


class Twice(nn.Module):
    """Two sites of an op: ``second(relu(first(x)))``."""

    def __init__(self, first, second=None):
        super().__init__()
        self.first, self.second = first, second if second is not None else first

    def forward(self, x):
        return self.second(torch.relu(self.first(x)))


class Twice2(Twice):
    """The same for a first op of two inputs (matmul)."""

    def forward(self, x, y):
        return self.second(torch.relu(self.first(x, y)))


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Fn2(Fn):
    def forward(self, x, y):
        return self.fn(x, y)


@dataclass(frozen=True)
class Case:
    op: str
    make: Callable
    shapes: tuple
    inductor: bool = False  # the op decomposes in inductor's table too: test that front end as well

    def __str__(self):
        return f"{self.op}-{'x'.join(str(len(s)) for s in self.shapes)}"


CASES = [
    *(Case("linear", lambda bias=bias: Twice(nn.Linear(7, 5, bias=bias), nn.Linear(5, 5, bias=bias)),
           (shape,), inductor=True) for shape in ((3, 7), (2, 3, 7), (2, 3, 4, 7)) for bias in (True, False)),
    Case("linear", lambda: Twice(nn.Linear(7, 7), nn.Linear(7, 7)), ((2, 7, 7),)),
    *(Case("layer_norm", lambda s=shape: Twice(nn.LayerNorm(s[-1], elementwise_affine=len(s) != 3)), (shape,))
      for shape in ((3, 5), (2, 3, 5), (2, 3, 4, 5))),
    Case("batch_norm", lambda: Twice(nn.BatchNorm1d(3)), ((4, 3),)),
    Case("batch_norm", lambda: Twice(nn.BatchNorm1d(3, affine=False)), ((4, 3, 5),)),
    Case("batch_norm", lambda: Twice(nn.BatchNorm2d(3)), ((2, 3, 4, 5),)),
    *(Case("softmax", lambda: Twice(nn.Softmax(-1)), (shape,), inductor=True) for shape in ((3, 5), (2, 3, 5))),
    Case("log_softmax", lambda: Twice(Fn(lambda x: F.log_softmax(x, 1))), ((2, 3, 4, 5),), inductor=True),
    *(Case("silu", lambda: Twice(nn.SiLU()), (shape,), inductor=True) for shape in ((3, 5), (2, 3, 4, 5))),
    Case("gelu", lambda: Twice(nn.GELU()), ((2, 3, 5),), inductor=True),
    Case("gelu", lambda: Twice(nn.GELU("tanh")), ((2, 3, 4, 5),), inductor=True),
    Case("conv1d", lambda: Twice(nn.Conv1d(3, 3, 3, padding=1)), ((2, 3, 8),)),
    Case("conv2d", lambda: Twice(nn.Conv2d(3, 3, 3, stride=2), nn.Conv2d(3, 3, 1, bias=False)), ((2, 3, 8, 8),)),
    *(Case("matmul", lambda: Twice2(Fn2(torch.matmul), Fn(lambda h: h @ h.transpose(-1, -2))), shapes)
      for shapes in (((3, 5), (5, 4)), ((2, 3, 5), (5, 4)), ((2, 3, 5), (2, 5, 4)), ((2, 2, 3, 5), (2, 2, 5, 4)))),
    *(Case("reshape", lambda: Twice(Fn(lambda x: x.reshape(-1, x.shape[-1])), Fn(lambda h: h.reshape(2, -1))),
           (shape,)) for shape in ((4, 5), (2, 2, 5), (2, 2, 2, 5))),
]


def _front_ends(model, args, inductor: bool) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, args)
        out = {"symbolic_trace": torch.fx.symbolic_trace(model), "make_fx": make_fx(model)(*args),
               "export": ep.module(), "export+run_decompositions": ep.run_decompositions().module()}
        if inductor:
            from torch._inductor.decomposition import select_decomp_table
            out["make_fx+inductor"] = make_fx(model, decomposition_table=select_decomp_table())(*args)
    return out


def _fused(gm, op) -> int:
    """Nodes computing the op itself (not a decomposition of it)."""
    return sum(1 for n in gm.graph.nodes if canonical_op(n) == op or (n.op == "call_module" and canonical_op(n) == op))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_rule_finds_the_same_sites_in_every_front_end_and_keeps_the_numbers(case):
    torch.manual_seed(0)
    model = case.make().eval()
    args = tuple(torch.randn(*s) for s in case.shapes)
    expected = model(*args)
    for front, gm in _front_ends(model, args, case.inductor).items():
        rewrite.apply(gm, RULESETS[case.op], once=True)
        counts = rewrite.report_of(gm).counts
        assert counts == {case.op: 2}, (front, counts)
        assert _fused(gm, case.op) == 2, front  # the fused op, emitted in the graph's dialect
        if front != "symbolic_trace":
            assert is_aten_graph(gm.graph), front
        torch.testing.assert_close(gm(*args), expected, msg=lambda m: f"{front}: {m}")
