"""Gradual tensor types: frozen, hashable values.

A type is one of:

- ``Dyn``: nothing is known (the unknown type, and the unknown dimension);
- ``TensorType(dims, dtype=None)``: a tensor whose rank is ``len(dims)``; each dimension is an
  ``int``, ``Dyn``, or a symbolic size: a dimension variable (``unify.Var``) or a sympy
  expression (what torch's ``infer_symbolic_types`` writes); ``dtype`` is a ``torch.dtype`` or None
  when unknown. As in torch, equality and hashing look at the dimensions only: the dtype is
  carried along (and checked by :func:`~fxcore.types.relations.is_consistent`), never compared by ``==``;
- ``ScalarType(kind, value=Dyn)``: a Python ``int``/``float``/``bool`` (the result of
  ``x.size(0)``, say), with its value when known (an int, ``Dyn`` or a symbolic size);
- a plain ``tuple`` of types, for nodes that produce several values.

Annotations written with ``torch.fx.tensor_type`` (its ``TensorType``/``Dyn``) are accepted
wherever a type is: :func:`as_type` converts them.

>>> t = TensorType((Dyn, 3), torch.float16)
>>> t == TensorType((Dyn, 3)), hash(t) == hash(TensorType((Dyn, 3))), t.dtype
(True, True, torch.float16)
>>> t.__args__  # torch's spelling of the dimensions
(Dyn, 3)

See Also
--------
fxcore.types.relations : consistency, precision, meet and broadcasting.
torch.fx.tensor_type : the reference these names follow.
"""
from __future__ import annotations

import dataclasses
import sys
from typing import Any, Optional

import torch
import torch.fx.tensor_type as _torch_tt

from unify import Var

from .errors import GradualTypeError

__all__ = ["Dyn", "TensorType", "ScalarType", "as_type", "is_dim", "is_symbolic", "SCALAR_KINDS"]

SCALAR_KINDS = (int, float, bool)
"""The Python scalar classes a `ScalarType` describes (and that torch's checker uses as types)."""


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


def _is_sympy(d: Any) -> bool:
    """A sympy object (sympy is only looked for once someone has imported it: no import cost otherwise)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(d, sympy.Basic)


def _dim(d: Any) -> Any:
    """Normalize one dimension: ints, Dyn (either library's), Var, sympy expressions (sympy integers as ints)."""
    if type(d) is int or d is Dyn or type(d) is Var:
        return d
    if d is None or isinstance(d, (_DynType, _torch_tt._DynType, torch.SymInt)):
        return Dyn  # a SymInt is never forced to an int here (that would specialize it)
    if isinstance(d, Var) or (isinstance(d, int) and not isinstance(d, bool)):
        return d
    if _is_sympy(d):
        return int(d) if d.is_Integer else d
    if hasattr(d, "__index__") and not isinstance(d, bool):
        return int(d)
    raise GradualTypeError(f"bad dimension {d!r} ({type(d).__name__}): use an int, Dyn, a unify.Var or a sympy "
                           "expression")


class TensorType:
    """A tensor type: a tuple of dimensions (int, ``Dyn`` or symbolic) and an optional dtype.

    A frozen, hashable value. ``==`` and ``hash`` compare the dimensions only (torch's TensorType
    has no dtype at all); compare ``.dtype`` explicitly when it matters.

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

    __slots__ = ("dims", "dtype", "_hash")

    def __init__(self, dims: Any, dtype: Optional[torch.dtype] = None) -> None:
        dims = tuple(dims)
        for d in dims:
            if type(d) is not int and d is not Dyn and type(d) is not Var:
                dims = tuple(_dim(e) for e in dims)
                break
        _SET_DIMS(self, dims)
        _SET_DTYPE(self, dtype)
        _SET_HASH(self, None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}: TensorType is immutable, use "
                                              "with_dims()")

    __delattr__ = __setattr__

    def __eq__(self, other: object) -> bool:
        if type(other) is not TensorType:
            return NotImplemented
        return self is other or self.dims == other.dims

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(("TensorType", self.dims))
            _SET_HASH(self, h)
        return h

    def __reduce__(self):
        return (TensorType, (self.dims, self.dtype))

    @classmethod
    def __class_getitem__(cls, dims: Any) -> "TensorType":
        return cls(dims if isinstance(dims, tuple) else (dims,))

    @property
    def __args__(self) -> tuple:
        """The dimensions (torch's attribute name)."""
        return self.dims

    @property
    def rank(self) -> int:
        """The number of dimensions."""
        return len(self.dims)

    def with_dims(self, dims) -> "TensorType":
        """The same dtype with other dimensions."""
        return TensorType(dims, self.dtype)

    def __repr__(self) -> str:
        dims = "(" + ", ".join(map(repr, self.dims)) + ("," if len(self.dims) == 1 else "") + ")"
        return f"TensorType({dims})" if self.dtype is None else f"TensorType({dims}, {self.dtype})"


_SET_DIMS, _SET_DTYPE, _SET_HASH = (getattr(TensorType, n).__set__ for n in ("dims", "dtype", "_hash"))


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
    """Whether ``d`` is a dimension value: an int, ``Dyn`` or a symbolic size.

    >>> is_dim(3), is_dim(Dyn), is_dim('3')
    (True, True, False)
    """
    return isinstance(d, (_DynType, Var)) or (isinstance(d, int) and not isinstance(d, bool)) or _is_sympy(d)


def is_symbolic(d: Any) -> bool:
    """Whether a dimension is symbolic: a dimension variable or a (non-integer) sympy expression.

    >>> from unify import var
    >>> is_symbolic(var('b')), is_symbolic(3), is_symbolic(Dyn)
    (True, False, False)
    """
    return isinstance(d, Var) or _is_sympy(d)


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
    if obj in SCALAR_KINDS:
        return ScalarType(obj)
    if obj is type(None):
        return obj  # the type of None (a node that returns nothing)
    if isinstance(obj, tuple):
        return tuple(as_type(o) for o in obj)
    return Dyn
