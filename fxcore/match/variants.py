"""Patterns that match decomposed graphs: a pattern's variants, one per decomposed form of its ops.

``linear(x, w, b)`` is one call in a symbolic_trace or torch.export graph, but ``make_fx`` records
``addmm(b, x, t(w))`` for a 2-D input, ``view(addmm(b, view(x, ...), t(w)), ...)`` for a 3-D one, ``mm`` and
``_unsafe_view`` without bias, and export's ``run_decompositions()`` or inductor's table say ``permute`` for
``t``. As inductor's pattern matcher does, each op of the pattern that front ends decompose (`fxcore.match.cases`)
is traced through the same decomposition tables (`fxcore.match.decompose.TABLES`) on examples of every rank,
bias and contiguity case, and every distinct form becomes a variant of the pattern: a pattern over the
decomposed ops, whose size-dependent literals (a view's sizes) are variables a trace at the matched shapes
checks (`Check`), and whose other literals are what the trace said (a transpose is ``permute(w, (1, 0))``,
never ``(0, 1)``; ``addmm``'s beta and alpha are 1). A match of a variant binds the pattern's own variables
(and those the case decides, ``b`` to None without bias), so one replacement serves every variant; emitted
in the graph's dialect, it is the fused op (``aten.linear``), not its decomposition again.

>>> import torch
>>> from unify import var
>>> from fxcore.ops import default_table
>>> from torch.fx.experimental.proxy_tensor import make_fx
>>> x, w, b = var('x'), var('w'), var('b')
>>> found = pattern_variants(('linear', x, w, b), default_table())
>>> len(found) > 4, found[0].term
(True, ('linear', ~x, ~w, ~b))
>>> gm = make_fx(torch.nn.Linear(3, 5))(torch.ones(2, 4, 3))
>>> from fxcore.match import find_matches
>>> [m.root.name for p in compile_variants(('linear', x, w, b), default_table()) for m in find_matches(gm.graph, p)]
['view_1']

See Also
--------
fxcore.match.decompose : tracing an op and generalizing two traces.
fxcore.match.cases : the examples each op is traced on.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from torch.fx import Node

from unify import var
from unify.variable import Var, isvar

from fxcore.match.bindings import Bindings
from fxcore.match.capture import Capture
from fxcore.match.cases import CASES
from fxcore.match.checks import Check
from fxcore.match.compiled import CompiledPattern, Match, _accept, compile_pattern
from fxcore.match.decompose import TABLES, Derived, Free, Operand, _same
from fxcore.match.engine import Solution, first
from fxcore.match.forms import Form, kind_of, op_forms
from fxcore.match.program import compile_program
from fxcore.view.canonical import CanonicalView
from fxcore.view.pattern import Bound, Typed, is_op_term

__all__ = ["Form", "Check", "Variant", "VariantPattern", "op_forms", "pattern_variants", "compile_variants",
           "pattern_depth", "MAX_VARIANTS"]

MAX_VARIANTS = 64
"""At most this many variants per pattern (a pattern with several decomposed ops multiplies their forms)."""


@dataclass(frozen=True)
class Variant:
    """A pattern with some ops decomposed: its ``term``, a `Check` per decomposed op, and the variables it fixes."""

    term: Any
    checks: tuple = ()
    fixed: tuple = ()


class _Fresh:
    """Fresh variables for one pattern's variants (names no rule file can write)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, what: str) -> Var:
        self.n += 1
        return var(f"{what}#{self.n}")


def pattern_variants(pattern, table, tables: tuple = TABLES) -> tuple:
    """The pattern itself, then a `Variant` per combination of decomposed forms of its ops (at most `MAX_VARIANTS`)."""
    fresh = _Fresh()
    out = []
    for term, checks, fixed in itertools.islice(_alternatives(pattern, table, tables, fresh), MAX_VARIANTS):
        out.append(Variant(_substitute(term, dict(fixed)) if fixed else term, checks, fixed))
    return tuple(out)


def _alternatives(t, table, tables, fresh) -> list:
    """``(term, checks, fixed)`` for every way to write ``t`` with or without its ops decomposed."""
    if is_op_term(t):
        out = []
        for args, checks, fixed in _combinations([_alternatives(a, table, tables, fresh) for a in t[1:]]):
            out.append(((t[0], *args), checks, fixed))
            out.extend(_decomposed(t, args, checks, fixed, table, tables, fresh))
        return out
    if isinstance(t, (Bound, Capture)):
        return [(type(t)(t.var, p), c, f) for p, c, f in _alternatives(t.pattern, table, tables, fresh)]
    if type(t) in (tuple, list):
        return [(type(t)(args), c, f) for args, c, f in
                _combinations([_alternatives(a, table, tables, fresh) for a in t])]
    return [(t, (), ())]


