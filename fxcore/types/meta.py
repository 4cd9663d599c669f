"""Types from what a graph already carries: ``node.meta['val']`` (fake tensors, SymInts) and ``tensor_meta``.

Graphs from ``make_fx``, ``torch.export`` and dynamo record a fake (or real)
value per node. :func:`type_from_value` turns such a value into a type; a
symbolic size whose expression is a single symbol ``s0`` becomes the
dimension variable ``unify.var('s0')``, so equal symbolic sizes stay equal,
and a compound expression (``2*s0``) becomes ``Dyn``. Sizes are read without
ever adding a guard.

:func:`node_tensor_facts` is the view the rule guards use: shape, dtype and rank
from the inferred type (``node.meta['type']``), else from ``meta['val']``,
else from ``meta['tensor_meta']``.

>>> import torch
>>> type_from_value(torch.zeros(2, 3))
TensorType((2, 3), torch.float32)
>>> type_from_value((torch.zeros(1, dtype=torch.int64), 4))
(TensorType((1,), torch.int64), ScalarType(int, 4))

See Also
--------
fxcore.types.checker.GraphTypeChecker : uses these types as a fallback and as a cross-check.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

import torch
import torch.fx

from unify import Var, var

from .tensor_types import Dyn, ScalarType, TensorType, as_type

__all__ = ["type_from_value", "meta_type", "TensorFacts", "node_tensor_facts", "TYPE_KEY", "WRITTEN_KEY"]

TYPE_KEY = "type"
"""The ``node.meta`` key under which the checker stores each node's (precise) inferred type."""

WRITTEN_KEY = "type_written"
"""The ``node.meta`` key holding what the checker last wrote to ``node.type`` (torch's view), so that a
later run tells its own output from a type set by hand."""


def _sym_dim(s: torch.SymInt) -> Any:
    """A SymInt as a dimension: its int if constant, a variable for a bare symbol, else Dyn (no guards)."""
    node = s.node
    if node.is_constant() if hasattr(node, "is_constant") else False:
        return int(node.constant_value() if hasattr(node, "constant_value") else s)
    expr = getattr(node, "expr", None)
    if expr is not None and getattr(expr, "is_Symbol", False):
        return var(str(expr))
    if expr is not None and getattr(expr, "is_Integer", False):
        return int(expr)
    return Dyn


def _scalar_dim(x: Any) -> Any:
    if isinstance(x, torch.SymInt):
        return _sym_dim(x)
    return int(x)


def type_from_value(val: Any) -> Any:
    """The type of a runtime or fake value: tensors, SymInts, Python scalars, tuples/lists of those.

    >>> type_from_value(3.5), type_from_value(True), type_from_value(None)
    (ScalarType(float, 3.5), ScalarType(bool, True), Dyn)

    See Also
    --------
    meta_type
    """
    if isinstance(val, torch.Tensor):
        dims = tuple(val.shape)
        for d in dims:
            if type(d) is not int:
                dims = tuple(_scalar_dim(d) for d in dims)
                break
        return TensorType(dims, val.dtype)
    if isinstance(val, torch.SymInt):
        return ScalarType(int, _sym_dim(val))
    if isinstance(val, (torch.SymFloat, torch.SymBool)):
        return ScalarType(float if isinstance(val, torch.SymFloat) else bool)
    if isinstance(val, bool):
        return ScalarType(bool, val)
    if isinstance(val, (int, float)):
        return ScalarType(type(val), val)
    if isinstance(val, torch.Size):
        return tuple(ScalarType(int, _scalar_dim(d)) for d in val)
    if isinstance(val, (tuple, list)):
        return tuple(type_from_value(v) for v in val)
    return Dyn


def _tensor_meta_type(tm: Any) -> Any:
    shape, dtype = getattr(tm, "shape", None), getattr(tm, "dtype", None)
    if shape is None and isinstance(tm, (tuple, list)):
        return tuple(_tensor_meta_type(t) for t in tm)
    if shape is None:
        return Dyn
    return TensorType(tuple(_scalar_dim(d) for d in shape), dtype)


