"""Emitting in a graph's own dialect: aten overloads into aten graphs, torch callables elsewhere.

A graph from ``make_fx``, ``torch.export`` or AOTAutograd calls aten overloads
(``torch.ops.aten.silu.default``); downstream tools (decompositions, inductor's
lowerings, ``ExportedProgram`` passes) expect nothing else. New nodes built by a
rewrite must then be aten calls too, not ``torch.nn.functional.silu``.

``for_graph(table, graph)`` is the table to emit with: ``table`` itself for a
torch-level graph, else ``aten_dialect(table)``, which emits every op whose
canonical schema *is* an aten overload's (same parameter names, types and
keyword-only split, so the canonical operands are its arguments unchanged)
as that overload. Ops with no such overload, and ops whose emit a table's
author chose (``table.extended(emits=...)``), keep their emit.

>>> import torch
>>> from fxcore.ops import default_table
>>> t = aten_dialect(default_table())
>>> t.call_target('silu'), t.call_target('sum'), default_table().call_target('silu').__name__
(<OpOverload(op='aten.silu', overload='default')>, <OpOverload(op='aten.sum', overload='dim_IntList')>, 'silu')

See Also
--------
fxcore.ops.emit : the default emits.
rewrite.apply : emits with ``for_graph``.
"""
from __future__ import annotations

import re
import weakref

import torch
from torch.fx import Graph

from fxcore.view.targets import target_keys
from fxcore.ops.emit import EmitChoice, EmitSpec, default_emits
from fxcore.ops.model import OpSchemaError, parse_params

__all__ = ["aten_dialect", "aten_emits", "is_aten_graph", "for_graph"]

_ATEN_KINDS = (torch._ops.OpOverload, torch._ops.OpOverloadPacket, torch._ops.HigherOrderOperator)
_ARGS = re.compile(r"^[\w:]+(?:\.\w+)?\((.*)\) -> .*$", re.S)
_ALIAS = re.compile(r"\((?:\w+(?: -> \*)?)\)")  # Tensor(a), Tensor(a -> *)
_SYMINT = re.compile(r"\bSymInt\b")
_FIXED_INTS = re.compile(r"int\[(\d+)\]\??")


def is_aten_graph(graph: Graph) -> bool:
    """True when the graph calls aten overloads and no other functions but ``operator``'s (``getitem``,
    SymInt arithmetic) and higher-order ops.

    >>> import torch, torch.fx as fx
    >>> from torch.fx.experimental.proxy_tensor import make_fx
    >>> is_aten_graph(make_fx(torch.relu)(torch.ones(2)).graph)
    True
    >>> is_aten_graph(fx.symbolic_trace(lambda a: a.relu()).graph)
    False
    """
    seen_aten = False
    for op, target in target_keys(graph):
        if op != "call_function":
            continue
        if isinstance(target, _ATEN_KINDS):
            seen_aten = True
        elif getattr(target, "__module__", None) not in ("_operator", "operator"):  # getitem is _operator's
            return False
    return seen_aten


def _schema_params(overload) -> tuple | None:
    """The `Param` values of an aten overload, or None for one that writes into an argument or cannot be read.

    Alias annotations go (``Tensor(a) self`` is a view's input, a ``Tensor``); ``SymInt`` reads as ``int``.
    """
    schema = overload._schema
    if schema.is_mutable or any(a.is_out for a in schema.arguments):
        return None
    m = _ARGS.match(str(schema))
    if m is None:
        return None
    text = _SYMINT.sub("int", _ALIAS.sub("", m.group(1)))
    try:
        return parse_params(text, where=str(schema))
    except (OpSchemaError, ValueError, SyntaxError):
        return None


_FILLERS = {"cudnn_enabled": True, "cudnn_enable": True}
"""Values for arguments an aten overload requires and no canonical op has: what ``F.batch_norm`` passes."""