def _combinations(options: list) -> list:
    """Every choice of one alternative per position, with their checks joined and fixed variables agreeing."""
    out = []
    for combo in itertools.islice(itertools.product(*options), MAX_VARIANTS):
        fixed = _merge(*(c[2] for c in combo))
        if fixed is not None:
            out.append((tuple(c[0] for c in combo), tuple(k for c in combo for k in c[1]), fixed))
    return out


def _merge(*fixes) -> tuple | None:
    out: dict = {}
    for fixed in fixes:
        for v, value in fixed:
            if v in out and not _same(out[v], value):
                return None
            out[v] = value
    return tuple(out.items())


def _decomposed(t, args, checks, fixed, table, tables, fresh) -> list:
    """The alternatives of op term ``t`` decomposed (its arguments already written as ``args``)."""
    op = t[0]
    if not (isinstance(op, str) and op in CASES and op in table) or len(t) - 1 != len(table.op(op).params):
        return []
    opdef = table.op(op)
    given = tuple((p.name, kind_of(a)) for p, a in zip(opdef.params, t[1:]))
    out = []
    for form in op_forms(op, given, table, tables):
        term, check = _instantiate(form, opdef, t[1:], args, table, fresh)
        own = tuple((_var_of(t[1:][opdef.index(p)]), v) for p, v in form.fixed)
        merged = _merge(fixed, own)
        if merged is not None:
            out.append((term, checks + (check,), merged))
    return out


def _var_of(arg) -> Var:
    return arg.var if isinstance(arg, Typed) else arg


def _instantiate(form: Form, opdef, written: tuple, args: tuple, table, fresh) -> tuple:
    """The form as a pattern over the written operands, captured for its `Check`."""
    by_name = {p.name: (w, a) for p, w, a in zip(opdef.params, written, args)}
    captured: dict = {}
    derived: dict = {}

    def operand(name):
        w, a = by_name[name]
        if isvar(w) or isinstance(w, Typed):
            return w
        if name not in captured:
            captured[name] = fresh(f"{form.op}.{name}")
        return Capture(captured[name], a)

    def walk(g):
        if isinstance(g, Operand):
            return operand(g.name)
        if isinstance(g, Free):
            return by_name[g.name][0]
        if isinstance(g, Derived):
            if g not in derived:
                derived[g] = fresh(f"{form.op}.size")
            return derived[g]
        if type(g) is tuple:
            return (g[0], *map(walk, g[1:])) if is_op_term(g) else tuple(map(walk, g))
        return g
    root = fresh(form.op)
    term = Capture(root, walk(form.generic))
    fixed = dict(form.fixed)
    refs = []
    for p in opdef.params:
        w = by_name[p.name][0]
        if p.name in fixed:
            refs.append((p.name, ("lit", fixed[p.name])))
        elif isvar(w) or isinstance(w, Typed):
            refs.append((p.name, ("var", _var_of(w))))
        elif p.name in captured:
            refs.append((p.name, ("var", captured[p.name])))
        else:
            refs.append((p.name, ("lit", w)))
    return term, Check(form, root, tuple(refs), tuple(derived.items()), table)


def _substitute(term, fixed: dict):
    """``term`` with the fixed variables replaced by their values."""
    if isvar(term):
        return fixed.get(term, term)
    if isinstance(term, Typed) and term.var in fixed:
        return fixed[term.var]
    if isinstance(term, (Bound, Capture)):
        return type(term)(term.var, _substitute(term.pattern, fixed))
    if type(term) in (tuple, list):
        return type(term)(_substitute(t, fixed) for t in term)
    return term


