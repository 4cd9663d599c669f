"""Tracing a canonical op through a decomposition table, read back as a term over canonical ops.

``trace_op('linear', {'input': x, 'weight': w, 'bias': b}, table, 'make_fx')`` runs ``make_fx`` on the op's
torch call with those example values and reads the graph back from its output: every call a term of the
op table's canonical view (`fxcore.view.canonical.CanonicalView`), every tensor argument an `Operand`
marker naming its parameter. Traced twice, with examples of other sizes (and other values of the
pattern's free variables), the two terms differ only where a literal follows the sizes or a variable;
`generalize` keeps what is equal, and says which literal is which: a `Free` parameter's value, or a
`Derived` one (a view's sizes) that only a trace at the matched shapes can check.

>>> import torch
>>> from fxcore.ops import default_table
>>> t = default_table()
>>> a = trace_op('linear', {'input': torch.ones(2, 3), 'weight': torch.ones(5, 3), 'bias': torch.ones(5)}, t, 'make_fx')
>>> a
('addmm', Operand('bias'), Operand('input'), ('t', Operand('weight')), 1, 1)
>>> b = trace_op('linear', {'input': torch.ones(4, 3, 2), 'weight': torch.ones(5, 2), 'bias': None}, t, 'make_fx')
>>> b[0], b[1][0], b[1][1], b[2]
('reshape', 'mm', ('view', Operand('input'), (12, 2)), (4, 3, 5))

See Also
--------
fxcore.match.variants : the variants of a pattern built from these terms.
"""
from __future__ import annotations

import contextlib
import functools
import warnings
from dataclasses import dataclass

import torch
from torch.fx import Node

from fxcore.view.canonical import CanonicalView
from fxcore.view.pattern import is_op_term

__all__ = ["Operand", "Free", "Derived", "TABLES", "decomposition_table", "trace_op", "generalize", "specialize",
           "MISMATCH"]

TABLES = ("make_fx", "core_aten", "inductor")
"""The decompositions graphs come from: ``make_fx`` alone (CompositeImplicit ops decompose), torch.export's
``run_decompositions()`` (the core ATen table), and inductor's table (``permute`` for ``t``, silu and gelu
as their formulas)."""


@dataclass(frozen=True)
class Operand:
    """The tensor argument of parameter ``name`` in a traced term."""

    name: str

    def __repr__(self) -> str:
        return f"Operand({self.name!r})"


@dataclass(frozen=True)
class Free:
    """A literal that is the value of parameter ``name`` (a variable of the pattern)."""

    name: str


@dataclass(frozen=True)
class Derived:
    """A literal that follows the operands' sizes (the ``i``-th such): checked by a trace at the matched shapes."""

    i: int


MISMATCH = object()
"""`generalize`'s answer for two traces of different structure."""


@functools.lru_cache(maxsize=None)
def decomposition_table(name: str) -> dict | None:
    """The decomposition table of ``name`` in `TABLES` (None for plain ``make_fx``); inductor's is imported on demand.

    ``core_aten`` is torch.export's ``default_decompositions()``, the table ``run_decompositions()`` uses.

    >>> decomposition_table('make_fx') is None, torch.ops.aten.silu.default in decomposition_table('core_aten')
    (True, True)
    """
    if name == "make_fx":
        return None
    if name == "core_aten":
        import torch.export
        return dict(torch.export.default_decompositions().items())
    if name == "inductor":
        from torch._inductor.decomposition import select_decomp_table
        return dict(select_decomp_table())
    raise ValueError(f"no decomposition table {name!r}; the tables are {TABLES}")


def _tracing(name: str):
    """The context a table's graphs are made in: torch.export and inductor trace with the Python dispatcher on
    (``native_batch_norm`` is ``_native_batch_norm_legit_no_training`` there), plain ``make_fx`` without."""
    if name == "make_fx":
        return contextlib.nullcontext()
    from torch._dispatch.python import enable_python_dispatcher
    return enable_python_dispatcher()


def _call(table, op: str, values: dict):
    """``fn(*tensors)`` calling op's torch callable with ``values`` (tensors replaced by the arguments)."""
    opdef = table.op(op)
    names = [p.name for p in opdef.params if isinstance(values.get(p.name), torch.Tensor)]

    def fn(*tensors):
        given = {**values, **dict(zip(names, tensors))}
        operands = tuple(given.get(p.name, p.default) for p in opdef.params)
        args, kwargs = table.emit_args(op, operands)
        return table.call_target(op, operands)(*args, **kwargs)
    return fn, names


