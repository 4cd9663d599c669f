"""Inference rules for elementwise ops: unary, broadcasting binary/ternary, comparisons, activations.

Scalars (``x.size(0) // 4``) are typed too: an all-scalar operation yields a
``ScalarType`` whose value is computed when the operands' values are known.

>>> sorted(k for k in elementwise_rules() if isinstance(k, str))[:3]
['abs', 'abs_', 'acos']

See Also
--------
fxcore.types.rules_default.default_rules
"""
from __future__ import annotations

import math
import operator
from functools import reduce
from typing import Any, Callable, Optional

import torch

from .rules_core import RuleContext, keeps_rank, normalize_dim_index
from .relations import broadcast_dim
from .tensor_types import Dyn, ScalarType, TensorType
from .errors import GradualTypeError

__all__ = ["elementwise_rules", "broadcast_operands", "promote_dtypes", "same_shape", "inplace"]

_BOOL_UNARY = ("logical_not", "isnan", "isinf", "isfinite")
_SAME_UNARY = (
    "neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "reciprocal", "sign", "floor", "ceil", "round", "trunc", "frac", "erf",
    "erfc", "square", "sigmoid", "tanh", "relu", "silu", "mish", "hardswish", "hardsigmoid", "bitwise_not",
    "detach", "selu", "logsigmoid", "gelu", "leaky_relu", "elu", "celu", "hardtanh", "softplus", "clamp",
    "clamp_min", "clamp_max", "dropout", "contiguous", "clone", "alias", "fill", "zero", "lift_fresh_copy",
)
_ARITH = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
          "floor_divide": operator.floordiv, "remainder": operator.mod, "fmod": math.fmod, "pow": operator.pow,
          "maximum": max, "minimum": min, "atan2": math.atan2}
_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
            "ge": operator.ge, "logical_and": lambda a, b: bool(a and b), "logical_or": lambda a, b: bool(a or b),
            "logical_xor": lambda a, b: bool(a) != bool(b)}
_BITWISE = ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift")
_SECOND = {"pow": "exponent"}
_TENSOR_OTHER = ("maximum", "minimum", "atan2", "logical_and", "logical_or", "logical_xor")
_UNKNOWN = object()  # two unknown, different dimensions broadcast to an unknown one


def promote_dtypes(types: list, scalars: list) -> Optional[torch.dtype]:
    """Result dtype of an elementwise op by torch's promotion (tensor dtypes, then Python scalar kinds).

    >>> promote_dtypes([TensorType((2,), torch.int64)], [ScalarType(float)])
    torch.float32
    """
    dtypes = [t.dtype for t in types if isinstance(t, TensorType)]
    if not dtypes or len(dtypes) < len(types) or any(d is None for d in dtypes):
        return None
    out = reduce(torch.promote_types, dtypes)
    kinds = {s.kind for s in scalars}
    if float in kinds and not (out.is_floating_point or out.is_complex):
        return torch.get_default_dtype()
    if int in kinds and out == torch.bool:
        return torch.int64
    return out


def broadcast_operands(ctx: RuleContext, types: list) -> Any:
    """The broadcast shape of the tensor operand types (Dyn if any rank is unknown)."""
    tensors = [t for t in types if isinstance(t, TensorType) or t == Dyn]
    if any(t == Dyn for t in tensors):
        return Dyn
    rank = max(t.rank for t in tensors)
    out = [1] * rank
    for t in tensors:
        for i, d in enumerate(t.dims, rank - t.rank):
            try:
                out[i] = broadcast_dim(ctx.resolve(out[i]), ctx.resolve(d), _UNKNOWN)
            except GradualTypeError as e:
                ctx.fail(f"operands cannot be broadcast together at dimension {i - rank}: {e.reason}")
            if out[i] is _UNKNOWN:
                out[i] = ctx.fresh()
    return TensorType(tuple(out))


def _scalar_result(ctx: RuleContext, fn: Optional[Callable], types: list, kind: Optional[type]) -> ScalarType:
    """An all-scalar operation: its kind and, when every value is known, its value."""
    kinds = [t.kind for t in types]
    if kind is None:
        kind = float if float in kinds else (int if int in kinds else bool)
    values = [t.value for t in types]
    if fn is None or any(not isinstance(v, (int, float)) for v in values):
        return ScalarType(kind)
    try:
        value = fn(*values)
    except (ArithmeticError, ValueError):
        return ScalarType(kind)
    if kind is float and isinstance(value, int):
        value = float(value)
    return ScalarType(type(value) if isinstance(value, (int, float)) and kind is not bool else kind, value)


