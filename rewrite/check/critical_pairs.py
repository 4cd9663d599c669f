"""Critical pairs: where two rules (or one rule with itself) overlap, as the matcher sees terms.

For every pair of enabled rules, the inner rule (renamed apart: its variables get a prime) is unified
with every op-call position of the outer rule's pattern (the root too, once per unordered pair of
distinct rules; a rule with itself only below the root), modulo the commutativity of the ops the op
table marks commutative (`unify.commutative.c_unify`: a finite set of unifiers, never 2^k copies of a
rule).  Literals compare as the matcher compares them (``0.0`` is not ``-0.0``); variables may occur
twice; typed literal variables only take literals of their types.

Each pair carries both rules' guards.  A pair is *infeasible*, dropped and counted, when the guards'
facts (`rewrite.check.guard_facts`: literal values, ranks, dtype classes) cannot hold together, or when
the overlap calls an op with literals in all its tensor operands (no graph holds such a call: tracing
computes it).  Candidates are found through an index on op symbols: the inner rule's root op and the
ops right under it.

>>> from rewrite.lang.loader import loads
>>> rs = loads('''
... rules:
...   - {id: neg-neg, pattern: neg(neg(x)), replacement: x}
...   - {id: mul-two, pattern: "mul(x, 2)", replacement: "add(x, x)"}
... ''')
>>> found = critical_pairs(rs)
>>> [(p.outer.id, p.inner.id, p.position_text, p.overlap_text) for p in found.pairs]
[('neg-neg', 'neg-neg', '1', "neg(neg(neg(~x')))")]

See Also
--------
rewrite.check.confluence : joins each pair and gives the set's verdict.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from fxcore.match.diagnose import show_term
from fxcore.view.canonical import literal_equal
from fxcore.view.pattern import Typed
from unify import isvar, reify, var
from unify.commutative import c_unify, is_op_term
from rewrite.check.guard_facts import rule_facts
from rewrite.check.pair_index import groups_of, pattern_variables, rule_pairs, strip_typed, translate
from rewrite.lang.rule import Rule, map_leaves
from rewrite.lang.syntax import var_name

__all__ = ["CriticalPair", "CriticalPairs", "critical_pairs", "commutative_of", "subterm_at", "replace_at",
           "pattern_variables"]

_OPAQUE = object()  # a non-literal operand, when asking the table about commutativity


@dataclass(frozen=True)
class CriticalPair:
    """An overlap: ``inner`` (renamed apart) matches the ``outer`` rule's pattern at ``position``.

    ``position`` is the argument path from the root (1-based; ``()`` is the root); ``overlap`` is the
    most general term both rules rewrite; ``substitution`` the unifier as sorted ``(variable, term)``
    pairs; ``infeasible`` says why the joint guards cannot hold ('' when they may).
    """

    outer: Rule
    inner: Rule
    position: tuple
    overlap: object
    substitution: tuple = field(repr=False)
    renaming: tuple = field(default=(), repr=False)  # (inner variable, its renamed-apart variable)
    infeasible: str = ""

    @property
    def rules(self) -> tuple:
        return (self.outer.id, self.inner.id)

    @property
    def position_text(self) -> str:
        """``'root'`` or the dotted 1-based argument path, e.g. ``'1.2'``."""
        return ".".join(map(str, self.position)) or "root"

    @property
    def overlap_text(self) -> str:
        return show_term(self.overlap)

    def outer_bindings(self) -> dict:
        """The outer rule's variables -> their terms in the overlap."""
        s = dict(self.substitution)
        return {v: reify(v, s) for v in pattern_variables(self.outer)}

    def inner_bindings(self) -> dict:
        """The inner rule's own variables -> their terms in the overlap."""
        s = dict(self.substitution)
        return {v: reify(renamed, s) for v, renamed in self.renaming}

    def inner_root(self):
        """The overlap's subterm the inner rule rewrites."""
        return subterm_at(self.overlap, self.position)


@dataclass(frozen=True)
class CriticalPairs:
    """The feasible critical pairs of a rule set, in a deterministic order, and the infeasible ones counted.

    ``dropped`` keeps the first infeasible pairs (at most ``keep_dropped``) with their reasons.
    """

    pairs: tuple
    infeasible: int
    dropped: tuple = ()
    candidates: int = 0


def subterm_at(term, position: tuple):
    """The subterm at a 1-based argument path.

    >>> subterm_at(('add', ('neg', 'a'), 'b', 1), (1, 1))
    'a'
    """
    for i in position:
        term = term[i]
    return term


