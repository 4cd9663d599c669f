"""The canonical op vocabulary: one aten-style name and operand order for every front-end spelling.

``torch.add``, ``operator.add``, ``x.add(y)`` and ``torch.ops.aten.add.Tensor`` are all ``'add'``;
``F.relu``, ``torch.relu``, ``x.relu()``, ``nn.ReLU`` and ``aten.relu.default`` are all ``'relu'``;
an ``nn.Linear`` call is ``linear(x, Attr('fc.weight'), Attr('fc.bias'))``. Operands follow the
canonical schema: positional vs keyword resolved, defaults filled, lists as tuples, a single int
where the schema takes an int list as a 1-tuple (``sum(x, dim=1)`` has dim ``(1,)``).

>>> import torch
>>> class M(torch.nn.Module):
...     def forward(self, x):
...         return torch.sum(x, dim=1, keepdim=True) + x.sum(1, True)
>>> gm = torch.fx.symbolic_trace(M())
>>> [(canonical_op(n), node_operands(n)[1:]) for n in gm.graph.nodes if n.op.startswith('call')]
[('sum', ((1,), True, None)), ('sum', ((1,), True, None)), ('add', (sum_2, 1))]

Unknown calls keep their exact target: ``canonical_op`` returns the function object
(call_function), the method name string (call_method) or the module type (call_module; exact
type, so a user subclass of ``nn.Linear`` is not ``linear``), and
``node_operands`` the node's frozen args followed by one ``(key, value)`` pair per keyword argument,
sorted by key. Non-call nodes: ``canonical_op`` returns ``'placeholder'``, ``'get_attr'`` or
``'output'`` (never a table name); a get_attr node's operands are ``(Attr(target),)``. Where the
bare target would read as a canonical name (``x.view(torch.float16)`` is not the ``view`` op; a
call_module node in a graph without owning module), ``canonical_op`` returns
``Unresolved(kind, target)``, which equals no string: an op is never silently mis-canonicalized.

Design notes
------------
- Canonical names are aten names; one name per result structure (``max`` full reduction vs
  ``max.dim`` returning ``(values, indices)`` vs ``maximum``). ``relu6`` is ``hardtanh(x, 0, 6)``;
  ``x.shape`` is ``size(x)``; numpy-style aliases (``clip``, ``divide``, ``concat``...) map to the
  aten name; ``operator.iadd`` and ``x.add_()`` are ``add_`` (impure, ``inplace_of='add'``).
- Every aten op is a canonical op, its schema, effects and emission read from torch's registry
  (`fxcore.ops.registry`, `fxcore.ops.torch_ops`): ``topk``, ``_to_copy``, ``native_layer_norm``.
  The ops written out here (`fxcore.ops.schemas`) add what torch does not say: which overload is the
  op, commutativity, and the torch function, Tensor method and module spellings. An overload its op's
  schema cannot take is an op of its own, ``packet.overload`` (``where.default``, ``scatter.value``).
  Impurity and in-place-ness come from the schema: a write annotation (``Tensor(a!)``), the
  ``nondeterministic_seeded`` tag, no result (an assert).
- aten overloads bind by their own schema, so make_fx/export graphs normalize like eager calls;
  ``aten.convolution`` is ``conv{n}d`` / ``conv_transpose{n}d``, ``_softmax`` is ``softmax``: a rule
  may write those names too (`OpTable.normalize_term`: aliases), and ``float(x)`` for ``to(x, dtype=
  torch.float32)``.
- A ``torch.library`` op is ``namespace.op`` in a table that reads its namespace:
  ``default_table().with_library('mylib')`` (a new table; pass it to ``rewrite.load`` and ``rewrite.apply``).
- Modules are matched by exact type; parameters and buffers are `Attr` operands; a module
  configuration with no functional equivalent (``padding_mode='reflect'``) stays unknown.
- Every table is immutable; `OpTable.extended` returns a new one. Table order is the order of the
  data modules, never of a set or dict built from hashes.

See Also
--------
fxcore.ops.table.OpTable : the registry (``default_table()`` is the standard one).
fxcore.ops.schemas, fxcore.ops.spellings, fxcore.ops.modules, fxcore.ops.conversions : the data.
fxcore.ops.registry, fxcore.ops.torch_ops : what torch's registry says.
"""
from __future__ import annotations

