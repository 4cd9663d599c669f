"""The canonical ops written out here (data): which aten overload each is, and the few schemas torch does not give.

Schemas come from torch's registry (`fxcore.ops.registry`), not from this file: an entry here says which
overload is the canonical op where the packet's first fitting overload is not it, and adds what torch
does not say: commutativity, the name of an op torch spells otherwise (``logsigmoid`` is
``log_sigmoid``), and the in-place variants that front ends spell with a flag (``F.relu(x, inplace=True)``).
`OVERRIDES` are the schemas torch has as no single overload, each with its reason: one op merging
overloads (``conv2d``'s padding is ints or ``'same'``), defaults the torch functions have and aten
does not (``dropout``), or arguments that no graph passes (``cudnn_enabled``). Every other aten op is a
canonical op too, read from torch when asked for (`fxcore.ops.torch_ops.TorchOps`).

>>> names = [d.name for d in default_opdefs()]
>>> 'add' in names and 'add_' in names and len(names) == len(set(names))
True
>>> {d.name: d for d in default_opdefs()}['softmax'].overload
<OpOverload(op='aten.softmax', overload='int')>

See Also
--------
fxcore.ops.registry : reads a schema into an `OpDef`.
fxcore.ops.spellings : which front-end spellings map to these names.
"""
from __future__ import annotations

import dataclasses
import functools

import torch

from fxcore.ops.model import opdef
from fxcore.ops.registry import canonical_overload, is_out_overload, overload_effects, overload_opdef, readable

__all__ = ["UNARY", "INPLACE", "FROM_TORCH", "OVERRIDES", "PICKS", "default_opdefs"]

UNARY = (
    "neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "sin", "cos",
    "tan", "asin", "acos", "atan", "sinh", "cosh", "reciprocal", "sign", "floor", "ceil", "round", "trunc",
    "frac", "erf", "erfc", "square", "sigmoid", "tanh", "relu", "silu", "mish", "hardswish", "hardsigmoid",
    "logical_not", "bitwise_not", "isnan", "isinf", "isfinite", "t", "detach", "selu",
)
"""Ops whose schema is ``name(Tensor self)``."""

COMMUTATIVE = (
    "add", "mul", "maximum", "minimum", "eq", "ne", "logical_and", "logical_or", "logical_xor", "bitwise_and",
    "bitwise_or", "bitwise_xor",
)
"""Ops whose first two operands may be swapped (``add`` only when ``alpha`` is 1): torch does not say it."""

_BINARY = (
    "mul", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
    "bitwise_and", "bitwise_or", "bitwise_xor", "floor_divide", "remainder", "fmod", "atan2", "bitwise_left_shift",
    "bitwise_right_shift", "matmul", "expand_as", "view_as", "reshape_as", "type_as", "mm", "bmm",
)

FROM_TORCH = (
    "add", *_BINARY, *UNARY, ("logsigmoid", "log_sigmoid", "default"),
    "sub", "pow", "where", "masked_fill", "clamp", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "gelu",
    "leaky_relu", "celu", "hardtanh", "softplus", "prelu", "softmax", "log_softmax", "amax", "amin",
    "max", "min", ("max.dim", "max", "dim"), ("min.dim", "min", "dim"), "argmax", "argmin", "logsumexp", "cumsum",
    "view", "reshape", "permute", "transpose", "flatten", "unflatten", "unsqueeze", "cat", "stack", "chunk",
    "unbind", "slice", "contiguous", "clone", "repeat", "select", "narrow", "index_select", "flip", "roll",
    "addmm", "baddbmm", "linear", "native_batch_norm", "_native_batch_norm_legit_no_training",
    "embedding", "scaled_dot_product_attention", "fill", "zero", "rand", "randn", "bernoulli", "copy_",
    *(f"{pool}{n}d" for pool in ("max_pool", "avg_pool", "adaptive_avg_pool", "conv_transpose") for n in (1, 2, 3)),
)
"""Canonical ops that are one aten overload: a packet name (its canonical overload as `fxcore.ops.torch_ops`
picks it), or ``(name, packet, overload)``."""

