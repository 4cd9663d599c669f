"""String parameters that take one of a few values: checked when a rule is loaded, not when it fires.

An op schema types ``gelu``'s ``approximate`` as ``str``; torch accepts only ``'none'`` and ``'tanh'``
and raises at run time for anything else. A rule that writes ``gelu(x, approximate='nonsense')`` is a
load error with the allowed values, instead of a module that fails later.

>>> check_enum_params('gelu', ('approximate',), (None, 'tanh'))
>>> check_enum_params('gelu', ('self', 'approximate'), (None, 'tahn'))
Traceback (most recent call last):
...
ValueError: gelu(...): approximate='tahn' is not one of 'none', 'tanh' (did you mean 'tanh'?)

See Also
--------
rewrite.lang.syntax.table_normalizer : calls this for every call in a pattern or replacement.
"""
from __future__ import annotations

from types import MappingProxyType

from rewrite.errors import did_you_mean

__all__ = ["ENUM_PARAMS", "check_enum_params"]

_REDUCE = ("sum", "prod", "mean", "amax", "amin")

#: (op, parameter) -> the values torch accepts (None: the parameter may be omitted / None)
ENUM_PARAMS = MappingProxyType({
    ("gelu", "approximate"): ("none", "tanh"),
    ("gelu_", "approximate"): ("none", "tanh"),
    ("gelu_backward", "approximate"): ("none", "tanh"),
    ("div", "rounding_mode"): (None, "trunc", "floor"),
    ("div_", "rounding_mode"): (None, "trunc", "floor"),
    ("floor_divide", "rounding_mode"): (None, "trunc", "floor"),
    ("conv1d", "padding"): ("same", "valid"),
    ("conv2d", "padding"): ("same", "valid"),
    ("conv3d", "padding"): ("same", "valid"),
    ("pad", "mode"): ("constant", "reflect", "replicate", "circular"),
    ("scatter_reduce", "reduce"): _REDUCE,
    ("scatter_reduce_", "reduce"): _REDUCE,
    ("index_reduce", "reduce"): ("prod", "mean", "amax", "amin"),
    ("index_reduce_", "reduce"): ("prod", "mean", "amax", "amin"),
    ("searchsorted", "side"): (None, "left", "right"),
})


def check_enum_params(op: str, param_names: tuple, operands: tuple) -> None:
    """Raise ``ValueError`` if a string operand of ``op`` is not one its parameter accepts.

    Operands that are not strings (variables, nodes, numbers) are not checked: ``conv2d``'s ``padding``
    is also an int list, and a variable may bind any value at match time.

    See Also
    --------
    ENUM_PARAMS
    """
    for name, value in zip(param_names, operands):
        allowed = ENUM_PARAMS.get((op, name))
        if allowed is None or not isinstance(value, str) or value in allowed:
            continue
        shown = ", ".join(repr(a) for a in allowed if a is not None)
        hint = did_you_mean(value, [a for a in allowed if a is not None])
        raise ValueError(f"{op}(...): {name}={value!r} is not one of {shown}" + (f" ({hint})" if hint else ""))
