"""Operand makers for the per-op call strategies: tensor specs, related shapes, dimension indices, sizes.

A maker is ``f(draw, got) -> value``: it draws one operand, seeing ``got``, the operands drawn so
far by parameter name (so a dimension index can depend on a tensor's rank, a weight on the
input's channels). Tensor operands are `Spec` values that `materialize` turns into tensors.

>>> materialize(Spec((2, 3), torch.int64, high=4), torch.Generator().manual_seed(0)).shape
torch.Size([2, 3])

See Also
--------
tests.fxcore.types.op_families : the per-op overrides; tests.fxcore.types.op_cases : the strategy.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Optional

import torch
from hypothesis import strategies as st

__all__ = ["Spec", "materialize", "shapes", "T", "Rel", "Dim", "Dims", "Lit", "Const", "Sizes", "Index", "related",
           "F32", "I64", "BOOL"]

F32, I64, BOOL = torch.float32, torch.int64, torch.bool


@dataclasses.dataclass(frozen=True)
class Spec:
    """A tensor operand: its shape, dtype and, for integer tensors, values in ``[0, high)``; ``prob``: in [0, 1)."""

    shape: tuple
    dtype: torch.dtype = F32
    high: Optional[int] = None
    prob: bool = False


def materialize(spec: Spec, gen: torch.Generator) -> torch.Tensor:
    """A real tensor for a spec (values from ``gen``: deterministic)."""
    if spec.dtype == BOOL:
        return torch.randint(0, 2, spec.shape, generator=gen).bool()
    if not spec.dtype.is_floating_point:
        return torch.randint(0, max(spec.high or 5, 1), spec.shape, generator=gen, dtype=spec.dtype)
    t = torch.rand(spec.shape, generator=gen) if spec.prob else torch.randn(spec.shape, generator=gen)
    return t.to(spec.dtype)


def shapes(min_rank: int = 0, max_rank: int = 4, lo: int = 1, hi: int = 4):
    return st.lists(st.integers(lo, hi), min_size=min_rank, max_size=max_rank).map(tuple)


# -- operand makers: each is f(draw, got) -> value, ``got`` the operands drawn so far by name -------------------
def T(dtype=F32, min_rank=0, max_rank=4, lo=1, hi=4, prob=False) -> Callable:
    return lambda draw, got: Spec(draw(shapes(min_rank, max_rank, lo, hi)), dtype, prob=prob)


def _rank(got, key) -> int:
    return len(got[key].shape)


def related(draw, shape: tuple) -> tuple:
    """A shape like ``shape``: the same, broadcastable (a suffix with some sizes 1), or unrelated."""
    how = draw(st.sampled_from(["same", "broadcast", "broadcast", "random"]))
    if how == "same":
        return shape
    if how == "random":
        return draw(shapes())
    suffix = shape[draw(st.integers(0, len(shape))):]
    return tuple(1 if draw(st.booleans()) else d for d in suffix)


def Rel(key: str = "self", dtype=F32, scalar: bool = False, prob=False) -> Callable:
    def make(draw, got):
        if scalar and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from([2, 0.5, True])) if dtype != BOOL else True
        return Spec(related(draw, got[key].shape), dtype, prob=prob)
    return make


def Dim(key: str = "self", extra: int = 0) -> Callable:
    """A dimension index for ``got[key]``, one beyond the valid range on either side included."""
    def make(draw, got):
        r = max(_rank(got, key) + extra, 1)
        return draw(st.integers(-r - 1, r))
    return make


def Dims(key: str = "self", optional: bool = True) -> Callable:
    """None (all dimensions), or one or two dimension indices (repeats and out-of-range ones included)."""
    def make(draw, got):
        if optional and draw(st.integers(0, 3)) == 0:
            return None
        return tuple(Dim(key)(draw, got) for _ in range(draw(st.integers(1, 2))))
    return make


def Lit(strategy) -> Callable:
    return lambda draw, got: draw(strategy)


def Const(value) -> Callable:
    return lambda draw, got: value


def _factors(draw, n: int, parts: int) -> list:
    out = []
    for _ in range(parts - 1):
        d = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        out.append(d)
        n //= d
    return out + [n]


def Sizes(key: str = "self", of_dim: Optional[Callable] = None, minus_one: bool = True) -> Callable:
    """Sizes holding ``got[key]``'s elements (or one of its dims'), maybe with a -1, or random sizes."""
    def make(draw, got):
        n = math.prod(got[key].shape) if of_dim is None else of_dim(got)
        if n is None or draw(st.integers(0, 3)) == 0:
            return tuple(draw(st.lists(st.integers(-1, 5), max_size=4)))
        sizes = _factors(draw, n, draw(st.integers(1, 4)))
        if minus_one and draw(st.booleans()):
            sizes[draw(st.integers(0, len(sizes) - 1))] = -1
        return tuple(sizes)
    return make


def _dim_size(got, key="self", dim_key="dim"):
    shape, d = got[key].shape, got[dim_key]
    return shape[d] if isinstance(d, int) and -len(shape) <= d < len(shape) else None


def Index(key="self", dim_key="dim", rank=(1, 1), same_rank=False) -> Callable:
    """An int64 index tensor with values valid along ``got[key]``'s dimension ``got[dim_key]``."""
    def make(draw, got):
        high = _dim_size(got, key, dim_key) or 1
        if same_rank:
            shape = tuple(min(d, draw(st.integers(1, d))) for d in got[key].shape)
            shape = draw(st.sampled_from([shape, draw(shapes())]))
        else:
            shape = draw(shapes(*rank))
        return Spec(shape, I64, high=high)
    return make