PICKS = (("to", "dtype_layout"), ("where", "self"), ("scatter", "src"), ("masked_fill", "Tensor"), ("fill", "Tensor"),
         ("lerp", "Tensor"))
"""Canonical overloads torch's order does not tell (``to`` takes every keyword; ``scatter`` a tensor source)."""

OVERRIDES = (
    ("div.Tensor_mode", "div(Tensor self, Tensor other, *, str? rounding_mode=None)",
     "div.Tensor and div.Tensor_mode are one op: aten's rounding_mode has no default"),
    ("elu.default", "elu(Tensor self, Scalar alpha=1.0)", "scale and input_scale are 1 in every front end's elu"),
    ("sum.dim_IntList", "sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
     "sum.default is sum over every dim: dim defaults to None"),
    ("mean.dim", "mean(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
     "mean.default is mean over every dim"),
    ("prod.dim_int", "prod(Tensor self, int? dim=None, bool keepdim=False, *, ScalarType? dtype=None)",
     "prod.default is the product of every element"),
    ("var.correction", "var(Tensor self, int[1]? dim=None, Scalar correction=1, bool keepdim=False)",
     "var.default/var.dim take unbiased (correction 0 or 1); correction None is 1; torch.var passes it by position"),
    ("std.correction", "std(Tensor self, int[1]? dim=None, Scalar correction=1, bool keepdim=False)", "as var"),
    ("all.dims", "all(Tensor self, int[1]? dim=None, bool keepdim=False)",
     "all.default, all.dim and all.dims are one op"),
    ("any.dims", "any(Tensor self, int[1]? dim=None, bool keepdim=False)", "as all"),
    ("norm.ScalarOpt_dim", "norm(Tensor self, Scalar p=2, int[1]? dim=None, bool keepdim=False, *, "
     "ScalarType? dtype=None)", "torch.norm, linalg.vector_norm and aten's norm overloads are one vector norm"),
    ("squeeze.dims", "squeeze(Tensor self, int[]? dim=None)", "squeeze.default, .dim and .dims are one op"),
    ("split.Tensor", "split(Tensor self, Any split_size, int dim=0)",
     "split.Tensor (one size) and split.sizes / split_with_sizes (a list) are one op"),
    ("expand.default", "expand(Tensor self, SymInt[] size)", "implicit=True is autograd bookkeeping"),
    ("size.int", "size(Tensor self, int? dim=None)", "size.default (the shape) and size.int (one dim) are one op"),
    ("gather.default", "gather(Tensor self, int dim, Tensor index)", "sparse_grad is a gradient-layout hint"),
    ("batch_norm.default", "batch_norm(Tensor input, Tensor? weight=None, Tensor? bias=None, "
     "Tensor? running_mean=None, Tensor? running_var=None, bool training=False, float momentum=0.1, "
     "float eps=1e-05)", "F.batch_norm's defaults; cudnn_enabled picks a kernel"),
    ("layer_norm.default", "layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, "
     "Tensor? bias=None, float eps=1e-05)", "cudnn_enable picks a kernel"),
    ("group_norm.default", "group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, "
     "float eps=1e-05)", "cudnn_enabled picks a kernel"),
    *((f"conv{n}d.default", f"conv{n}d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[{n}] stride=1, "
       f"SymInt[{n}]|str padding=0, SymInt[{n}] dilation=1, SymInt groups=1)",
       f"conv{n}d.default (padding ints) and conv{n}d.padding ('same', 'valid') are one op") for n in (1, 2, 3)),
    ("dropout.default", "dropout(Tensor input, float p=0.5, bool train=True)",
     "F.dropout's defaults; random only in training (impure_if train)"),
    ("rand_like.default", "rand_like(Tensor self, *, Generator? generator=None, ScalarType? dtype=None, "
     "Layout? layout=None, Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None)",
     "rand_like.default and rand_like.generator are one op"),
    ("randn_like.default", "randn_like(Tensor self, *, Generator? generator=None, ScalarType? dtype=None, "
     "Layout? layout=None, Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None)",
     "as rand_like"),
    ("bernoulli.p", "bernoulli.p(Tensor self, Any p, *, Generator? generator=None)",
     "bernoulli.p (a float) and bernoulli.Tensor (per-element) are one op"),
    ("bernoulli_.float", "bernoulli_(Tensor self, Any p=0.5, *, Generator? generator=None)", "as bernoulli.p"),
    ("_assert_async.msg", "_assert_async(Tensor self, str? assert_msg=None)", "with and without a message"),
    ("_assert_scalar.default", "_assert_scalar(Any self, str assert_msg)", "self is a SymBool, not a Scalar"),
)
"""``(aten overload, schema, why it differs)``: the canonical schemas written here; effects from the overload."""