import functools
from typing import Optional

import torch
import torch.fx

from fxcore.ops.conversions import cast_aliases, conversion_functions, conversion_methods
from fxcore.ops.emit import EmitSpec, default_emits
from fxcore.ops.model import (ANY, REQUIRED, Attr, ModuleSpelling, OpDef, OpSchemaError, OpsError,
                              OpSignatureError, Param, Spelling, UnknownOpError, Unresolved, opdef)
from fxcore.ops.modules import module_spellings
from fxcore.ops.schemas import PICKS, default_opdefs
from fxcore.ops.spellings import aten_spellings, canonical_spellings, function_spellings, method_spellings, term_aliases
from fxcore.ops.table import OpTable
from fxcore.ops.torch_ops import TorchOps, sample_call

__all__ = [
    "OpTable", "TorchOps", "OpDef", "Param", "Attr", "Unresolved", "Spelling", "ModuleSpelling", "EmitSpec", "opdef",
    "REQUIRED", "ANY",
    "OpsError", "UnknownOpError", "OpSignatureError", "OpSchemaError",
    "default_table", "canonical_op", "node_operands", "normalize_call", "normalize_term", "is_commutative", "is_impure",
    "call_target", "emit_args",
]


@functools.lru_cache(maxsize=None)
def default_table() -> OpTable:
    """The standard, immutable `OpTable` (built once, cached): the ops written out in `fxcore.ops.schemas` with
    their spellings, and every other aten op, read from torch's registry when asked for.

    >>> default_table() is default_table(), 'conv2d' in default_table().names(), 'topk' in default_table()
    (True, True, True)

    See Also
    --------
    OpTable.extended : add your own ops without touching this one.
    OpTable.with_library : a table that also knows the ops of a ``torch.library`` namespace.
    """
    defs = default_opdefs()
    names = {d.name for d in defs}
    parts = (defs, conversion_functions() + function_spellings() + aten_spellings(),
             conversion_methods() + method_spellings(), module_spellings(), default_emits(), canonical_spellings(),
             term_aliases(names) + cast_aliases())
    return OpTable(*parts, torch_ops=_aten_ops(parts))


