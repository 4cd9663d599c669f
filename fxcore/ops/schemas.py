"""The canonical op schemas (data): aten-style signatures plus commutativity and effect facts.

Canonical names are aten names; where one aten name covers ops with different results the overload
is kept in the name (``max`` is the full reduction, ``max.dim`` returns ``(values, indices)``).
In-place variants (``add_``, ``relu_``, ...) are derived: same params, ``impure=True``, ``inplace_of``.

>>> names = [d.name for d in default_opdefs()]
>>> 'add' in names and 'add_' in names and len(names) == len(set(names))
True

See Also
--------
fxcore.ops.model.opdef : the schema parser.
fxcore.ops.spellings : which front-end spellings map to these names.
"""
from __future__ import annotations

import dataclasses
import functools

from fxcore.ops.model import opdef

__all__ = ["UNARY", "INPLACE", "default_opdefs"]

UNARY = (
    "neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "sin", "cos",
    "tan", "asin", "acos", "atan", "sinh", "cosh", "reciprocal", "sign", "floor", "ceil", "round", "trunc",
    "frac", "erf", "erfc", "square", "sigmoid", "tanh", "relu", "silu", "mish", "hardswish", "hardsigmoid",
    "logical_not", "bitwise_not", "isnan", "isinf", "isfinite", "t", "detach", "selu", "logsigmoid",
)
"""Ops whose schema is ``name(Tensor self)``."""

_BINARY = (
    ("mul", True), ("maximum", True), ("minimum", True), ("eq", True), ("ne", True), ("lt", False),
    ("le", False), ("gt", False), ("ge", False), ("logical_and", True), ("logical_or", True),
    ("logical_xor", True), ("bitwise_and", True), ("bitwise_or", True), ("bitwise_xor", True),
    ("floor_divide", False), ("remainder", False), ("fmod", False), ("atan2", False),
    ("bitwise_left_shift", False), ("bitwise_right_shift", False), ("matmul", False),
    ("expand_as", False), ("view_as", False), ("reshape_as", False), ("type_as", False),
)
"""``name(Tensor self, Tensor other)`` ops, with whether self/other commute."""

_RANDOM = (
    "rand(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None)",
    "randn(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None)",
    "rand_like(Tensor self, *, Generator? generator=None, ScalarType? dtype=None, Layout? layout=None, "
    "Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None)",
    "randn_like(Tensor self, *, Generator? generator=None, ScalarType? dtype=None, Layout? layout=None, "
    "Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None)",
    "bernoulli(Tensor self, *, Generator? generator=None)",
    "bernoulli.p(Tensor self, Any p, *, Generator? generator=None)",
    "bernoulli_(Tensor self, Any p=0.5, *, Generator? generator=None)",
)
"""Random ops (impure). Other random ops stay unknown; `fxcore.ops.is_impure` defers to torch for them."""

_EFFECTS = (
    "print(Any args)", "setitem(Any self, Any index, Any value)", "_assert(Any condition, Any message)",
    "_assert_async(Tensor self, str? assert_msg=None)", "_assert_scalar(Any self, str assert_msg)",
    "copy_(Tensor self, Tensor src, bool non_blocking=False)",
)
"""Ops with side effects (always impure)."""

_POOL = (
    "max_pool{n}d(Tensor self, int[{n}] kernel_size, int[{n}] stride=(), int[{n}] padding=0, "
    "int[{n}] dilation=1, bool ceil_mode=False)",
    "avg_pool{n}d(Tensor self, int[{n}] kernel_size, int[{n}] stride=(), int[{n}] padding=0, "
    "bool ceil_mode=False, bool count_include_pad=True{divisor})",
    "adaptive_avg_pool{n}d(Tensor self, SymInt[{n}] output_size)",
    "conv{n}d(Tensor input, Tensor weight, Tensor? bias=None, int[{n}] stride=1, Any padding=0, "
    "int[{n}] dilation=1, int groups=1)",
    "conv_transpose{n}d(Tensor input, Tensor weight, Tensor? bias=None, int[{n}] stride=1, int[{n}] padding=0, "
    "int[{n}] output_padding=0, int groups=1, int[{n}] dilation=1)",
)

