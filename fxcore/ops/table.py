"""`OpTable`: the immutable registry of canonical ops and their front-end spellings.

>>> import torch, operator
>>> from fxcore.ops import default_table
>>> t = default_table()
>>> t.normalize_call('sum', ('x', 1), {'keepdim': True})
('x', (1,), True, None)
>>> t.resolve_call(operator.add, ('a', 'b'), {})
('add', ('a', 'b', 1))

See Also
--------
fxcore.ops : module-level helpers over `default_table()`.
fxcore.ops.model : the frozen values (`OpDef`, `Spelling`, ...) the table is built from.
"""
from __future__ import annotations

import types
from typing import Any, Iterable, Optional

import torch
import torch.fx

from fxcore.ops.bind import bind_names, finish, raw_operands
from fxcore.ops.table_emission import TableEmission
from fxcore.ops.model import (Attr, ModuleSpelling, Unresolved, NotRepresentable, OpDef, OpSignatureError, Spelling,
                              UnknownOpError, did_you_mean)
from fxcore.ops.registry import is_out_overload
from fxcore.ops.torch_ops import TorchOps

__all__ = ["OpTable"]

_LEAF_OPS = ("placeholder", "get_attr", "output")


def _freeze_map(pairs: Iterable) -> types.MappingProxyType:
    """A read-only dict built from ``(key, value)`` pairs; the first pair for a key wins."""
    out: dict = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return types.MappingProxyType(out)


def _schema_positional(target, args: tuple, kwargs: dict) -> Optional[tuple]:
    """Argument names of an aten OpOverload's schema, in order (None for other targets).

    For a packet (``torch.ops.aten.add``) the first non-``out`` overload that accepts this many
    positional arguments and these keywords decides, as aten's own overload resolution would.
    """
    if isinstance(target, torch._ops.OpOverloadPacket):
        for name in target.overloads():
            overload = getattr(target, name)
            names = tuple(a.name for a in overload._schema.arguments)
            if not is_out_overload(overload) and len(args) <= len(names) and set(kwargs) <= set(names):
                return names
        return None
    schema = getattr(target, "_schema", None)
    return None if schema is None else tuple(a.name for a in schema.arguments)


