"""torch's symbolic refinement (``Refine``, ``infer_symbolic_types``) over ``node.type``: the drop-in answers.

torch's algorithm, on the types the checker wrote to ``node.type`` (torch's views):

1. every ``Dyn`` in a node type becomes a fresh variable ``~0, ~1, ...`` in graph order;
2. each op states equalities between dimensions of its input and output types (`Equality`
   values, in torch's orientation): conv2d and linear the batch dimension, batch_norm and relu
   every dimension, 2-d pools the leading dimensions, add the dimensions its operands share after
   broadcasting, flatten those outside the flattened range;
3. the equalities are unified and the most general unifier substituted into every node type;
   `infer_symbolic_types_torch` does this twice, then turns variables into sympy symbols and
   writes a conv2d output's spatial sizes as sympy expressions (``floor(~0) - 4``).

Rules are keyed by canonical op, so every spelling of an op is covered. Two corrections to torch's
rules, where its equalities would relate sizes that differ at run time: the pools relate all but the
spatial dimensions (torch: the first two, even for an unbatched input) and flatten relates the
dimensions after the range by their position in each type. Our own, more precise symbolic
inference is `fxcore.types.infer_types` with ``symbolic=True`` (what `Refine.refine` returns).

>>> import torch
>>> from fxcore.types import GraphTypeChecker, TensorType
>>> gm = torch.fx.symbolic_trace(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 4)))
>>> _ = GraphTypeChecker({'input_1': TensorType((Dyn, 3))}, gm).type_check()
>>> infer_symbolic_types_torch(gm)
>>> [n.type.dims for n in gm.graph.nodes], type(gm.graph.output_node().type.dims[0]).__name__
([(~2, 3), (~2, 3), (~2, 4), (~2, 4)], 'Symbol')

See Also
--------
fxcore.types.refine : `Refine` and `infer_symbolic_types`, which run this and our own inference.
"""
from __future__ import annotations

import dataclasses
import itertools
import operator
from typing import Any, Callable, Optional

import torch.fx
from torch.fx.experimental.refinement_types import Equality as _TorchEquality

from unify import Var, reify, unify

from .errors import GradualTypeError
from .infer import gc_paused
from .meta import WRITTEN_KEY
from .relations import broadcast_types
from .resolve import CallResolver
from .tensor_types import Dyn, TensorType, as_type

__all__ = ["Equality", "TorchRefinement", "infer_symbolic_types_torch", "solve_equalities"]

_CALLS = frozenset({"call_function", "call_method", "call_module"})


@dataclasses.dataclass(frozen=True, eq=False)
class Equality:
    """``lhs = rhs`` between two dimensions; equal to torch's ``Equality`` with the same sides.

    >>> Equality(2, 2) == _TorchEquality(2, 2), Equality(2, 2) == Equality(2, 3)
    (True, False)
    """

    lhs: Any
    rhs: Any

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Equality, _TorchEquality)):
            return self.lhs == other.lhs and self.rhs == other.rhs
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Equality, self.lhs, self.rhs))

    def __repr__(self) -> str:
        return f"{self.lhs} = {self.rhs}"


def _tensor(t: Any) -> Optional[TensorType]:
    t = as_type(t) if not isinstance(t, (TensorType, Var)) else t
    return t if isinstance(t, TensorType) else None


def _same_dims(pairs) -> list:
    return [Equality(a, b) for a, b in pairs]


def _batch(arg: TensorType, out: TensorType, operands: tuple) -> list:
    return [Equality(arg.dims[0], out.dims[0])] if arg.rank and out.rank else []


def _all(arg: TensorType, out: TensorType, operands: tuple) -> list:
    return _same_dims(zip(arg.dims, out.dims))


def _conv2d_batch(arg: TensorType, out: TensorType, operands: tuple) -> list:
    return _batch(arg, out, operands) if arg.rank == 4 else []  # unbatched: dim 0 is the channels


def _leading(arg: TensorType, out: TensorType, operands: tuple) -> list:
    return _same_dims(zip(arg.dims[:arg.rank - 2], out.dims[:out.rank - 2]))


def _flatten(arg: TensorType, out: TensorType, operands: tuple) -> list:
    if arg.rank == 0:
        return []
    start, end = (operator.index(v) % arg.rank for v in operands[1:3])
    pairs = list(zip(out.dims[:start], arg.dims[:start])) + list(zip(out.dims[start + 1:], arg.dims[end + 1:]))
    return _same_dims(pairs)


_UNARY: dict[str, Callable] = {"conv2d": _conv2d_batch, "linear": _batch, "batch_norm": _all, "relu": _all,
                               "max_pool2d": _leading, "adaptive_avg_pool2d": _leading, "flatten": _flatten}


def _add(node: torch.fx.Node, operands: tuple) -> list:
    a, b = operands[0], operands[1]
    if not (isinstance(a, torch.fx.Node) and isinstance(b, torch.fx.Node)):
        return []
    t1, t2, out = _tensor(a.type), _tensor(b.type), _tensor(node.type)
    if t1 is None or t2 is None or out is None:
        return []
    a1, a2 = broadcast_types(t1, t2)
    return [Equality(x, z) for x, y, z in zip(a1.dims, a2.dims, out.dims) if x == y]


def _fresh_dims(t: Any, counter: Any) -> Any:
    if t is None or t == Dyn:
        return Var(next(counter))
    if isinstance(t, TensorType):
        return t.with_dims(Var(next(counter)) if d == Dyn else d for d in t.dims)
    if isinstance(t, (list, tuple)):
        return type(t)(_fresh_dims(e, counter) for e in t)
    tt = _tensor(t)  # torch.fx.tensor_type's TensorType
    return _fresh_dims(tt, counter) if tt is not None else t