_OTHER = (
    "sub(Tensor self, Tensor other, *, Scalar alpha=1)",
    "div(Tensor self, Tensor other, *, str? rounding_mode=None)",
    "pow(Tensor self, Tensor exponent)",
    "where(Tensor condition, Tensor self, Tensor other)",
    "masked_fill(Tensor self, Tensor mask, Tensor value)",
    "clamp(Tensor self, Scalar? min=None, Scalar? max=None)",
    "clamp_min(Tensor self, Scalar min)",
    "clamp_max(Tensor self, Scalar max)",
    "lerp(Tensor self, Tensor end, Tensor weight)",
    "addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1)",
    "addcdiv(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1)",
    "gelu(Tensor self, *, str approximate='none')",
    "leaky_relu(Tensor self, Scalar negative_slope=0.01)",
    "elu(Tensor self, Scalar alpha=1.0)",
    "celu(Tensor self, Scalar alpha=1.0)",
    "hardtanh(Tensor self, Scalar min_val=-1.0, Scalar max_val=1.0)",
    "softplus(Tensor self, Scalar beta=1.0, Scalar threshold=20.0)",
    "prelu(Tensor self, Tensor weight)",
    "softmax(Tensor self, int dim, ScalarType? dtype=None)",
    "log_softmax(Tensor self, int dim, ScalarType? dtype=None)",
    "sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
    "mean(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
    "prod(Tensor self, int? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
    "amax(Tensor self, int[1] dim=(), bool keepdim=False)",
    "amin(Tensor self, int[1] dim=(), bool keepdim=False)",
    "max(Tensor self)",
    "min(Tensor self)",
    "max.dim(Tensor self, int dim, bool keepdim=False)",
    "min.dim(Tensor self, int dim, bool keepdim=False)",
    "argmax(Tensor self, int? dim=None, bool keepdim=False)",
    "argmin(Tensor self, int? dim=None, bool keepdim=False)",
    "var(Tensor self, int[1]? dim=None, Scalar correction=1, bool keepdim=False)",
    "std(Tensor self, int[1]? dim=None, Scalar correction=1, bool keepdim=False)",
    "all(Tensor self, int[1]? dim=None, bool keepdim=False)",
    "any(Tensor self, int[1]? dim=None, bool keepdim=False)",
    "logsumexp(Tensor self, int[1] dim, bool keepdim=False)",
    "cumsum(Tensor self, int dim, *, ScalarType? dtype=None)",
    "norm(Tensor self, Scalar p=2, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
    "view(Tensor self, SymInt[] size)",
    "reshape(Tensor self, SymInt[] shape)",
    "permute(Tensor self, int[] dims)",
    "transpose(Tensor self, int dim0, int dim1)",
    "flatten(Tensor self, int start_dim=0, int end_dim=-1)",
    "unflatten(Tensor self, int dim, SymInt[] sizes)",
    "unsqueeze(Tensor self, int dim)",
    "squeeze(Tensor self, int[]? dim=None)",
    "cat(Tensor[] tensors, int dim=0)",
    "stack(Tensor[] tensors, int dim=0)",
    "split(Tensor self, Any split_size, int dim=0)",
    "chunk(Tensor self, int chunks, int dim=0)",
    "unbind(Tensor self, int dim=0)",
    "getitem(Any self, Any index)",
    "identity(Any self)",
    "slice(Tensor self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1)",
    "contiguous(Tensor self, *, MemoryFormat memory_format=contiguous_format)",
    "clone(Tensor self, *, MemoryFormat? memory_format=None)",
    "expand(Tensor self, SymInt[] size)",
    "repeat(Tensor self, SymInt[] repeats)",
    "size(Tensor self, int? dim=None)",
    "select(Tensor self, int dim, SymInt index)",
    "narrow(Tensor self, int dim, SymInt start, SymInt length)",
    "index_select(Tensor self, int dim, Tensor index)",
    "gather(Tensor self, int dim, Tensor index)",
    "flip(Tensor self, int[] dims)",
    "roll(Tensor self, SymInt[1] shifts, int[1] dims=())",
    "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1)",
    "baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1)",
    "linear(Tensor input, Tensor weight, Tensor? bias=None)",
    "batch_norm(Tensor input, Tensor? weight=None, Tensor? bias=None, Tensor? running_mean=None, "
    "Tensor? running_var=None, bool training=False, float momentum=0.1, float eps=1e-05)",
    # aten's batch norm as make_fx / AOT (native_batch_norm) and core ATen (..._legit_no_training) spell it:
    # (output, saved mean, saved invstd), of which graphs read the output through getitem(., 0)
    "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, "
    "bool training, float momentum, float eps)",
    "_native_batch_norm_legit_no_training(Tensor input, Tensor? weight, Tensor? bias, Tensor running_mean, "
    "Tensor running_var, float momentum, float eps)",
    "layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1e-05)",
    "group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, float eps=1e-05)",
    "embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, bool scale_grad_by_freq=False, "
    "bool sparse=False)",
    "scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
    "float dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False)",
)