_NOT_ATEN = (
    "getitem(Any self, Any index)", "identity(Any self)",
)
_EFFECTS = ("print(Any args)", "setitem(Any self, Any index, Any value)", "_assert(Any condition, Any message)")
"""Python-level ops (no aten overload); the effectful ones are impure."""

INPLACE = (
    "add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "rsqrt", "abs", "pow", "clamp", "clamp_min",
    "clamp_max", "masked_fill", "relu", "sigmoid", "tanh", "silu", "gelu", "leaky_relu", "elu", "celu",
    "hardtanh", "hardswish", "hardsigmoid", "mish", "selu", "floor", "ceil", "round", "reciprocal", "sin",
    "cos", "unsqueeze", "squeeze", "transpose", "t", "fill", "zero", "eq", "ne", "lt", "le",
    "gt", "ge", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "floor_divide", "remainder",
    "addmm", "addcmul", "addcdiv", "lerp", "dropout",
)
"""Functional ops whose in-place variant ``name_`` has the functional's canonical schema (front ends spell it
with a flag or a method)."""


def _overload(qualname: str):
    packet, _, name = qualname.partition(".")
    return getattr(getattr(torch.ops.aten, packet), name)


def _facts(name: str) -> dict:
    if name == "add":
        return {"commutative": (0, 1), "commutative_if": (("alpha", 1),)}
    return {"commutative": (0, 1)} if name in COMMUTATIVE else {}


def _from_torch() -> list:
    """The `FROM_TORCH` ops, read from their overloads."""
    picks, out = dict(PICKS), []
    for entry in FROM_TORCH:
        name, packet, overload = entry if isinstance(entry, tuple) else (entry, entry, None)
        p = getattr(torch.ops.aten, packet)
        if overload is None:
            usable = [getattr(p, o) for o in p.overloads()]
            ov = canonical_overload([o for o in usable if not is_out_overload(o) and readable(o)], picks.get(packet))
        else:
            ov = getattr(p, overload)
        out.append(overload_opdef(name, ov, inplace_of=None, **_facts(name)))
    return out


def _functional() -> list:
    """All functional (non in-place) canonical ops, in a fixed order."""
    defs = _from_torch()
    for qualname, schema, _why in OVERRIDES:
        ov = _overload(qualname)
        facts = {"impure_if": ("train",)} if qualname == "dropout.default" else {"impure": overload_effects(ov)}
        defs.append(dataclasses.replace(opdef(schema, **facts), overload=ov))
    defs += [opdef(s) for s in _NOT_ATEN] + [opdef(s, impure=True) for s in _EFFECTS]
    return defs


@functools.lru_cache(maxsize=None)
def default_opdefs() -> tuple:
    """All canonical `OpDef` values written out here, functional ops then in-place variants.

    >>> d = {o.name: o for o in default_opdefs()}
    >>> d['relu_'].inplace_of, d['relu_'].impure, d['relu'].impure
    ('relu', True, False)

    See Also
    --------
    fxcore.ops.default_table
    """
    functional = _functional()
    by_name = {d.name: d for d in functional}
    inplace = [dataclasses.replace(by_name[n], name=n + "_", impure=True, inplace_of=n, commutative=(),
                                   commutative_if=(), overload=None) for n in INPLACE]
    return tuple(functional + inplace)
