"""Gradual tensor types: frozen, hashable values and their relations.

A type is one of:

- ``Dyn``: nothing is known (the unknown type, and the unknown dimension);
- ``TensorType(dims, dtype=None)``: a tensor whose rank is ``len(dims)``; each
  dimension is an ``int``, ``Dyn``, or a dimension variable (``unify.Var``);
  ``dtype`` is a ``torch.dtype`` or None when unknown;
- ``ScalarType(kind, value=Dyn)``: a Python ``int``/``float``/``bool`` (the
  result of ``x.size(0)``, say), with its value when known (an int, ``Dyn`` or a
  dimension variable for sizes);
- a plain ``tuple`` of types, for nodes that produce several values.

Annotations written with ``torch.fx.tensor_type`` (its ``TensorType``/``Dyn``)
are accepted wherever a type is: :func:`as_type` converts them.

Relations: :func:`is_consistent` (``~``: could describe the same value),
:func:`is_more_precise` (``t1 <= t2``: t1 carries at least t2's information),
:func:`meet` (the most precise type consistent with both), and
:func:`broadcast_types` (torch's operand broadcasting).

>>> t = TensorType((Dyn, 3))
>>> is_consistent(t, TensorType((2, 3))), is_more_precise(TensorType((2, 3)), t)
(True, True)
>>> meet(t, TensorType((2, Dyn)))
TensorType((2, 3))
>>> hash(t) == hash(TensorType((Dyn, 3)))
True

See Also
--------
torch.fx.tensor_type : the reference these names follow.
fxcore.types.checker.GraphTypeChecker
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

import torch
import torch.fx.tensor_type as _torch_tt

from unify import Var

from .errors import GradualTypeError

__all__ = [
    "Dyn", "TensorType", "ScalarType", "as_type", "is_dim", "is_consistent", "is_more_precise", "meet",
    "meet_dim", "broadcast_types", "broadcast_shape", "broadcast_dim",
]


class _DynType:
    """The type (and dimension) about which nothing is known; a singleton, printed ``Dyn``."""

    __slots__ = ()
    _instance: Optional["_DynType"] = None

    def __new__(cls) -> "_DynType":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Dyn"

    def __reduce__(self):
        return (_DynType, ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (_DynType, _torch_tt._DynType))

    def __hash__(self) -> int:
        return hash("fxcore.types.Dyn")


Dyn = _DynType()


def _dim(d: Any) -> Any:
    """Normalize one dimension: ints (also numpy/SymInt-free ints), Dyn (either library's), Var."""
    if type(d) is int or d is Dyn or type(d) is Var:
        return d
    if d is None or isinstance(d, (_DynType, _torch_tt._DynType, torch.SymInt)):
        return Dyn  # a SymInt is never forced to an int here (that would specialize it)
    if isinstance(d, Var) or (isinstance(d, int) and not isinstance(d, bool)):
        return d
    if hasattr(d, "__index__"):
        return int(d)
    raise GradualTypeError(f"bad dimension {d!r} ({type(d).__name__}): use an int, Dyn or a unify.Var")


@dataclasses.dataclass(frozen=True)
class TensorType:
    """A tensor type: a tuple of dimensions (int, ``Dyn`` or ``unify.Var``) and an optional dtype.

    >>> TensorType((1, Dyn, 3))
    TensorType((1, Dyn, 3))
    >>> TensorType[2, 3] == TensorType((2, 3))  # torch's subscript spelling also works
    True
    >>> TensorType((2,), torch.float16)
    TensorType((2,), torch.float16)

    See Also
    --------
    Dyn, ScalarType, as_type
    """

    dims: tuple
    dtype: Optional[torch.dtype] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(_dim(d) for d in self.dims))

    @classmethod
    def __class_getitem__(cls, dims: Any) -> "TensorType":
        return cls(dims if isinstance(dims, tuple) else (dims,))

    @property
    def rank(self) -> int:
        """The number of dimensions."""
        return len(self.dims)

    def with_dims(self, dims) -> "TensorType":
        """The same dtype with other dimensions."""
        return TensorType(tuple(dims), self.dtype)

    def __repr__(self) -> str:
        dims = "(" + ", ".join(map(repr, self.dims)) + ("," if len(self.dims) == 1 else "") + ")"
        return f"TensorType({dims})" if self.dtype is None else f"TensorType({dims}, {self.dtype})"


@dataclasses.dataclass(frozen=True)
class ScalarType:
    """A Python scalar (``int``, ``float`` or ``bool``) with its value when known.

    >>> ScalarType(int, 8), ScalarType(float)
    (ScalarType(int, 8), ScalarType(float))

    See Also
    --------
    TensorType
    """

    kind: type
    value: Any = Dyn

    def __repr__(self) -> str:
        tail = "" if self.value == Dyn else f", {self.value!r}"
        return f"ScalarType({self.kind.__name__}{tail})"


def is_dim(d: Any) -> bool:
    """Whether ``d`` is a dimension value: an int, ``Dyn`` or a dimension variable.

    >>> is_dim(3), is_dim(Dyn), is_dim('3')
    (True, True, False)
    """
    return isinstance(d, (_DynType, Var)) or (isinstance(d, int) and not isinstance(d, bool))