def _variables(term) -> tuple:
    """The pattern's variables, in order of first mention (typed and named ones too)."""
    out, stack = {}, [term]
    while stack:
        t = stack.pop()
        if isvar(t):
            out.setdefault(t, None)
        elif isinstance(t, (Typed, Bound)):
            out.setdefault(t.var, None)
            if isinstance(t, Bound):
                stack.append(t.pattern)
        elif type(t) in (tuple, list):
            stack.extend(reversed(t))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class VariantPattern(CompiledPattern):
    """A compiled `Variant`: a match also passes its `Check` values, and binds the pattern's variables (``keep``) and
    those the variant fixes, nothing else.

    Where the pattern's root is the decomposed op, a smaller form can match inside a larger one (the 2-D form
    ``addmm(b, x, t(w))`` inside the 3-D ``view(addmm(b, view(x, ...), t(w)), ...)``, with ``x`` the inner view):
    both are the op, but the larger one is the call the graph's author wrote, so a match of this form whose
    decomposed root is inside a match of a ``larger`` form (found from the root's users up) is refused.
    """

    checks: tuple = ()
    fixed: tuple = ()
    keep: tuple = ()
    larger: list = field(default_factory=list, repr=False)  # filled by compile_variants

    @cached_property
    def _plain_accept(self):
        """No escape, no cycle, and every check holds."""
        base = _accept(self.program)
        index = {v: i for i, v in enumerate(self.program.variables)}
        fixed, checks = dict(self.fixed), self.checks

        def accept(sol):
            found = base(sol)
            if found is not None:
                return found
            slots = sol[0]

            def value_of(v):
                return fixed[v] if v in fixed else slots[index[v]]
            for check in checks:
                if not check.holds(value_of):
                    return ("decomposition", check.form.op)
            return None
        return accept

    @cached_property
    def _accept(self):
        plain = self._plain_accept
        if not self.larger:
            return plain

        def accept(sol):
            found = plain(sol)
            if found is None and self._inside_larger(sol[2][0]):
                return ("decomposition", f"{self.checks[-1].form.op}: a larger form of it matches around")
            return found
        return accept

    @cached_property
    def depth(self) -> int:
        """Op terms on the longest path from the root down."""
        return pattern_depth(self.pattern)

    def solves(self, node: Node) -> Solution | None:
        """A solution rooted at ``node`` passing the checks (not the larger-form rule), or None."""
        view = self._view_for(node.graph)
        if self._fast is not None:
            return self._fast(node, view, self._plain_accept)
        return first(self.program, view, node, None, self._plain_accept, explain=False)

    def _inside_larger(self, root: Node) -> bool:
        frontier, seen = [root], {root}
        for level in range(max(q.depth for q in self.larger)):
            frontier = [u for n in frontier for u in n.users if u not in seen and not seen.add(u)]
            for u in frontier:
                for q in self.larger:
                    if level < q.depth:
                        sol = q.solves(u)
                        if sol is not None and root in sol.matched:
                            return True
        return False

    def _match(self, sol) -> Match:
        m = super()._match(sol)
        bound = {**{v: m.bindings[v] for v in self.keep if v in m.bindings}, **dict(self.fixed)}
        return m._replace(bindings=Bindings.of({v: bound[v] for v in self.keep if v in bound}))


def pattern_depth(term) -> int:
    """Op terms on the longest path from the root of a pattern down (named and captured subpatterns included).

    >>> from unify import var
    >>> inner = ('addmm', var('b'), ('view', var('x'), (6, 7)), ('t', var('w')))
    >>> pattern_depth(Capture(var('r'), ('view', inner, (2, 3, 5))))
    3
    """
    best, stack = 0, [(term, 0)]
    while stack:
        t, d = stack.pop()
        if isinstance(t, (Bound, Capture)):
            stack.append((t.pattern, d))
        elif is_op_term(t):
            best = max(best, d + 1)
            stack.extend((a, d + 1) for a in t[1:])
        elif type(t) in (tuple, list):
            stack.extend((a, d) for a in t)
    return best


def compile_variants(pattern, table=None, tables: tuple = TABLES) -> tuple:
    """The pattern compiled, then each of its variants (`VariantPattern`), for ``table``.

    See Also
    --------
    pattern_variants, fxcore.match.compile_pattern
    """
    view = CanonicalView(table)
    keep = _variables(pattern)
    out = [compile_pattern(pattern, view.table)]
    for v in pattern_variants(pattern, view.table, tables)[1:]:
        out.append(VariantPattern(v.term, compile_program(v.term, view), view.table, v.checks, v.fixed, keep))
    rooted = [p for p in out[1:] if isinstance(p.pattern, Capture) and p.checks and p.pattern.var == p.checks[-1].root]
    for p in rooted:  # (a root that is a decomposed op: its smaller forms may match inside its larger ones)
        p.larger.extend(q for q in rooted if q is not p and q.checks[-1].form.op == p.checks[-1].form.op
                        and _op_count(q.pattern) > _op_count(p.pattern))
    return tuple(out)


def _op_count(term) -> int:
    n, stack = 0, [term]
    while stack:
        t = stack.pop()
        if isinstance(t, (Bound, Capture)):
            stack.append(t.pattern)
        elif is_op_term(t):
            n += 1
            stack.extend(t[1:])
        elif type(t) in (tuple, list):
            stack.extend(t)
    return n
