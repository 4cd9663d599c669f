"""Op schemas read from torch's own registry (``OpOverload._schema``): parameters, defaults, effects.

Every operator of a ``torch.library`` namespace (``aten``, or your own ``mylib``) has a schema torch
keeps with it; this module turns one into the frozen values of `fxcore.ops.model`:

- `overload_params`: the `Param` values, in order: aten type strings (``SymInt[2]``, ``Tensor?``,
  ``ScalarType?``) without alias annotations, keyword-only split, defaults as Python values (enum
  defaults, which torch stores as ints, as the ``torch.dtype`` / ``torch.memory_format`` /
  ``torch.layout`` they stand for);
- `overload_effects`: whether a call has effects, read from the schema: it writes into an argument
  (an alias annotation with ``!``), it is random (the ``nondeterministic_seeded`` tag), or it returns
  nothing (an assert, a print);
- `overload_opdef`: both, as an `OpDef` named as you say, with ``inplace_of`` for a mutating ``name_``.

>>> import torch
>>> d = overload_opdef("gelu", torch.ops.aten.gelu.default)
>>> d.schema(), d.impure
("gelu(Tensor self, *, str approximate='none')", False)
>>> overload_opdef("add_", torch.ops.aten.add_.Tensor).inplace_of
'add'
>>> overload_effects(torch.ops.aten.rand_like.default), overload_effects(torch.ops.aten._assert_async.msg)
(True, True)

See Also
--------
fxcore.ops.torch_ops.TorchOps : every op of a namespace, named and spelled, from these.
fxcore.ops.model.opdef : the same values from a hand-written schema string.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import torch

from fxcore.ops.model import _TYPE, REQUIRED, OpDef, Param, _split_top

__all__ = ["overload_params", "overload_effects", "overload_opdef", "is_out_overload", "value_kind",
           "enum_value", "readable", "canonical_overload"]

_ARGS = re.compile(r"^[\w:]+(?:\.\w+)?\((.*)\) -> .*$", re.S)
_ALIAS = re.compile(r"\(\w+(?:!|\s*->\s*\*)?\)")  # Tensor(a), Tensor(a!), Tensor(a -> *)
_ARG = re.compile(r"^\s*(?P<type>.+?)\s+(?P<name>\w+)\s*(?:=.*)?$", re.S)
_MEMORY_FORMATS = (torch.contiguous_format, torch.preserve_format, torch.channels_last, torch.channels_last_3d)
"""c10::MemoryFormat in enum order (a test checks it against aten's own ``empty``)."""


def is_out_overload(overload) -> bool:
    """True for an ``out=`` overload (it writes its result into an argument): never a canonical op.

    >>> is_out_overload(torch.ops.aten.add.out), is_out_overload(torch.ops.aten.add.Tensor)
    (True, False)
    """
    schema = getattr(overload, "_schema", None)
    return schema is not None and any(a.is_out for a in schema.arguments)


@functools.lru_cache(maxsize=64)
def _dtype_of(index: int) -> torch.dtype:
    """The dtype of c10::ScalarType ``index``, as aten itself reads it (a meta tensor costs nothing)."""
    return torch.ops.aten.empty.memory_format([0], dtype=index, device="meta").dtype


def enum_value(real_type: str, value: Any) -> Any:
    """A schema default as Python sees it: torch stores enum defaults as ints (``ScalarType? dtype=4``).

    >>> enum_value("Optional[ScalarType]", 4), enum_value("MemoryFormat", 0), enum_value("int", 4)
    (torch.int64, torch.contiguous_format, 4)

    See Also
    --------
    overload_params
    """
    if not isinstance(value, int) or isinstance(value, bool):
        return tuple(value) if isinstance(value, list) else value
    if "ScalarType" in real_type:
        return _dtype_of(value)
    if "MemoryFormat" in real_type:
        return _MEMORY_FORMATS[value]
    if "Layout" in real_type:
        return torch.strided if value == 0 else torch.ops.aten.empty.memory_format(
            [0], layout=value, device="meta").layout
    return value


def _arg_types(schema) -> list[str]:
    """The aten type string of each argument, alias annotations removed (``Tensor(a!)`` is ``Tensor``)."""
    m = _ARGS.match(str(schema))
    if m is None:
        raise ValueError(f"cannot read the schema {schema}")
    out = []
    for part in _split_top(m.group(1)):
        if part.strip() == "*":
            continue
        found = _ARG.match(_ALIAS.sub("", part))
        if found is None:
            raise ValueError(f"cannot read the argument {part.strip()!r} of {schema}")
        type_ = found.group("type").replace(" ", "")
        if not re.fullmatch(_TYPE, type_):
            raise ValueError(f"{schema}: the type {type_!r} is TorchScript's, not a tensor program's")
        out.append(type_)
    return out


@functools.lru_cache(maxsize=None)
def overload_params(overload) -> tuple:
    """The `Param` values of an overload's schema, in order (see the module docstring).

    >>> [(p.name, p.type, p.default) for p in overload_params(torch.ops.aten.max_pool2d.default)][1:3]
    [('kernel_size', 'int[2]', REQUIRED), ('stride', 'int[2]', ())]
    >>> overload_params(torch.ops.aten.view.default)[0].type  # Tensor(a) self: an alias, still a Tensor
    'Tensor'

    See Also
    --------
    overload_opdef
    """
    schema = overload._schema
    types = _arg_types(schema)
    if len(types) != len(schema.arguments):
        raise ValueError(f"cannot read the arguments of {schema}")
    params = []
    for a, type_ in zip(schema.arguments, types):
        default = enum_value(str(a.real_type), a.default_value) if a.has_default_value() else REQUIRED
        params.append(Param(a.name, type_, default, a.kwarg_only))
    return tuple(params)


def overload_effects(overload) -> bool:
    """Whether calling the overload has an effect beyond its result, as its schema says.

    It writes into an argument (``Tensor(a!) self``), it draws random numbers (the
    ``nondeterministic_seeded`` tag), or it returns nothing (``_assert_async``: an effect or nothing).

    >>> overload_effects(torch.ops.aten.relu_.default), overload_effects(torch.ops.aten.relu.default)
    (True, False)

    See Also
    --------
    overload_opdef
    """
    schema = overload._schema
    return bool(schema.is_mutable or torch.Tag.nondeterministic_seeded in overload.tags or not schema.returns)


def overload_opdef(name: str, overload, *, inplace_of: str | None = None, **facts) -> OpDef:
    """The `OpDef` of canonical op ``name`` read from ``overload``'s schema; ``facts`` as for `OpDef`.

    A mutating overload of a packet whose name ends in ``_`` is in-place: ``inplace_of`` defaults to
    the name without the ``_`` (``add_`` of ``add``). A random op whose randomness a flag turns off
    (dropout's ``train``, attention's ``dropout_p``) is impure only when that operand is truthy
    (``impure_if``), as `OpDef` has it.

    >>> overload_opdef("mul", torch.ops.aten.mul.Tensor, commutative=(0, 1)).commutative
    (0, 1)
    >>> d = overload_opdef("scaled_dot_product_attention", torch.ops.aten.scaled_dot_product_attention.default)
    >>> d.impure, d.impure_if
    (False, ('dropout_p',))

    See Also
    --------
    overload_params, overload_effects
    """
    params = overload_params(overload)
    impure = overload_effects(overload)
    base = overload.overloadpacket.__name__
    if inplace_of is None and impure and overload._schema.is_mutable and base.endswith("_") and \
            not base.endswith("__"):
        inplace_of = name[:-1] if name.endswith("_") else None
    seeded_only = impure and not overload._schema.is_mutable and overload._schema.returns
    flags = tuple(p.name for p in params if p.name in _RANDOM_FLAGS)
    if seeded_only and flags and "impure_if" not in facts:
        impure, facts["impure_if"] = False, flags
    return OpDef(name, params, impure=impure or facts.pop("impure", False), inplace_of=inplace_of,
                 overload=overload, **facts)


_RANDOM_FLAGS = ("train", "dropout_p")
"""Parameters that switch a random op's randomness off when falsy (``dropout(x, p, train=False)`` is ``x``)."""


_KINDS = {"Tensor": "value", "Scalar": "value", "SymInt": "int", "int": "int", "Any": "any"}


def value_kind(type_: str) -> str:
    """The kind of value an aten type takes, for telling overloads apart: ``Tensor`` and ``Scalar`` are one
    kind (``add.Tensor`` and ``add.Scalar`` are one op), ``int`` and ``SymInt`` another, lists by element.

    >>> value_kind("Tensor?"), value_kind("Scalar"), value_kind("SymInt[2]"), value_kind("int[]?")
    ('value', 'value', 'list:int', 'list:int')

    See Also
    --------
    fxcore.ops.torch_ops.TorchOps
    """
    if "|" in type_:
        return "any"
    base = type_.rstrip("?")
    m = re.fullmatch(r"(\w+)\[\d*\]\??", base)
    if m is not None:
        return "list:" + _KINDS.get(m.group(1), m.group(1))
    return _KINDS.get(base, base)


def readable(overload) -> bool:
    """Whether `overload_params` can read the overload's schema (TorchScript's ``Dict(str, t)`` overloads: no).

    >>> readable(torch.ops.aten.add.Tensor), readable(torch.ops.aten.copy.Dict_str)
    (True, False)
    """
    try:
        overload_params(overload)
    except ValueError:
        return False
    return True


def _tensor_first(overload) -> bool:
    args = overload._schema.arguments
    return bool(args) and str(args[0].type) in ("Tensor", "Optional[Tensor]", "List[Tensor]")


def canonical_overload(overloads, pick: str | None = None):
    """The canonical overload among a packet's ``overloads`` (none an ``out=`` one): the one named ``pick``, else
    ``default``, ``Tensor`` or the first of those taking a tensor first (TorchScript's scalar and list overloads,
    ``add.int``, come after them).

    >>> p = torch.ops.aten.add
    >>> canonical_overload([getattr(p, o) for o in ("int", "Scalar", "Tensor")])
    <OpOverload(op='aten.add', overload='Tensor')>

    See Also
    --------
    fxcore.ops.torch_ops.TorchOps
    """
    overloads = list(overloads)
    for ov in overloads:
        if pick is not None and ov._overloadname == pick:
            return ov
    pool = [ov for ov in overloads if _tensor_first(ov)] or overloads
    by_name = {ov._overloadname: ov for ov in pool}
    return by_name.get("default") or by_name.get("Tensor") or pool[0]
