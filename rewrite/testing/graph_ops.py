"""The ops `fx_graphs` can put in a random graph: how to draw each one's other operands for a given first one.

Each `GraphOp` knows, for a value of some shape and dtype, how to draw the rest of a call (dims that exist,
a permutation of the right length, a shape of the same size, a literal of the value's kind, another value
that broadcasts); `fx_graphs` then checks the call on meta tensors, so a drawn call that would not run is
never put in a graph. ``fresh`` ops make new storage (in-place ops may write it); views and may-alias ops
share their operand's; ``writes`` ops write their first operand in place.

>>> sorted(GRAPH_OPS)[:4]
['abs', 'add', 'add_', 'amax']
>>> GRAPH_OPS['transpose'].fresh, GRAPH_OPS['add_'].writes
(False, True)
>>> full_operands('add', ('x', 1.0))
('x', 1.0, 1)

See Also
--------
rewrite.testing.graphs.fx_graphs
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from hypothesis import strategies as st

from fxcore.ops import default_table
from fxcore.ops.model import REQUIRED

__all__ = ["GraphOp", "GRAPH_OPS", "DEFAULT_OPS", "INPLACE_OPS", "literals_for", "full_operands"]

FLOAT_LITERALS = (1.0, 0.0, 2.0, -0.0, 0.5, -1.5)
INT_LITERALS = (1, 0, 2, -1)


def literals_for(dtype: torch.dtype) -> st.SearchStrategy:
    """Python literals of ``dtype``'s kind, with the neutral elements rules look for (0, 1, -0.0) first.

    >>> literals_for(torch.int64)
    sampled_from((1, 0, 2, -1))
    """
    if dtype == torch.bool:
        return st.booleans()
    if dtype.is_floating_point or dtype.is_complex:
        return st.sampled_from(FLOAT_LITERALS)
    return st.sampled_from(INT_LITERALS)


def full_operands(name: str, operands: tuple, table=None) -> tuple:
    """``operands`` followed by the defaults of ``name``'s remaining schema parameters (a canonical term's tail).

    >>> full_operands('sum', ('x', (1,)))
    ('x', (1,), False, None)
    """
    params = (default_table() if table is None else table).op(name).params
    tail = tuple(p.default for p in params[len(operands):])
    if any(d is REQUIRED for d in tail):
        raise ValueError(f"{name} needs {len(params)} operands, got {len(operands)}")
    return tuple(operands) + tail


@dataclass(frozen=True)
class GraphOp:
    """A canonical op `fx_graphs` can emit: ``rest(draw, first, values)`` draws the operands after the first.

    ``first`` is a meta tensor (the first operand's shape and dtype); ``values`` are the meta tensors of the
    graph's values so far, as ``(index, meta)`` pairs, for ops that take a second tensor.
    """

    name: str
    rest: Callable
    fresh: bool = True
    writes: bool = False


def _none(draw, first, values):
    return ()


def _dim(draw, first, extra=0):
    rank = max(first.dim(), 1)
    return draw(st.integers(-rank - extra, rank - 1 + extra))


def _other(draw, first, values):
    """A literal of the first operand's kind, or (an index into) another value of the graph."""
    if not values or draw(st.booleans()):
        return (draw(literals_for(first.dtype)),)
    return (Other(draw(st.sampled_from([i for i, _ in values]))),)


@dataclass(frozen=True)
class Other:
    """A reference to the graph's value number ``index`` among the operands drawn (resolved by fx_graphs)."""

    index: int


def _reshape(draw, first, values):
    shape = tuple(first.shape)
    choices = [(-1,), tuple(reversed(shape)), shape + (1,), (1,) + shape, (first.numel(),)]
    return (draw(st.sampled_from(choices)),)


def _reduce(draw, first, values):
    return ((_dim(draw, first),), draw(st.booleans()))


def _setitem(draw, first, values):
    index = draw(st.integers(-first.shape[0], first.shape[0] - 1)) if first.dim() and first.shape[0] else ()
    return (index, draw(literals_for(first.dtype)))


_UNARY = ("neg", "relu", "sigmoid", "tanh", "exp", "abs", "sin", "cos", "sqrt", "log", "reciprocal", "square")
_BINARY = ("add", "sub", "mul", "div", "maximum", "minimum")
_VIEWS = {
    "transpose": lambda draw, first, values: (_dim(draw, first), _dim(draw, first)),
    "permute": lambda draw, first, values: (tuple(draw(st.permutations(range(first.dim())))),),
    "unsqueeze": lambda draw, first, values: (_dim(draw, first, extra=1),),
    "squeeze": lambda draw, first, values: ((_dim(draw, first),),),
    "t": _none,
    "reshape": _reshape,
    "contiguous": _none,
}
_FRESH = {"sum": _reduce, "mean": _reduce, "amax": _reduce, "clone": _none}

GRAPH_OPS = {op.name: op for op in (
    *(GraphOp(name, _none) for name in _UNARY),
    *(GraphOp(name, _other) for name in _BINARY),
    *(GraphOp(name, rest, fresh=False) for name, rest in _VIEWS.items()),
    *(GraphOp(name, rest) for name, rest in _FRESH.items()),
    GraphOp("add_", _other, writes=True),
    GraphOp("mul_", _other, writes=True),
    GraphOp("setitem", _setitem, writes=True),
)}
GRAPH_OPS = dict(sorted(GRAPH_OPS.items()))

INPLACE_OPS = ("add_", "mul_", "setitem")
DEFAULT_OPS = ("neg", "relu", "sigmoid", "tanh", "exp", "abs", "add", "sub", "mul", "div", "maximum",
               "transpose", "permute", "reshape", "unsqueeze", "t", "contiguous", "sum", "mean", "clone")
