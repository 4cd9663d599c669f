"""Emitting canonical ops as call_function nodes: the torch callable and how to pass operands.

An `EmitSpec` says which callable computes a canonical op and which operands it takes by
position and which by keyword. The default: ``torch.<name>``, else ``torch.nn.functional.<name>``,
else the aten packet ``torch.ops.aten.<name>``; in-place ops use the ``torch.Tensor`` method.

>>> spec = {e.op: e for e in default_emits()}['sum']
>>> spec.target is torch.sum, emit_call(spec, _opdefs()['sum'], ('x', (1,), True, None))
(True, (('x', (1,), True), {'dtype': None}))

See Also
--------
fxcore.ops.table.OpTable.call_target, fxcore.ops.table.OpTable.emit_args
"""
from __future__ import annotations

import dataclasses
import functools
import operator
from typing import Any, Optional

import torch
import torch.nn.functional as F

from fxcore.ops.schemas import default_opdefs

__all__ = ["EmitSpec", "EmitChoice", "default_emits", "emit_call", "identity"]


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
    expand: tuple = ()
    """``(canonical name, N)``: a bare int operand is passed as an N-list (aten's ``int[2] stride`` takes no
    int, where ``torch.conv2d`` broadcasts it)."""
    fixed: tuple = ()
    """``(name, value)``: arguments the target takes that the canonical op does not have, passed as these values
    (``cudnn_enabled=True`` for aten's ``batch_norm``); name them in ``positional`` or ``keywords``."""


@dataclasses.dataclass(frozen=True)
class EmitChoice:
    """Several ways to emit ``op``, picked by the kinds of its operands (an op whose callables are overloads
    told apart by an operand's type: aten's ``conv2d`` takes a padding of ints, ``conv2d.padding`` a string).

    ``options``: ``(EmitSpec, ((operand index, aten type), ...))`` pairs, tried in order; the first whose
    typed operands fit is used, else ``fallback``. ``target`` is the fallback's (for callers without operands).

    >>> import torch
    >>> c = EmitChoice('conv2d', ((EmitSpec('conv2d', torch.ops.aten.conv2d.default), ((4, 'int[2]'),)),
    ...                           (EmitSpec('conv2d', torch.ops.aten.conv2d.padding), ((4, 'str'),))),
    ...                EmitSpec('conv2d', torch.conv2d))
    >>> ops = ('x', 'w', None, [1, 1])
    >>> c.pick(ops + ([0, 0], [1, 1], 1)).target, c.pick(ops + ('same', [1, 1], 1)).target
    (<OpOverload(op='aten.conv2d', overload='default')>, <OpOverload(op='aten.conv2d', overload='padding')>)
    """

    op: str
    options: tuple
    fallback: EmitSpec

    @property
    def target(self) -> Any:
        return self.fallback.target

    def pick(self, operands: tuple) -> EmitSpec:
        for spec, typed in self.options:
            if all(i < len(operands) and value_fits(operands[i], t) for i, t in typed):
                return spec
        return self.fallback


def value_fits(value: Any, aten_type: str) -> bool:
    """Whether an operand can be passed for an aten parameter of ``aten_type``, told from its kind only.

    Strings go to ``str`` parameters only, lists to list types (one int to ``int[N]``), numbers to ``Scalar``
    and number types,
    ``None`` to optional ones; a graph node to anything but a string or a ``Scalar`` (it is taken for a
    tensor, which aten's ``Tensor`` overloads accept).

    >>> value_fits('same', 'str'), value_fits([0, 0], 'str'), value_fits(0, 'int[2]'), value_fits(None, 'int[]')
    (True, False, True, False)
    >>> value_fits(2, 'Scalar'), value_fits(2, 'Tensor'), value_fits(torch.ones(1), 'Tensor')
    (True, False, True)
    """
    optional = aten_type.endswith("?")
    base = aten_type.rstrip("?")
    if value is None:
        return optional
    if isinstance(value, torch.fx.Node):
        return base not in ("str", "Scalar")
    if base == "Tensor":
        return isinstance(value, torch.Tensor)
    if base == "str":
        return isinstance(value, str)
    if isinstance(value, (str, torch.Tensor)):
        return False
    if base.endswith("]"):  # int[2] takes one int too: the emit expands it (EmitSpec.expand)
        fixed = base[base.index("[") + 1:-1] != ""
        return isinstance(value, (list, tuple)) or (fixed and isinstance(value, int) and not isinstance(value, bool))
    return not isinstance(value, (list, tuple))


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

    >>> from fxcore.ops.model import opdef
    >>> emit_call(EmitSpec('add', torch.add), opdef("add(Tensor self, Tensor other, *, Scalar alpha=1)"), ('a', 'b', 1))
    (('a', 'b'), {'alpha': 1})

    See Also
    --------
    EmitSpec
    """
    value = dict(zip(opdef.param_names, operands))
    value.update(spec.fixed)
    for name, n in spec.expand:
        v = value.get(name)
        if isinstance(v, int) and not isinstance(v, bool):
            value[name] = [v] * n
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
    fxcore.ops.table.OpTable.call_target
    """
    out = {s.op: s for s in _special()}
    for d in default_opdefs():
        if d.name in out or d.name == "print":
            continue
        target = _default_target(d.name)
        if target is not None:
            out[d.name] = EmitSpec(d.name, target)
    return tuple(out.values())
