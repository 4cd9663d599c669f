"""Saving rewritten modules (apply --output): each front end's graph saved, loaded again from its folder (moved
elsewhere too), computing what the rewritten module computes."""

import shutil

import pytest
import torch

import rewrite
from rewrite.front import zoo
from rewrite.front.save import SaveError, load_saved, save_module


@pytest.mark.parametrize("tracer", ["symbolic_trace", "make_fx", "export"])
def test_a_rewritten_zoo_model_saves_and_loads_with_the_same_numbers(tmp_path, tracer):
    entry = zoo.get("resnet_basic")
    inputs = entry.inputs()
    gm = zoo.trace(entry, tracer)
    rewrite.apply(gm, rewrite.load("std:std"), example_inputs=inputs if tracer == "symbolic_trace" else None)
    folder = save_module(gm, tmp_path / "saved")
    moved = shutil.move(str(folder), str(tmp_path / "moved"))  # no absolute path is written anywhere
    loaded = load_saved(moved)
    with torch.no_grad():
        torch.testing.assert_close(loaded(*inputs), gm(*inputs), rtol=0, atol=0)
    assert str(tmp_path) not in (tmp_path / "moved" / "module.py").read_text()


def test_a_graph_calling_a_local_function_cannot_be_saved_and_says_why(tmp_path):
    def local(x):
        return x + 1
    gm = torch.fx.symbolic_trace(lambda x: torch.relu(x))
    gm.graph.call_function(local, (next(iter(gm.graph.nodes)),))
    gm.recompile()
    with pytest.raises(SaveError, match="cannot be imported by name"):
        save_module(gm, tmp_path / "saved")
    assert not (tmp_path / "saved").exists()  # nothing half-written