INPLACE = (
    "add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "rsqrt", "abs", "pow", "clamp", "clamp_min",
    "clamp_max", "masked_fill", "relu", "sigmoid", "tanh", "silu", "gelu", "leaky_relu", "elu", "celu",
    "hardtanh", "hardswish", "hardsigmoid", "mish", "selu", "floor", "ceil", "round", "reciprocal", "sin",
    "cos", "unsqueeze", "squeeze", "transpose", "t", "fill", "zero", "eq", "ne", "lt", "le",
    "gt", "ge", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "floor_divide", "remainder",
    "addmm", "addcmul", "addcdiv", "lerp", "dropout",
)
"""Functional ops that have an in-place variant ``name_`` (plus ``fill_``/``zero_`` defined below)."""


def _binary() -> list:
    """The two-tensor ops, commutative ones flagged."""
    defs = [opdef(f"{n}(Tensor self, Tensor other)", commutative=(0, 1) if c else ()) for n, c in _BINARY]
    return defs + [opdef(f"{n}(Tensor self, Tensor mat2)") for n in ("mm", "bmm")]


def _functional() -> list:
    """All functional (non in-place) canonical ops, in a fixed order."""
    defs = [opdef("add(Tensor self, Tensor other, *, Scalar alpha=1)", commutative=(0, 1),
                  commutative_if=(("alpha", 1),))]
    defs += _binary()
    defs += [opdef(f"{n}(Tensor self)") for n in UNARY]
    defs += [opdef(s) for s in _OTHER]
    divisor = {1: "", 2: ", int? divisor_override=None", 3: ", int? divisor_override=None"}
    defs += [opdef(s.format(n=n, divisor=divisor[n])) for s in _POOL for n in (1, 2, 3)]
    defs += [opdef("dropout(Tensor input, float p=0.5, bool train=True)", impure_if=("train",)),
             opdef("fill(Tensor self, Tensor value)"), opdef("zero(Tensor self)")]
    defs += [opdef(s, impure=True) for s in _RANDOM]
    defs += [opdef(s, impure=True) for s in _EFFECTS]
    return defs


@functools.lru_cache(maxsize=None)
def default_opdefs() -> tuple:
    """All canonical `OpDef` values of the standard table, functional ops then in-place variants.

    >>> d = {o.name: o for o in default_opdefs()}
    >>> d['relu_'].inplace_of, d['relu_'].impure, d['relu'].impure
    ('relu', True, False)

    See Also
    --------
    fxcore.ops.default_table
    """
    functional = _functional()
    by_name = {d.name: d for d in functional}
    inplace = [dataclasses.replace(by_name[n], name=n + "_", impure=True, inplace_of=n, commutative=())
               for n in INPLACE]
    return tuple(functional + inplace)
