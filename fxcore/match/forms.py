"""The decomposed forms of an op: it traced through each decomposition table on each case of `fxcore.match.cases`.

``op_forms('linear', given, table)`` traces the op on both examples of every case (`fxcore.match.decompose.trace_op`)
through every table, keeps the pair's generalization (`fxcore.match.decompose.generalize`) when it binds each
variable the pattern gives the op, and merges equal forms (their tables listed as ``sources``). Cached per op,
pattern shape (``given``) and op table: a rule set's variants are traced once.

>>> from fxcore.ops import default_table
>>> forms = op_forms('silu', (('self', ('var',)),), default_table())
>>> [(f.sources, f.generic[0]) for f in forms]
[(('core_aten',), 'mul'), (('inductor',), 'div')]

See Also
--------
fxcore.match.variants : the variants of a pattern built from these forms.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch

from unify.variable import isvar

from fxcore.match.capture import Capture
from fxcore.match.cases import CASES, TERM, VARIABLE
from fxcore.match.decompose import MISMATCH, TABLES, Derived, Free, Operand, generalize, trace_op
from fxcore.view.pattern import Bound, Typed, is_op_term

__all__ = ["Form", "op_forms", "kind_of"]


@dataclass(frozen=True, eq=False)
class Form:
    """A decomposed form of ``op``: ``generic`` (a term with `Operand`, `Free`, `Derived` markers), the
    parameters its case ``fixed``, and the decomposition tables (``sources``) that gave it."""

    op: str
    generic: Any
    fixed: tuple
    sources: tuple
    derived: int


def kind_of(arg) -> tuple:
    """How a pattern gives a parameter: ``('var',)``, ``('term',)``, ``('lit', value)`` or ``('opaque',)``."""
    if isvar(arg) or isinstance(arg, Typed):
        return ("var",)
    if is_op_term(arg) or isinstance(arg, (Bound, Capture)):
        return ("term",)
    try:
        hash(arg)
    except TypeError:
        return ("opaque",)
    return ("opaque",) if _has_pattern(arg) else ("lit", arg)


def _has_pattern(value) -> bool:
    if isvar(value) or isinstance(value, (Typed, Bound, Capture)) or is_op_term(value):
        return True
    return type(value) in (tuple, list) and any(_has_pattern(v) for v in value)


@functools.lru_cache(maxsize=512)
def op_forms(op: str, given: tuple, table, tables: tuple = TABLES) -> tuple:
    """The decomposed forms of ``op`` when the pattern gives its parameters as ``given`` (``(name, kind)`` pairs,
    kind ``('var',)``, ``('term',)`` or ``('lit', value)``), traced through ``tables``; cached."""
    spec = CASES.get(op)
    if spec is None or any(k[0] == "opaque" for _, k in given):
        return ()
    kinds = dict(given)
    literal = {n: k[1] for n, k in given if k[0] == "lit"}
    marks = {n: VARIABLE if k[0] == "var" else TERM for n, k in given if k[0] != "lit"}
    forms: dict = {}
    for case in spec({**literal, **marks}):
        traced = [_case_values(table.op(op), case, k, literal, kinds) for k in (0, 1)]
        if traced[0] is None:
            continue
        (values_a, fixed), (values_b, _) = traced
        free = {n: (values_a[n], values_b[n]) for n in values_a
                if kinds.get(n, ("lit",))[0] == "var" and not isinstance(values_a[n], torch.Tensor)
                and n not in dict(fixed)}
        for source in tables:
            generic = _generalized(op, values_a, values_b, free, table, source)
            if generic is not None and _binds_every_variable(generic, kinds, fixed):
                key = (generic, fixed)
                found = forms.get(key)
                sources = found.sources if found else ()
                forms[key] = Form(op, generic, fixed, sources + (source,) * (source not in sources),
                                  _count_derived(generic))
    return tuple(forms.values())


def _case_values(opdef, case, k: int, literal: dict, kinds: dict):
    """``(values, fixed)`` of trace ``k`` of ``case``: examples, literals, and defaults for variables it leaves."""
    built = case.build(k)
    fixed = dict(case.fixed)
    values = {}
    for p in opdef.params:
        if p.name in literal:
            values[p.name] = literal[p.name]
        elif p.name in fixed:
            values[p.name] = fixed[p.name]
        elif p.name in built:
            values[p.name] = built[p.name]
        elif p.has_default:
            values[p.name] = p.default
            fixed[p.name] = p.default  # (a variable the case leaves: its default, and it binds that)
        else:
            return None
    return values, tuple((n, v) for n, v in fixed.items() if kinds.get(n, ("lit",))[0] == "var")


def _generalized(op, values_a, values_b, free, table, source):
    a, b = trace_op(op, values_a, table, source), trace_op(op, values_b, table, source)
    if a is None or b is None or a[0] == op:
        return None  # no trace, or the op itself (the pattern as written matches it)
    generic = generalize(a, b, free)
    return None if generic is MISMATCH else generic


def _binds_every_variable(generic, kinds: dict, fixed: tuple) -> bool:
    """Does a match of the form bind each of the op's variables (an `Operand` or `Free` marker, or fixed)?"""
    seen, stack = set(), [generic]
    while stack:
        t = stack.pop()
        if isinstance(t, (Operand, Free)):
            seen.add(t.name)
        elif type(t) is tuple:
            stack.extend(t[1:] if is_op_term(t) else t)
    wanted = {n for n, k in kinds.items() if k[0] in ("var", "term")}
    return wanted <= seen | set(dict(fixed))


def _count_derived(generic) -> int:
    stack, n = [generic], 0
    while stack:
        t = stack.pop()
        n += isinstance(t, Derived)
        if type(t) is tuple:
            stack.extend(t)
    return n


