"""meta['val'] on every node a rewrite makes is exact: what a fresh FakeTensorProp of the result computes."""
import copy

import pytest
import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.proxy_tensor import make_fx
from torch.fx.passes.fake_tensor_prop import FakeTensorProp

import rewrite
from rewrite.front import zoo

STD = rewrite.load("std:std")


def trace(module, inputs, how):
    if how == "make_fx":
        with torch.no_grad():
            return make_fx(module)(*inputs)
    exported = torch.export.export(module, inputs)
    return (exported.run_decompositions() if how == "export+decompositions" else exported).module()


def layout(value):
    return tuple(value.shape), value.dtype, value.stride(), value.device


@pytest.mark.parametrize("how", ["make_fx", "export", "export+decompositions"])
@pytest.mark.parametrize("name", zoo.names())
def test_new_nodes_carry_the_val_a_fresh_fake_tensor_prop_computes(name, how):
    entry = zoo.get(name)
    module, inputs = entry.factory().eval(), entry.inputs()
    gm = trace(module, inputs, how)
    rewrite.apply(gm, STD)
    made = [n for n in gm.graph.nodes if "rewrite_rule" in n.meta]
    fresh = copy.deepcopy(gm)
    FakeTensorProp(fresh, FakeTensorMode(allow_non_fake_inputs=True)).propagate(*inputs)
    want = {n.name: n.meta.get("val") for n in fresh.graph.nodes}
    for node in made:
        if isinstance(want[node.name], torch.Tensor):
            assert isinstance(node.meta.get("val"), torch.Tensor), node.format_node()
            assert layout(node.meta["val"]) == layout(want[node.name]), node.format_node()