def _aten_ops(parts: tuple) -> TorchOps:
    """Every aten op, read from torch. A packet spelled here (its op written out, or spelled as another op:
    ``_softmax`` is ``softmax``) names only the overloads its spelling cannot take (``where.default``), told by
    binding a sample call of each overload through the table written out here."""
    listed = OpTable(*parts)
    hand = set()
    for target, _ in parts[1]:
        if isinstance(target, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
            hand.add(target.__name__ if isinstance(target, torch._ops.OpOverloadPacket)
                     else target.overloadpacket.__name__)
    hand.update(d.overload.overloadpacket.__name__ for d in parts[0] if d.overload is not None)
    hand.update(d.name for d in parts[0] if "." not in d.name)

    def taken(overload) -> bool:
        return listed.resolve_call(overload, *sample_call(overload)) is not None
    return TorchOps(("aten",), picks=PICKS, hand=hand, taken=taken)


def _table(table: Optional[OpTable]) -> OpTable:
    return default_table() if table is None else table


def canonical_op(node: torch.fx.Node, table: Optional[OpTable] = None):
    """The canonical op name of an FX node, or its exact target when the table does not know it.

    >>> import operator
    >>> g = torch.fx.Graph(); x = g.placeholder('x'); y = g.call_function(operator.add, (x, x))
    >>> canonical_op(y), canonical_op(x)
    ('add', 'placeholder')

    See Also
    --------
    node_operands, OpTable.canonical_op
    """
    return _table(table).canonical_op(node)


def node_operands(node: torch.fx.Node, table: Optional[OpTable] = None) -> tuple:
    """The node's operands in the canonical schema order (FX nodes kept as nodes, `Attr` for parameters).

    >>> g = torch.fx.Graph(); x = g.placeholder('x'); y = g.call_method('permute', (x, 1, 0))
    >>> node_operands(y)
    (x, (1, 0))

    See Also
    --------
    canonical_op, normalize_call
    """
    return _table(table).node_operands(node)


def normalize_call(op_name: str, args: tuple = (), kwargs: Optional[dict] = None,
                   table: Optional[OpTable] = None) -> tuple:
    """Canonical operands of a pattern written as a call, e.g. ``sum(x, dim=1)``.

    >>> normalize_call('sum', ('x',), {'dim': 1})
    ('x', (1,), False, None)
    >>> normalize_call('sigmod', ('x',))
    Traceback (most recent call last):
    ...
    fxcore.ops.model.UnknownOpError: unknown op 'sigmod'. Did you mean 'sigmoid' ...

    See Also
    --------
    OpTable.normalize_call
    """
    return _table(table).normalize_call(op_name, tuple(args), dict(kwargs or {}))


def normalize_term(op_name: str, args: tuple = (), kwargs: Optional[dict] = None,
                   table: Optional[OpTable] = None) -> tuple:
    """The term ``(op, *operands)`` a rule writes as ``op_name(*args, **kwargs)``; an alias names another op.

    >>> normalize_term('half', ('x',))[:3], normalize_term('neg', ('x',))
    (('to', 'x', torch.float16), ('neg', 'x'))

    See Also
    --------
    OpTable.normalize_term, normalize_call
    """
    return _table(table).normalize_term(op_name, tuple(args), dict(kwargs or {}))


def is_commutative(op_name: str, operands: Optional[tuple] = None, table: Optional[OpTable] = None) -> bool:
    """True if ``op_name``'s first operands may be swapped (given ``operands``: under their values).

    >>> is_commutative('mul'), is_commutative('add', ('x', 'y', 2)), is_commutative('div')
    (True, False, False)

    See Also
    --------
    OpTable.is_commutative
    """
    return _table(table).is_commutative(op_name, operands)


def is_impure(node: torch.fx.Node, table: Optional[OpTable] = None) -> bool:
    """True if the node has effects and must never be matched as an inner node or erased.

    Placeholders and outputs, in-place ops, random ops (dropout in training), I/O (print,
    setitem, asserts) are impure; unknown calls defer to torch's ``Node.is_impure()``, except
    that an unknown call_method whose name ends in ``_``, and an unknown call passing ``out=`` or
    ``inplace=True``, are assumed to mutate.

    >>> g = torch.fx.Graph(); x = g.placeholder('x')
    >>> is_impure(x), is_impure(g.call_method('add_', (x, x))), is_impure(g.call_method('add', (x, x)))
    (True, True, False)

    See Also
    --------
    OpDef.impure, torch.fx.Node.is_impure
    """
    if node.op in ("placeholder", "output"):
        return True
    t = _table(table)
    found = t.resolve_node(node)
    if found is not None:
        return t.is_impure_call(*found)
    if node.op == "call_method" and str(node.target).endswith("_"):
        return True
    if node.kwargs.get("out") is not None or node.kwargs.get("inplace") is True:
        return True
    if node.op == "get_attr":
        return False
    return node.is_impure()


def call_target(op_name: str, table: Optional[OpTable] = None):
    """The torch callable to emit for canonical op ``op_name`` (see `OpTable.call_target`).

    >>> call_target('add') is torch.add
    True

    See Also
    --------
    emit_args
    """
    return _table(table).call_target(op_name)


def emit_args(op_name: str, operands: tuple, table: Optional[OpTable] = None) -> tuple:
    """``(args, kwargs)`` to call ``call_target(op_name)`` with canonical ``operands``.

    >>> emit_args('add', ('a', 'b', 1))
    (('a', 'b'), {'alpha': 1})

    See Also
    --------
    call_target
    """
    return _table(table).emit_args(op_name, tuple(operands))
