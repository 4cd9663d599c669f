"""Binding call arguments to a canonical schema: positional vs keyword, defaults, varargs, list forms.

Canonical operand forms (documented once, relied on everywhere):

- every list or tuple (also ``torch.Size`` and FX's ``immutable_list``) becomes a tuple, recursively;
- where the schema takes an int list (``int[]``, ``int[1]?``, ``SymInt[]``) a single int becomes a
  one-element tuple: ``sum(x, dim=1)`` is ``('sum', x, (1,), False, None)``;
- ``int[N]`` with N > 1 broadcasts a single int like aten does: ``stride=2`` is ``(2, 2)`` for conv2d;
- ``self`` and ``input`` name the same first parameter in every op (torch functions say ``input=``);
- a value that means what the default means is the default: a device string is a ``torch.device``,
  ``memory_format=torch.preserve_format`` of an op that has ``MemoryFormat? memory_format=None`` is None,
  ``pin_memory=False`` is None, and a factory's (an op with no tensor argument) ``layout=torch.strided`` is None;
- a list parameter that also takes a string (``conv2d``'s ``SymInt[2]|str padding``) keeps a string as is.

>>> from fxcore.ops.model import opdef, Spelling
>>> bind(opdef("sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)"),
...      Spelling('sum'), ('x', 1), {'keepdim': True})
('x', (1,), True, None)

See Also
--------
fxcore.ops.table.OpTable.normalize_call
"""
from __future__ import annotations

from typing import Any

import torch
from torch.fx import Node

from fxcore.ops.model import ANY, NotRepresentable, OpDef, OpSignatureError, Spelling, did_you_mean

__all__ = ["bind", "bind_names", "finish", "freeze", "normalize_value", "raw_operands"]

_SELF_ALIASES = {"input": "self", "self": "input"}
_NOT_INTS = (torch.dtype, str, float, bool)


def freeze(value: Any) -> Any:
    """Turn lists (and tuple subclasses such as ``torch.Size``) into plain tuples, recursively.

    >>> freeze([1, [2, 3], (4,)])
    (1, (2, 3), (4,))

    See Also
    --------
    normalize_value
    """
    if isinstance(value, Node) or not isinstance(value, (list, tuple)):
        return value
    stack, done = [(value, False)], []  # iterative: a term nested thousands deep is no RecursionError
    while stack:
        item, ready = stack.pop()
        if ready:
            n = len(item)
            kids = done[len(done) - n:] if n else []
            del done[len(done) - n:]
            done.append(tuple(kids))
        elif isinstance(item, (list, tuple)) and not isinstance(item, Node):
            stack.append((item, True))
            stack.extend((v, False) for v in reversed(item))
        else:
            done.append(item)
    return done[0]


def normalize_value(param, value: Any) -> Any:
    """Freeze ``value`` and apply the canonical forms of ``param``'s aten type (see the module docstring).

    >>> from fxcore.ops.model import Param
    >>> normalize_value(Param('stride', 'int[2]'), 2), normalize_value(Param('dim', 'int[1]?'), 1)
    ((2, 2), (1,))
    >>> normalize_value(Param('padding', 'SymInt[2]|str'), 'same'), normalize_value(Param('device', 'Device?'), 'cpu')
    ('same', device(type='cpu'))
    >>> normalize_value(Param('memory_format', 'MemoryFormat?'), torch.preserve_format) is None
    True

    See Also
    --------
    freeze
    """
    value = freeze(value)
    n = param.list_len
    if n is not None:
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,) * max(n, 1)
        if isinstance(value, _NOT_INTS) and not (isinstance(value, str) and param.takes_str):
            raise OpSignatureError(f"parameter {param.name!r} takes {param.type}, got {value!r}; pass ints")
        return value
    kind = _SAME_AS_DEFAULT.get(param.type)
    if kind is not None and value is not None:
        if kind == "device" and isinstance(value, str):
            return torch.device(value)
        if kind == "memory_format" and value is torch.preserve_format:
            return None  # a tensor op's memory_format=None keeps the input's format
        if kind == "pin_memory" and value is False and param.name == "pin_memory":
            return None
    return value


_SAME_AS_DEFAULT = {"Device?": "device", "Device": "device", "MemoryFormat?": "memory_format", "bool?": "pin_memory"}


def _pack_varargs(args: tuple, positional: tuple, varargs: str) -> tuple:
    """Collect ``x.permute(0, 2, 1)``-style trailing positional ints into one tuple."""
    if varargs not in positional:
        return args
    i = positional.index(varargs)
    if len(args) > i + 1:
        return args[:i] + (tuple(args[i:]),)
    return args


