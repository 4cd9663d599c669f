"""Tensor facts for guards: what a guard may know about a bound value, and three-valued logic.

A guard reads metadata (``x.shape``, ``x.dtype`` ...) of the values a pattern
bound.  For an FX node that metadata comes from ``node.meta['val']`` (a
FakeTensor, possibly with symbolic sizes), ``node.meta['tensor_meta']``, or a
gradual type in ``node.meta['type']``; :func:`describe_node` turns any of them
into a frozen :class:`TensorFacts`.  Anything not known is :data:`UNKNOWN`, and
symbolic sizes are decided with ``statically_known_true`` only, so evaluating a
guard never adds a runtime guard to a dynamic-shape graph.

>>> facts = TensorFacts(shape=(2, 3), dtype=torch.float32)
>>> facts.ndim, facts.numel, facts.is_floating_point
(2, 6, True)
>>> TensorFacts().ndim is None
True

See Also
--------
rewrite.lang.guards : the guard interpreter that reads these facts.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
from torch.fx.experimental.symbolic_shapes import statically_known_true

__all__ = ["UNKNOWN", "Unknown", "TensorFacts", "describe", "describe_node", "parse_facts",
           "is_symbolic", "truth", "decide"]


class Unknown:
    """The type of :data:`UNKNOWN`: a value a guard cannot decide (falsy, a singleton)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self):
        return (Unknown, ())


UNKNOWN = Unknown()
_SYM = (torch.SymInt, torch.SymBool, torch.SymFloat)


def is_symbolic(value) -> bool:
    """Whether ``value`` is symbolic or unknown, or a (shallow) sequence holding such a value.

    >>> is_symbolic((1, UNKNOWN)), is_symbolic((1, 2))
    (True, False)

    See Also
    --------
    decide
    """
    if isinstance(value, (*_SYM, Unknown)):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, (*_SYM, Unknown)) for v in value)


def decide(symbool):
    """``True``/``False`` if a SymBool is statically known, else :data:`UNKNOWN` (never guards).

    >>> decide(True), decide(False)
    (True, False)

    See Also
    --------
    torch.fx.experimental.symbolic_shapes.statically_known_true
    """
    if isinstance(symbool, Unknown):
        return UNKNOWN
    if not isinstance(symbool, torch.SymBool):
        return bool(symbool)
    if statically_known_true(symbool):
        return True
    if statically_known_true(torch.sym_not(symbool)):
        return False
    return UNKNOWN


def truth(value):
    """Three-valued truthiness: ``True``, ``False`` or :data:`UNKNOWN` (symbolic values decided).

    >>> truth(0), truth((1,)), truth(UNKNOWN)
    (False, True, UNKNOWN)

    See Also
    --------
    decide
    """
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, torch.SymBool):
        return decide(value)
    if isinstance(value, (torch.SymInt, torch.SymFloat)):
        return decide(value != 0)
    return bool(value)


def _key(dim) -> str:
    return "?" if dim is None or isinstance(dim, Unknown) else str(dim)


@dataclass(frozen=True, eq=False)
class TensorFacts:
    """Frozen metadata of a tensor: ``shape`` (ints, SymInts or None per dim; None if the rank is unknown), dtype.

    Properties answer ``None`` when unknown; the guard interpreter reads them
    through :meth:`attr`, which turns ``None`` into :data:`UNKNOWN` (also inside
    the shape).  Equality and hashing compare the printed sizes, so a symbolic
    size is never forced to a value (which would add a guard).

    >>> TensorFacts((2, None), torch.int64).attr('shape')
    (2, UNKNOWN)
    >>> TensorFacts((2, 3)) == TensorFacts((2, 3)), TensorFacts().ndim
    (True, None)

    See Also
    --------
    describe_node, parse_facts
    """

    shape: tuple | None = None
    dtype: torch.dtype | None = None
    device: object = None
    requires_grad: bool | None = None

    ATTRS = ("shape", "dtype", "ndim", "numel", "is_floating_point", "is_complex", "is_signed",
             "itemsize", "device", "requires_grad")

    def __post_init__(self):
        if self.shape is not None:
            object.__setattr__(self, "shape", tuple(self.shape))

    def _ident(self):
        dims = None if self.shape is None else tuple(map(_key, self.shape))
        return (dims, str(self.dtype), str(self.device), self.requires_grad)

    def __eq__(self, other):
        return isinstance(other, TensorFacts) and self._ident() == other._ident()

    def __hash__(self):
        return hash(self._ident())

    def __repr__(self):
        dims = "?" if self.shape is None else ",".join(map(_key, self.shape))
        return f"TensorFacts({str(self.dtype).replace('torch.', '')}[{dims}])"

    def attr(self, name: str):
        """The guard-visible value of attribute ``name``: unknowns (None) become UNKNOWN.

        >>> TensorFacts(None, torch.float32).attr('ndim')
        UNKNOWN

        See Also
        --------
        rewrite.lang.guards.compile_guard
        """
        value = getattr(self, name)
        if value is None:
            return UNKNOWN
        if name == "shape":
            return tuple(UNKNOWN if d is None else d for d in value)
        return value

    @property
    def ndim(self):
        """The rank, or None."""
        return None if self.shape is None else len(self.shape)

    @property
    def numel(self):
        """The number of elements (possibly symbolic), or None."""
        if self.shape is None or any(d is None for d in self.shape):
            return None
        return math.prod(self.shape, start=1)

    def _dtype_attr(self, name):
        return None if self.dtype is None else getattr(self.dtype, name)

    @property
    def is_floating_point(self):
        """Whether the dtype is a floating-point dtype, or None."""
        return self._dtype_attr("is_floating_point")

    @property
    def is_complex(self):
        """Whether the dtype is complex, or None."""
        return self._dtype_attr("is_complex")

    @property
    def is_signed(self):
        """Whether the dtype is signed, or None."""
        return self._dtype_attr("is_signed")

    @property
    def itemsize(self):
        """Bytes per element, or None."""
        return self._dtype_attr("itemsize")


