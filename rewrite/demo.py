"""The main job: a model traced, the standard rule set applied, before/after code and stats shown.

The default model is an EfficientNet-style MBConv block followed by a GPT-2
MLP, written the way real code often writes them: swish as ``x * sigmoid(x)``,
the tanh-GELU formula spelled out, dropout modules left in, conv + batch norm
pairs unfused. The standard rule set turns each into the op torch provides and
folds the batch norms away, and the demo checks the numbers are unchanged.

>>> result = run("resnet_basic", rules="std:algebraic", show_code=False, out=lambda *a: None)
>>> result.max_abs_diff < 1e-4
True

See Also:
    rewrite.zoo: the models; rewrite.cli: ``python -m rewrite demo``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from . import zoo
from .apply import apply
from .loader import load
from .report import Report, report_of

__all__ = ["MBConvGPT", "DEMO", "run", "DemoResult", "entry"]


class _MBConv(nn.Module):
    """EfficientNet MBConv: expand conv-bn-swish, depthwise conv-bn-swish, squeeze-excite, project conv-bn."""

    def __init__(self, channels: int = 8, expand: int = 4) -> None:
        super().__init__()
        hidden = channels * expand
        self.expand = nn.Conv2d(channels, hidden, 1, bias=False)
        self.bn0 = nn.BatchNorm2d(hidden)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.se_reduce = nn.Conv2d(hidden, channels // 2, 1)
        self.se_expand = nn.Conv2d(channels // 2, hidden, 1)
        self.project = nn.Conv2d(hidden, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        h = self.bn0(self.expand(x))
        h = h * torch.sigmoid(h)
        h = self.bn1(self.depthwise(h))
        h = h * torch.sigmoid(h)
        s = F.adaptive_avg_pool2d(h, 1)
        s = self.se_reduce(s)
        s = self.se_expand(s * torch.sigmoid(s))
        h = h * torch.sigmoid(s)
        return x + self.drop(self.bn2(self.project(h)))


class _GPT2MLP(nn.Module):
    """GPT-2's MLP with the tanh-GELU formula written out (as in HuggingFace's NewGELUActivation)."""

    def __init__(self, dim: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.c_fc = nn.Linear(dim, hidden)
        self.c_proj = nn.Linear(hidden, dim)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        h = self.c_fc(x)
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))
        return self.dropout(self.c_proj(h))


class MBConvGPT(nn.Module):
    """An MBConv block whose feature map is read as tokens by a GPT-2 MLP."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.block = _MBConv(channels)
        self.mlp = _GPT2MLP(channels)

    def forward(self, x):
        h = self.block(x)
        tokens = h.flatten(2).transpose(1, 2)
        return tokens + self.mlp(tokens)


DEMO = zoo.ZooEntry("mbconv_gpt", MBConvGPT, ((2, 8, 8, 8),),
                    "EfficientNet MBConv (hand-written swish, conv+bn) and a GPT-2 MLP (tanh-GELU formula)")


def entry(name: str) -> zoo.ZooEntry:
    """The demo's model, or any zoo entry by name."""
    return DEMO if name == DEMO.name else zoo.get(name)


@dataclass(frozen=True)
class DemoResult:
    """What the demo did: the rewritten module, its report, and the numbers check."""

    module: torch.fx.GraphModule
    report: Report
    max_abs_diff: float


def run(model: str = DEMO.name, *, rules: str = "std:std", tracer: str = "symbolic_trace",
        show_code: bool = True, out: Callable = print) -> DemoResult:
    """Trace ``model``, apply ``rules``, print before/after code and the report; check the numbers."""
    chosen = entry(model)
    module, inputs = chosen.build(), chosen.inputs()
    gm = zoo.TRACERS[tracer](module, inputs)
    ruleset = load(rules)
    out(f"== {chosen.name}: {chosen.description}")
    out(f"== traced with {tracer}: {len(gm.graph.nodes)} nodes; rule set {ruleset.name!r} ({len(ruleset)} rules)")
    if show_code:
        out("\n-- before " + "-" * 60 + gm.code)
    with torch.no_grad():
        expected = gm(*inputs)
    apply(gm, ruleset)
    report = report_of(gm)
    if show_code:
        out("-- after " + "-" * 61 + gm.code)
    out("-- report " + "-" * 60)
    out(report.format())
    with torch.no_grad():
        got = gm(*inputs)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    diff = float((got - expected).abs().max())
    out("-- check " + "-" * 61)
    out(f"outputs match the original on the example inputs (max abs diff {diff:.2e}); "
        f"graph.lint() passed")
    return DemoResult(gm, report, diff)