def _relations(canonical, aten) -> tuple | None:
    """How each canonical parameter meets the overload's: ``same`` type, ``any`` (a canonical ``Any``: an op
    that merges overloads, e.g. conv2d's padding, ints or a string) or ``scalar`` (a canonical ``Tensor`` the
    overload takes as a ``Scalar``: ``eq(x, 2)`` is ``eq.Scalar``). None unless the canonical parameters
    are the overload's first ones (names, keyword-only split) and the overload's others have defaults or a
    `_FILLERS` value."""
    if len(aten) < len(canonical) or any(not p.has_default and p.name not in _FILLERS for p in aten[len(canonical):]):
        return None
    out = []
    for c, a in zip(canonical, aten):
        if c.name != a.name or c.kwarg_only != a.kwarg_only:
            return None
        if c.type == "Any" or "|" in c.type:  # (a union: conv2d's padding, ints or a string)
            out.append("any")
        elif _SYMINT.sub("int", c.type) == a.type:
            out.append("same")
        elif c.type.rstrip("?") == "Tensor" and a.type.rstrip("?") == "Scalar":
            out.append("scalar")
        else:
            return None
    return tuple(out)


def _aten_emit(opdef, fallback: EmitSpec) -> EmitSpec | EmitChoice | None:
    """How to emit ``opdef`` as an aten overload, or None.

    The first overload that fits on types alone, when no other takes a Scalar where it takes a Tensor;
    else a choice among the overloads, by the kinds of the operands that tell them apart (``fallback``
    when none fits).
    """
    if "." in opdef.name or opdef.name.endswith("_"):
        return None
    packet = getattr(torch.ops.aten, opdef.name, None)
    if not isinstance(packet, torch._ops.OpOverloadPacket):
        return None
    fitting = []
    for name in packet.overloads():
        overload = getattr(packet, name)
        params = _schema_params(overload)
        relations = None if params is None else _relations(opdef.params, params)
        if relations is not None:
            fitting.append((overload, params, relations))
    scalar_slots = {i for _, _, relations in fitting for i, r in enumerate(relations) if r == "scalar"}
    options = []
    for overload, params, relations in fitting:
        typed = tuple((i, params[i].type) for i, r in enumerate(relations) if r != "same" or i in scalar_slots)
        expand = tuple((c.name, int(m.group(1))) for c, a in zip(opdef.params, params)
                       if (m := _FIXED_INTS.fullmatch(a.type)) is not None)
        fill = tuple((p.name, _FILLERS[p.name]) for p in params[len(opdef.params):] if not p.has_default)
        spec = EmitSpec(opdef.name, overload, expand=expand)  # by position and keyword as the schema splits them
        if fill:  # (arguments the overload requires beyond the canonical ones: after them, by position)
            positional = tuple(p.name for p in opdef.params if not p.kwarg_only) + tuple(n for n, _ in fill)
            spec = EmitSpec(opdef.name, overload, positional=positional, expand=expand, fixed=fill)
        if not typed:
            return spec
        options.append((spec, typed))
    return EmitChoice(opdef.name, tuple(options), fallback) if options else None


def aten_emits(table) -> tuple:
    """How to emit each op of ``table`` that has an aten overload, as that overload (`EmitSpec`, or an
    `EmitChoice` between overloads); ops whose emit is not the default (a table author's own) are left out."""
    defaults = {e.op: e for e in default_emits()}
    out = []
    for name in table.emittable():
        spec = table.emit_spec(name)
        if spec != defaults.get(name):
            continue
        emit = _aten_emit(table.op(name), spec)
        if emit is not None:
            out.append(emit)
    return tuple(out)


_ATEN_TABLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # table -> its aten dialect


def aten_dialect(table):
    """``table`` emitting aten overloads where an op has one (built once per table).

    Resolution is unchanged: only what new nodes call differs.
    """
    found = _ATEN_TABLES.get(table)
    if found is None:
        found = _ATEN_TABLES[table] = table.extended(emits=aten_emits(table))
    return found


def for_graph(table, graph: Graph):
    """The table to emit into ``graph`` with: its aten dialect for an aten graph, else ``table``."""
    return aten_dialect(table) if is_aten_graph(graph) else table
