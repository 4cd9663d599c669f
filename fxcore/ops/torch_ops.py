"""Every op of some ``torch.library`` namespaces as canonical ops, named, spelled and emitted from torch's registry.

Names. An aten packet ``P`` is the canonical op ``P`` with the schema of one overload, its *canonical
overload*: a hand pick where torch's order does not say it (``to`` is ``to.dtype_layout``), else the
packet's ``default``, ``Tensor`` or first overload that takes a tensor first. Every other overload whose
arguments bind into that schema (the same names, each of a compatible kind, the rest defaulted) is the
same op (``add.Scalar`` is ``add``); one that does not is the op ``P.O`` (``where.default``, the
``nonzero`` spelling of ``where``). Ops of another namespace are named with it: ``mylib.fused_gelu``,
``mylib.fused_gelu.fast``. ``out=`` overloads are no op at all.

Spellings. An overload is spelled by its own schema's argument names; an overload packet
(``torch.ops.aten.topk``), the torch function of the same name (``torch.topk``, a generated binding) and
the Tensor method (``x.topk(3)``) choose an overload by the kinds of their arguments, as torch's own
overload resolution does. Emission calls the canonical overload.

>>> import torch
>>> t = TorchOps(("aten",), picks=(("where", "self"),))
>>> t.opdef("topk").schema()
'topk(Tensor self, SymInt k, int dim=-1, bool largest=True, bool sorted=True)'
>>> t.name_of(torch.ops.aten.add.Scalar), t.name_of(torch.ops.aten.where.default), t.name_of(torch.ops.aten.add.out)
('add', 'where.default', None)

See Also
--------
fxcore.ops.registry : schemas read into `Param` / `OpDef` values.
fxcore.ops.table.OpTable : falls back to a `TorchOps` for the ops it has no hand-written entry for.
"""
from __future__ import annotations

import re
import types
from typing import Any, Optional

import torch

from fxcore.ops.emit import EmitSpec
from fxcore.ops.model import NotRepresentable, OpDef, Spelling
from fxcore.ops.registry import (canonical_overload, is_out_overload, overload_opdef, overload_params, readable,
                                 value_kind)

__all__ = ["TorchOps", "namespace_ops", "sample_call"]

_OverloadPacket, _Overload = torch._ops.OpOverloadPacket, torch._ops.OpOverload


def namespace_ops(namespace: str) -> tuple:
    """The packet names registered in ``namespace`` now, sorted (a snapshot of torch's registry).

    >>> 'topk' in namespace_ops('aten'), namespace_ops('no_such_namespace')
    (True, ())
    """
    prefix = namespace + "::"
    return tuple(sorted({n[len(prefix):].split(".")[0] for n in torch._C._dispatch_get_all_op_names()
                         if n.startswith(prefix)}))


def _fits(params: tuple, canonical: tuple) -> bool:
    """Do arguments named by ``params`` bind into the schema ``canonical`` (names, kinds, the rest defaulted)?"""
    by_name = {p.name: p for p in canonical}
    for p in params:
        c = by_name.get(p.name)
        if c is None or value_kind(c.type) not in ("any", value_kind(p.type)):
            return False
    named = {p.name for p in params}
    return all(c.has_default for c in canonical if c.name not in named)


class _Packet:
    """The canonical names of one packet's overloads: ``names`` (name -> overload), ``of`` (overload -> name).

    A packet whose op is written out by hand (``hand``) is not named here; of its overloads, only those its
    hand-written spelling does not take (``taken``) are, as ``P.O`` (``where.default``).
    """

    __slots__ = ("names", "of")

    def __init__(self, packet, prefix: str, pick: Optional[str], hand: bool, taken) -> None:
        self.names: dict[str, Any] = {}
        self.of: dict[Any, str] = {}
        overloads = [(o, ov) for o, ov in ((o, getattr(packet, o)) for o in packet.overloads())
                     if not is_out_overload(ov) and readable(ov)]
        base = prefix + packet.__name__
        if hand:
            overloads = [(o, ov) for o, ov in overloads if not taken(ov)]
            canonical, schema = None, None
        elif overloads:
            canonical = canonical_overload([ov for _, ov in overloads], pick)
            self.names[base] = canonical
            schema = overload_params(canonical)
        for o, ov in overloads:
            if not hand and (ov is canonical or _fits(overload_params(ov), schema)):
                self.of[ov] = base
            else:
                self.names[f"{base}.{o}"] = ov
                self.of[ov] = f"{base}.{o}"


_KIND_OF = ((torch.dtype, ("ScalarType",)), (torch.device, ("Device",)), (torch.layout, ("Layout",)),
            (torch.memory_format, ("MemoryFormat",)), (bool, ("bool", "Scalar")), (int, ("int", "SymInt", "Scalar",
            "float")), (float, ("float", "Scalar")), (complex, ("complex", "Scalar")), (str, ("str", "Device")),
            (torch.Tensor, ("Tensor",)))


