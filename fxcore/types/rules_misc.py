"""Inference rules for the rest of the vocabulary: random factories, identity, effects that return None.

>>> sorted(k for k in misc_rules() if isinstance(k, str))[:3]
['_assert', '_assert_async', '_assert_scalar']

See Also
--------
fxcore.types.rules_default.default_rules
"""
from typing import Any

import torch

from .rules_core import RuleContext
from .rules_elementwise import same_shape
from .tensor_types import TensorType

__all__ = ["misc_rules", "NONE"]

NONE = type(None)
"""The type of a node that returns nothing (print, setitem, assertions)."""


def _none(ctx: RuleContext) -> Any:
    return NONE


def _random_factory(ctx: RuleContext) -> Any:
    dims = tuple(ctx.dim(s) for s in ctx.arg("size"))
    dtype = ctx.arg("dtype", None)
    return TensorType(dims, dtype if isinstance(dtype, torch.dtype) else torch.get_default_dtype())


def _identity(ctx: RuleContext) -> Any:
    return ctx.type(0)


def _like(ctx: RuleContext) -> Any:
    t, dtype = ctx.type(0), ctx.node.kwargs.get("dtype")
    if isinstance(t, TensorType) and isinstance(dtype, torch.dtype):
        return TensorType(t.dims, dtype)
    return t


def _native_dropout(ctx: RuleContext) -> Any:
    t = ctx.type(0)
    return (t, TensorType(t.dims, torch.bool)) if isinstance(t, TensorType) else t


def _arange(ctx: RuleContext) -> Any:
    bounds = [ctx.dim(a) if not isinstance(a, float) else a for a in ctx.node.args]
    dtype = ctx.node.kwargs.get("dtype")
    if all(isinstance(b, (int, float)) for b in bounds) and bounds:
        n = len(torch.arange(*bounds))  # a tiny host computation on literal bounds
        floating = any(isinstance(b, float) for b in bounds)
        return TensorType((n,), dtype or (torch.get_default_dtype() if floating else torch.int64))
    return TensorType((ctx.fresh(),), dtype)


def _full(ctx: RuleContext) -> Any:
    size, value = ctx.node.args[0], ctx.node.args[1] if len(ctx.node.args) > 1 else 0.0
    dtype = ctx.node.kwargs.get("dtype") or (torch.int64 if isinstance(value, int) and not isinstance(value, bool)
                                             else torch.bool if isinstance(value, bool) else torch.get_default_dtype())
    return TensorType(tuple(ctx.dim(s) for s in size), dtype)


def _aten_targets() -> dict:
    aten = torch.ops.aten
    like = {f: _like for f in (aten._to_copy.default, aten.zeros_like.default, aten.ones_like.default,
                               aten.empty_like.default, aten.full_like.default, aten.alias.default,
                               aten.lift_fresh_copy.default, torch.zeros_like, torch.ones_like, torch.empty_like,
                               torch.full_like)}
    return {**like, aten.native_dropout.default: _native_dropout, aten.arange.default: _arange,
            aten.arange.start: _arange, aten.arange.start_step: _arange, torch.arange: _arange,
            aten.full.default: _full, torch.full: _full}


def misc_rules() -> dict:
    """``{op: rule}`` for random ops, identity, effects, and a few aten factories the op table leaves unknown."""
    rules = {name: _none for name in ("print", "setitem", "_assert", "_assert_async", "_assert_scalar")}
    rules.update({"rand": _random_factory, "randn": _random_factory, "identity": _identity,
                  "rand_like": same_shape("self", dtype_param="dtype"),
                  "randn_like": same_shape("self", dtype_param="dtype"),
                  "bernoulli": same_shape("self"), "bernoulli.p": same_shape("self"), "bernoulli_": same_shape("self"),
                  })
    rules.update(_aten_targets())
    return rules