def trace_op(op: str, values: dict, table, decomposition: str):
    """The term op computes on ``values`` (tensors: `Operand` markers) once ``decomposition`` has run, or None
    when the trace fails or reads anything but its arguments (a constant tensor) or returns an argument."""
    fn, names = _call(table, op, values)
    from torch.fx.experimental.proxy_tensor import make_fx
    try:
        with warnings.catch_warnings(), _tracing(decomposition):
            warnings.simplefilter("ignore")
            gm = make_fx(fn, decomposition_table=decomposition_table(decomposition))(*(values[n] for n in names))
    except Exception:  # an example the op does not take (a dim beyond the rank): no form from it
        return None
    return graph_term(gm.graph, names, CanonicalView(table))


def graph_term(graph, names: list, view):
    """The term of the graph's one output (placeholders: `Operand` of ``names`` in order), or None."""
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    marks = {p: Operand(name) for p, name in zip(placeholders, names)}
    out = graph.output_node().args[0]
    if not isinstance(out, Node) or out in marks:
        return None
    memo: dict = {}
    for node in graph.nodes:  # topological: a node's inputs are done before it
        if node.op == "placeholder":
            memo[node] = marks[node]
        elif node.op == "call_function":
            key, operands = view.resolve(node)
            memo[node] = (key, *_replace(operands, memo))
        elif node.op != "output":
            memo[node] = _UNUSABLE  # a constant tensor, a module: not a form a pattern can take
    term = memo[out]
    return None if _has(term, lambda v: v is _UNUSABLE or isinstance(v, Node)) else term


_UNUSABLE = object()


def _replace(value, memo):
    if isinstance(value, Node):
        return memo.get(value, _UNUSABLE)
    if type(value) is tuple:
        return tuple(_replace(v, memo) for v in value)
    return value


def _has(term, pred) -> bool:
    stack = [term]
    while stack:
        t = stack.pop()
        if pred(t):
            return True
        if type(t) is tuple:
            stack.extend(t[1:] if is_op_term(t) else t)
    return False


def _same(a, b) -> bool:
    """Literals equal and of one type, tuples item by item (``1`` is not ``1.0`` nor ``True``)."""
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        return len(a) == len(b) and all(map(_same, a, b))
    try:
        return bool(a == b)
    except Exception:
        return False


def generalize(a, b, free: dict):
    """One term for two traces: equal parts kept, a literal pair equal to a free parameter's examples
    (``free[name] = (example in a, example in b)``) its `Free` marker, another differing pair a `Derived`
    marker; `MISMATCH` when the two differ in structure.

    >>> generalize(('view', Operand('x'), (6, 5)), ('view', Operand('x'), (12, 6)), {})
    ('view', Operand('x'), (Derived(i=0), Derived(i=1)))
    >>> generalize(('_softmax', Operand('x'), -1, False), ('_softmax', Operand('x'), 1, False), {'dim': (-1, 1)})
    ('_softmax', Operand('x'), Free(name='dim'), False)
    """
    count = [0]

    def walk(x, y):
        if isinstance(x, Operand) or isinstance(y, Operand):
            return x if x == y else MISMATCH
        if is_op_term(x) or is_op_term(y):
            if not (is_op_term(x) and is_op_term(y)) or x[0] != y[0] or len(x) != len(y):
                return MISMATCH
            parts = [walk(p, q) for p, q in zip(x[1:], y[1:])]
            return MISMATCH if any(p is MISMATCH for p in parts) else (x[0], *parts)
        for name, (ex_a, ex_b) in free.items():
            if _same(x, ex_a) and _same(y, ex_b):
                return Free(name)
        if _same(x, y):
            return x
        if type(x) is tuple and type(y) is tuple and len(x) == len(y):
            parts = [walk(p, q) for p, q in zip(x, y)]
            return MISMATCH if any(p is MISMATCH for p in parts) else tuple(parts)
        count[0] += 1
        return Derived(count[0] - 1)
    return walk(a, b)


def specialize(generic, concrete, values: dict) -> dict | None:
    """The value of each `Derived` marker of ``generic`` in ``concrete`` (a trace at the matched shapes, whose
    `Free` parameters had ``values``), or None if the two are not one form.

    >>> specialize(('view', Operand('x'), (Derived(0), Free('n'))), ('view', Operand('x'), (6, 5)), {'n': 5})
    {Derived(i=0): 6}
    """
    found: dict = {}
    stack = [(generic, concrete)]
    while stack:
        g, c = stack.pop()
        if isinstance(g, Derived):
            if g in found and not _same(found[g], c):
                return None
            found[g] = c
        elif isinstance(g, Free):
            if not _same(_freeze(values.get(g.name)), c):
                return None
        elif is_op_term(g):
            if not is_op_term(c) or g[0] != c[0] or len(g) != len(c):
                return None
            stack.extend(zip(g[1:], c[1:]))
        elif type(g) is tuple:
            if type(c) is not tuple or len(g) != len(c):
                return None
            stack.extend(zip(g, c))
        elif not (g == c if isinstance(g, Operand) else _same(g, c)):
            return None
    return found


def _freeze(value):
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value