def meta_type(node: torch.fx.Node) -> Any:
    """The type recorded in a node's meta: ``val``, else dynamo's ``example_value``, else ``tensor_meta``, else Dyn.

    >>> g = torch.fx.Graph(); x = g.placeholder('x'); x.meta['val'] = torch.empty(4, 2)
    >>> meta_type(x)
    TensorType((4, 2), torch.float32)

    See Also
    --------
    type_from_value
    """
    if "val" in node.meta:
        return type_from_value(node.meta["val"])
    if "example_value" in node.meta:  # dynamo graphs
        return type_from_value(node.meta["example_value"])
    if "tensor_meta" in node.meta:
        return _tensor_meta_type(node.meta["tensor_meta"])
    return Dyn


@dataclasses.dataclass(frozen=True)
class TensorFacts:
    """What is statically known about a tensor-valued node, for rule guards.

    ``shape`` holds ints, ``None`` for unknown dimensions and ``unify.Var`` for symbolic ones
    (equal variables are equal sizes); ``shape`` itself is None when the rank is unknown.

    >>> f = TensorFacts((2, None), torch.float32)
    >>> f.ndim, f.is_static, f.is_floating_point
    (2, False, True)

    See Also
    --------
    node_tensor_facts
    """

    shape: Optional[tuple]
    dtype: Optional[torch.dtype] = None
    source: str = "type"

    @property
    def ndim(self) -> Optional[int]:
        """The rank, or None when unknown."""
        return None if self.shape is None else len(self.shape)

    @property
    def is_static(self) -> bool:
        """True when every dimension is a known int."""
        return self.shape is not None and all(isinstance(d, int) for d in self.shape)

    @property
    def is_floating_point(self) -> Optional[bool]:
        """Whether the dtype is a floating type; None when the dtype is unknown."""
        return None if self.dtype is None else self.dtype.is_floating_point

    @property
    def numel(self) -> Optional[int]:
        """The number of elements when the shape is static, else None."""
        if not self.is_static:
            return None
        n = 1
        for d in self.shape:
            n *= d
        return n


def _facts(t: Any, source: str) -> Optional[TensorFacts]:
    if not isinstance(t, TensorType):
        return None
    shape = tuple(None if d == Dyn else d for d in t.dims)
    return TensorFacts(shape, t.dtype, source)


def node_tensor_facts(node: torch.fx.Node) -> Optional[TensorFacts]:
    """Tensor facts of a node from its inferred type, else meta['val'], else meta['tensor_meta'].

    Returns None when nothing says the node is a tensor. Where the inferred type lacks the
    dtype, the dtype recorded in meta is used.

    >>> g = torch.fx.Graph(); x = g.placeholder('x')
    >>> x.meta['type'] = TensorType((Dyn, 3))
    >>> node_tensor_facts(x)
    TensorFacts(shape=(None, 3), dtype=None, source='type')
    >>> node_tensor_facts(g.placeholder('y')) is None
    True

    See Also
    --------
    TensorFacts, fxcore.types.checker.GraphTypeChecker
    """
    inferred = as_type(node.meta.get(TYPE_KEY))
    recorded = meta_type(node)
    if isinstance(inferred, TensorType):
        dtype = inferred.dtype or (recorded.dtype if isinstance(recorded, TensorType) else None)
        return _facts(inferred.with_dims(inferred.dims) if dtype is None else TensorType(inferred.dims, dtype),
                      "type")
    source = next((k for k in ("val", "example_value", "tensor_meta") if k in node.meta), "tensor_meta")
    return _facts(recorded, source)


def is_dim_var(d: Any) -> bool:
    """Whether a dimension is a symbolic variable (a ``unify.Var``)."""
    return isinstance(d, Var)
