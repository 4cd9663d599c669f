"""Refinement: Dyn dimensions become variables, op constraints are solved with unify, the unifier reaches
every node; symbolic sizes from make_fx; facts for guards; determinism; no recursion on long graphs."""
import subprocess
import sys

import pytest
import torch
from torch.fx.experimental.proxy_tensor import make_fx

from fxcore.types import (Dyn, GradualTypeError, GraphTypeChecker, Refine, TensorType, infer_symbolic_types,
                          node_tensor_facts)
from unify import Var, var


def trace(fn):
    return torch.fx.symbolic_trace(fn)


def test_constraints_bind_unknown_dims_and_reach_the_inputs():
    gm = torch.fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU()))
    r = Refine(gm)
    result = r.refine()
    x = next(iter(gm.graph.nodes))
    assert result[x] is Dyn  # unknown rank stays Dyn
    result = infer_symbolic_types(gm, env={"input_1": TensorType((Dyn, Dyn))})
    types = list(result.values())
    assert types[0] == TensorType((var("input_1.0"), 8))  # in_features solved into the input type
    assert types[-1].dims == (var("input_1.0"), 4)
    assert x.meta["type"] == types[0]  # ours; x.type holds torch's answer (test_compat_answers.py)


def test_reshape_solves_a_single_unknown_and_keeps_symbolic_batch():
    gm = trace(lambda x: (x.view(2, 6), x.reshape(-1, 3).relu()))
    result = infer_symbolic_types(gm, env={"x": TensorType((Dyn, 3))})
    assert list(result.values())[0] == TensorType((4, 3))  # 3 * b == 12
    gm = trace(lambda x: x.reshape(-1, 12))
    assert list(infer_symbolic_types(gm, env={"x": TensorType((Dyn, 3, 4))}).values())[1].dims == (var("x.0"), 12)


def test_contradicting_constraints_name_the_node():
    b = var("b")
    gm = trace(lambda x, y: (x.view(2, 3), y.view(3, 4)))
    with pytest.raises(GradualTypeError, match=r"node 'view_1'.*reshape element count"):
        infer_symbolic_types(gm, env={"x": TensorType((b, 3)), "y": TensorType((b, 4))})


def test_broadcasting_keeps_shared_variables_and_never_equates_distinct_ones():
    gm = trace(lambda x, y: x + y)
    t = list(infer_symbolic_types(gm, env={"x": TensorType((Dyn, 3)), "y": TensorType((Dyn, 1))}).values())[2]
    assert isinstance(t.dims[0], Var) and t.dims[0] not in (var("x.0"), var("y.0")) and t.dims[1] == 3
    b = var("b")
    t = list(infer_symbolic_types(gm, env={"x": TensorType((b, 3)), "y": TensorType((b, 1))}).values())[2]
    assert t.dims == (b, 3)


def test_symbolic_make_fx_sizes_become_variables():
    gm = make_fx(lambda x: x.view(-1, 3).relu() * 2, tracing_mode="symbolic")(torch.randn(4, 3))
    result = GraphTypeChecker({}, gm).type_check()
    out = [t for t in result.values() if isinstance(t, TensorType)][-1]
    assert isinstance(out.dims[0], Var) and out.dims[1] == 3
    facts = node_tensor_facts([n for n in gm.graph.nodes if n.op == "call_function"][-1])
    assert facts.ndim == 2 and not facts.is_static and facts.dtype == torch.float32 and facts.numel is None


def test_tensor_facts_come_from_inferred_types_then_meta():
    gm = trace(lambda x: x.sum(1))
    x, s = list(gm.graph.nodes)[:2]
    assert node_tensor_facts(s) is None
    GraphTypeChecker({"x": TensorType((2, 3), torch.float16)}, gm).type_check()
    f = node_tensor_facts(s)
    assert f.shape == (2,) and f.dtype == torch.float16 and f.is_static and f.is_floating_point and f.numel == 2
    s.meta.pop("type")
    s.meta["val"] = torch.empty(5, dtype=torch.int64)
    assert node_tensor_facts(s).shape == (5,) and node_tensor_facts(s).source == "val"


def _long_chain(n):
    g = torch.fx.Graph()
    x = g.placeholder("x")
    for i in range(n):
        x = g.call_function(torch.relu, (x,)) if i % 2 else g.call_method("view", (x, -1, 3))
    g.output(x)
    return torch.fx.GraphModule(torch.nn.Module(), g)


def test_long_graphs_do_not_recurse():
    gm = _long_chain(3000)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(250)
    try:
        result = infer_symbolic_types(gm, env={"x": TensorType((Dyn, 3))})
    finally:
        sys.setrecursionlimit(limit)
    assert list(result.values())[-2] == TensorType((var("x.0"), 3))


_SCRIPT = """
import torch
from rewrite.front import zoo
from fxcore.types import infer_symbolic_types, TensorType, Dyn
gm = zoo.trace('gpt2_block')
print([str(t) for t in infer_symbolic_types(gm, env={'x': TensorType((Dyn, Dyn, 32))}).values()])
"""


def test_results_do_not_depend_on_the_hash_seed():
    outs = {subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PYTHONPATH": "."}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and "~x.0" in outs.pop()


def test_refinement_agrees_with_torch_on_the_batch_dimension():
    import torch.fx.tensor_type as ttt
    from torch.fx.experimental.unify_refinements import infer_symbolic_types as torch_infer

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn, self.relu = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU()
            self.fc = torch.nn.Linear(4 * 6 * 6, 5)

        def forward(self, x):
            return self.fc(torch.flatten(self.relu(self.bn(self.conv(x))), 1))

    theirs, ours = torch.fx.symbolic_trace(M()), torch.fx.symbolic_trace(M())
    next(iter(theirs.graph.nodes)).type = ttt.TensorType((ttt.Dyn, 3, 8, 8))
    from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker as TorchChecker
    TorchChecker({}, theirs).type_check()
    torch_infer(theirs)
    result = infer_symbolic_types(ours, env={"x": TensorType((Dyn, 3, 8, 8))})
    torch_batch = {str(n.type.dims[0]) for n in theirs.graph.nodes if isinstance(n.type, ttt.TensorType)}
    our_batch = {t.dims[0] for t in result.values() if isinstance(t, TensorType)}
    assert len(torch_batch) == 1 and our_batch == {var("x.0")}
    for a, b in zip(theirs.graph.nodes, ours.graph.nodes):
        if isinstance(a.type, ttt.TensorType):
            assert tuple(a.type.dims[1:]) == result[b].dims[1:]