def _kind_fits(value, type_: str) -> bool:
    """Whether an argument of this kind can go to an aten parameter of ``type_`` (as overload resolution reads it).

    A graph node is a tensor or a symbolic number; an object of no kind here (a pattern variable) fits anything.

    >>> _kind_fits(torch.float16, 'ScalarType?'), _kind_fits('cpu', 'ScalarType'), _kind_fits(2, 'int[2]')
    (True, False, True)
    """
    base, optional = type_.rstrip("?"), type_.endswith("?")
    if value is None:
        return optional
    if isinstance(value, torch.fx.Node):
        return base.split("[")[0] in ("Tensor", "Scalar", "int", "SymInt", "float", "bool") or base.endswith("]")
    if isinstance(value, (list, tuple)):
        return base.endswith("]") or base.endswith("]?")
    if base.endswith("]"):  # int[N] takes one int
        return isinstance(value, int) and not isinstance(value, bool) and base[base.index("[") + 1:-1] != ""
    for kind, bases in _KIND_OF:
        if isinstance(value, kind):
            return base in bases
    return True


def _kinds_fit(params: tuple, args: tuple, kwargs: dict) -> bool:
    """Can ``params`` (an overload's) take these arguments, told from the arguments' kinds (`_kind_fits`)?"""
    names = {p.name: p for p in params}
    positional = [p for p in params if not p.kwarg_only]
    if len(args) > len(positional):
        return False
    given = dict(zip((p.name for p in positional), args))
    for key, value in kwargs.items():
        name = key if key in names else {"input": "self", "self": "input"}.get(key)
        if name not in names or name in given:
            return False
        given[name] = value
    if any(not p.has_default and p.name not in given for p in params):
        return False
    return all(_kind_fits(v, names[k].type) for k, v in given.items())


_SAMPLES = {"int": 1, "SymInt": 1, "float": 1.0, "bool": False, "str": "none", "Scalar": 1, "ScalarType": torch.float32,
            "Device": torch.device("cpu"), "Layout": torch.strided, "MemoryFormat": torch.contiguous_format}


def sample_call(overload) -> tuple:
    """``(args, kwargs)``: a plausible call of ``overload``, its required arguments only (a graph node for a tensor).

    >>> args, kwargs = sample_call(torch.ops.aten.add.Tensor)
    >>> [type(a).__name__ for a in args], kwargs
    (['Node', 'Node'], {})
    """
    graph = torch.fx.Graph()
    args, kwargs = [], {}
    for p in overload_params(overload):
        if p.has_default:
            continue
        base = p.type.rstrip("?")
        m = re.fullmatch(r"(\w+)\??\[(\d*)\]", base)
        if base.startswith("Tensor"):
            value = graph.placeholder(p.name) if m is None else (graph.placeholder(p.name),)
        elif m is not None:
            value = (_SAMPLES.get(m.group(1), 1),) * int(m.group(2) or 1)
        else:
            value = _SAMPLES.get(base)
        if p.kwarg_only:
            kwargs[p.name] = value
        else:
            args.append(value)
    return tuple(args), kwargs


