"""Inference rules for reductions: sum, mean, amax, var, argmax, max.dim, all/any, norm, logsumexp.

>>> sorted(reduce_rules())[:4]
['all', 'amax', 'amin', 'any']

See Also
--------
fxcore.types.rules_default.default_rules
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from .rules_core import RuleContext, normalize_dim_index
from .tensor_types import Dyn, TensorType

__all__ = ["reduce_rules", "reduced_type"]


def reduced_type(ctx: RuleContext, t: Any, dims: Any, keepdim: bool, dtype: Optional[torch.dtype] = None) -> Any:
    """The type of reducing ``t`` over ``dims`` (None or () for all dimensions)."""
    if not isinstance(t, TensorType):
        return Dyn
    if dims is None or dims == ():
        chosen = set(range(t.rank))
    else:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        chosen = [normalize_dim_index(d, t.rank, ctx) for d in dims]
        if len(set(chosen)) != len(chosen):
            ctx.fail(f"dimension list {dims} names a dimension twice")
        chosen = set(chosen)
    out = tuple(1 if i in chosen else d for i, d in enumerate(t.dims)) if keepdim else \
        tuple(d for i, d in enumerate(t.dims) if i not in chosen)
    return TensorType(out, dtype or t.dtype)


def _reduction(dim_key: str = "dim", dtype: Optional[torch.dtype] = None, dtype_param: bool = False) -> Callable:
    def rule(ctx: RuleContext) -> Any:
        t = ctx.tensor("self")
        wanted = ctx.arg("dtype", None) if dtype_param else None
        out_dtype = wanted if isinstance(wanted, torch.dtype) else dtype
        if out_dtype is None and dtype_param and isinstance(t, TensorType) and t.dtype is not None:
            if not (t.dtype.is_floating_point or t.dtype.is_complex) and ctx.op in ("sum", "prod", "cumsum"):
                out_dtype = torch.int64
        return reduced_type(ctx, t, ctx.arg(dim_key, None), bool(ctx.arg("keepdim", False)), out_dtype)

    return rule


def _arg_reduction(ctx: RuleContext) -> Any:
    t = ctx.tensor("self")
    return reduced_type(ctx, t, ctx.arg("dim", None), bool(ctx.arg("keepdim", False)), torch.int64)


def _values_indices(ctx: RuleContext) -> Any:
    t = ctx.tensor("self")
    values = reduced_type(ctx, t, ctx.int_value("dim"), bool(ctx.arg("keepdim", False)))
    if not isinstance(values, TensorType):
        return Dyn
    return (values, TensorType(values.dims, torch.int64))


def _full(ctx: RuleContext) -> Any:
    return reduced_type(ctx, ctx.tensor("self"), None, False)


def reduce_rules() -> dict:
    """``{op: rule}`` for reductions."""
    return {"sum": _reduction(dtype_param=True), "mean": _reduction(dtype_param=True),
            "prod": _reduction(dtype_param=True), "amax": _reduction(), "amin": _reduction(),
            "var": _reduction(), "std": _reduction(), "logsumexp": _reduction(), "norm": _reduction(),
            "all": _reduction(dtype=torch.bool), "any": _reduction(dtype=torch.bool),
            "argmax": _arg_reduction, "argmin": _arg_reduction, "max": _full, "min": _full,
            "max.dim": _values_indices, "min.dim": _values_indices}
