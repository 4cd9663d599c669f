"""Soundness per op: every inference rule against torch itself, on drawn shapes (wrong ranks included).

For one call of an op (operands from `op_cases`), the call also runs on real tensors:

- fully static input types: the checker raises `GradualTypeError` exactly when torch raises, and
  when the call runs, the inferred type is the real one (shape; dtype when inferred);
- some dimensions (or whole types) ``Dyn``: when the call runs, our inference does not reject it and
  its type is consistent with the real one.

The drop-in ``node.type`` (torch's view) is checked too: consistent with the real type.
"""
import re
import warnings

import pytest
import torch
import torch.nn as nn
from hypothesis import assume, given, settings, strategies as st
from torch.fx.node import map_arg

from fxcore import ops
from fxcore.types import (Dyn, GradualTypeError, GraphTypeChecker, MissingTypeRuleError, ScalarType, TensorType,
                          is_consistent, type_from_value)
from fxcore.types.infer import infer_types
from tests.fxcore.types.op_cases import CASE_OPS, EXCLUDED, Spec, materialize, op_case, shapes

EXAMPLES = 20  # per op in CI (derandomized); deeper searches: EXAMPLES = 200 under HYPOTHESIS_PROFILE=thorough
BN = {nn.BatchNorm1d: 1, nn.BatchNorm2d: 2, nn.BatchNorm3d: 3}


def _graph(operands, call):
    """A graph with one placeholder per tensor operand, ``call(graph, operands with nodes)`` and an output."""
    g, specs = torch.fx.Graph(), []

    def node_of(v):
        if isinstance(v, Spec):
            specs.append(v)
            return g.placeholder(f"p{len(specs) - 1}")
        if isinstance(v, (tuple, list)):
            return type(v)(node_of(e) for e in v)
        return v

    node = call(g, tuple(node_of(v) for v in operands))
    g.output(node)
    return g, specs, node


def _run(gm, specs, seed):
    gen = torch.Generator().manual_seed(seed)
    tensors = [materialize(s, gen) for s in specs]
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            return gm(*tensors)
    except Exception as e:  # torch rejects the call
        return e


def _env(gm, specs, mask=None):
    out = {}
    for i, (p, s) in enumerate(zip(gm.graph.find_nodes(op="placeholder"), specs)):
        if mask is None:
            out[p.name] = TensorType(s.shape, s.dtype)
        elif mask[i] is None:
            out[p.name] = Dyn
        else:
            out[p.name] = TensorType(tuple(Dyn if m else d for d, m in zip(s.shape, mask[i])), s.dtype)
    return out


def agrees(inferred, real) -> bool:
    """The inferred type is the real one: same dims (and dtype when inferred), same scalar kind and value."""
    if isinstance(real, tuple):
        return isinstance(inferred, tuple) and len(inferred) == len(real) and all(map(agrees, inferred, real))
    if isinstance(real, TensorType):
        return (isinstance(inferred, TensorType) and inferred.dims == real.dims
                and inferred.dtype in (None, real.dtype))
    if isinstance(real, ScalarType):
        return isinstance(inferred, ScalarType) and inferred.kind == real.kind and inferred.value in (Dyn, real.value)
    return inferred == real


def _empty_transposed_conv(node, real) -> bool:
    """A transposed convolution with an empty output: torch (CPU) runs or rejects it by the kernel it picks."""
    if "conv_transpose" not in str(node.target):
        return False
    if isinstance(real, Exception):
        sizes = re.search(r"Calculated output size per channel: \(([^)]*)\)", str(real))
        sizes = [int(v) for v in sizes.group(1).split(" x ")] if sizes else [-1]
        return min(sizes) == 0
    return 0 in real.shape[-3:]


def check(gm, specs, node, data):
    """The property, for one graph whose node ``node`` is the call under test."""
    real = _run(gm, specs, data.draw(st.integers(0, 2**16), label="seed"))
    assume(not _empty_transposed_conv(node, real))
    try:
        result = GraphTypeChecker(_env(gm, specs), gm, strict=True).type_check()
    except MissingTypeRuleError:
        raise
    except GradualTypeError as e:
        assert isinstance(real, Exception), f"torch runs it, the checker rejects it: {e}"
        return
    assert not isinstance(real, Exception), f"torch raises {real!r}, the checker accepts: {result[node]!r}"
    expected = type_from_value(real)
    assert agrees(result[node], expected), (result[node], expected)
    assert is_consistent(node.type, expected), ("torch's view", node.type, expected)
    mask = [data.draw(st.none() | st.lists(st.booleans(), min_size=len(s.shape), max_size=len(s.shape)),
                      label=f"dyn mask {i}") for i, s in enumerate(specs)]
    try:
        inf = infer_types(gm, env=_env(gm, specs, mask), strict=True, annotate=False)
    except GradualTypeError as e:
        raise AssertionError(f"with Dyn dims {mask}, ours rejects a call torch runs: {e}") from None
    assert is_consistent(inf.types[node], expected), (mask, inf.types[node], expected)


# fxcore.ops emits bernoulli.p as aten.bernoulli (the overload packet), which its resolver does not read back
SPELLED = {"bernoulli.p": lambda g, operands: g.call_function(torch.bernoulli, operands[:2])}


def _call(name):
    if name in SPELLED:
        return SPELLED[name]
    target = ops.call_target(name)

    def call(g, operands):
        args, kwargs = ops.emit_args(name, operands)
        return g.call_function(target, args, kwargs)
    return call


@pytest.mark.parametrize("name", CASE_OPS)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_every_op_rule_agrees_with_torch(name, data):
    operands = data.draw(op_case(name), label="operands")
    g, specs, node = _graph(operands, _call(name))
    check(torch.fx.GraphModule(torch.nn.Module(), g), specs, node, data)


@pytest.mark.parametrize("cls", list(BN), ids=lambda c: c.__name__)
@settings(max_examples=3 * EXAMPLES)
@given(data=st.data())
def test_batch_norm_modules_check_the_rank_torch_checks(cls, data):
    shape = data.draw(shapes(0, 6, 1, 3), label="shape")
    root = nn.Module()
    root.bn = cls(shape[1] if len(shape) > 1 and data.draw(st.integers(0, 3)) else 2).eval()
    g, specs, node = _graph((Spec(shape),), lambda g, xs: g.call_module("bn", xs))
    check(torch.fx.GraphModule(root, g), specs, node, data)


def test_the_excluded_ops_return_nothing():
    assert set(EXCLUDED) <= set(ops.default_table().names())
    assert len(CASE_OPS) >= 225
