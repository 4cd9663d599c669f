"""Conversions as the canonical op ``to`` (data): ``x.to(...)`` in all its forms and the cast methods.

``x.to(torch.float16)``, ``x.to('cpu')``, ``x.to(device, dtype)``, ``x.to(dtype=...)``, ``x.half()`` and
``aten.to.dtype(x, torch.float16)`` are one op, ``to`` (aten's ``to.dtype_layout``: every argument a
keyword after ``self``); ``x.to(other)`` (another tensor's dtype and device) is ``to.other``. A rule may
write ``float(x)``, ``half(x)``, ... for ``to(x, dtype=torch.float32)``, ``to(x, dtype=torch.float16)``,
... (`cast_aliases`). ``_to_copy``, what ``make_fx`` records for a conversion, is aten's own op; a rule
over ``to`` matches it through the decomposition variants of `fxcore.match.variants`.

>>> import torch
>>> from fxcore.ops import default_table
>>> g = torch.fx.Graph(); x = g.placeholder('x')
>>> t = default_table()
>>> t.resolve_node(g.call_method('half', (x,)))[1][:2], t.resolve_node(g.call_method('to', (x, 'cpu')))[1][:4]
((x, torch.float16), (x, None, None, device(type='cpu')))

See Also
--------
fxcore.ops.spellings : the other hand-written spellings.
"""
from __future__ import annotations

import torch
from torch.fx import Node

from fxcore.ops.model import Spelling

__all__ = ["CASTS", "to_chooser", "conversion_methods", "conversion_functions", "cast_aliases"]

CASTS = (("float", torch.float32), ("double", torch.float64), ("half", torch.float16), ("bfloat16", torch.bfloat16),
         ("int", torch.int32), ("long", torch.int64), ("short", torch.int16), ("char", torch.int8),
         ("byte", torch.uint8), ("bool", torch.bool), ("cfloat", torch.complex64), ("cdouble", torch.complex128))
"""Tensor methods that convert to one dtype: ``x.half()`` is ``x.to(torch.float16)``."""

_TAIL = ("non_blocking", "copy")


def to_chooser(args: tuple, kwargs: dict):
    """``x.to(...)``: the other tensor's dtype and device (``to.other``), or a dtype, or a device then a dtype.

    >>> sp, _, _ = to_chooser(('x', torch.float16), {})
    >>> sp.op, sp.positional
    ('to', ('self', 'dtype', 'non_blocking', 'copy'))
    """
    first = args[1] if len(args) > 1 else None
    if isinstance(first, (Node, torch.Tensor)) or "other" in kwargs:
        return Spelling("to.other", positional=("self", "other", *_TAIL)), args, kwargs
    if isinstance(first, torch.dtype):
        return Spelling("to", positional=("self", "dtype", *_TAIL)), args, kwargs
    return Spelling("to", positional=("self", "device", "dtype", *_TAIL)), args, kwargs


def _cast(dtype: torch.dtype) -> Spelling:
    return Spelling("to", positional=("self", "memory_format"), fixed=(("dtype", dtype),))


def conversion_methods() -> tuple:
    """``(method name, Spelling | chooser)`` for ``x.to(...)`` and the cast methods."""
    return (("to", to_chooser), *((name, _cast(dtype)) for name, dtype in CASTS if hasattr(torch.Tensor, name)))


def conversion_functions() -> tuple:
    """The same methods called as functions (``torch.Tensor.half(x)``)."""
    return tuple((getattr(torch.Tensor, name), sp) for name, sp in conversion_methods())


def cast_aliases() -> tuple:
    """``(name, (kind, target))`` aliases a rule may write: ``half(x)`` for the call ``x.half()``."""
    return tuple((name, ("call_method", name)) for name, _ in CASTS if hasattr(torch.Tensor, name))