class TorchOps:
    """The canonical ops of some ``torch.library`` namespaces (see the module docstring). Immutable: what it
    learns from torch's registry is computed once, on first use, and kept.

    ``picks``: ``(packet name, overload)`` hand choices of canonical overloads; ``hand``: the packets whose
    calls are spelled by hand (their ops written out elsewhere, or spelled as another op: ``_softmax`` is
    ``softmax``), which name only the overloads ``taken(overload)`` says the hand spelling cannot take.

    >>> t = TorchOps(("aten",), picks=(("to", "dtype_layout"),))
    >>> t.opdef("to").param_names[:3], 'to.other' in t
    (('self', 'dtype', 'layout'), True)

    See Also
    --------
    fxcore.ops.table.OpTable
    """

    def __init__(self, namespaces=("aten",), *, picks=(), hand=(), taken=None) -> None:
        self.namespaces = tuple(namespaces)
        self._picks = dict(picks)
        self._hand = frozenset(hand)
        self._taken = taken if taken is not None else (lambda overload: False)
        self._packet_names: Optional[dict] = None  # canonical packet name -> (namespace, packet name)
        self._packets: dict[str, _Packet] = {}
        self._defs: dict[str, OpDef] = {}
        self._callables: Optional[dict] = None  # id(torch function or method object) -> (packet name, object)

    def __repr__(self) -> str:
        return f"TorchOps({self.namespaces!r})"

    def with_namespaces(self, *namespaces: str) -> "TorchOps":
        """A new `TorchOps` that also reads ``namespaces``, their ops registered now (read at once)."""
        out = TorchOps(self.namespaces + tuple(n for n in namespaces if n not in self.namespaces),
                       picks=tuple(self._picks.items()), hand=self._hand, taken=self._taken)
        out.names()
        return out

    # ---- names -------------------------------------------------------------------------------------
    def _index(self) -> dict:
        if self._packet_names is None:
            found = {}
            for ns in self.namespaces:
                prefix = "" if ns == "aten" else ns + "."
                for p in namespace_ops(ns):
                    found.setdefault(prefix + p, (ns, p))
            self._packet_names = found
        return self._packet_names

    def _packet(self, base: str) -> Optional[_Packet]:
        found = self._packets.get(base)
        if found is None:
            where = self._index().get(base)
            if where is None:
                return None
            ns, p = where
            packet = getattr(getattr(torch.ops, ns), p)
            prefix = "" if ns == "aten" else ns + "."
            found = self._packets[base] = _Packet(packet, prefix, self._picks.get(base), base in self._hand,
                                                  self._taken)
        return found

    def lookup(self, name: str):
        """The overload that defines canonical op ``name``, or None."""
        if not isinstance(name, str):
            return None
        packet = self._packet(name)
        if packet is None and "." in name:
            packet = self._packet(name.rsplit(".", 1)[0])
        return None if packet is None else packet.names.get(name)

    def __contains__(self, name) -> bool:
        return self.lookup(name) is not None

    def names(self) -> tuple:
        """Every canonical name, packet by packet in sorted order."""
        return tuple(n for base in self._index() for n in self._packet(base).names)

    def opdef(self, name: str) -> Optional[OpDef]:
        """The `OpDef` of canonical op ``name`` (schema, effects and ``inplace_of`` from torch), or None."""
        found = self._defs.get(name)
        if found is None:
            overload = self.lookup(name)
            if overload is None:
                return None
            functional = name.split(".")[0][:-1] if overload._schema.is_mutable else None
            inplace_of = functional if functional and functional in self else None
            found = self._defs[name] = overload_opdef(name, overload, inplace_of=inplace_of)
        return found

    def name_of(self, overload) -> Optional[str]:
        """The canonical op an overload is spelled as here (None: an ``out=`` overload, one spelled by hand)."""
        base = overload.overloadpacket.__name__
        ns = overload.namespace
        if ns not in self.namespaces:
            return None
        packet = self._packet(base if ns == "aten" else f"{ns}.{base}")
        return None if packet is None else packet.of.get(overload)

    # ---- spellings and emits -------------------------------------------------------------------------
    def spelling(self, target) -> Any:
        """A `Spelling` (an overload) or a chooser (a packet) for a call_function target of these namespaces."""
        if isinstance(target, _Overload):
            name = self.name_of(target)
            return None if name is None else Spelling(name, schema_names=True)
        if isinstance(target, _OverloadPacket) and target._qualified_op_name.split("::")[0] in self.namespaces:
            return self._chooser(target)
        return None

    def _chooser(self, packet):
        """Choose the overload of ``packet`` these arguments fit (kinds), and spell the call by its names."""
        def choose(args, kwargs):
            for o in packet.overloads():
                ov = getattr(packet, o)
                name = self.name_of(ov) if not is_out_overload(ov) and readable(ov) else None
                if name is not None and _kinds_fit(overload_params(ov), args, kwargs):
                    positional = tuple(p.name for p in overload_params(ov) if not p.kwarg_only)
                    return Spelling(name, positional=positional), args, kwargs
            raise NotRepresentable(f"no overload of {packet} takes these arguments")
        choose.__name__ = f"choose_{packet.__name__}"
        return choose

    def callable_spelling(self, kind: str, target) -> Any:
        """A chooser for ``torch.<op>`` (a generated binding) or a Tensor method ``x.<op>(...)`` of an aten op."""
        if "aten" not in self.namespaces:
            return None
        if kind == "call_method":
            fn = getattr(torch._C.TensorBase, target, None) if isinstance(target, str) else None
            if fn is None or getattr(torch.Tensor, target, None) is not fn:
                return None  # a method written in Python: its arguments are its own
            base = target
        else:
            found = self._callables_index().get(id(target))
            if found is None or found[1] is not target:
                return None
            base = found[0]
        if base not in self._index() or self._index()[base][0] != "aten":
            return None
        return self._chooser(getattr(torch.ops.aten, base))

    def _callables_index(self) -> dict:
        if self._callables is None:
            found = {}
            for base, (ns, p) in self._index().items():
                if ns != "aten":
                    continue
                for owner in (torch, torch.Tensor):
                    fn = getattr(owner, p, None)
                    if isinstance(fn, (types.BuiltinFunctionType, types.MethodDescriptorType)):
                        found.setdefault(id(fn), (base, fn))
            self._callables = found
        return self._callables

    def emit(self, name: str) -> Optional[EmitSpec]:
        """How to emit canonical op ``name``: its overload, operands by position and keyword as its schema says."""
        overload = self.lookup(name)
        return None if overload is None else EmitSpec(name, overload)
