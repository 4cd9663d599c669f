"""Frozen data model of the canonical op vocabulary: `Param`, `OpDef`, `Attr`, `Spelling`, errors.

A canonical op is described by an aten-style schema string, parsed here into a
frozen `OpDef`, e.g. ``opdef("sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)")``.

See Also
--------
fxcore.ops : the public front (`default_table`, `canonical_op`, `node_operands`, ...).
fxcore.ops.table.OpTable : the registry built from these values.
"""
from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import re
from typing import Any, Callable, Optional

import torch

__all__ = [
    "REQUIRED", "ANY", "Attr", "Unresolved", "Param", "OpDef", "Spelling", "ModuleSpelling", "opdef", "parse_params",
    "OpsError", "UnknownOpError", "OpSignatureError", "OpSchemaError", "NotRepresentable", "did_you_mean",
]


class _Sentinel:
    """A named singleton marker (hashable, readable repr)."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self):
        return self._name


REQUIRED = _Sentinel("REQUIRED")
"""Default of a parameter that has no default value."""
ANY = _Sentinel("ANY")
"""In `Spelling.drop`: any value of the dropped argument is accepted."""


class OpsError(Exception):
    """Base class of the errors raised by `fxcore.ops`."""


class UnknownOpError(OpsError, KeyError):
    """An op name the table does not know (the message suggests close names)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class OpSignatureError(OpsError, TypeError):
    """Arguments that do not fit an op's canonical schema (bad keyword, missing or extra argument)."""


class OpSchemaError(OpsError, ValueError):
    """A malformed schema string given to `opdef`."""


class NotRepresentable(OpsError):
    """Raised by a spelling adapter when a call cannot be expressed by the canonical op (internal)."""