def _from_tensor(t) -> TensorFacts:
    return TensorFacts(tuple(t.shape), t.dtype, t.device, t.requires_grad)


def _from_type(t) -> TensorFacts | None:
    """Facts from a gradual type: torch's ``TensorType`` or fxcore's (sizes that are not ints are unknown)."""
    from torch.fx.tensor_type import Dyn, TensorType

    from fxcore.types import TensorType as GradualTensorType
    if isinstance(t, TensorType):
        return TensorFacts(tuple(None if d is Dyn else d for d in t.__args__))
    if isinstance(t, GradualTensorType):
        return TensorFacts(tuple(d if type(d) is int else None for d in t.dims), t.dtype)
    return None


def describe(value):
    """The object a guard sees for a bound value: facts for tensors and nodes, literals as they are.

    >>> describe(torch.zeros(2, 3))
    TensorFacts(float32[2,3])
    >>> describe(4)
    4

    See Also
    --------
    describe_node
    """
    if isinstance(value, torch.fx.Node):
        return describe_node(value)
    if isinstance(value, torch.Tensor):
        return _from_tensor(value)
    return value


def describe_node(node: torch.fx.Node):
    """Facts about an FX node from ``meta['val']`` (or dynamo's ``example_value``), ``tensor_meta`` or ``type``.

    Nodes with no usable metadata give ``TensorFacts()`` (everything unknown).
    Nodes whose value is a (symbolic) scalar give that scalar.

    >>> g = torch.fx.Graph(); n = g.placeholder('x')
    >>> n.meta['val'] = torch.empty(2, 3, dtype=torch.float16)
    >>> describe_node(n)
    TensorFacts(float16[2,3])

    See Also
    --------
    describe, TensorFacts
    """
    val = node.meta.get("val", node.meta.get("example_value"))  # example_value: dynamo graphs
    if isinstance(val, torch.Tensor):
        return _from_tensor(val)
    if isinstance(val, (int, float, bool, *_SYM)):
        return val
    if isinstance(val, (tuple, list)):
        return tuple(describe(v) for v in val)
    tm = node.meta.get("tensor_meta")
    if tm is not None and hasattr(tm, "shape"):
        return TensorFacts(tuple(tm.shape), tm.dtype, None, tm.requires_grad)
    return _from_type(node.meta.get("type")) or TensorFacts()


_FACTS = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(?:\[([^\]]*)\])?\s*$")


def parse_facts(text: str) -> TensorFacts:
    """Parse a type hint such as ``"float32[2,3]"``, ``"int64[]"``, ``"float32[N,3]"`` or ``"float16"``.

    Named dims (``N``) are unknown.  Raises ``ValueError`` with what to write instead.

    >>> parse_facts('float32[2, N]')
    TensorFacts(float32[2,?])

    See Also
    --------
    TensorFacts
    """
    from rewrite.lang.syntax import DTYPES
    m = _FACTS.match(text) if isinstance(text, str) else None
    if m is None or m.group(1) not in DTYPES:
        raise ValueError(f"bad type hint {text!r}: write dtype[dims], e.g. \"float32[2,3]\"")
    if m.group(2) is None:
        return TensorFacts(None, DTYPES[m.group(1)])
    parts = [p.strip() for p in m.group(2).split(",") if p.strip()]
    return TensorFacts(tuple(int(p) if p.isdigit() else None for p in parts), DTYPES[m.group(1)])