def bind_names(op: OpDef, spelling: Spelling, args: tuple, kwargs: dict, positional=None) -> dict:
    """Bind positional and keyword arguments to parameter names (no defaults, no normalization yet).

    >>> from fxcore.ops.model import opdef, Spelling
    >>> bind_names(opdef("dropout(Tensor input, float p=0.5, bool train=True)"),
    ...            Spelling('dropout', aliases=(('training', 'train'),)), ('x',), {'training': False})
    {'input': 'x', 'train': False}

    See Also
    --------
    bind
    """
    aliases = dict(spelling.aliases)
    positional = tuple(aliases.get(n, n) for n in (positional or spelling.positional or op.param_names))
    if spelling.varargs:
        args = _pack_varargs(tuple(args), positional, spelling.varargs)
    if len(args) > len(positional):
        raise OpSignatureError(f"{op.name}() takes at most {len(positional)} positional arguments "
                               f"({', '.join(positional)}) but {len(args)} were given; check the call")
    bound = dict(zip(positional, args))
    for key in sorted(kwargs, key=str):
        name = aliases.get(key, key)
        if name in bound:
            raise OpSignatureError(f"{op.name}() got multiple values for argument {name!r}; "
                                   f"pass it either by position or by keyword")
        bound[name] = kwargs[key]
    return bound


def _apply_drop(op: OpDef, spelling: Spelling, bound: dict) -> None:
    """Remove spelling-only arguments; a non-default value makes the call not representable."""
    for name, expected in spelling.drop:
        if name in bound:
            value = bound.pop(name)
            if expected is not ANY and value != expected:
                raise NotRepresentable(f"{op.name}: {name}={value!r} has no canonical form")


def _rename_self(op: OpDef, bound: dict) -> None:
    """Accept ``input=`` for ``self`` and vice versa."""
    names = op.param_names
    for key in [k for k in bound if k not in names and _SELF_ALIASES.get(k) in names]:
        bound[_SELF_ALIASES[key]] = bound.pop(key)


def _check_names(op: OpDef, bound: dict) -> None:
    """Raise `OpSignatureError` for an unexpected keyword, with a did-you-mean."""
    names = op.param_names
    for key in bound:
        if key not in names:
            raise OpSignatureError(f"{op.name}() got an unexpected keyword argument {key!r}."
                                   f"{did_you_mean(key, names)} Its schema is {op.schema()}")


def bind(op: OpDef, spelling: Spelling, args: tuple, kwargs: dict, positional=None) -> tuple:
    """Bind a call to ``op``'s canonical schema: the operands tuple in parameter order, defaults filled.

    Raises `OpSignatureError` for arguments that do not fit and `NotRepresentable` when a
    spelling-only argument (``inplace=True`` handled elsewhere, ``return_indices=True``) has no
    canonical form.

    >>> from fxcore.ops.model import opdef, Spelling
    >>> bind(opdef("add(Tensor self, Tensor other, *, Scalar alpha=1)"), Spelling('add'), (), {'input': 1, 'other': 2})
    (1, 2, 1)

    See Also
    --------
    bind_names, normalize_value
    """
    return finish(op, spelling, bind_names(op, spelling, args, kwargs, positional))


def finish(op: OpDef, spelling: Spelling, bound: dict) -> tuple:
    """Turn a name -> value binding into the canonical operands tuple (drops, fixed, adapt, defaults).

    >>> from fxcore.ops.model import opdef, Spelling
    >>> finish(opdef("hardtanh(Tensor self, Scalar min_val=-1.0, Scalar max_val=1.0)"),
    ...        Spelling('hardtanh', fixed=(('min_val', 0.0), ('max_val', 6.0))), {'input': 'x'})
    ('x', 0.0, 6.0)

    See Also
    --------
    bind
    """
    bound = dict(bound)
    _apply_drop(op, spelling, bound)
    bound.update(dict(spelling.fixed))
    _rename_self(op, bound)
    if spelling.adapt is not None:
        bound = spelling.adapt(bound)
    _check_names(op, bound)
    out = []
    for p in op.params:
        if p.name not in bound and not p.has_default:
            raise OpSignatureError(f"{op.name}() missing required argument {p.name!r}; its schema is {op.schema()}")
        out.append(normalize_value(p, bound.get(p.name, p.default)))
    if op.factory and any(v is torch.strided for v in out):  # a factory's layout=None is strided (a tensor op's: its
        # input's)
        out = [None if v is torch.strided and p.type == "Layout?" else v for p, v in zip(op.params, out)]
    return tuple(out)


def raw_operands(args: tuple, kwargs: dict) -> tuple:
    """Operands of an op the table does not know: the frozen args, then one ``(key, value)`` per kwarg sorted by key.

    >>> raw_operands((1, [2]), {'b': 3, 'a': 4})
    (1, (2,), ('a', 4), ('b', 3))

    See Also
    --------
    fxcore.ops.node_operands
    """
    return freeze(tuple(args)) + tuple((k, freeze(kwargs[k])) for k in sorted(kwargs, key=str))