def did_you_mean(name: str, candidates) -> str:
    """Return a ``" Did you mean 'x'?"`` hint for the closest candidates, or ``""``.

    >>> did_you_mean('sigmod', ['sigmoid', 'sign', 'silu'])
    " Did you mean 'sigmoid' or 'sign'?"

    See Also
    --------
    difflib.get_close_matches
    """
    close = difflib.get_close_matches(str(name), sorted(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


@dataclasses.dataclass(frozen=True)
class Attr:
    """A module parameter or buffer seen as an operand, named by its qualified attribute path.

    >>> Attr('conv1.weight')
    Attr('conv1.weight')
    >>> Attr('fc.bias') == Attr('fc.bias') and hash(Attr('a')) == hash(Attr('a'))
    True

    See Also
    --------
    fxcore.ops.node_operands : where call_module parameters appear as `Attr` values.
    """

    qualname: str

    def __repr__(self) -> str:
        return f"Attr({self.qualname!r})"


@dataclasses.dataclass(frozen=True)
class Unresolved:
    """The op of an unknown call whose bare target would read as a canonical name (never equal to a str).

    Used for a call_method whose name is a canonical op but whose arguments do not fit it
    (``x.view(torch.float16)``), and for a call_module node whose graph has no owning module.

    >>> Unresolved('call_method', 'view') == 'view'
    False

    See Also
    --------
    fxcore.ops.canonical_op
    """

    kind: str
    target: Any


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a canonical schema: name, aten type string, default, keyword-only flag.

    >>> Param('keepdim', 'bool', False).has_default
    True

    See Also
    --------
    OpDef, opdef
    """

    name: str
    type: str = "Any"
    default: Any = REQUIRED
    kwarg_only: bool = False

    @property
    def has_default(self) -> bool:
        """True when the parameter may be omitted."""
        return self.default is not REQUIRED

    @functools.cached_property
    def list_len(self) -> Optional[int]:
        """For ``int[N]``-like types the length N (0 for ``int[]``); None for other types.

        A union such as ``SymInt[2]|str`` (conv's padding: ints or ``'same'``) has its list's length.
        """
        for part in self.type.split("|"):
            m = re.fullmatch(r"(?:int|SymInt)\[(\d*)\]\??", part)
            if m is not None:
                return int(m.group(1) or 0)
        return None

    @functools.cached_property
    def takes_str(self) -> bool:
        """True when the type admits a string (``str``, ``str?``, or a union with ``str``)."""
        return any(part.rstrip("?") == "str" for part in self.type.split("|"))


@dataclasses.dataclass(frozen=True)
class OpDef:
    """The canonical definition of one op: name, params, algebraic and effect facts.

    - ``commutative``: positions of operands that may be swapped (e.g. ``(0, 1)``), () if none;
      ``commutative_if``: (param, value) pairs that must hold (add: alpha == 1).
    - ``impure``: always impure (in-place, random, I/O); ``impure_if``: names of params that make a
      call impure when their operand is truthy or not a literal (dropout's ``train``).
    - ``inplace_of``: for in-place ops ('add_') the functional op name ('add').

    >>> d = opdef("add(Tensor self, Tensor other, *, Scalar alpha=1)", commutative=(0, 1))
    >>> d.name, d.param_names, d.commutative
    ('add', ('self', 'other', 'alpha'), (0, 1))

    See Also
    --------
    opdef, fxcore.ops.table.OpTable
    """

    name: str
    params: tuple = ()
    commutative: tuple = ()
    commutative_if: tuple = ()
    impure: bool = False
    impure_if: tuple = ()
    inplace_of: Optional[str] = None
    doc: str = ""
    overload: Any = dataclasses.field(default=None, compare=False, repr=False)
    """The torch ``OpOverload`` whose schema this is (`fxcore.ops.registry`), or None for a schema written here."""

    @functools.cached_property
    def param_names(self) -> tuple:
        """The parameter names in canonical order."""
        return tuple(p.name for p in self.params)

    @functools.cached_property
    def factory(self) -> bool:
        """True for an op with no tensor parameter (``empty``, ``rand``): its defaults mean fixed things."""
        return not any(p.type.rstrip("?").startswith("Tensor") for p in self.params)

    def index(self, name: str) -> int:
        """Position of parameter ``name`` (raises `OpSignatureError` if absent)."""
        for i, p in enumerate(self.params):
            if p.name == name:
                return i
        raise OpSignatureError(f"op {self.name!r} has no parameter {name!r}; its parameters are {self.param_names}")

    def schema(self) -> str:
        """Render the aten-style schema string this definition was parsed from."""
        parts, star = [], False
        for p in self.params:
            if p.kwarg_only and not star:
                parts.append("*")
                star = True
            parts.append(f"{p.type} {p.name}" + ("" if not p.has_default else f"={_render_default(p.default)}"))
        return f"{self.name}({', '.join(parts)})"


@dataclasses.dataclass(frozen=True)
class Spelling:
    """How one front-end spelling maps to a canonical op.

    - ``positional``: parameter names the call's positional arguments bind to (after ``self`` for
      call_method); None means the op's own canonical order.
    - ``aliases``: (spelling keyword, canonical name) pairs, e.g. ``(('training', 'train'),)``.
    - ``varargs``: name of a parameter that may be passed as ``*ints`` (``x.permute(0, 2, 1)``).
    - ``drop``: (name, required value or ANY) for spelling-only arguments (``inplace``, ``_stacklevel``);
      a call with another value is not representable and stays unknown.
    - ``inplace_flag``: name of an argument that, when True, selects the op's in-place variant.
    - ``fixed``: (name, value) pairs the spelling implies (``relu6`` is ``hardtanh(x, 0, 6)``).
    - ``adapt``: optional function ``dict -> dict`` on bound arguments; it may raise `NotRepresentable`.
    - ``schema_names``: bind positional arguments by the target's own aten schema (OpOverloads).

    >>> Spelling('sum').op
    'sum'

    See Also
    --------
    ModuleSpelling, fxcore.ops.spellings
    """

    op: str
    positional: Optional[tuple] = None
    aliases: tuple = ()
    varargs: Optional[str] = None
    drop: tuple = ()
    inplace_flag: Optional[str] = None
    fixed: tuple = ()
    adapt: Optional[Callable] = None
    schema_names: bool = False


@dataclasses.dataclass(frozen=True)
class ModuleSpelling:
    """How an ``nn.Module`` type maps to a functional canonical op.

    ``inputs`` names the canonical params its forward arguments bind to; ``extract(module, qualname)``
    returns a dict of the remaining operands (``Attr`` for parameters, literals for hyper-parameters)
    or raises `NotRepresentable`.

    >>> ModuleSpelling(torch.nn.ReLU, 'relu', ('self',), lambda m, q: {}).op
    'relu'

    See Also
    --------
    fxcore.ops.modules
    """

    module_type: type
    op: str
    inputs: tuple
    extract: Callable
    inplace_flag: Optional[str] = None


_TYPE = r"[\w.]+\??(?:\[\d*\])?\??"  # Tensor, int[2]?, Tensor?[]
_ARG = re.compile(rf"^\s*(?P<type>{_TYPE}(?:\|{_TYPE})*)\s+(?P<name>\w+)\s*(?:=\s*(?P<default>.+?))?\s*$")
_NAMES = {"None": None, "True": True, "False": False, "contiguous_format": torch.contiguous_format}
_TORCH_CONSTANTS = (torch.dtype, torch.memory_format, torch.layout)


def _render_default(value) -> str:
    """The schema text of a default value (inverse of `_parse_default`)."""
    for text, v in _NAMES.items():
        if v is value:
            return text
    return repr(value)


def _parse_default(text: str, where: str):
    """Parse a schema default (a Python literal, ``[]`` lists as tuples, a few aten names, ``torch.<dtype>``)."""
    if text in _NAMES:
        return _NAMES[text]
    if text.startswith("torch.") and isinstance(getattr(torch, text[6:], None), _TORCH_CONSTANTS):
        return getattr(torch, text[6:])
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise OpSchemaError(f"{where}: cannot parse default {text!r}; write a Python literal") from exc
    return tuple(value) if isinstance(value, list) else value


def _split_top(text: str) -> list:
    """Split on commas that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:])
    return parts


def parse_params(text: str, where: str = "schema") -> tuple:
    """Parse an aten-style argument list into a tuple of `Param`.

    >>> [p.name for p in parse_params("Tensor self, int[1]? dim=None, *, bool keepdim=False")]
    ['self', 'dim', 'keepdim']

    See Also
    --------
    opdef
    """
    params, kw_only = [], False
    for part in _split_top(text):
        if part.strip() == "*":
            kw_only = True
            continue
        m = _ARG.match(part)
        if m is None:
            raise OpSchemaError(f"{where}: cannot parse argument {part.strip()!r}; write 'Type name[=default]'")
        default = REQUIRED if m.group("default") is None else _parse_default(m.group("default"), where)
        params.append(Param(m.group("name"), m.group("type"), default, kw_only))
    return tuple(params)


def opdef(schema: str, **facts) -> OpDef:
    """Build an `OpDef` from an aten-style schema string plus facts (commutative, impure, ...).

    >>> opdef("relu(Tensor self)").params
    (Param(name='self', type='Tensor', default=REQUIRED, kwarg_only=False),)
    >>> opdef("oops(Tensor)")
    Traceback (most recent call last):
    ...
    fxcore.ops.model.OpSchemaError: oops(Tensor): cannot parse argument 'Tensor'; write 'Type name[=default]'

    See Also
    --------
    OpDef, parse_params
    """
    m = re.fullmatch(r"\s*([\w.]+)\((.*)\)\s*", schema, flags=re.S)
    if m is None:
        raise OpSchemaError(f"cannot parse schema {schema!r}; write 'name(Type arg, ...)'")
    return OpDef(m.group(1), parse_params(m.group(2), where=schema), **facts)