def as_type(obj: Any) -> Any:
    """Convert an annotation (ours, torch.fx.tensor_type's, ``int``/``float``/``bool``, None) to a type.

    >>> as_type(_torch_tt.TensorType((1, _torch_tt.Dyn))), as_type(None), as_type(int)
    (TensorType((1, Dyn)), Dyn, ScalarType(int))

    See Also
    --------
    fxcore.types.meta.type_from_value : the same for runtime and fake values.
    """
    if isinstance(obj, (TensorType, ScalarType)):
        return obj
    if obj is None or isinstance(obj, (_DynType, _torch_tt._DynType)):
        return Dyn
    if isinstance(obj, _torch_tt.TensorType):
        return TensorType(tuple(obj.dims))
    if obj in (int, float, bool):
        return ScalarType(obj)
    if obj is type(None):
        return obj  # the type of None (a node that returns nothing)
    if isinstance(obj, tuple):
        return tuple(as_type(o) for o in obj)
    return Dyn


def _dim_consistent(a: Any, b: Any) -> bool:
    return a == b or a == Dyn or b == Dyn or isinstance(a, Var) or isinstance(b, Var)


def _dtype_consistent(a: Optional[torch.dtype], b: Optional[torch.dtype]) -> bool:
    return a is None or b is None or a == b


def is_consistent(t1: Any, t2: Any) -> bool:
    """``t1 ~ t2``: the two types could describe the same value (reflexive, symmetric, not transitive).

    ``Dyn`` and dimension variables are consistent with everything.

    >>> is_consistent(TensorType((1, Dyn, 3)), TensorType((1, 2, 3)))
    True
    >>> is_consistent(TensorType((1, 2)), TensorType((1, 3))), is_consistent(TensorType((1,)), Dyn)
    (False, True)

    See Also
    --------
    is_more_precise, meet
    """
    t1, t2 = as_type(t1), as_type(t2)
    if t1 == t2 or t1 == Dyn or t2 == Dyn:
        return True
    if isinstance(t1, TensorType) and isinstance(t2, TensorType):
        return (t1.rank == t2.rank and _dtype_consistent(t1.dtype, t2.dtype)
                and all(map(_dim_consistent, t1.dims, t2.dims)))
    if isinstance(t1, ScalarType) and isinstance(t2, ScalarType):
        return t1.kind == t2.kind and _dim_consistent(t1.value, t2.value)
    if isinstance(t1, tuple) and isinstance(t2, tuple):
        return len(t1) == len(t2) and all(map(is_consistent, t1, t2))
    return False


def _dim_more_precise(a: Any, b: Any) -> bool:
    if a == b or b == Dyn:
        return True
    return isinstance(b, Var) and a != Dyn


def is_more_precise(t1: Any, t2: Any) -> bool:
    """``t1 <= t2``: t1 is at least as precise as t2 (reflexive, transitive; ``Dyn`` is the top).

    Precision per dimension: ``Dyn`` is above a dimension variable, which is above an int.
    Unlike torch's reference, this is what the name says: ``is_more_precise(x, Dyn)`` is True and
    ``is_more_precise(Dyn, x)`` only when x is ``Dyn``.

    >>> is_more_precise(TensorType((1, 2, 3)), TensorType((1, Dyn, 3)))
    True
    >>> is_more_precise(TensorType((1, Dyn, 3)), TensorType((1, 2, 3)))
    False
    >>> is_more_precise(Dyn, TensorType((1,)))
    False

    See Also
    --------
    is_consistent, meet
    """
    t1, t2 = as_type(t1), as_type(t2)
    if t1 == t2 or t2 == Dyn:
        return True
    if isinstance(t1, TensorType) and isinstance(t2, TensorType):
        return (t1.rank == t2.rank and (t2.dtype is None or t1.dtype == t2.dtype)
                and all(map(_dim_more_precise, t1.dims, t2.dims)))
    if isinstance(t1, ScalarType) and isinstance(t2, ScalarType):
        return t1.kind == t2.kind and _dim_more_precise(t1.value, t2.value)
    if isinstance(t1, tuple) and isinstance(t2, tuple):
        return len(t1) == len(t2) and all(map(is_more_precise, t1, t2))
    return False


def meet_dim(a: Any, b: Any) -> Any:
    """The more precise of two consistent dimensions; raises :class:`GradualTypeError` if they differ.

    >>> meet_dim(Dyn, 3), meet_dim(4, 4)
    (3, 4)

    See Also
    --------
    meet
    """
    if a == b or b == Dyn:
        return a
    if a == Dyn or (isinstance(a, Var) and not isinstance(b, Var)):
        return b
    if isinstance(b, Var):
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
    if t2 == Dyn or t1 == t2:
        return t1
    if t1 == Dyn:
        return t2
    if not is_consistent(t1, t2):
        raise GradualTypeError(f"types {t1!r} and {t2!r} are not consistent")
    if isinstance(t1, TensorType):
        return TensorType(tuple(map(meet_dim, t1.dims, t2.dims)), t1.dtype or t2.dtype)
    if isinstance(t1, ScalarType):
        return ScalarType(t1.kind, meet_dim(t1.value, t2.value))
    return tuple(map(meet, t1, t2))


def broadcast_dim(a: Any, b: Any, fresh: Any = Dyn) -> Any:
    """The broadcast of two dimensions; ``fresh`` stands for an unknown result (two unknown dims).

    >>> broadcast_dim(1, 5), broadcast_dim(Dyn, 5), broadcast_dim(3, 3), broadcast_dim(Dyn, 1)
    (5, 5, 3, Dyn)
    >>> broadcast_dim(2, 3)
    Traceback (most recent call last):
    ...
    fxcore.types.errors.GradualTypeError: dimensions 2 and 3 cannot be broadcast (neither is 1)
    """
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    if isinstance(a, int) and isinstance(b, int):
        raise GradualTypeError(f"dimensions {a} and {b} cannot be broadcast (neither is 1)")
    if isinstance(a, int):  # a > 1 is the only size compatible with both a and (unknown) b
        return a
    if isinstance(b, int):
        return b
    return fresh


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
