"""Ground truth over the model zoo: with static input types every inferred node type equals what
ShapeProp records by really running the module, for graphs from symbolic_trace, make_fx and export;
refinement relates the symbolic batch dimension across the whole graph."""
import pytest
import torch
from torch.fx.passes.shape_prop import ShapeProp

from fxcore.types import (Dyn, GraphTypeChecker, TensorType, infer_symbolic_types, is_consistent,
                          is_more_precise, meta_type)
from tests.fxcore.types.helpers import same_type
from rewrite.front import zoo
from unify import var

TRACERS = ("symbolic_trace", "make_fx", "export")


def _stripped(entry, how):
    gm = zoo.trace(entry, how)
    for n in gm.graph.nodes:
        n.meta.pop("val", None)
        n.meta.pop("tensor_meta", None)
    return gm


def _placeholders(gm):
    return [n for n in gm.graph.nodes if n.op == "placeholder"]


def _static_env(gm, inputs):
    return {n.name: TensorType(tuple(x.shape), x.dtype) for n, x in zip(_placeholders(gm), inputs)}


@pytest.mark.parametrize("how", TRACERS)
@pytest.mark.parametrize("name", zoo.names())
def test_every_node_typed_and_equal_to_shape_prop(name, how):
    entry = zoo.get(name)
    gm = _stripped(entry, how)
    result = GraphTypeChecker(_static_env(gm, entry.inputs()), gm, use_meta=False, strict=True).type_check()
    assert result.complete, [n.name for n, t in result.items() if t == Dyn]
    assert all(n.meta["type"] is result[n] for n in gm.graph.nodes)
    # node.type holds torch's view: never more precise than ours, always consistent with it
    assert all(is_consistent(n.type, result[n]) and is_more_precise(result[n], n.type) for n in gm.graph.nodes)
    ShapeProp(gm).propagate(*entry.inputs())  # (ShapeProp overwrites node.type with the Python type)
    for node in gm.graph.nodes:
        if "tensor_meta" in node.meta:
            assert same_type(result[node], meta_type(node)), (node.format_node(), result[node], meta_type(node))


@pytest.mark.parametrize("name", zoo.names())
def test_graphs_with_meta_val_check_against_it(name):
    entry = zoo.get(name)
    gm = zoo.trace(entry, "make_fx")
    result = GraphTypeChecker({}, gm).type_check()
    assert result.complete
    for node in gm.graph.nodes:
        if "val" in node.meta and node.op != "output":
            assert same_type(result[node], meta_type(node)), node.format_node()


@pytest.mark.parametrize("name", zoo.names())
def test_annotated_module_still_recompiles_and_runs(name):
    entry = zoo.get(name)
    gm = zoo.trace(entry, "symbolic_trace")
    GraphTypeChecker(_static_env(gm, entry.inputs()), gm).type_check()
    gm.recompile()
    with torch.no_grad():
        torch.testing.assert_close(gm(*entry.inputs()), entry.build()(*entry.inputs()))


@pytest.mark.parametrize("name", ["resnet_basic", "resnet_bottleneck", "gpt2_block", "vit_block", "mlp_mixer",
                                  "unet_block", "bert_layer"])
def test_symbolic_batch_dimension_flows_through_the_graph(name):
    entry = zoo.get(name)
    gm = _stripped(entry, "symbolic_trace")
    b = var("batch")
    env = {n.name: TensorType((b,) + tuple(x.shape[1:]), x.dtype) for n, x in zip(_placeholders(gm), entry.inputs())}
    result = infer_symbolic_types(gm, env=env)
    ShapeProp(gm).propagate(*entry.inputs())
    for node in gm.graph.nodes:
        t = result[node]
        assert t != Dyn and not (isinstance(t, TensorType) and Dyn in t.dims), node.name
        if isinstance(t, TensorType) and "tensor_meta" in node.meta:
            real = meta_type(node).dims
            assert len(t.dims) == len(real)
            for d, r in zip(t.dims, real):
                assert d == r or d == b or (r != 2 and not isinstance(d, int)), (node.name, t, real)
    out = result[[n for n in gm.graph.nodes if n.op == "output"][0]]
    assert out.dims[0] == b


def test_dyn_batch_becomes_one_variable_named_after_the_input():
    entry = zoo.get("resnet_bottleneck")
    gm = _stripped(entry, "symbolic_trace")
    result = infer_symbolic_types(gm, env={"x": TensorType((Dyn, 32, 8, 8))})
    batch = {t.dims[0] for t in result.values() if isinstance(t, TensorType)}
    assert batch == {var("x.0")}


def _dynamo_graphs(entry):
    captured = []

    def backend(gm, example_inputs):
        captured.append((gm, list(example_inputs)))
        return gm.forward

    torch._dynamo.reset()
    with torch.no_grad():
        torch.compile(entry.build(), backend=backend, dynamic=False)(*entry.inputs())
    torch._dynamo.reset()
    return captured


@pytest.mark.parametrize("name", zoo.names())
def test_dynamo_graphs_typed_by_rules_alone_match_shape_prop(name):
    for gm, inputs in _dynamo_graphs(zoo.get(name)):
        env = {n.name: meta_type(n) for n in gm.graph.nodes if n.op == "placeholder"}
        for n in gm.graph.nodes:
            n.meta.pop("example_value", None)
            n.meta.pop("val", None)
        result = GraphTypeChecker(env, gm, strict=True).type_check()
        assert result.complete
        ShapeProp(gm).propagate(*inputs)
        for node in gm.graph.nodes:
            if "tensor_meta" in node.meta:
                assert same_type(result[node], meta_type(node)), (node.format_node(), result[node], meta_type(node))