def replace_at(term, position: tuple, new):
    """``term`` with the subterm at ``position`` replaced by ``new``.

    >>> replace_at(('add', ('neg', 'a'), 'b', 1), (1,), 'c')
    ('add', 'c', 'b', 1)
    """
    if not position:
        return new
    i = position[0]
    return type(term)((*term[:i], replace_at(term[i], position[1:], new), *term[i + 1:]))


def commutative_of(table=None):
    """The commutativity predicate the matcher uses: the table's commutative ops, their conditions on
    literal operands (``add`` only with ``alpha == 1``).

    >>> p = commutative_of()
    >>> p(('mul', 'x', 'y')), p(('add', 'x', 'y', 1)), p(('add', 'x', 'y', 2)), p(('sub', 'x', 'y', 1))
    (True, True, False, False)
    """
    from fxcore import ops
    cache: dict = {}

    def predicate(t) -> bool:
        if len(t) < 3 or table is False:
            return False
        operands = tuple(_OPAQUE if isvar(a) or type(a) in (tuple, list) else a for a in t[1:])
        key = (t[0], tuple(id(a) if a is _OPAQUE else (type(a), a) for a in operands))
        try:
            if key not in cache:
                cache[key] = ops.is_commutative(t[0], operands, table)
            return cache[key]
        except TypeError:
            return ops.is_commutative(t[0], operands, table)
    return predicate


def _positions(pattern) -> list:
    """The op-call positions of a pattern, pre-order (root first), as 1-based argument paths (an item of a
    literal list, such as ``cat``'s tensors, is indexed from 0 within it).

    >>> from unify import var
    >>> [p for p, _ in _positions(('add', ('neg', var('x')), ('cat', [('exp', var('y')), var('z')], 0), 1))]
    [(), (1,), (2,), (2, 1, 0)]
    """
    out, stack = [], [(pattern, ())]
    while stack:
        t, pos = stack.pop()
        if is_op_term(t):
            out.append((pos, t))
            stack.extend((t[i], pos + (i,)) for i in range(len(t) - 1, 0, -1))
        elif type(t) in (tuple, list):
            stack.extend((t[i], pos + (i,)) for i in range(len(t) - 1, -1, -1))
    return out


def _primed(rule: Rule) -> tuple:
    """`_renamed` with nothing taken, once per (hashable) rule."""
    try:
        return _cached_primed(rule)
    except TypeError:  # a pattern holding a list
        return _renamed(rule, set())


@functools.lru_cache(maxsize=8192)
def _cached_primed(rule: Rule) -> tuple:
    return _renamed(rule, set())


def _renamed(rule: Rule, taken: set) -> tuple:
    """The rule's pattern with primed variables (none of ``taken``), and the (old, new) pairs."""
    pairs = []
    for v in pattern_variables(rule):
        name = var_name(v) + "'"
        while var(name) in taken:
            name += "'"
        pairs.append((v, var(name)))
    subst = dict(pairs)
    return map_leaves(rule.pattern, lambda t: subst.get(t, t) if isvar(t) else
                      (Typed(subst[t.var], t.types, t.element_types) if isinstance(t, Typed) else t)), tuple(pairs)


def _child_heads(t) -> tuple:
    return tuple(a[0] if is_op_term(a) else None for a in t[1:])


def _heads_agree(outer_sub, inner, commutative) -> bool:
    """Cheap test before unifying: the ops right under both roots agree (in some commutative order)."""
    a, b = _child_heads(outer_sub), _child_heads(inner)
    if len(a) != len(b):
        return False
    if all(x is None or y is None or x == y for x, y in zip(a, b)):
        return True
    if len(a) >= 2 and (commutative(outer_sub) or commutative(inner)):
        a = (a[1], a[0], *a[2:])
        return all(x is None or y is None or x == y for x, y in zip(a, b))
    return False


class _Index:
    """Op-call positions of every rule's pattern, by op symbol."""

    def __init__(self, rules):
        self.by_op: dict = {}
        for i, r in enumerate(rules):
            for pos, sub in _positions(r.pattern):
                self.by_op.setdefault(sub[0], []).append((i, pos, sub))

    def candidates(self, op) -> list:
        return self.by_op.get(op, [])


