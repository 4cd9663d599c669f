"""No dead parameters: what rewritten nodes read and no node reads any more leaves the module; rollback restores."""
import copy

import pytest
import torch
from torch.fx.experimental.optimization import fuse
from torch.fx.experimental.proxy_tensor import make_fx

import rewrite
from rewrite.front import zoo
from rewrite.pyrules import compute, ops, rule, ruleset
from tests.rewrite.util import fingerprint
from unify import var

STD = rewrite.load("std:std")


def size(module):
    """Parameter and buffer elements, and state_dict keys."""
    elements = sum(p.numel() for p in module.parameters()) + sum(b.numel() for b in module.buffers())
    return elements, len(module.state_dict())


def trace(module, inputs, how):
    if how == "symbolic_trace":
        return torch.fx.symbolic_trace(module)
    if how == "make_fx":
        with torch.no_grad():
            return make_fx(module)(*inputs)
    return torch.export.export(module, inputs).module()


@pytest.mark.parametrize("how", ["symbolic_trace", "make_fx", "export"])
@pytest.mark.parametrize("name", ["resnet_basic", "resnet_bottleneck"])
def test_a_folded_module_is_as_small_as_one_folded_by_hand(name, how):
    entry = zoo.get(name)
    module, inputs = entry.factory().eval(), entry.inputs()
    by_hand = fuse(copy.deepcopy(module))  # torch's own conv-bn folding of the eager module
    gm = trace(module, inputs, how)
    rewrite.apply(gm, STD)
    report = rewrite.report_of(gm)
    assert sum(n for r, n in report.counts.items() if "batch_norm" in r) >= 3
    assert size(gm) == size(by_hand), report.format()
    assert report.removed and "removed" in report.format()
    with torch.no_grad():
        torch.testing.assert_close(gm(*inputs), module(*inputs), rtol=1e-4, atol=1e-4)
    gm.graph.lint()


def test_make_fx_param_constants_go_too():
    entry = zoo.get("resnet_basic")
    gm = trace(entry.factory().eval(), entry.inputs(), "make_fx")
    rewrite.apply(gm, STD)
    unread = [name for name, _ in gm.named_buffers() if name.startswith("_param_constant")]
    read = {n.target for n in gm.graph.nodes if n.op == "get_attr"}
    assert [n for n in unread if n not in read] == []


def test_attributes_still_read_elsewhere_stay():
    class Shared(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)

        def forward(self, x):
            return self.bn(self.conv(x)), self.conv(x).sum()  # conv is called a second time

    module = Shared().eval()
    gm = torch.fx.symbolic_trace(module)
    rewrite.apply(gm, STD)
    assert hasattr(gm, "conv") and not hasattr(gm, "bn")
    x = torch.randn(1, 3, 8, 8)
    torch.testing.assert_close(gm(x), module(x), rtol=1e-4, atol=1e-4)


def test_rollback_restores_removed_attributes():
    entry = zoo.get("resnet_basic")
    gm = torch.fx.symbolic_trace(entry.factory().eval())
    before, sizes = fingerprint(gm), size(gm)
    x = var("x")
    failing = ruleset("fold-then-fail", *STD.rules, rule("boom", ops.relu(x), compute(lambda x: 1 / 0)))
    with pytest.raises(rewrite.ApplyError):
        rewrite.apply(gm, failing)
    assert fingerprint(gm) == before and size(gm) == sizes


def test_a_dry_run_removes_nothing():
    entry = zoo.get("resnet_basic")
    gm = torch.fx.symbolic_trace(entry.factory().eval())
    sizes = size(gm)
    rewrite.apply(gm, STD, dry_run=True)
    assert size(gm) == sizes and rewrite.report_of(gm).removed == ()
