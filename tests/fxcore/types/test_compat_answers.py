"""The drop-in names answer as torch does in node.type; our more precise answers are in the result and meta['type'].

Each case runs torch's own checker on a twin graph: ``node.type`` after our ``GraphTypeChecker``
equals torch's, while our result is at least as precise and consistent with it.
"""
import pytest
import torch
import torch.fx.tensor_type as ttt
from torch.fx.annotate import annotate  # noqa: F401  (RewritingTracer turns `out: T = ...` into annotate calls)
from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker as TorchChecker
from torch.fx.experimental.refinement_types import Equality as TorchEquality
from torch.fx.experimental.rewriter import RewritingTracer
from torch.fx.experimental.unify_refinements import infer_symbolic_types as torch_infer_symbolic_types

from fxcore.types import (Dyn, Equality, GradualTypeError, GraphTypeChecker, Refine, ScalarType, TensorType,
                          as_type, infer_symbolic_types, is_consistent, is_more_precise)
from fxcore.types.infer import infer_types
from unify import var


def _twins(fn, *dims):
    """(ours, torch's) traced twins with the placeholders typed by ``dims`` (tuples, Dyn or int)."""
    out = []
    for lib in (None, ttt):
        gm = torch.fx.symbolic_trace(fn)
        for p, d in zip(gm.graph.find_nodes(op="placeholder"), dims):
            p.type = d if d is int else (TensorType(d) if lib is None else lib.TensorType(d)) if d != Dyn else Dyn
        out.append(gm)
    return out


def _torch_types(gm):
    return [as_type(n.type) if not isinstance(n.type, tuple) else n.type for n in gm.graph.nodes]


@pytest.mark.parametrize("x, y, ours", [
    ((1, 2, Dyn), (1, 2, 3), (1, 2, 3)),              # torch keeps the less precise operand
    ((1, 2, 3, Dyn), (2, 3, 4), (1, 2, 3, 4)),        # Dyn must be 1 or 4: the result is 4
    ((Dyn, 2), (1, 2), (Dyn, 2)),
])
def test_add_node_type_is_torchs_less_precise_answer_and_ours_is_precise(x, y, ours):
    gm, twin = _twins(lambda a, b: torch.add(a, b), x, y)
    result = GraphTypeChecker({}, gm).type_check()
    TorchChecker({}, twin).type_check()
    add = list(gm.graph.nodes)[2]
    assert [n.type for n in gm.graph.nodes] == _torch_types(twin)
    assert result[add] == TensorType(ours) and add.meta["type"] is result[add]
    assert is_more_precise(result[add], add.type) and is_consistent(result[add], add.type)
    assert add.meta["broadcast"] == list(twin.graph.nodes)[2].meta["broadcast"]


def test_reshape_of_an_unknown_batch_torch_rejects_ours_accepts():
    gm, twin = _twins(lambda a: torch.reshape(a, [1, 2, -1]), (Dyn, 5))
    with pytest.raises(TypeError):
        TorchChecker({}, twin).type_check()
    with pytest.raises(GradualTypeError, match="torch's reshape rule rejects"):
        GraphTypeChecker({}, gm).type_check()
    inf = infer_types(gm)  # ours: a batch of 2 runs (torch.randn(2, 5).reshape(1, 2, -1) is (1, 2, 5))
    assert inf.types[list(gm.graph.nodes)[1]] == TensorType((1, 2, Dyn))
    assert torch.randn(2, 5).reshape(1, 2, -1).shape == (1, 2, 5)


def test_scalars_are_their_python_class_in_node_type():
    gm, twin = _twins(lambda a, b: torch.add(a, b), int, (2, 3))
    result = GraphTypeChecker({}, gm).type_check()
    TorchChecker({}, twin).type_check()
    assert [n.type for n in gm.graph.nodes] == [t if t is int else as_type(t) for t in (n.type for n in twin.graph.nodes)]
    assert list(gm.graph.nodes)[0].type is int and result[list(gm.graph.nodes)[0]] == ScalarType(int)


class _Block(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bn = torch.nn.BatchNorm2d(channels)

    def forward(self, x: Dyn):
        out: TensorType((2, 2, Dyn, 4)) = self.bn(x)
        return out + x


def _rewritten(module):
    tracer = RewritingTracer()
    graph = tracer.trace(module)
    return torch.fx.GraphModule(tracer.root, graph, "gm")


def test_unknown_input_of_batch_norm_gets_rank_4_and_ours_also_its_sizes():
    gm = _rewritten(_Block(2))
    result = GraphTypeChecker({}, gm).type_check()
    x, bn, add, out = gm.graph.nodes
    assert x.type == TensorType((Dyn,) * 4) and bn.type == TensorType((2, 2, Dyn, 4))  # torch's answers
    assert add.type == TensorType((Dyn,) * 4)
    assert result[x] == TensorType((2, 2, Dyn, 4)) and result[add] == TensorType((2, 2, Dyn, 4))  # ours
    with pytest.raises(GradualTypeError, match="channels"):
        GraphTypeChecker({}, _rewritten(_Block(1))).type_check()


def test_refine_constraints_are_torchs_equalities_and_ours_the_result():
    gm, twin = _twins(lambda a: torch.flatten(a, start_dim=1, end_dim=3), (2, 3, 4, 5))
    GraphTypeChecker({}, gm).type_check()
    r = Refine(gm)
    result = r.refine()
    assert r.constraints == [Equality(2, 2)] and r.constraints == [TorchEquality(2, 2)]
    assert list(result.values())[1] == TensorType((2, 60))


def test_infer_symbolic_types_writes_torchs_answer_and_returns_ours():
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.fc = torch.nn.Conv2d(3, 4, 3), torch.nn.Linear(4 * 6 * 6, 10)

        def forward(self, x):
            return self.fc(torch.flatten(self.conv(x), 1))

    gm, twin = torch.fx.symbolic_trace(M()), torch.fx.symbolic_trace(M())
    next(iter(gm.graph.nodes)).type = TensorType((Dyn, 3, 8, 8))
    next(iter(twin.graph.nodes)).type = ttt.TensorType((ttt.Dyn, 3, 8, 8))
    GraphTypeChecker({}, gm).type_check()
    TorchChecker({}, twin).type_check()
    result = infer_symbolic_types(gm)
    torch_infer_symbolic_types(twin)
    assert [n.type for n in gm.graph.nodes] == [as_type(n.type) for n in twin.graph.nodes]  # the same ~N and sympy
    assert {t.dims[0] for t in result.values()} == {var("x.0")}  # ours: one batch variable everywhere