def critical_pairs(ruleset, *, table=None, keep_dropped: int = 50) -> CriticalPairs:
    """Every critical pair of the enabled rules of ``ruleset`` (see the module docstring).

    Order: outer rule, then position (pre-order), then inner rule, in declaration order; unifiers
    in `c_unify`'s order.

    >>> from rewrite.lang.loader import loads
    >>> rs = loads('''
    ... rules:
    ...   - {id: mul-one, pattern: "mul(x, 1)", replacement: x}
    ...   - {id: mul-zero, pattern: "mul(x, 0)", replacement: x, when: "x.ndim == 2"}
    ...   - {id: mul-zero-1d, pattern: "mul(x, 0)", replacement: x, when: "x.ndim == 1"}
    ... ''')
    >>> found = critical_pairs(rs)
    >>> found.infeasible, [p.rules for p in found.pairs]
    (3, [])
    >>> [d[2] for d in found.dropped][-1]
    "x: ndim in (2) and in (1) cannot both hold (rules 'mul-zero', 'mul-zero-1d')"

    See Also
    --------
    CriticalPair, rewrite.check.confluence.check_confluence
    """
    rules = list(ruleset.enabled())  # declaration order: ordered() costs a specificity sort we do not need
    commutative = commutative_of(table)
    groups = groups_of(rules)
    reps = [rules[members[0]] for members in groups]
    index = _Index(reps)
    facts = {r.id: rule_facts(r) for r in rules}
    plain = [strip_typed(r.pattern)[0] for r in reps]
    found: dict = {}
    dropped, infeasible, candidates = [], 0, 0
    for gb, inner_rep in enumerate(reps):
        renamed, renaming = _primed(inner_rep)
        for ga, pos, sub in index.candidates(inner_rep.root_op):
            if (not pos and ga > gb) or not _heads_agree(sub, inner_rep.pattern, commutative):
                continue
            for sigma in _unifiers(sub, renamed, commutative):
                overlap = reify(plain[ga], sigma)
                feasible, total = rule_pairs(rules, groups[ga], groups[gb], facts, sigma, reps[ga], inner_rep,
                                             renaming, overlap, subterm_at(overlap, pos), not pos and ga == gb,
                                             table)
                candidates += total
                infeasible += total - len(feasible)
                for i, j in feasible:
                    found.setdefault((i, pos, j), []).append(
                        _pair_of(rules[i], rules[j], pos, sigma, reps[ga], inner_rep, renaming))
                if total > len(feasible) and len(dropped) < keep_dropped:
                    dropped += _reasons(rules, groups[ga], groups[gb], set(feasible), pos, sigma, reps[ga],
                                        inner_rep, renaming, facts, table, keep_dropped - len(dropped))
    pairs = [p for key in sorted(found) for p in found[key]]
    return CriticalPairs(tuple(pairs), infeasible, tuple(dropped), candidates)


def _pair_of(outer, inner, pos, sigma, outer_rep, inner_rep, rep_renaming) -> CriticalPair:
    """The critical pair of two rules, from their group representatives' unifier ``sigma``."""
    _, renaming = _primed(inner)
    mapping = dict(zip(pattern_variables(outer_rep), pattern_variables(outer)))
    mapping.update(zip((new for _, new in rep_renaming), (new for _, new in renaming)))
    subst = {mapping.get(v, v): translate(t, mapping) for v, t in sigma.items()}
    overlap = reify(strip_typed(outer.pattern)[0], subst)
    return CriticalPair(outer, inner, pos, overlap, tuple(sorted(subst.items(), key=repr)), renaming)


def _reasons(rules, outer_members, inner_members, feasible, pos, sigma, outer_rep, inner_rep, rep_renaming,
             facts, table, limit) -> list:
    """Why the first ``limit`` infeasible rule pairs of one group pair were dropped."""
    from rewrite.check.feasibility import infeasible_reason
    out = []
    for i in outer_members:
        for j in inner_members:
            if (not pos and outer_members is inner_members and i >= j) or (i, j) in feasible:
                continue
            pair = _pair_of(rules[i], rules[j], pos, sigma, outer_rep, inner_rep, rep_renaming)
            out.append(((pair.outer.id, pair.inner.id), pair.position_text, infeasible_reason(pair, facts, table)))
            if len(out) >= limit:
                return out
    return out


def _unifiers(sub, renamed, commutative) -> list:
    """The unifiers of the outer subterm and the renamed inner pattern (typed variables checked)."""
    left, typed_left = strip_typed(sub)
    right, typed_right = strip_typed(renamed)
    out = []
    for sigma in c_unify(left, right, commutative, equal=literal_equal):
        if all(_typed_ok(t, reify(v, sigma)) for v, t in (*typed_left.items(), *typed_right.items())):
            out.append(sigma)
    return out


def _typed_ok(restriction: Typed, value) -> bool:
    """A typed variable may stay a variable, or take a literal of its types; never an op call."""
    if isvar(value):
        return True
    if is_op_term(value):
        return False
    return restriction.accepts(value)