def _operand_types(ctx: RuleContext, names: tuple) -> list:
    out = []
    for n in names:
        v = ctx.arg(n, None)
        if v is not None:
            out.append(ctx.type_of(v))
    return out


def _is_kind(t: Any, kind: type, dtype_test: Callable) -> bool:
    """A scalar of Python ``kind`` or a tensor whose (known) dtype passes ``dtype_test``."""
    if isinstance(t, ScalarType):
        return t.kind is kind
    return isinstance(t, TensorType) and t.dtype is not None and dtype_test(t.dtype)


def _operand_kinds(name: str) -> Optional[Callable]:
    """What torch refuses besides shapes: a Python scalar where it takes a tensor, bools in sub, floats in bitwise."""
    if name in _TENSOR_OTHER:
        def check(ctx, types):
            if len(types) > 1 and isinstance(types[1], ScalarType) and not isinstance(types[0], ScalarType):
                ctx.fail(f"{name} takes a tensor 'other', found the Python {types[1].kind.__name__} {types[1]!r}")
        return check
    if name == "sub":
        def check(ctx, types):
            if any(_is_kind(t, bool, lambda d: d == torch.bool) for t in types) and \
                    not all(isinstance(t, ScalarType) for t in types):
                ctx.fail("sub of a bool tensor or a bool is not supported (use logical_not or ~ to invert a mask)")
        return check
    if name in _BITWISE:
        def check(ctx, types):
            if any(_is_kind(t, float, lambda d: d.is_floating_point or d.is_complex) for t in types) and \
                    not all(isinstance(t, ScalarType) for t in types):
                ctx.fail(f"{name} takes integer or bool operands, found {types}")
        return check
    return None


def _pointwise(names: tuple, fn: Optional[Callable] = None, result_dtype: Optional[torch.dtype] = None,
               scalar_kind: Optional[type] = None, keep_first: bool = False, check: Optional[Callable] = None,
               keep_dtype: bool = False) -> Callable:
    """A broadcasting rule over the operands ``names`` (the first may be a scalar only if all are)."""

    def rule(ctx: RuleContext) -> Any:
        types = _operand_types(ctx, names)
        if check is not None:
            check(ctx, types)
        tensors = [t for t in types if isinstance(t, TensorType) or t == Dyn]
        scalars = [t for t in types if isinstance(t, ScalarType)]
        if not tensors:
            if len(scalars) < len(types):
                return Dyn
            return _scalar_result(ctx, fn, scalars, scalar_kind)
        out = broadcast_operands(ctx, types)
        if keep_first and isinstance(types[0], TensorType) and isinstance(out, TensorType):
            if out.rank != types[0].rank:
                ctx.fail(f"the result of an in-place op must keep the shape of 'self' {types[0]!r}, "
                         f"broadcasting gives {out!r}")
            out = out.with_dims(ctx.equal(a, b, "in-place result shape") for a, b in zip(types[0].dims, out.dims))
        if out == Dyn:
            return Dyn
        dtype = result_dtype or (types[0].dtype if (keep_first or keep_dtype) and isinstance(types[0], TensorType)
                                 else promote_dtypes(tensors, scalars))
        return TensorType(out.dims, dtype)

    return rule


def same_shape(key: Any = "self", dtype: Optional[torch.dtype] = None, dtype_param: Optional[str] = None) -> Callable:
    """A rule whose result has the shape of operand ``key`` (optionally another dtype)."""

    @keeps_rank(key, shape=True)
    def rule(ctx: RuleContext) -> Any:
        t = ctx.type(key)
        if isinstance(t, ScalarType):
            return ScalarType(bool if dtype == torch.bool else t.kind)
        if not isinstance(t, TensorType):
            return Dyn if t != Dyn else t
        wanted = ctx.arg(dtype_param, None) if dtype_param else None
        return TensorType(t.dims, wanted if isinstance(wanted, torch.dtype) else (dtype or t.dtype))

    return rule


@keeps_rank("self", shape=True)
def _prelu(ctx: RuleContext) -> Any:
    """prelu: a weight of one value, or one per channel (dim 1; a 1-D input has one channel)."""
    x, w = ctx.tensor("self"), ctx.tensor("weight")
    if isinstance(w, TensorType):
        if w.rank > 1:
            ctx.fail(f"prelu: the weight must be a scalar or 1-D tensor, found {w!r}")
        n = ctx.resolve(w.dims[0]) if w.rank else 1
        if isinstance(n, int) and n != 1 and isinstance(x, TensorType) and x.rank == 0:
            ctx.fail(f"prelu: a 0-dim input takes a weight of one value, found {w!r}")
        c = (ctx.resolve(x.dims[1]) if x.rank > 1 else 1) if isinstance(x, TensorType) else Dyn
        if isinstance(n, int) and n != 1:
            ctx.equal(n, c, "prelu: the weight must have 1 value or one per input channel")
    return same_shape("self")(ctx)


