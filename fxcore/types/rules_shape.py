"""Inference rules for shape ops: view/reshape, permute/transpose, flatten, squeeze, cat/stack, split, indexing.

Reshapes reason about the element count as ``int * product of dimension
variables``, so ``x.view(-1, 12)`` on ``(b, 3, 4)`` keeps ``b``, and a size
that cannot hold the elements is an error.

>>> 'view' in shape_rules() and 'cat' in shape_rules()
True

See Also
--------
fxcore.types.rules_indexing : getitem, slice, size, getattr.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable

import torch

from unify import Var

from .rules_core import RuleContext, normalize_dim_index, product
from .tensor_types import Dyn, TensorType

__all__ = ["shape_rules", "reshape_dims", "monomial", "numel_of"]


def monomial(dims) -> tuple:
    """``(int coefficient, Counter of variables, number of Dyn)`` of a product of dimensions."""
    coeff, vars_, unknown = 1, Counter(), 0
    for d in dims:
        if isinstance(d, Var):
            vars_[d] += 1
        elif d == Dyn:
            unknown += 1
        else:
            coeff *= d
    return coeff, vars_, unknown


def _quotient(ctx: RuleContext, num: tuple, den: tuple) -> Any:
    """``num / den`` as one dimension (an int or a single variable), else a fresh unknown."""
    (c1, v1, u1), (c2, v2, u2) = num, den
    if u1 or u2 or (v2 - v1) or c2 == 0:
        return ctx.fresh()
    if c1 % c2:
        return ctx.fresh() if v1 else ctx.fail(f"cannot split {c1} elements into pieces of {c2}")
    rest, c = v1 - v2, c1 // c2
    if not rest:
        return c
    if c == 1 and sum(rest.values()) == 1:
        return next(iter(rest))
    return ctx.fresh()


def _check_numel(ctx: RuleContext, t: TensorType, out: list) -> None:
    """Sizes without -1 must hold exactly the input's elements; one unknown variable is solved for."""
    (c1, v1, u1), (c2, v2, u2) = monomial(t.dims), monomial(out)
    if u1 or u2:
        return
    left, right = v1 - v2, v2 - v1
    if not left and not right and c1 != c2:
        ctx.fail(f"cannot reshape a tensor of {c1} elements ({t!r}) into shape {tuple(out)} ({c2} elements)")
    for (a, va), (b, vb) in (((c1, left), (c2, right)), ((c2, right), (c1, left))):
        if sum(va.values()) == 1 and not vb:
            (v,) = va
            if b % a:
                ctx.fail(f"cannot reshape {t!r} into {tuple(out)}: the element counts cannot match")
            ctx.equal(v, b // a, "reshape element count")


def _static_reshape(ctx: RuleContext, t: TensorType, out: list) -> TensorType:
    """The all-int fast path of :func:`reshape_dims`."""
    total, known = product(t.dims), product(d for d in out if d != -1)
    if -1 in out:
        if known == 0 or total % known:
            ctx.fail(f"cannot split {total} elements into pieces of {known}")
        out[out.index(-1)] = total // known
    elif total != known:
        ctx.fail(f"cannot reshape a tensor of {total} elements ({t!r}) into shape {tuple(out)} ({known} elements)")
    return TensorType(tuple(out), t.dtype)


def reshape_dims(ctx: RuleContext, t: Any, sizes) -> Any:
    """The type of reshaping a tensor of type ``t`` to ``sizes`` (ints, -1, size nodes)."""
    out = [ctx.resolve(ctx.dim(s)) for s in sizes]
    if sum(1 for d in out if d == -1) > 1:
        ctx.fail(f"only one dimension can be inferred (-1) in shape {tuple(sizes)}")
    if any(isinstance(d, int) and d < -1 for d in out):
        ctx.fail(f"invalid size {tuple(out)}: sizes must be non-negative or -1")
    if not isinstance(t, TensorType):
        return TensorType(tuple(ctx.fresh() if d == -1 else d for d in out))
    dims = [ctx.resolve(d) for d in t.dims]
    t = t.with_dims(dims)
    if all(type(d) is int for d in dims) and all(type(d) is int for d in out):
        return _static_reshape(ctx, t, out)
    if -1 in out:
        known = [d for d in out if d != -1]
        out[out.index(-1)] = _quotient(ctx, monomial(dims), monomial(known))
    else:
        _check_numel(ctx, t, out)
    return TensorType(tuple(ctx.resolve(d) for d in out), t.dtype)


def _view(ctx: RuleContext) -> Any:
    names = ctx.names or ()
    size = ctx.arg("size" if "size" in names else ("shape" if "shape" in names else 1))
    return reshape_dims(ctx, ctx.tensor(0), size)


def _tensor_rule(fn: Callable) -> Callable:
    """Wrap ``fn(ctx, t)`` so that an input of unknown rank gives ``Dyn``."""

    def rule(ctx: RuleContext) -> Any:
        t = ctx.tensor(0)
        return fn(ctx, t) if isinstance(t, TensorType) else Dyn

    rule.__doc__ = fn.__doc__
    return rule


@_tensor_rule
def _permute(ctx: RuleContext, t: TensorType) -> Any:
    perm = [normalize_dim_index(d, t.rank, ctx) for d in ctx.arg("dims")]
    if sorted(perm) != list(range(t.rank)):
        ctx.fail(f"permutation {tuple(ctx.arg('dims'))} is not a permutation of the {t.rank} dims of {t!r}")
    return t.with_dims(t.dims[p] for p in perm)


@_tensor_rule
def _transpose(ctx: RuleContext, t: TensorType) -> Any:
    a, b = (normalize_dim_index(ctx.int_value(k), t.rank, ctx) for k in ("dim0", "dim1"))
    if t.rank == 0:
        return t  # a 0-dim tensor transposes its (only) dimension -1 or 0 with itself
    dims = list(t.dims)
    dims[a], dims[b] = dims[b], dims[a]
    return t.with_dims(dims)


@_tensor_rule
def _t(ctx: RuleContext, t: TensorType) -> Any:
    if t.rank > 2:
        ctx.fail(f"t() expects a tensor of rank <= 2, found {t!r}")
    return t.with_dims(reversed(t.dims))


def _merge(ctx: RuleContext, dims) -> Any:
    c, v, u = monomial([ctx.resolve(d) for d in dims])
    if u or sum(v.values()) > 1 or (v and c != 1):
        return ctx.fresh()
    return next(iter(v)) if v else c


@_tensor_rule
def _flatten(ctx: RuleContext, t: TensorType) -> Any:
    start = normalize_dim_index(ctx.int_value("start_dim"), t.rank, ctx)
    end = normalize_dim_index(ctx.int_value("end_dim"), t.rank, ctx)
    if t.rank == 0:
        return t.with_dims((1,))
    if start > end:
        ctx.fail(f"flatten start_dim {start} comes after end_dim {end}")
    return t.with_dims(t.dims[:start] + (_merge(ctx, t.dims[start:end + 1]),) + t.dims[end + 1:])


@_tensor_rule
def _unflatten(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    if not ctx.arg("sizes"):
        ctx.fail("unflatten: sizes must be non-empty")
    inner = reshape_dims(ctx, t.with_dims((t.dims[dim],)), ctx.arg("sizes"))
    return t.with_dims(t.dims[:dim] + inner.dims + t.dims[dim + 1:])


@_tensor_rule
def _unsqueeze(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx, extra=1)
    return t.with_dims(t.dims[:dim] + (1,) + t.dims[dim:])


@_tensor_rule
def _squeeze(ctx: RuleContext, t: TensorType) -> Any:
    dims = ctx.arg("dim", None)
    dims = tuple(range(t.rank)) if dims is None else ((dims,) if isinstance(dims, int) else tuple(dims))
    listed = [normalize_dim_index(d, t.rank, ctx) for d in dims]
    if len(set(listed)) != len(listed):
        ctx.fail(f"squeeze: dimension list {dims} names a dimension twice")
    if t.rank == 0:
        return t
    chosen = set(listed)
    if any(not isinstance(ctx.resolve(t.dims[i]), int) for i in chosen):
        return Dyn  # whether an unknown size is 1 decides the rank
    return t.with_dims(d for i, d in enumerate(t.dims) if not (i in chosen and ctx.resolve(d) == 1))


def _cat(ctx: RuleContext) -> Any:
    types = [ctx.type_of(x) for x in ctx.arg("tensors")]
    types = [t for t in types if not (isinstance(t, TensorType) and t.dims == (0,))]  # legacy empty tensors
    if not types or any(not isinstance(t, TensorType) for t in types):
        return Dyn
    rank = types[0].rank
    if any(t.rank != rank for t in types):
        ctx.fail(f"cat needs tensors of one rank, found ranks {[t.rank for t in types]}")
    dim = normalize_dim_index(ctx.int_value("dim"), rank, ctx)
    out = list(types[0].dims)
    for t in types[1:]:
        for i, d in enumerate(t.dims):
            if i != dim:
                out[i] = ctx.equal(out[i], d, f"cat: sizes of dimension {i} must match")
    along = [ctx.resolve(t.dims[dim]) for t in types]
    out[dim] = sum(along) if all(isinstance(d, int) for d in along) else ctx.fresh()
    return TensorType(tuple(out), types[0].dtype)


def _stack(ctx: RuleContext) -> Any:
    types = [ctx.type_of(x) for x in ctx.arg("tensors")]
    if not types or any(not isinstance(t, TensorType) for t in types):
        return Dyn
    out = list(types[0].dims)
    for t in types[1:]:
        if t.rank != len(out):
            ctx.fail(f"stack needs tensors of one shape, found {types[0]!r} and {t!r}")
        out = [ctx.equal(a, b, "stack: sizes must match") for a, b in zip(out, t.dims)]
    dim = normalize_dim_index(ctx.int_value("dim"), len(out), ctx, extra=1)
    return TensorType(tuple(out[:dim] + [len(types)] + out[dim:]), types[0].dtype)


def _pieces(ctx: RuleContext, t: TensorType, dim: int, sizes: list) -> tuple:
    return tuple(t.with_dims(t.dims[:dim] + (s,) + t.dims[dim + 1:]) for s in sizes)


@_tensor_rule
def _split(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    total, size = ctx.resolve(t.dims[dim]), ctx.arg("split_size")
    if isinstance(size, (tuple, list)):
        sizes = [ctx.dim(s) for s in size]
        if isinstance(total, int) and all(isinstance(s, int) for s in sizes) and sum(sizes) != total:
            ctx.fail(f"split sizes {tuple(sizes)} do not add up to dimension {dim} of size {total}")
        return _pieces(ctx, t, dim, sizes)
    size = ctx.dim(size)
    if not (isinstance(total, int) and isinstance(size, int)):
        return Dyn  # the number of pieces is unknown
    if size <= 0:
        ctx.fail(f"split size must be positive, found {size}")
    return _pieces(ctx, t, dim, [min(size, total - i) for i in range(0, total, size)] or [0])


@_tensor_rule
def _chunk(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    total, chunks = ctx.resolve(t.dims[dim]), ctx.int_value("chunks")
    if not isinstance(total, int):
        return Dyn
    size = -(-total // chunks)
    return _pieces(ctx, t, dim, [min(size, total - i) for i in range(0, total, size)] if total else [0])


@_tensor_rule
def _unbind(ctx: RuleContext, t: TensorType) -> Any:
    dim = normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    n = ctx.resolve(t.dims[dim])
    if not isinstance(n, int):
        return Dyn
    return (t.with_dims(t.dims[:dim] + t.dims[dim + 1:]),) * n


@_tensor_rule
def _expand(ctx: RuleContext, t: TensorType) -> Any:
    return expand_dims(ctx, t, [ctx.dim(s) for s in ctx.arg("size")])


def expand_dims(ctx: RuleContext, t: TensorType, sizes: list) -> TensorType:
    """The type of expanding a tensor of type ``t`` to ``sizes`` (-1 keeps a size; new sizes go in front)."""
    if len(sizes) < t.rank:
        ctx.fail(f"expand to {tuple(sizes)} has fewer dimensions than {t!r}")
    lead = len(sizes) - t.rank
    if any(isinstance(s, int) and (s < 0 if i < lead else s < -1) for i, s in enumerate(sizes)):
        ctx.fail(f"expand to {tuple(sizes)}: sizes must be >= 0, or -1 to keep an existing dimension")
    out = list(sizes[:lead])
    for d, s in zip(t.dims, sizes[lead:]):
        d = ctx.resolve(d)
        out.append(d if s == -1 or s == d else (s if d == 1 else ctx.equal(d, s, "expand: non-singleton size")))
    return TensorType(tuple(out), t.dtype)


@_tensor_rule
def _repeat(ctx: RuleContext, t: TensorType) -> Any:
    reps = [ctx.dim(r) for r in ctx.arg("repeats")]
    if len(reps) < t.rank:
        ctx.fail(f"repeat needs at least {t.rank} repeat counts, found {len(reps)}")
    dims = (1,) * (len(reps) - t.rank) + t.dims
    return t.with_dims(_merge(ctx, (d, r)) for d, r in zip(dims, reps))


def _like(check: Callable) -> Callable:
    """``x.expand_as(y)`` / ``x.view_as(y)`` / ``x.reshape_as(y)``: ``y``'s shape, ``x``'s dtype, after ``check``."""

    def rule(ctx: RuleContext) -> Any:
        src, other = ctx.tensor("self"), ctx.tensor("other")
        if not isinstance(other, TensorType):
            return Dyn
        if isinstance(src, TensorType):
            return check(ctx, src, other.dims)
        return TensorType(other.dims)

    return rule


def _factory(ctx: RuleContext) -> Any:
    size = ctx.arg(0)
    dtype = ctx.node.kwargs.get("dtype")
    dims = [ctx.dim(s) for s in (size if isinstance(size, (tuple, list)) else ctx.operands)]
    return TensorType(tuple(dims), dtype if isinstance(dtype, torch.dtype) else torch.get_default_dtype())


def shape_rules() -> dict:
    """``{op: rule}`` for shape ops (canonical names, plus a few aten targets the op table leaves unknown)."""
    aten = torch.ops.aten
    rules = {"view": _view, "reshape": _view, "_unsafe_view": _view, aten._unsafe_view.default: _view,
             aten.view.default: _view, aten._reshape_alias.default: _view,
             "permute": _permute, "transpose": _transpose, "t": _t, "flatten": _flatten, "unflatten": _unflatten,
             "unsqueeze": _unsqueeze, "squeeze": _squeeze, "cat": _cat, "stack": _stack, "split": _split,
             "chunk": _chunk, "unbind": _unbind, "expand": _expand, "repeat": _repeat,
             "expand_as": _like(expand_dims), "view_as": _like(reshape_dims), "reshape_as": _like(reshape_dims),
             aten.empty.memory_format: _factory, torch.zeros: _factory, torch.ones: _factory,
             torch.empty: _factory, aten.zeros.default: _factory, aten.ones.default: _factory}
    for name in ("transpose", "unsqueeze", "squeeze", "t"):
        rules[name + "_"] = rules[name]
    return rules


def numel_of(t: Any) -> Any:
    """The element count of a static tensor type, else Dyn."""
    if isinstance(t, TensorType) and all(isinstance(d, int) for d in t.dims):
        return product(t.dims)
    return Dyn

