"""Inference rules for the neural-network ops: matmul family, linear, convolutions, norms, pools, attention.

Each rule checks the sizes that must agree (``in_features``, channels,
normalized shape, ...) with :meth:`RuleContext.equal`, so a mismatch is a
:class:`GradualTypeError` and, with dimension variables, a constraint.

>>> sorted(k for k in nn_rules() if isinstance(k, str))[1:4]
['adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_avg_pool3d']

See Also
--------
fxcore.types.rules_default.default_rules
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from .rules_core import RuleContext, keeps_rank
from .rules_elementwise import broadcast_operands
from .rules_shape import _tensor_rule
from .tensor_types import Dyn, TensorType

__all__ = ["nn_rules", "conv_out_dim", "matmul_type"]


def _tuple(v: Any, n: int) -> tuple:
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    return v * n if len(v) == 1 else v


def matmul_type(ctx: RuleContext, a: Any, b: Any) -> Any:
    """The type of ``a @ b`` (torch.matmul semantics: vectors, matrices, broadcast batches)."""
    if not (isinstance(a, TensorType) and isinstance(b, TensorType)):
        return Dyn
    if a.rank == 0 or b.rank == 0:
        ctx.fail("matmul operands must have at least one dimension")
    inner = ctx.equal(a.dims[-1], b.dims[-2] if b.rank > 1 else b.dims[0], "matmul: inner dimensions must match")
    del inner
    rows = a.dims[-2:-1] if a.rank > 1 else ()
    cols = b.dims[-1:] if b.rank > 1 else ()
    batch_a, batch_b = TensorType(a.dims[:-2]), TensorType(b.dims[:-2])
    batch = broadcast_operands(ctx, [batch_a, batch_b]) if a.rank > 2 or b.rank > 2 else TensorType(())
    return TensorType(batch.dims + rows + cols, a.dtype or b.dtype)


def _matmul(ctx: RuleContext) -> Any:
    return matmul_type(ctx, ctx.tensor(0), ctx.tensor(1))


def _ranked(ctx: RuleContext, rank: int, *keys) -> None:
    for k in keys:
        t = ctx.tensor(k)
        if isinstance(t, TensorType) and t.rank != rank:
            ctx.fail(f"operand {k!r} must have rank {rank}, found {t!r}")


def _mm(ctx: RuleContext) -> Any:
    _ranked(ctx, 2, 0, 1)
    return _matmul(ctx)


def _bmm(ctx: RuleContext) -> Any:
    _ranked(ctx, 3, 0, 1)
    a, b = ctx.tensor(0), ctx.tensor(1)
    if isinstance(a, TensorType) and isinstance(b, TensorType):
        ctx.equal(a.dims[0], b.dims[0], "bmm: batch sizes must match")
    return _matmul(ctx)


def _addmm(first: str, second: str, rank: int) -> Callable:
    def rule(ctx: RuleContext) -> Any:
        _ranked(ctx, rank, first, second)
        if rank == 3:
            a, b = ctx.tensor(first), ctx.tensor(second)
            if isinstance(a, TensorType) and isinstance(b, TensorType):
                ctx.equal(a.dims[0], b.dims[0], "baddbmm: batch sizes must match")
        out = matmul_type(ctx, ctx.tensor(first), ctx.tensor(second))
        return broadcast_into(ctx, ctx.tensor("self"), out, "the added tensor")

    return rule


def broadcast_into(ctx: RuleContext, src: Any, out: Any, what: str) -> Any:
    """Check that ``src`` broadcasts to ``out`` (the result shape); returns ``out``."""
    if isinstance(src, TensorType) and isinstance(out, TensorType):
        if src.rank > out.rank:
            ctx.fail(f"{what} {src!r} has more dimensions than the result {out!r}")
        for d, o in zip(reversed(src.dims), reversed(out.dims)):
            if ctx.resolve(d) != 1:
                ctx.equal(d, o, f"{what} must broadcast to the result")
    return out


def _weight_is_2d(ctx: RuleContext) -> bool:
    w = ctx.tensor("weight")
    return isinstance(w, TensorType) and w.rank == 2


@keeps_rank("input", when=_weight_is_2d)
@_tensor_rule
def _linear(ctx: RuleContext, x: TensorType) -> Any:
    w = ctx.tensor("weight")
    if not isinstance(w, TensorType) or w.rank not in (1, 2):
        return Dyn if not isinstance(w, TensorType) else ctx.fail(f"linear weight must be 1-D or 2-D, found {w!r}")
    if x.rank == 0:
        ctx.fail("linear input must have at least one dimension")
    ctx.equal(x.dims[-1], w.dims[-1], "linear: input features must equal weight.shape[-1] (in_features)")
    out = TensorType(x.dims[:-1] + w.dims[:-1], x.dtype or w.dtype)
    bias = ctx.tensor("bias", None)
    if w.rank == 1 and isinstance(bias, TensorType) and (x.rank == 2 or bias.rank != 0):
        ctx.fail(f"linear with a 1-D weight takes only a 0-dim bias, and none for a 2-D input; found {bias!r}")
    return broadcast_into(ctx, bias, out, "linear bias")


def conv_out_dim(ctx: RuleContext, size: Any, k: Any, s: int, p: Any, d: int, transposed: bool = False,
                 out_pad: int = 0) -> Any:
    """One spatial output size of a (transposed) convolution or pooling window.

    A transposed convolution with a negative output size is an error; an empty one (size 0) is typed:
    torch 2.13 on CPU accepts or rejects it depending on the kernel it picks (oneDNN or the slow path).
    """
    size, k = ctx.resolve(size), ctx.resolve(k)
    if not (isinstance(size, int) and isinstance(k, int) and isinstance(p, int)):
        return ctx.fresh()
    if transposed:
        out = (size - 1) * s - 2 * p + d * (k - 1) + out_pad + 1
        if out < 0:
            ctx.fail(f"the transposed convolution (kernel {k}, stride {s}, padding {p}) gives output size {out}")
        return out
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    if out <= 0:
        ctx.fail(f"the window (kernel {k}, dilation {d}, padding {p}) is larger than the input size {size}")
    return out


def _padding(ctx: RuleContext, padding: Any, spatial: int, stride: tuple) -> Optional[tuple]:
    """Per-dimension padding; None for ``'same'`` (the output keeps the input's spatial sizes)."""
    if padding == "valid":
        return (0,) * spatial
    if padding == "same":
        if any(s != 1 for s in stride):
            ctx.fail(f"padding='same' is not supported for strided convolutions (stride {stride})")
        return None
    return _tuple(padding, spatial)


def conv_type(ctx: RuleContext, x: Any, w: Any, stride, padding, dilation, groups, transposed=False,
              out_pad=0) -> Any:
    """The type of an N-d (transposed) convolution of ``x`` with weight ``w``."""
    if not (isinstance(x, TensorType) and isinstance(w, TensorType)):
        return Dyn
    spatial = w.rank - 2
    if spatial < 1:
        ctx.fail(f"a convolution weight has at least 3 dimensions, found {w!r}")
    if x.rank not in (spatial + 1, spatial + 2):
        ctx.fail(f"conv with a {w.rank}-D weight expects a {spatial + 2}-D (or unbatched) input, found {x!r}")
    batch = x.dims[:1] if x.rank == spatial + 2 else ()
    cin = x.dims[len(batch)]
    stride, dilation = _tuple(stride, spatial), _tuple(dilation, spatial)
    padding, out_pad = _padding(ctx, padding, spatial, stride), _tuple(out_pad, spatial)
    if transposed and any(o >= s and o >= d for o, s, d in zip(out_pad, stride, dilation)):
        ctx.fail(f"output padding {out_pad} must be smaller than either stride {stride} or dilation {dilation}")
    if transposed:
        ctx.equal(cin, w.dims[0], "conv_transpose: input channels must equal weight.shape[0]")
        cout = _scaled(ctx, w.dims[1], groups)
    else:
        ctx.equal(cin, _scaled(ctx, w.dims[1], groups), "conv: input channels must equal weight.shape[1] * groups")
        cout = w.dims[0]
    if padding is None:
        dims = x.dims[len(batch) + 1:]
    else:
        dims = tuple(conv_out_dim(ctx, x.dims[len(batch) + 1 + i], w.dims[2 + i], stride[i], padding[i],
                                  dilation[i], transposed, out_pad[i]) for i in range(spatial))
    out = TensorType(batch + (cout,) + dims, x.dtype or w.dtype)
    bias = ctx.tensor("bias", None) if ctx.names and "bias" in ctx.names else None
    if isinstance(bias, TensorType):
        ctx.equal(bias.dims[0], cout, "conv bias size must equal the output channels")
    return out


def _scaled(ctx: RuleContext, d: Any, groups: Any) -> Any:
    d = ctx.resolve(d)
    return d * groups if isinstance(d, int) and isinstance(groups, int) else (d if groups == 1 else Dyn)


def _conv(transposed: bool, spatial: int) -> Callable:
    @keeps_rank("input")
    def rule(ctx: RuleContext) -> Any:
        w = ctx.tensor("weight")
        if isinstance(w, TensorType) and w.rank != spatial + 2:
            ctx.fail(f"a {spatial}-d convolution takes a {spatial + 2}-D weight, found {w!r}")
        out_pad = ctx.arg("output_padding", 0) if transposed else 0
        return conv_type(ctx, ctx.tensor("input"), ctx.tensor("weight"), ctx.arg("stride"), ctx.arg("padding"),
                         ctx.arg("dilation"), ctx.arg("groups"), transposed, out_pad)

    return rule


def _aten_convolution(ctx: RuleContext) -> Any:
    a = ctx.node.args
    return conv_type(ctx, ctx.type_of(a[0]), ctx.type_of(a[1]), a[3], a[4], a[5], a[8], a[6], a[7])


def _norm_channels(ctx: RuleContext, x: TensorType, keys: tuple) -> None:
    for k in keys:
        p = ctx.type_of(ctx.arg(k, None)) if ctx.arg(k, None) is not None else None
        if isinstance(p, TensorType) and x.rank >= 2:
            ctx.equal(x.dims[1], p.dims[0], f"batch_norm: {k} size must equal the input channels (dim 1)")


_BN_RANKS = {torch.nn.BatchNorm1d: (2, 3), torch.nn.BatchNorm2d: (4,), torch.nn.BatchNorm3d: (5,)}


@keeps_rank("input", shape=True)
def _batch_norm(ctx: RuleContext) -> Any:
    """BatchNorm{1,2,3}d modules accept ranks (2, 3), 4 and 5 (an unknown input of a 2d/3d one gets its
    rank, as torch's checker does); the functional form any rank >= 2."""
    ranks = _BN_RANKS.get(type(ctx.module()))
    x = ctx.tensor_of_rank("input", *ranks) if ranks else ctx.tensor("input")
    if not isinstance(x, TensorType):
        return Dyn
    if x.rank < 2:
        ctx.fail(f"batch_norm expects an input of rank >= 2, found {x!r}")
    _norm_channels(ctx, x, ("weight", "bias", "running_mean", "running_var"))
    return x


def _native_batch_norm(ctx: RuleContext) -> Any:
    x = ctx.type_of(ctx.node.args[0])
    if not isinstance(x, TensorType):
        return Dyn
    if x.rank < 2:  # (the aten kernel checks no parameter size: neither do we)
        ctx.fail(f"batch_norm expects an input of rank >= 2, found {x!r}")
    names = ctx.names or ()
    training = ctx.arg("training", False) if "training" in names else False
    stats = TensorType((x.dims[1],) if training and x.rank > 1 else (0,), x.dtype)  # eval: empty saved stats
    return (x, stats, stats)


@keeps_rank(0, shape=True)
@_tensor_rule
def _layer_norm(ctx: RuleContext, x: TensorType) -> Any:
    shape = tuple(ctx.dim(d) for d in ctx.arg("normalized_shape"))
    if len(shape) > x.rank:
        ctx.fail(f"layer_norm over {shape} needs an input of rank >= {len(shape)}, found {x!r}")
    for d, s in zip(x.dims[x.rank - len(shape):], shape):
        ctx.equal(d, s, "layer_norm: trailing input dimensions must equal normalized_shape")
    for k in ("weight", "bias"):
        p = ctx.tensor(k, None)
        if isinstance(p, TensorType):
            if p.rank != len(shape):
                ctx.fail(f"layer_norm: {k} {p!r} must have the shape normalized_shape {shape}")
            for d, s in zip(p.dims, shape):
                ctx.equal(d, s, f"layer_norm: {k} shape must equal normalized_shape")
    return x


def _native_layer_norm(ctx: RuleContext) -> Any:
    x = ctx.type_of(ctx.node.args[0])
    if not isinstance(x, TensorType):
        return Dyn
    k = len(ctx.node.args[1])
    stats = x.with_dims(x.dims[:x.rank - k] + (1,) * k)
    return (x, stats, stats)


@keeps_rank(0, shape=True)
@_tensor_rule
def _group_norm(ctx: RuleContext, x: TensorType) -> Any:
    if x.rank < 2:
        ctx.fail(f"group_norm expects an input of rank >= 2 (N, C, ...), found {x!r}")
    groups, c = ctx.int_value("num_groups"), ctx.resolve(x.dims[1])
    if isinstance(c, int) and (groups <= 0 or c % groups):
        ctx.fail(f"group_norm: {c} channels are not divisible into {groups} groups")
    for k in ("weight", "bias"):
        p = ctx.tensor(k, None)
        if isinstance(p, TensorType):
            if p.rank != 1:
                ctx.fail(f"group_norm: {k} must be 1-D, found {p!r}")
            ctx.equal(p.dims[0], x.dims[1], f"group_norm: {k} size must equal the input channels (dim 1)")
    return x


def _pool(spatial: int, kind: str) -> Callable:
    @keeps_rank(0)
    @_tensor_rule
    def rule(ctx: RuleContext, x: TensorType) -> Any:
        if kind == "adaptive":
            return _adaptive_pool(ctx, x, spatial)
        if x.rank not in (spatial + 1, spatial + 2):
            ctx.fail(f"{kind}_pool{spatial}d expects a {spatial + 2}-D (or unbatched) input, found {x!r}")
        lead = x.rank - spatial
        k = _tuple(ctx.arg("kernel_size"), spatial)
        s = _tuple(ctx.arg("stride") or k, spatial)
        p = _tuple(ctx.arg("padding", 0), spatial)
        d = _tuple(ctx.arg("dilation", 1), spatial) if kind == "max" else (1,) * spatial
        if any(2 * pi > ki for pi, ki in zip(p, k)):
            ctx.fail(f"{kind}_pool{spatial}d: padding {p} must be at most half the kernel size {k}")
        if any(si <= 0 for si in s):
            ctx.fail(f"{kind}_pool{spatial}d: stride {s} must be positive")
        if kind == "avg" and spatial == 3:  # avg_pool3d also wants the (unpadded) input to cover the kernel
            for i in range(3):
                size = ctx.resolve(x.dims[lead + i])
                if isinstance(size, int) and size < k[i]:
                    ctx.fail(f"avg_pool3d: input size {size} is smaller than the kernel size {k[i]}")
        ceil = ctx.arg("ceil_mode", False)
        return x.with_dims(x.dims[:lead] + tuple(_pool_dim(ctx, x.dims[lead + i], k[i], s[i], p[i], d[i], ceil)
                                                 for i in range(spatial)))

    return rule


def _adaptive_pool(ctx: RuleContext, x: TensorType, spatial: int) -> Any:
    """Adaptive average pooling: ``None`` sizes keep the input's; an all-ones output of a 2d/3d pool is a mean
    over the last dimensions, which torch computes for any leading rank."""
    size = _tuple(ctx.arg("output_size"), spatial)
    if spatial == 1 and None in size:
        ctx.fail("adaptive_avg_pool1d takes int output sizes, found None")
    if x.rank < spatial + 1:
        ctx.fail(f"adaptive_avg_pool{spatial}d expects an input of rank >= {spatial + 1}, found {x!r}")
    lead = x.rank - spatial
    out = tuple(x.dims[lead + i] if s is None else ctx.dim(s) for i, s in enumerate(size))
    if any(isinstance(o, int) and o < 0 for o in out):
        ctx.fail(f"adaptive_avg_pool{spatial}d: output sizes {out} must be non-negative")
    mean = spatial > 1 and not any(isinstance(o, int) and o != 1 for o in map(ctx.resolve, out))
    if not mean and x.rank > spatial + 2:
        ctx.fail(f"adaptive_avg_pool{spatial}d expects a {spatial + 2}-D (or unbatched) input, found {x!r}")
    return x.with_dims(x.dims[:lead] + out)


def _pool_dim(ctx: RuleContext, size: Any, k: int, s: int, p: int, d: int, ceil: bool) -> Any:
    size = ctx.resolve(size)
    if not isinstance(size, int) or not ceil:
        return conv_out_dim(ctx, size, k, s, p, d)
    out = -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1
    out = out - 1 if (out - 1) * s >= size + p else out
    if out <= 0:
        ctx.fail(f"the pooling window (kernel {k}, dilation {d}, padding {p}) leaves no output of an input of size "
                 f"{size}")
    return out


def _max_pool_with_indices(ctx: RuleContext) -> Any:
    out = _pool(2, "max")(ctx)
    return (out, TensorType(out.dims, torch.int64)) if isinstance(out, TensorType) else Dyn


def _embedding(ctx: RuleContext) -> Any:
    w, idx = ctx.tensor("weight"), ctx.tensor("indices")
    if not (isinstance(w, TensorType) and isinstance(idx, TensorType)):
        return Dyn
    if w.rank != 2:
        ctx.fail(f"embedding weight must be 2-D, found {w!r}")
    if idx.dtype is not None and (idx.dtype.is_floating_point or idx.dtype == torch.bool):
        ctx.fail(f"embedding indices must be integers, found dtype {idx.dtype}")
    return TensorType(idx.dims + (w.dims[1],), w.dtype)


def _sdpa(ctx: RuleContext) -> Any:
    """What torch checks (CPU): ranks >= 2, query and key head sizes; batch dimensions broadcast; key and value
    lengths, except where torch takes its fused kernel (4-D, equal batch and head counts), which does not."""
    q, k, v = ctx.tensor("query"), ctx.tensor("key"), ctx.tensor("value")
    if not all(isinstance(t, TensorType) for t in (q, k, v)):
        return Dyn
    if min(q.rank, k.rank, v.rank) < 2:
        ctx.fail(f"attention: query, key and value must be at least 2-D, found {q!r}, {k!r}, {v!r}")
    ctx.equal(q.dims[-1], k.dims[-1], "attention: query and key head sizes must match")
    fused = q.rank == k.rank == v.rank == 4 and q.dims[:2] == k.dims[:2] == v.dims[:2]
    if not fused:  # the math path multiplies the attention weights by the values
        ctx.equal(k.dims[-2], v.dims[-2], "attention: key and value lengths must match")
    batch = broadcast_operands(ctx, [TensorType(t.dims[:-2]) for t in (q, k, v)])
    if not isinstance(batch, TensorType):
        return Dyn
    return TensorType(batch.dims + (q.dims[-2], v.dims[-1]), q.dtype)


def nn_rules() -> dict:
    """``{op: rule}`` for the neural-network ops."""
    aten = torch.ops.aten
    rules = {"matmul": _matmul, "mm": _mm, "bmm": _bmm, aten.mm.default: _mm, aten.bmm.default: _bmm,
             "addmm": _addmm("mat1", "mat2", 2), "baddbmm": _addmm("batch1", "batch2", 3), "linear": _linear,
             aten.convolution.default: _aten_convolution, "batch_norm": _batch_norm, "layer_norm": _layer_norm,
             aten.native_batch_norm.default: _native_batch_norm,
             aten._native_batch_norm_legit_no_training.default: _native_batch_norm,
             "native_batch_norm": _native_batch_norm, "_native_batch_norm_legit_no_training": _native_batch_norm,
             aten.native_layer_norm.default: _native_layer_norm, "group_norm": _group_norm,
             aten.max_pool2d_with_indices.default: _max_pool_with_indices, "embedding": _embedding,
             "scaled_dot_product_attention": _sdpa}
    for n in (1, 2, 3):
        rules[f"conv{n}d"] = _conv(False, n)
        rules[f"conv_transpose{n}d"] = _conv(True, n)
        for kind in ("max", "avg", "adaptive"):
            rules[f"{kind}_pool{n}d" if kind != "adaptive" else f"adaptive_avg_pool{n}d"] = _pool(n, kind)
    return rules