def inplace(base: Callable) -> Callable:
    """The rule of an in-place op: its out-of-place ``base`` rule, whose result must keep the shape of ``self``."""

    @keeps_rank("self", shape=True)
    def rule(ctx: RuleContext) -> Any:
        t, out = ctx.tensor("self"), base(ctx)
        if not isinstance(t, TensorType):
            return out
        if isinstance(out, TensorType):
            if out.rank != t.rank:
                ctx.fail(f"the result of an in-place op must keep the shape of 'self' {t!r}, the op gives {out!r}")
            return t.with_dims(ctx.equal(a, b, "in-place result shape") for a, b in zip(t.dims, out.dims))
        return t

    return rule


@keeps_rank("self", shape=True)
def _along_dim(ctx: RuleContext) -> Any:
    """cumsum and the like: the shape of ``self``, after checking ``dim``."""
    t = ctx.tensor("self")
    if isinstance(t, TensorType):
        normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    return same_shape("self", dtype_param="dtype")(ctx)


@keeps_rank("self", shape=True)
def _softmax(ctx: RuleContext) -> Any:
    t = ctx.tensor("self")
    if isinstance(t, TensorType):
        normalize_dim_index(ctx.int_value("dim"), t.rank, ctx)
    return same_shape("self", dtype_param="dtype")(ctx)


def _inplace(name: str) -> list:
    return [(name, _pointwise_for(name)), (name + "_", _pointwise_for(name, keep_first=True))]


def _pointwise_for(name: str, keep_first: bool = False) -> Callable:
    second, check = _SECOND.get(name, "other"), _operand_kinds(name)
    if name in _COMPARE:
        return _pointwise(("self", second), _COMPARE[name], torch.bool if not keep_first else None, bool, keep_first,
                          check)
    return _pointwise(("self", second), _ARITH.get(name), None, None, keep_first, check)


def _to_dtype_rule(ctx: RuleContext) -> Any:
    """Tensor.to / type conversion: shape kept, dtype from a dtype operand when there is one."""
    t = ctx.tensor(0)
    dtypes = [a for a in ctx.operands[1:] if isinstance(a, torch.dtype)]
    return TensorType(t.dims, dtypes[0] if dtypes else t.dtype) if isinstance(t, TensorType) else t


def _math_scalar(fn: Callable) -> Callable:
    def rule(ctx: RuleContext) -> Any:
        return _scalar_result(ctx, fn, [ctx.type(0)], float)

    return rule


def elementwise_rules() -> dict:
    """``{op: rule}`` for the elementwise ops (canonical names and in-place variants)."""
    rules: dict = {}
    for name in _SAME_UNARY:
        rules[name] = rules[name + "_"] = same_shape("input" if name == "dropout" else "self")
    for name in _BOOL_UNARY:
        rules[name] = same_shape("self", torch.bool)
    for name in list(_ARITH) + list(_COMPARE) + list(_BITWISE):
        rules.update(_inplace(name))
    rules["softmax"] = rules["log_softmax"] = _softmax
    rules["where"] = _pointwise(("condition", "self", "other"))
    rules["masked_fill"] = _pointwise(("self", "mask"), keep_dtype=True)
    rules["masked_fill_"] = _pointwise(("self", "mask"), keep_first=True)
    rules["copy_"] = _pointwise(("self", "src"), keep_first=True)
    rules["cumsum"] = _along_dim
    rules["lerp"] = _pointwise(("self", "end", "weight"))
    rules["addcmul"] = rules["addcdiv"] = _pointwise(("self", "tensor1", "tensor2"))
    rules["prelu"] = _prelu
    rules["type_as"] = lambda ctx: _retype(ctx.tensor("self"), ctx.tensor("other"))
    rules["to"] = rules["type"] = _to_dtype_rule
    rules["float"] = same_shape(0, torch.float32)
    rules["half"] = same_shape(0, torch.float16)
    rules["bool"] = same_shape(0, torch.bool)
    rules["long"] = same_shape(0, torch.int64)
    rules["int"] = same_shape(0, torch.int32)
    rules[math.sqrt] = _math_scalar(math.sqrt)
    rules[operator.neg] = rules["neg"]
    return rules


def _retype(t: Any, other: Any) -> Any:
    if isinstance(t, TensorType):
        return TensorType(t.dims, other.dtype if isinstance(other, TensorType) else None)
    return t
