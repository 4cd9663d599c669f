"""Inference rules for indexing and size queries: getitem, slice, select, narrow, gather, size, shape.

``x.size(0)`` and ``x.shape[0]`` are typed ``ScalarType(int, d)`` with the
dimension ``d`` itself, so sizes read from one tensor and passed to ``view``
keep the same (possibly symbolic) dimension.

>>> sorted(k for k in indexing_rules() if isinstance(k, str))[:4]
['dim', 'flip', 'gather', 'getitem']

See Also
--------
fxcore.types.rules_shape
"""
from __future__ import annotations

import builtins
import sys
from typing import Any

import torch

from .rules_core import RuleContext, normalize_dim_index
from .rules_shape import _tensor_rule, numel_of
from .tensor_types import Dyn, ScalarType, TensorType

__all__ = ["indexing_rules", "slice_length"]


def slice_length(ctx: RuleContext, size: Any, start: Any, stop: Any, step: Any) -> Any:
    """The length of ``x[start:stop:step]`` along a dimension of ``size`` (a fresh unknown if not static).

    Bounds may be ints, None or int-valued nodes.
    """
    start, stop, step = (None if v is None else ctx.resolve(ctx.dim(v)) for v in (start, stop, step))
    size = ctx.resolve(size)
    if step is not None and step != 1 and not isinstance(step, int):
        return ctx.fresh()
    if isinstance(step, int) and step <= 0:
        ctx.fail(f"slice step must be positive, found {step}")
    if all(v is None or isinstance(v, int) for v in (start, stop)) and isinstance(size, int):
        return len(range(*slice(start, stop, step).indices(size)))
    if start in (None, 0) and (stop is None or (isinstance(stop, int) and stop >= sys.maxsize)) and step in (None, 1):
        return size
    if start in (None, 0) and step in (None, 1) and stop is not None and not isinstance(stop, int):
        return stop  # x[:n] with a symbolic n: n (the model slices within bounds)
    return ctx.fresh()


def _index_tensor(ctx: RuleContext, t: TensorType, index: tuple) -> Any:
    """Basic indexing, as torch applies it (``applySlicing``): a dimension pointer walks the result; an int
    selects (drops) the dimension at the pointer, a slice shortens it, None inserts one, and each
    Ellipsis moves the pointer by the number of dimensions no index names (so several are allowed)."""
    if any(isinstance(i, torch.fx.Node) and not isinstance(ctx.type_of(i), ScalarType) for i in index):
        return Dyn  # advanced indexing: left unknown (meta['val'] types it when present)
    specified = sum(1 for i in index if i is not None and i is not Ellipsis)
    if specified > t.rank:
        ctx.fail(f"too many indices ({specified}) for a tensor of rank {t.rank} ({t!r})")
    out, d = list(t.dims), 0
    for i in index:
        if i is Ellipsis:
            d += t.rank - specified
        elif i is None:
            if d > len(out):
                ctx.fail(f"cannot insert a dimension at {d} into a result of rank {len(out)}")
            out.insert(d, 1)
            d += 1
        elif d >= len(out):
            ctx.fail(f"index {i!r} names dimension {d} of a result of rank {len(out)}")
        elif isinstance(i, slice):
            out[d] = slice_length(ctx, out[d], i.start, i.stop, i.step)
            d += 1
        else:
            size, k = ctx.resolve(out[d]), ctx.dim(i)
            if isinstance(size, int) and isinstance(k, int) and not -size <= k < size:
                ctx.fail(f"index {k} is out of bounds for dimension {d} of size {size}")
            del out[d]
    return TensorType(tuple(out), t.dtype)


def _getitem(ctx: RuleContext) -> Any:
    t, index = ctx.type("self"), ctx.arg("index")
    if isinstance(t, tuple):
        if isinstance(index, slice):
            return t[index]
        k = ctx.dim(index)
        if not isinstance(k, int):
            return Dyn
        if not -len(t) <= k < len(t):
            ctx.fail(f"index {k} is out of range for a tuple of {len(t)} values")
        return t[k]
    if isinstance(t, TensorType):
        return _index_tensor(ctx, t, index if isinstance(index, tuple) else (index,))
    return Dyn


def _size_of(t: Any, ctx: RuleContext, dim: Any) -> Any:
    if dim is None:
        return tuple(ScalarType(int, d) for d in t.dims) if isinstance(t, TensorType) else Dyn
    if not isinstance(t, TensorType):
        return ScalarType(int)
    return ScalarType(int, t.dims[normalize_dim_index(ctx.dim(dim), t.rank, ctx)])


def _size(ctx: RuleContext) -> Any:
    names = ctx.names or ()
    dim = ctx.arg("dim", None) if "dim" in names else ctx.arg(1, None)
    return _size_of(ctx.tensor(0), ctx, dim)


def _getattr(ctx: RuleContext) -> Any:
    t, name = ctx.type(0), ctx.arg(1)
    if name in ("shape",):
        return _size_of(t, ctx, None)
    if name == "ndim" and isinstance(t, TensorType):
        return ScalarType(int, t.rank)
    if name in ("T", "mT") and isinstance(t, TensorType):
        return t.with_dims(reversed(t.dims)) if name == "T" else t.with_dims(t.dims[:-2] + t.dims[-2:][::-1])
    return Dyn


