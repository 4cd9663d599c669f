"""Type-aware rules: guards read inferred types or meta['val']; undecidable symbolic guards do not fire."""

import torch
import torch.fx as fx
from torch.fx.experimental.proxy_tensor import make_fx

from fxcore.types import Dyn, GraphTypeChecker, Refine, TensorType
from rewrite.engine.apply import apply
from rewrite.lang.loader import loads
from rewrite.engine.report import report_of

RULES = loads("""
ruleset: typed
rules:
  - id: mul-one
    pattern: mul(x, 1)
    replacement: x
    when: result.dtype == x.dtype and result.shape == x.shape
  - id: batch-four-relu
    pattern: relu(x)
    replacement: clamp_min(x, 0)
    when: x.shape[0] == 4 and x.ndim == 2
""", warn=False)


def program(a):
    return torch.relu(a * 1).sum(1)


def _typed(dims, dtype=torch.float32):
    gm = fx.symbolic_trace(program)
    placeholder = next(iter(gm.graph.nodes))
    placeholder.type = TensorType(dims, dtype)
    return gm


def test_inferred_static_types_let_guards_fire():
    gm = _typed((4, 3))
    GraphTypeChecker({}, gm).type_check()
    apply(gm, RULES)
    assert report_of(gm).counts == {"mul-one": 1, "batch-four-relu": 1}
    x = torch.randn(4, 3)
    torch.testing.assert_close(gm(x), program(x))


def test_symbolic_batch_from_refinement_keeps_guards_off():
    gm = _typed((Dyn, 3))
    Refine(gm).refine()  # the batch dim becomes a variable, related across the graph
    apply(gm, RULES)
    # result.shape == x.shape is undecidable with a variable batch size, as is x.shape[0] == 4
    assert report_of(gm).counts == {}


def test_without_any_type_information_nothing_guarded_fires():
    gm = fx.symbolic_trace(program)
    apply(gm, RULES)
    assert report_of(gm).counts == {}


def test_static_make_fx_graph_fires():
    gm = make_fx(program)(torch.randn(4, 3))
    apply(gm, RULES)
    assert report_of(gm).counts == {"mul-one": 1, "batch-four-relu": 1}
    x = torch.randn(4, 3)
    torch.testing.assert_close(gm(x), program(x))


def test_symbolic_make_fx_graph_stays_off_without_adding_guards():
    gm = make_fx(program, tracing_mode="symbolic")(torch.randn(4, 3))
    fake = next(n.meta["val"] for n in gm.graph.nodes if n.op == "placeholder")
    shape_env = fake.fake_mode.shape_env
    guards_before = len(shape_env.guards)
    apply(gm, RULES)
    counts = report_of(gm).counts
    assert "batch-four-relu" not in counts  # s0 == 4 cannot be decided statically
    assert len(shape_env.guards) == guards_before  # deciding never adds a runtime guard
    x = torch.randn(6, 3)
    torch.testing.assert_close(gm(x), program(x))
