"""`Check`: a decomposed op of a variant checked at the matched shapes, by a trace with fake tensors of them.

A variant's pattern over the decomposed ops matches coarsely: its size-dependent literals (`Derived` markers
of the form) are variables. The check traces the op again on fake tensors of the matched operands' shapes,
strides, dtypes and devices (their ``meta['val']``), through the tables that gave the form, and wants the very
form with those literals. Answers are kept per operand signature. Without static shapes (no ``meta['val']``,
symbolic sizes) only a form with no size-dependent literal holds: its pattern already says everything.

See Also
--------
fxcore.match.variants.VariantPattern : runs the checks of a match.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.fx import Node

from unify.variable import Var

from fxcore.match.decompose import _same, specialize, trace_op
from fxcore.match.forms import Form

__all__ = ["Check"]

_MISSING = object()


@dataclass(frozen=True, eq=False)
class Check:
    """The check of one decomposed op of a variant at the matched shapes: the node captured in ``root`` must be
    what ``form.op`` on the matched operands decomposes into there (a trace with fake tensors of their
    ``meta['val']``), ``derived`` literals included. Answers are kept per operand signature."""

    form: Form
    root: Var
    operands: tuple  # (param, ('var', Var) or ('lit', value))
    derived: tuple  # (Derived marker, the variable it binds)
    table: Any = field(repr=False)
    seen: dict = field(default_factory=dict, repr=False)
    LIMIT = 256

    def holds(self, value_of) -> bool:
        """Whether the match ``value_of`` reads (variable -> value) is the op's decomposition at its shapes."""
        root = value_of(self.root)
        if not _aten_call(root):
            return False  # decomposed forms are aten graphs' (a torch-level view() is not a reshape)
        values = {p: value_of(ref[1]) if ref[0] == "var" else ref[1] for p, ref in self.operands}
        key = _signature(values)
        if key is None:  # no static shapes to trace at: only a form without size-dependent literals is sure
            return self.form.derived == 0
        expected = self.seen.get(key, _MISSING)
        if expected is _MISSING:
            if len(self.seen) >= self.LIMIT:
                self.seen.clear()
            expected = self.seen[key] = self._expected(values)
        if expected is None:
            return False
        return all(_same(_freeze(value_of(v)), expected.get(d)) for d, v in self.derived)

    def _expected(self, values: dict):
        """The `Derived` values of a trace at these operands (fake tensors of their shapes), None if not this form.

        Whether a weight needs a gradient changes some decompositions (a strided ``matmul`` copies its input
        then), and graphs do not say it reliably (``make_fx`` records parameters as not needing one): both are tried.
        """
        from torch._subclasses.fake_tensor import FakeTensorMode
        free = {p: v for p, v in values.items() if not isinstance(v, Node)}
        for grad in (None, True, False):
            try:
                with FakeTensorMode():
                    fake = {p: _fake(v, grad) if isinstance(v, Node) else v for p, v in values.items()}
            except Exception:
                return None
            for source in self.form.sources:
                concrete = trace_op(self.form.op, fake, self.table, source)
                found = None if concrete is None else specialize(self.form.generic, concrete, free)
                if found is not None:
                    return found
        return None


def _aten_call(node) -> bool:
    """An aten (or prims) overload's call, or an output of one (``getitem``)."""
    if not isinstance(node, Node):
        return False
    if node.target is operator.getitem and node.args and isinstance(node.args[0], Node):
        node = node.args[0]
    return isinstance(node.target, torch._ops.OpOverload)


def _fake(node: Node, grad: bool | None = None) -> torch.Tensor:
    """A tensor of ``node``'s ``meta['val']`` shape, strides, dtype and device (needing a gradient: as recorded, or
    ``grad`` for floating ones)."""
    val = node.meta["val"]
    out = torch.empty_strided(tuple(val.shape), tuple(val.stride()), dtype=val.dtype, device=val.device)
    wanted = val.requires_grad if grad is None else grad and (val.dtype.is_floating_point or val.dtype.is_complex)
    return out.requires_grad_(True) if wanted else out


def _signature(values: dict) -> tuple | None:
    """A hashable key of the operands: shape, strides, dtype and device of tensors, literals as they are; None when
    a tensor operand has no static ``meta['val']``."""
    out = []
    for p in sorted(values):
        v = values[p]
        if isinstance(v, Node):
            val = v.meta.get("val")
            if not isinstance(val, torch.Tensor) or not all(type(d) is int for d in (*val.shape, *val.stride())):
                return None
            out.append((p, tuple(val.shape), tuple(val.stride()), val.dtype, str(val.device)))
        else:
            try:
                hash(v)
            except TypeError:
                return None
            out.append((p, v))
    return tuple(out)


def _freeze(value):
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