def _positive_rank(ctx: RuleContext, t: TensorType, what: str) -> None:
    if t.rank == 0:
        ctx.fail(f"{what}() cannot be applied to a 0-dim tensor")


def _in_bounds(ctx: RuleContext, k: Any, size: Any, what: str) -> None:
    size = ctx.resolve(size)
    if isinstance(size, int) and isinstance(k, int) and not -size <= k < size:
        ctx.fail(f"{what}: index {k} is out of range for a dimension of size {size}")


@_tensor_rule
def _select(ctx: RuleContext, t: TensorType) -> Any:
    _positive_rank(ctx, t, "select")
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    _in_bounds(ctx, ctx.dim(ctx.arg("index")), t.dims[dim], "select")
    return t.with_dims(t.dims[:dim] + t.dims[dim + 1:])


@_tensor_rule
def _narrow(ctx: RuleContext, t: TensorType) -> Any:
    _positive_rank(ctx, t, "narrow")
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    start, length, size = ctx.dim(ctx.arg("start")), ctx.dim(ctx.arg("length")), ctx.resolve(t.dims[dim])
    if all(isinstance(v, int) for v in (start, length, size)) and not _fits(start, length, size):
        ctx.fail(f"narrow({dim}, {start}, {length}) goes beyond dimension {dim} of size {size}")
    return t.with_dims(t.dims[:dim] + (length,) + t.dims[dim + 1:])


def _fits(start: int, length: int, size: int) -> bool:
    start = start + size if start < 0 else start
    return 0 <= start <= size and length >= 0 and start + length <= size


@_tensor_rule
def _slice(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    n = slice_length(ctx, t.dims[dim], ctx.arg("start", None), ctx.arg("end", None), ctx.arg("step", 1))
    return t.with_dims(t.dims[:dim] + (n,) + t.dims[dim + 1:])


@_tensor_rule
def _index_select(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    idx = ctx.tensor("index")
    if isinstance(idx, TensorType) and idx.rank > 1:
        ctx.fail(f"index_select(): the index must be a vector (or a 0-dim tensor), found {idx!r}")
    n = (idx.dims[0] if idx.rank else 1) if isinstance(idx, TensorType) else ctx.fresh()
    if t.rank == 0:
        ctx.equal(n, 1, "index_select() on a 0-dim tensor: the index holds one value")
        return t
    return t.with_dims(t.dims[:dim] + (n,) + t.dims[dim + 1:])


@_tensor_rule
def _gather(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    idx = ctx.tensor("index")
    if not isinstance(idx, TensorType):
        return Dyn
    if max(idx.rank, 1) != max(t.rank, 1):  # torch compares ranks with 0-dim counted as 1
        ctx.fail(f"gather: the index must have the rank of the input ({t.rank}), found {idx!r}")
    for i, (a, b) in enumerate(zip(_resolved(ctx, idx.dims), _resolved(ctx, t.dims))):
        if i != dim and isinstance(a, int) and isinstance(b, int) and a > b:
            ctx.fail(f"gather: index size {a} exceeds the input size {b} at dimension {i}")
    return TensorType(idx.dims, t.dtype)


def _resolved(ctx: RuleContext, dims: tuple) -> list:
    return [ctx.resolve(d) for d in dims]


def _dim_list(ctx: RuleContext, t: TensorType, dims: Any, what: str) -> list:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    out = [normalize_dim_index(d, t.rank, ctx) for d in dims]
    if len(set(out)) != len(out):
        ctx.fail(f"{what}: dimension list {dims} names a dimension twice")
    return out


@_tensor_rule
def _flip(ctx: RuleContext, t: TensorType) -> Any:
    _dim_list(ctx, t, ctx.arg("dims"), "flip")
    return t


@_tensor_rule
def _roll(ctx: RuleContext, t: TensorType) -> Any:
    shifts, dims = ctx.arg("shifts"), ctx.arg("dims", ())
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if (dims and len(dims) != len(shifts)) or (not dims and len(shifts) != 1):
        ctx.fail(f"roll: shifts {shifts} and dims {dims} must align (or one shift and no dims)")
    if dims and t.rank == 0:
        ctx.fail("roll: a 0-dim tensor has no dimension to roll along")
    for d in dims:
        normalize_dim_index(d, t.rank, ctx)
    return t


def _numel(ctx: RuleContext) -> Any:
    return ScalarType(int, numel_of(ctx.type(0)))


def _ndim(ctx: RuleContext) -> Any:
    t = ctx.type(0)
    return ScalarType(int, t.rank if isinstance(t, TensorType) else Dyn)


def indexing_rules() -> dict:
    """``{op: rule}`` for indexing and size queries."""
    aten = torch.ops.aten
    return {"getitem": _getitem, "size": _size, aten.sym_size.int: _size, builtins.getattr: _getattr,
            "select": _select, "narrow": _narrow, "slice": _slice, "index_select": _index_select,
            "gather": _gather, "flip": _flip, "roll": _roll, "numel": _numel, "dim": _ndim,
            aten.sym_numel.default: _numel}