class OpTable(TableEmission):
    """An immutable registry: canonical `OpDef` by name, and spellings of every front end.

    Build the standard one with `fxcore.ops.default_table()`; add ops with `extended`, which returns
    a new table and never changes this one.

    >>> from fxcore.ops import default_table
    >>> default_table().op('relu').schema()
    'relu(Tensor self)'

    See Also
    --------
    fxcore.ops.default_table, OpTable.extended
    """

    def __init__(self, opdefs=(), functions=(), methods=(), modules=(), emits=(), canonical=(), aliases=(),
                 torch_ops: Optional[TorchOps] = None):
        self._defs = _freeze_map((d.name, d) for d in opdefs)
        self._functions = _freeze_map(functions)
        self._methods = _freeze_map(methods)
        self._modules = _freeze_map((m.module_type, m) for m in modules)
        self._emits = _freeze_map((e.op, e) for e in emits)
        self._canonical = _freeze_map(canonical)
        self._aliases = _freeze_map(aliases)
        self._parts = tuple(tuple(p) for p in (opdefs, functions, methods, modules, emits, canonical, aliases))
        self.torch_ops = torch_ops
        """The ops read from torch's registry (`TorchOps`) for every name and target not listed here, or None."""

    def __repr__(self) -> str:
        more = "" if self.torch_ops is None else f" and every op of {', '.join(self.torch_ops.namespaces)}"
        return f"<OpTable: {len(self._defs)} ops, {len(self._functions)} functions, {len(self._methods)} methods{more}>"

    def extended(self, *opdefs: OpDef, functions=(), methods=(), modules=(), emits=(), canonical=(),
                 aliases=()) -> "OpTable":
        """A new table with more ops and spellings; new entries take precedence over existing ones.

        ``functions``: ``(callable, Spelling)`` pairs; ``methods``: ``(method name, Spelling)``;
        ``modules``: `ModuleSpelling` values; ``emits``: `EmitSpec` values; ``canonical``:
        ``(op name, Spelling)`` pairs whose ``adapt`` `normalize_call` applies (op-level rules such
        as "a pool's empty stride is its kernel size"); ``aliases``: ``(name, (kind, target))`` pairs,
        names a rule may write for a call of ``target`` (see `normalize_term`).

        >>> from fxcore.ops import default_table, opdef, Spelling
        >>> t = default_table().extended(opdef("my_gelu(Tensor self)"), methods=[("my_gelu", Spelling("my_gelu"))])
        >>> 'my_gelu' in t.names(), 'my_gelu' in default_table().names()
        (True, False)

        See Also
        --------
        fxcore.ops.default_table, with_library
        """
        for d in opdefs:
            if not isinstance(d, OpDef):
                raise TypeError(f"extended() takes OpDef values, got {d!r}; build one with "
                                f"fxcore.ops.opdef('name(...)')")
        new = (opdefs, functions, methods, modules, emits, canonical, aliases)
        return OpTable(*(tuple(n) + old for n, old in zip(new, self._parts)), torch_ops=self.torch_ops)

    def with_library(self, *namespaces: str) -> "OpTable":
        """A new table that also knows every op registered now in the ``torch.library`` ``namespaces``.

        A custom op ``mylib::fused_gelu`` is the canonical op ``mylib.fused_gelu`` (an overload that is
        not its canonical one, ``mylib.fused_gelu.fast``), with its schema, effects and emission read from
        torch. Ops registered later are not seen: call this again. Pass the table where rules are loaded
        and applied (``rewrite.load(path, table=t)``, ``rewrite.apply(gm, rules, table=t)``).

        >>> from fxcore.ops import default_table
        >>> t = default_table().with_library('prims')
        >>> 'prims.convert_element_type' in t, 'prims.convert_element_type' in default_table()
        (True, False)

        See Also
        --------
        extended, fxcore.ops.torch_ops.TorchOps
        """
        base = self.torch_ops if self.torch_ops is not None else TorchOps(())
        return OpTable(*self._parts, torch_ops=base.with_namespaces(*namespaces))

    def names(self) -> tuple:
        """All canonical op names: those listed here in table order, then those read from torch, sorted."""
        listed = tuple(self._defs)
        if self.torch_ops is None:
            return listed
        return listed + tuple(n for n in self.torch_ops.names() if n not in self._defs)

    def listed(self) -> tuple:
        """The canonical ops written out in this table (not read from torch), in table order."""
        return tuple(self._defs)

    def aliases(self) -> tuple:
        """The other names a rule may write for calls (``_softmax``, ``clip``, ``float``), in table order."""
        return tuple(n for n in self._aliases if n not in self)

    def op(self, name: str) -> OpDef:
        """The `OpDef` named ``name``; raises `UnknownOpError` with a did-you-mean."""
        try:
            return self._defs[name]
        except (KeyError, TypeError):
            found = self.torch_ops.opdef(name) if self.torch_ops is not None else None
            if found is not None:
                return found
            raise UnknownOpError(self._unknown(name)) from None

    def _unknown(self, name) -> str:
        near = [n for n in self.names() + self.aliases() if n.endswith("_") == str(name).endswith("_")]
        return (f"unknown op {name!r}.{did_you_mean(name, near)} Add it with "
                f"table.extended(fxcore.ops.opdef('{name}(Tensor self, ...)')), or name a torch.library op "
                f"'namespace.op' and load the rules with table.with_library('namespace')")

    def __contains__(self, name) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._defs or (self.torch_ops is not None and name in self.torch_ops)

    def is_commutative(self, name: str, operands: Optional[tuple] = None) -> bool:
        """True if the op has swappable operands (and, given ``operands``, its conditions hold).

        >>> from fxcore.ops import default_table
        >>> t = default_table()
        >>> t.is_commutative('add'), t.is_commutative('add', ('x', 'y', 2)), t.is_commutative('sub')
        (True, False, False)

        See Also
        --------
        OpDef.commutative
        """
        if name not in self:
            return False
        d = self.op(name)
        if not d.commutative or operands is None:
            return bool(d.commutative)
        return all(operands[d.index(p)] == v for p, v in d.commutative_if)

    def is_impure_call(self, name: str, operands: tuple) -> bool:
        """True if a call of canonical op ``name`` with ``operands`` has effects (in-place, random, I/O).

        >>> from fxcore.ops import default_table
        >>> t = default_table()
        >>> t.is_impure_call('dropout', ('x', 0.5, True)), t.is_impure_call('dropout', ('x', 0.5, False))
        (True, False)

        See Also
        --------
        fxcore.ops.is_impure
        """
        d = self.op(name)
        if d.impure:
            return True
        return any(not isinstance(v := operands[d.index(p)], (bool, int, float)) or bool(v) for p in d.impure_if)

    # ---- resolution of calls --------------------------------------------------------------------
    def _spelling_for(self, kind: str, target) -> Any:
        """The Spelling (or chooser) registered for a call_function target / call_method name, or None; then
        what torch's registry says (`TorchOps`) for a target not listed here."""
        if kind == "call_method":
            found = self._methods.get(target) if isinstance(target, str) else None
        else:
            try:
                found = self._functions.get(target)
            except TypeError:  # unhashable target
                return None
            if found is None and isinstance(target, torch._ops.OpOverload) and not is_out_overload(target):
                found = self._functions.get(target.overloadpacket)
        if found is None and self.torch_ops is not None:
            found = self.torch_ops.spelling(target) if kind == "call_function" else None
            if found is None:
                found = self.torch_ops.callable_spelling(kind, target)
        return found

    def _bind(self, spelling: Spelling, args, kwargs, positional=None, extra=None) -> tuple:
        """Bind with ``spelling``; returns ``(op name, operands)``; handles the in-place flag."""
        d = self.op(spelling.op)
        bound = bind_names(d, spelling, args, kwargs, positional)
        bound.update(extra or {})
        name = spelling.op
        if spelling.inplace_flag and bound.pop(spelling.inplace_flag, False):
            name = self.op(spelling.op + "_").name
        return name, finish(self.op(name), spelling, bound)

    def resolve_call(self, target, args: tuple, kwargs: dict, kind: str = "call_function"):
        """``(canonical name, operands)`` for a call, or None if the table has no form for it.

        ``kind`` is ``'call_function'`` (target: a callable) or ``'call_method'`` (target: a name,
        ``args[0]`` is ``self``).

        >>> import torch
        >>> from fxcore.ops import default_table
        >>> default_table().resolve_call('permute', ('x', 0, 2, 1), {}, kind='call_method')
        ('permute', ('x', (0, 2, 1)))

        See Also
        --------
        resolve_node
        """
        spelling = self._spelling_for(kind, target)
        if spelling is None:
            return None
        try:
            return self._resolve_with(spelling, target, tuple(args), dict(kwargs))
        except (NotRepresentable, OpSignatureError, UnknownOpError):
            pass
        if self.torch_ops is not None and isinstance(target, torch._ops.OpOverload):
            found = self.torch_ops.spelling(target)  # an overload the listed spelling cannot take: its own op
            if found is not None and found is not spelling and found != spelling:
                try:
                    return self._resolve_with(found, target, tuple(args), dict(kwargs))
                except (NotRepresentable, OpSignatureError, UnknownOpError):
                    pass
        return None

    def _resolve_with(self, spelling, target, args: tuple, kwargs: dict) -> tuple:
        """``(canonical name, operands)`` of a call spelled by ``spelling`` (a `Spelling` or a chooser); raises."""
        if not isinstance(spelling, Spelling):
            spelling, args, kwargs = spelling(tuple(args), dict(kwargs))
        positional = _schema_positional(target, args, kwargs) if spelling.schema_names else None
        return self._bind(spelling, tuple(args), dict(kwargs), positional)

    def resolve_module(self, module, qualname: str, args: tuple, kwargs: dict):
        """``(canonical name, operands)`` for calling ``module`` (exact type match), or None.

        >>> import torch
        >>> from fxcore.ops import default_table
        >>> default_table().resolve_module(torch.nn.Linear(2, 3), 'fc', ('x',), {})
        ('linear', ('x', Attr('fc.weight'), Attr('fc.bias')))

        See Also
        --------
        fxcore.ops.modules
        """
        ms = self._modules.get(type(module))
        if ms is None:
            return None
        try:
            extra = ms.extract(module, qualname)
            spelling = Spelling(ms.op, positional=ms.inputs)
            name, operands = self._bind(spelling, tuple(args), dict(kwargs), extra=extra)
        except (NotRepresentable, OpSignatureError, UnknownOpError):
            return None
        if ms.inplace_flag and getattr(module, ms.inplace_flag, False) and ms.op + "_" in self:
            return ms.op + "_", operands
        return name, operands

    def resolve_node(self, node: torch.fx.Node):
        """``(canonical name, operands)`` for an FX call node the table knows, else None.

        >>> import torch
        >>> from fxcore.ops import default_table
        >>> g = torch.fx.Graph(); x = g.placeholder('x')
        >>> default_table().resolve_node(g.call_method('sum', (x, 1)))
        ('sum', (x, (1,), False, None))
        >>> default_table().resolve_node(g.call_method('my_method', (x,))) is None
        True

        See Also
        --------
        resolve, canonical_op, node_operands
        """
        if node.op == "call_module":
            root = node.graph.owning_module
            module = _get_submodule(root, node.target)
            return None if module is None else self.resolve_module(module, node.target, node.args, node.kwargs)
        if node.op in ("call_function", "call_method"):
            return self.resolve_call(node.target, node.args, node.kwargs, kind=node.op)
        return None

    def possible_ops(self, node: torch.fx.Node):
        """The canonical ops ``node`` may resolve to, read from its target alone (no argument binding).

        None when only full resolution can tell (a spelling that chooses by its arguments, an
        unknown target). A node whose arguments do not fit resolves to its exact target instead,
        which this does not list. Cheap: drivers use it to skip nodes no rule can root at.

        >>> import torch
        >>> from fxcore.ops import default_table
        >>> g = torch.fx.Graph(); x = g.placeholder('x')
        >>> t = default_table()
        >>> t.possible_ops(g.call_method('sum', (x,))), t.possible_ops(x)
        (('sum',), ('placeholder',))
        >>> t.possible_ops(g.call_function(torch.nn.functional.relu, (x,)))  # relu(x, inplace=True) is relu_
        ('relu', 'relu_')

        See Also
        --------
        resolve
        """
        if node.op in _LEAF_OPS:
            return (node.op,)
        if node.op == "call_module":
            module = _get_submodule(node.graph.owning_module, node.target)
            spelling = None if module is None else self._modules.get(type(module))
        elif node.op in ("call_function", "call_method"):
            spelling = self._spelling_for(node.op, node.target)
        else:
            return None
        if not isinstance(spelling, (Spelling, ModuleSpelling)):
            return None
        return (spelling.op, spelling.op + "_") if spelling.inplace_flag else (spelling.op,)

    def resolve(self, node: torch.fx.Node) -> tuple:
        """``(canonical_op(node), node_operands(node))`` in one resolution, for any node.

        >>> import torch
        >>> from fxcore.ops import default_table
        >>> g = torch.fx.Graph(); x = g.placeholder('x')
        >>> default_table().resolve(g.call_method('my_method', (x,)))
        ('my_method', (x,))

        See Also
        --------
        resolve_node
        """
        found = self.resolve_node(node)
        if found is not None:
            return found
        return self.canonical_op(node), self.node_operands(node)

    def canonical_op(self, node: torch.fx.Node):
        """Canonical op name of ``node``, or for unknown calls its exact target (see `fxcore.ops.canonical_op`)."""
        if node.op in _LEAF_OPS:
            return node.op
        found = self.resolve_node(node)
        if found is not None:
            return found[0]
        if node.op == "call_module":
            module = _get_submodule(node.graph.owning_module, node.target)
            return type(module) if module is not None else Unresolved(node.op, node.target)
        if node.op == "call_method" and node.target in self._defs:
            return Unresolved(node.op, node.target)
        return node.target

    def node_operands(self, node: torch.fx.Node) -> tuple:
        """Operands of ``node`` in canonical order (see `fxcore.ops.node_operands`)."""
        if node.op == "get_attr":
            return (Attr(node.target),)
        if node.op in ("placeholder",):
            return ()
        found = self.resolve_node(node)
        if found is not None:
            return found[1]
        return raw_operands(node.args, node.kwargs)

    def normalize_call(self, name: str, args: tuple = (), kwargs: Optional[dict] = None) -> tuple:
        """Canonical operands for a pattern written as a call ``name(*args, **kwargs)``.

        Positional arguments bind in canonical order (keyword-only params too, so a fully
        positional term round-trips). Raises `UnknownOpError` / `OpSignatureError`.

        >>> from fxcore.ops import default_table
        >>> default_table().normalize_call('transpose', ('x',), {'dim0': 0, 'dim1': 1})
        ('x', 0, 1)
        >>> default_table().normalize_call('sum', ('x',), {'dims': 1})
        Traceback (most recent call last):
        ...
        fxcore.ops.model.OpSignatureError: sum() got an unexpected keyword argument 'dims'. Did you mean 'dim'? ...

        See Also
        --------
        fxcore.ops.normalize_call
        """
        d = self.op(name)
        spelling = self._canonical.get(d.name) or Spelling(d.name)
        try:
            return finish(d, spelling, bind_names(d, spelling, tuple(args), dict(kwargs or {})))
        except NotRepresentable as exc:
            raise OpSignatureError(f"{name}(): {exc}") from None

    def normalize_term(self, name: str, args: tuple = (), kwargs: Optional[dict] = None) -> tuple:
        """The term ``(op, *operands)`` for a pattern written ``name(*args, **kwargs)``: `normalize_call` for a
        canonical op, else the call an alias stands for (`aliases`): ``float(x)`` is ``to(x, dtype=torch.float32)``,
        ``_softmax(x, 1, False)`` is ``softmax(x, 1)``, as the graphs spell them.

        >>> import torch
        >>> from fxcore.ops import default_table
        >>> t = default_table()
        >>> t.normalize_term('float', ('x',))[:3], t.normalize_term('_softmax', ('x', 1, False))
        (('to', 'x', torch.float32), ('softmax', 'x', 1, None))

        See Also
        --------
        normalize_call, aliases
        """
        if name in self or name not in self._aliases:
            return (name, *self.normalize_call(name, args, kwargs))
        kind, target = self._aliases[name]
        spelling = self._spelling_for(kind, target)
        if spelling is None:
            raise UnknownOpError(self._unknown(name))
        if kind == "call_method":
            if not args:
                raise OpSignatureError(f"{name}() takes the tensor first, e.g. {name}(x)")
        try:
            op, operands = self._resolve_with(spelling, target, tuple(args), dict(kwargs or {}))
        except NotRepresentable as exc:
            raise OpSignatureError(f"{name}(): {exc}") from None
        return (op, *operands)


def _get_submodule(root, qualname: str):
    """``root.get_submodule(qualname)`` or None when the graph has no owning module / no such module."""
    if root is None:
        return None
    try:
        return root.get_submodule(qualname)
    except AttributeError:
        return None

