"""Emitting canonical ops as call_function nodes: the torch callable and how to pass operands.

An `EmitSpec` says which callable computes a canonical op and which operands it takes by
position and which by keyword. The default: ``torch.<name>``, else ``torch.nn.functional.<name>``,
else the aten packet ``torch.ops.aten.<name>``; in-place ops use the ``torch.Tensor`` method.

>>> spec = {e.op: e for e in default_emits()}['sum']
>>> spec.target is torch.sum, emit_call(spec, _opdefs()['sum'], ('x', (1,), True, None))
(True, (('x', (1,), True), {'dtype': None}))

See Also
--------
fxcore.ops_table.OpTable.call_target, fxcore.ops_table.OpTable.emit_args
"""
from __future__ import annotations

import dataclasses
import functools
import operator
from typing import Any, Optional

import torch
import torch.nn.functional as F

from fxcore.ops_schemas import default_opdefs

__all__ = ["EmitSpec", "default_emits", "emit_call", "identity"]


@dataclasses.dataclass(frozen=True)
class EmitSpec:
    """How to call ``target`` for canonical op ``op``.

    ``positional``: canonical param names passed by position, in order (None: every param that is
    not keyword-only); ``keywords``: ``(canonical name, keyword)`` pairs passed by keyword (None: the
    keyword-only params under their own names).

    >>> EmitSpec('relu', torch.relu).positional is None
    True

    See Also
    --------
    emit_call
    """

    op: str
    target: Any
    positional: Optional[tuple] = None
    keywords: Optional[tuple] = None


def identity(x):
    """Return ``x`` unchanged: the call target of the canonical ``identity`` op (``nn.Identity``).

    >>> identity(3)
    3

    See Also
    --------
    torch.nn.Identity
    """
    return x


def emit_call(spec: EmitSpec, opdef, operands: tuple) -> tuple:
    """``(args, kwargs)`` for calling ``spec.target`` on canonical ``operands`` of ``opdef``.

    >>> from fxcore.ops_model import opdef
    >>> emit_call(EmitSpec('add', torch.add), opdef("add(Tensor self, Tensor other, *, Scalar alpha=1)"), ('a', 'b', 1))
    (('a', 'b'), {'alpha': 1})

    See Also
    --------
    EmitSpec
    """
    value = dict(zip(opdef.param_names, operands))
    positional = spec.positional
    if positional is None:
        positional = tuple(p.name for p in opdef.params if not p.kwarg_only)
    keywords = spec.keywords
    if keywords is None:
        keywords = tuple((p.name, p.name) for p in opdef.params if p.kwarg_only)
    return tuple(value[n] for n in positional), {kw: value[n] for n, kw in keywords}


def _opdefs() -> dict:
    return {d.name: d for d in default_opdefs()}


_BN = ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps")
_VAR = (("self", "dim"), (("correction", "correction"), ("keepdim", "keepdim")))


def _special() -> list:
    """Ops whose callable or calling convention differs from the default rule."""
    aten = torch.ops.aten
    return [
        EmitSpec("max.dim", torch.max), EmitSpec("min.dim", torch.min),
        EmitSpec("getitem", operator.getitem), EmitSpec("setitem", operator.setitem),
        EmitSpec("identity", identity), EmitSpec("size", aten.sym_size.int),
        EmitSpec("batch_norm", F.batch_norm, positional=_BN),
        EmitSpec("var", torch.var, positional=_VAR[0], keywords=_VAR[1]),
        EmitSpec("std", torch.std, positional=_VAR[0], keywords=_VAR[1]),
        EmitSpec("slice", aten.slice.Tensor), EmitSpec("embedding", torch.embedding),
        EmitSpec("dropout", torch.dropout), EmitSpec("_assert", torch._assert),
        EmitSpec("norm", torch.linalg.vector_norm, positional=("self", "p", "dim", "keepdim")),
        EmitSpec("bernoulli", aten.bernoulli.default), EmitSpec("bernoulli.p", aten.bernoulli),
    ]


def _default_target(name: str):
    """``torch.<name>``, then ``F.<name>``, then ``torch.Tensor.<name>`` for in-place ops, then aten."""
    if name.endswith("_") and hasattr(torch.Tensor, name):
        return getattr(torch.Tensor, name)
    for ns in (torch, F):
        fn = getattr(ns, name, None)
        if callable(fn) and not isinstance(fn, type):
            return fn
    return getattr(torch.ops.aten, name, None) if "." not in name else None


@functools.lru_cache(maxsize=None)
def default_emits() -> tuple:
    """The standard `EmitSpec` for every canonical op that can be emitted, in table order.

    >>> {e.op: e for e in default_emits()}['linear'].target is F.linear
    True

    See Also
    --------
    fxcore.ops_table.OpTable.call_target
    """
    out = {s.op: s for s in _special()}
    for d in default_opdefs():
        if d.name in out or d.name == "print":
            continue
        target = _default_target(d.name)
        if target is not None:
            out[d.name] = EmitSpec(d.name, target)
    return tuple(out.values())