def _set_type(node: torch.fx.Node, t: Any) -> None:
    object.__setattr__(node, "type", t)  # as infer.write_types: FX's __setattr__ re-files the node, superlinearly
    node.meta[WRITTEN_KEY] = t  # ours, not a type set by hand


class TorchRefinement:
    """One of torch's refinement passes over ``node.type``: fresh variables for ``Dyn``, equalities per op."""

    def __init__(self, gm: torch.fx.GraphModule, resolver: CallResolver) -> None:
        self.gm, self.resolver = gm, resolver
        self.constraints: list = []
        self._counter = itertools.count()

    def refine(self) -> list:
        """Replace unknown dimensions with fresh variables and collect the equalities; returns them."""
        for node in self.gm.graph.nodes:
            if node.op == "output":
                _set_type(node, torch.fx.node.map_arg(node.args[0], lambda a: a.type))
                continue
            _set_type(node, _fresh_dims(node.type, self._counter))
            if node.op in _CALLS:
                self.constraints += self._equalities(node)
        return self.constraints

    def _equalities(self, node: torch.fx.Node) -> list:
        op, operands, _ = self.resolver(node)
        if op == "add":
            return _add(node, operands)
        rule = _UNARY.get(op) if isinstance(op, str) else None
        if rule is None or not operands or not isinstance(operands[0], torch.fx.Node):
            return []
        arg, out = _tensor(operands[0].type), _tensor(node.type)
        return rule(arg, out, operands) if arg is not None and out is not None else []

    def symbolic_relations(self) -> None:
        """Variables become sympy symbols; a conv2d output's spatial sizes become expressions of its input's."""
        import sympy

        for node in self.gm.graph.nodes:
            if node.op == "output":
                _set_type(node, torch.fx.node.map_arg(node.args[0], lambda a: a.type))
                continue
            _set_type(node, _to_sympy(node.type, sympy))
            if node.op in _CALLS:
                op, operands, _ = self.resolver(node)
                if op == "conv2d":
                    self._conv_relation(node, operands)

    def _conv_relation(self, node: torch.fx.Node, operands: tuple) -> None:
        x, out = operands[0], _tensor(node.type)
        arg = _tensor(x.type) if isinstance(x, torch.fx.Node) else None
        kernel = self._kernel(operands[1])
        if arg is None or out is None or arg.rank != 4 or out.rank != 4 or kernel is None:
            return
        stride, padding, dilation = (_pair(v) for v in operands[3:6])
        dims = tuple(_conv_dim(arg.dims[2 + i], kernel[i], stride[i], padding[i], dilation[i]) for i in range(2))
        _set_type(node, out.with_dims(out.dims[:2] + dims))

    def _kernel(self, weight: Any) -> Optional[tuple]:
        if isinstance(weight, torch.fx.Node):
            t = _tensor(weight.type)
            return tuple(t.dims[2:]) if t is not None and t.rank == 4 else None
        qualname = getattr(weight, "qualname", None)
        if not isinstance(qualname, str):
            return None
        w = operator.attrgetter(qualname)(self.gm)
        return tuple(w.shape[2:]) if w.dim() == 4 else None


def _pair(v: Any) -> tuple:
    if isinstance(v, str):
        return (v, v)
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    return v * 2 if len(v) == 1 else v


def _conv_dim(d: Any, k: Any, s: int, p: Any, dil: int) -> Any:
    """torch's output-size formula on an int, a sympy expression or Dyn (padding 'same' keeps the size)."""
    if d == Dyn or not isinstance(k, int):
        return Dyn
    if p == "same":
        return d
    p = 0 if p == "valid" else p
    return (d + 2 * p - dil * (k - 1) - 1) // s + 1


def _to_sympy(t: Any, sympy: Any) -> Any:
    if isinstance(t, Var):
        return sympy.symbols(str(t))
    if isinstance(t, TensorType):
        return t.with_dims(_to_sympy(d, sympy) for d in t.dims)
    if isinstance(t, (list, tuple)):
        return type(t)(_to_sympy(e, sympy) for e in t)
    return t


def solve_equalities(constraints: list) -> dict:
    """The most general unifier of the equalities; raises `GradualTypeError` naming the first that fails."""
    s = unify(tuple(c.lhs for c in constraints), tuple(c.rhs for c in constraints), {})
    if s is not False:
        return s
    s = {}
    for c in constraints:
        s2 = unify(c.lhs, c.rhs, s)
        if s2 is False:
            raise GradualTypeError(f"the dimension equality {c} cannot hold ({reify(c.lhs, s)} != {reify(c.rhs, s)})",
                                   hint="the graph's types contradict each other: run GraphTypeChecker first")
        s = s2
    return s


def _substitute(t: Any, s: dict) -> Any:
    if isinstance(t, Var):
        return reify(t, s)
    if isinstance(t, TensorType):
        return t.with_dims(reify(d, s) if isinstance(d, Var) else d for d in t.dims)
    if isinstance(t, (list, tuple)):
        return type(t)(_substitute(e, s) for e in t)
    return t


def substitute_all(gm: torch.fx.GraphModule, s: dict) -> None:
    """Apply a unifier to every ``node.type``."""
    if s:
        for node in gm.graph.nodes:
            _set_type(node, _substitute(node.type, s))


def infer_symbolic_types_torch(gm: torch.fx.GraphModule, resolver: Optional[CallResolver] = None) -> None:
    """torch's ``infer_symbolic_types``: two refinement passes, each solved and substituted, then sympy relations."""
    if resolver is None:
        from fxcore.ops import default_table

        resolver = CallResolver(default_table(), gm)
    with gc_paused():
        for _ in range(2):
            r = TorchRefinement(gm, resolver)
            substitute_all(gm, solve_equalities(r.refine()))
        r.symbolic_relations()
