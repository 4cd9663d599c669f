"""Relations between gradual types: consistency, precision, meet, and torch's operand broadcasting.

:func:`is_consistent` (``~``: could describe the same value), :func:`is_more_precise`
(``t1 <= t2``: t1 carries at least t2's information), :func:`meet` (the most precise type
consistent with both), :func:`broadcast_types` (torch's API: expand both operands) and
:func:`broadcast_shape` (the type of the broadcast result). Symbolic dimensions (dimension
variables, sympy expressions) stand for an unknown but definite size: consistent with every size.

>>> t = TensorType((Dyn, 3))
>>> is_consistent(t, TensorType((2, 3))), is_more_precise(TensorType((2, 3)), t)
(True, True)
>>> meet(t, TensorType((2, Dyn)))
TensorType((2, 3))

See Also
--------
fxcore.types.tensor_types : the values.
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from .errors import GradualTypeError
from .tensor_types import Dyn, ScalarType, TensorType, as_type, is_symbolic

__all__ = ["is_consistent", "is_more_precise", "meet", "meet_dim", "broadcast_types", "broadcast_shape",
           "broadcast_dim"]


def _dim_consistent(a: Any, b: Any) -> bool:
    return a is b or a == Dyn or b == Dyn or is_symbolic(a) or is_symbolic(b) or a == b


def _dtype_consistent(a: Optional[torch.dtype], b: Optional[torch.dtype]) -> bool:
    return a is None or b is None or a == b


def is_consistent(t1: Any, t2: Any) -> bool:
    """``t1 ~ t2``: the two types could describe the same value (reflexive, symmetric, not transitive).

    ``Dyn`` and symbolic dimensions are consistent with everything; known dtypes must agree.

    >>> is_consistent(TensorType((1, Dyn, 3)), TensorType((1, 2, 3)))
    True
    >>> is_consistent(TensorType((1, 2)), TensorType((1, 3))), is_consistent(TensorType((1,)), Dyn)
    (False, True)
    >>> is_consistent(TensorType((2,), torch.float16), TensorType((2,), torch.float32))
    False

    See Also
    --------
    is_more_precise, meet
    """
    t1, t2 = as_type(t1), as_type(t2)
    if t1 == Dyn or t2 == Dyn:
        return True
    if isinstance(t1, TensorType) and isinstance(t2, TensorType):
        return (t1.rank == t2.rank and _dtype_consistent(t1.dtype, t2.dtype)
                and all(map(_dim_consistent, t1.dims, t2.dims)))
    if isinstance(t1, ScalarType) and isinstance(t2, ScalarType):
        return t1.kind == t2.kind and _dim_consistent(t1.value, t2.value)
    if isinstance(t1, tuple) and isinstance(t2, tuple):
        return len(t1) == len(t2) and all(map(is_consistent, t1, t2))
    return t1 == t2


def _dim_more_precise(a: Any, b: Any) -> bool:
    if a is b or b == Dyn or a == b:
        return True
    return is_symbolic(b) and a != Dyn


def is_more_precise(t1: Any, t2: Any) -> bool:
    """``t1 <= t2``: t1 is at least as precise as t2 (reflexive, transitive; ``Dyn`` is the top).

    Precision per dimension: ``Dyn`` is above a symbolic size, which is above an int.
    Unlike torch's reference, this is what the name says: ``is_more_precise(x, Dyn)`` is True and
    ``is_more_precise(Dyn, x)`` only when x is ``Dyn``.

    >>> is_more_precise(TensorType((1, 2, 3)), TensorType((1, Dyn, 3)))
    True
    >>> is_more_precise(TensorType((1, Dyn, 3)), TensorType((1, 2, 3)))
    False
    >>> is_more_precise(Dyn, TensorType((1,))), is_more_precise(int, Dyn)
    (False, True)

    See Also
    --------
    is_consistent, meet
    """
    t1, t2 = as_type(t1), as_type(t2)
    if t2 == Dyn:
        return True
    if isinstance(t1, TensorType) and isinstance(t2, TensorType):
        return (t1.rank == t2.rank and (t2.dtype is None or t1.dtype == t2.dtype)
                and all(map(_dim_more_precise, t1.dims, t2.dims)))
    if isinstance(t1, ScalarType) and isinstance(t2, ScalarType):
        return t1.kind == t2.kind and _dim_more_precise(t1.value, t2.value)
    if isinstance(t1, tuple) and isinstance(t2, tuple):
        return len(t1) == len(t2) and all(map(is_more_precise, t1, t2))
    return t1 == t2


def meet_dim(a: Any, b: Any) -> Any:
    """The more precise of two consistent dimensions; raises :class:`GradualTypeError` if they differ.

    >>> meet_dim(Dyn, 3), meet_dim(4, 4)
    (3, 4)

    See Also
    --------
    meet
    """
    if a is b or b == Dyn:
        return a
    if a == Dyn or (is_symbolic(a) and not is_symbolic(b)):
        return b
    if is_symbolic(b) or a == b:
        return a
    raise GradualTypeError(f"dimensions {a!r} and {b!r} differ")


def meet(t1: Any, t2: Any) -> Any:
    """The most precise type consistent with both (torch calls it get_greatest_upper_bound).

    Raises :class:`GradualTypeError` naming both types when they are not consistent.

    >>> meet(TensorType((Dyn, 3)), TensorType((2, Dyn), torch.float32))
    TensorType((2, 3), torch.float32)
    >>> meet(TensorType((2,)), TensorType((3,)))
    Traceback (most recent call last):
    ...
    fxcore.types.errors.GradualTypeError: types TensorType((2,)) and TensorType((3,)) are not consistent
    """
    t1, t2 = as_type(t1), as_type(t2)
    if t2 == Dyn or t1 is t2:
        return t1
    if t1 == Dyn:
        return t2
    if not is_consistent(t1, t2):
        raise GradualTypeError(f"types {t1!r} and {t2!r} are not consistent")
    if isinstance(t1, TensorType):
        return TensorType(tuple(map(meet_dim, t1.dims, t2.dims)), t1.dtype or t2.dtype)
    if isinstance(t1, ScalarType):
        return ScalarType(t1.kind, meet_dim(t1.value, t2.value))
    if isinstance(t1, tuple):
        return tuple(map(meet, t1, t2))
    return t1


def broadcast_dim(a: Any, b: Any, fresh: Any = Dyn) -> Any:
    """The broadcast of two dimensions; ``fresh`` stands for an unknown result (two unknown dims).

    >>> broadcast_dim(1, 5), broadcast_dim(Dyn, 5), broadcast_dim(3, 3), broadcast_dim(Dyn, 1)
    (5, 5, 3, Dyn)
    >>> broadcast_dim(2, 3)
    Traceback (most recent call last):
    ...
    fxcore.types.errors.GradualTypeError: dimensions 2 and 3 cannot be broadcast (neither is 1)
    """
    if a is b or b == 1:
        return a
    if a == 1:
        return b
    if isinstance(a, int) and isinstance(b, int):
        if a == b:
            return a
        raise GradualTypeError(f"dimensions {a} and {b} cannot be broadcast (neither is 1)")
    if isinstance(a, int):  # a > 1 is the only size compatible with both a and (unknown) b
        return a
    if isinstance(b, int):
        return b
    return a if a == b else fresh


def broadcast_shape(*types: Any, fresh: Any = Dyn) -> Any:
    """The type of broadcasting tensors of the given types together (``Dyn`` if any rank is unknown).

    >>> broadcast_shape(TensorType((2, 1, 4)), TensorType((3, 1)))
    TensorType((2, 3, 4))
    """
    types = [as_type(t) for t in types]
    if any(not isinstance(t, TensorType) for t in types):
        return Dyn
    rank = max(t.rank for t in types)
    out = [1] * rank
    for t in types:
        for i, d in enumerate(t.dims, rank - t.rank):
            out[i] = broadcast_dim(out[i], d, fresh() if callable(fresh) else fresh)
    return TensorType(tuple(out))


def broadcast_types(t1: Any, t2: Any) -> tuple[Any, Any]:
    """Expand both operand types by broadcasting so that they become consistent (torch's API).

    Ranks are padded on the left with 1, then a size-1 dimension takes the other side's size.

    >>> broadcast_types(TensorType((1, 2, 3)), TensorType((3,)))
    (TensorType((1, 2, 3)), TensorType((1, 2, 3)))
    >>> broadcast_types(Dyn, TensorType((3,)))
    (Dyn, TensorType((3,)))

    See Also
    --------
    broadcast_shape : the type of the result.
    """
    t1, t2 = as_type(t1), as_type(t2)
    if t1 == Dyn or t2 == Dyn:
        return t1, t2
    if not (isinstance(t1, TensorType) and isinstance(t2, TensorType)):
        raise GradualTypeError(f"cannot broadcast {t1!r} and {t2!r}: both must be tensor types")
    rank = max(t1.rank, t2.rank)
    d1 = [1] * (rank - t1.rank) + list(t1.dims)
    d2 = [1] * (rank - t2.rank) + list(t2.dims)
    for i, (x, y) in enumerate(zip(d1, d2)):
        if x == 1:
            d1[i] = y
        elif y == 1:
            d2[i] = x
    return t1.with_dims(d1), t2.with_dims(d2)
