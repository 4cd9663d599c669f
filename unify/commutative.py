"""Unification modulo commutativity (C-unification): a finite, complete set of unifiers.

Terms are tuples ``(op, *args)`` whose head is a string; an op the caller marks commutative may have its
first two arguments swapped.  Where syntactic unification answers one substitution or ``False``,
``c_unify`` answers a list: every way the two terms become equal modulo commutativity, one unifier per
choice of operand order at each commutative pair that both sides reach, with duplicates removed.
Nothing is copied 2^k times up front: a swap is a choice point explored only when the heads meet.

It knows nothing of torch: the caller passes the commutative op names (or a predicate on a term) and
the literal equality to use.

>>> from unify import var
>>> x, y = var('x'), var('y')
>>> c_unify(('mul', x, 2), ('mul', 3, y), {'mul'})
[{~x: 3, ~y: 2}]
>>> c_unify(('mul', x, 2), ('mul', 2, y), {'mul'})
[{~y: ~x}]
>>> c_unify(('mul', x, y), ('mul', 2, 3), {'mul'})
[{~x: 2, ~y: 3}, {~x: 3, ~y: 2}]
>>> c_unify(('sub', x, 2), ('sub', 3, 3), {'mul'})
[]

See Also:
    unify.core.unify (syntactic unification), c_variants (the brute-force orders, for tests)
"""
from __future__ import annotations

from typing import Any, Callable, Collection

from .core import reify
from .variable import isvar

__all__ = ["c_unify", "c_variants", "is_op_term", "commutative_predicate"]


def is_op_term(t: Any) -> bool:
    """Whether ``t`` is an op call ``(name, *args)`` with a string head.

    >>> is_op_term(('neg', 1)), is_op_term((1, 2)), is_op_term('neg')
    (True, False, False)
    """
    return type(t) is tuple and len(t) > 0 and isinstance(t[0], str)


def commutative_predicate(commutative: Collection[str] | Callable[[tuple], bool]) -> Callable[[tuple], bool]:
    """A predicate on op terms from a collection of commutative op names (a callable is kept as is).

    >>> p = commutative_predicate({'add'})
    >>> p(('add', 1, 2)), p(('add', 1)), p(('sub', 1, 2))
    (True, False, False)
    """
    if callable(commutative):
        return commutative
    names = frozenset(commutative)
    return lambda t: len(t) >= 3 and t[0] in names


def _default_equal(a: Any, b: Any) -> bool:
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except Exception:
        return False


def _walk(t: Any, s: dict) -> Any:
    while isvar(t) and t in s:
        t = s[t]
    return t


def _occurs(v: Any, t: Any, s: dict) -> bool:
    stack = [t]
    while stack:
        node = _walk(stack.pop(), s)
        if node == v and isvar(node):
            return True
        if type(node) in (tuple, list):
            stack.extend(node)
    return False


def _step(a: Any, b: Any, s: dict, work: list, branches: list, is_comm, equal) -> bool:
    """Unify one pair into ``s``/``work``; a commutative swap is pushed on ``branches``. False: no unifier."""
    if isvar(a) or isvar(b):
        if isvar(a) and isvar(b) and a == b:
            return True
        v, t = (b, a) if isvar(b) else (a, b)  # u's variables survive where two variables meet
        if _occurs(v, t, s):
            return False
        s[v] = t
        return True
    ta, tb = type(a), type(b)
    if ta in (tuple, list) or tb in (tuple, list):
        if not (ta in (tuple, list) and tb in (tuple, list)) or len(a) != len(b):
            return False
        op_a, op_b = is_op_term(a), is_op_term(b)
        if op_a != op_b or (op_a and a[0] != b[0]):
            return False
        if op_a and (is_comm(a) or is_comm(b)):
            swapped = list(zip((a[2], a[1], *a[3:]), b[1:]))
            branches.append((work + swapped[::-1], dict(s)))
        work.extend(reversed(list(zip(a[1:], b[1:]) if op_a else zip(a, b))))
        return True
    return equal(a, b)


def c_unify(u: Any, v: Any, commutative: Collection[str] | Callable = (), s: dict | None = None, *,
            equal: Callable[[Any, Any], bool] | None = None) -> list[dict]:
    """Every most general unifier of ``u`` and ``v`` modulo commutativity, in a deterministic order.

    Each unifier is idempotent (no bound variable occurs in a value), and none is an instance of
    another (``mul(x, 2)`` and ``mul(2, y)`` give ``y = x``, not also ``x = y = 2``); two unifiers that
    differ only by a commutative swap are both kept, since they pair up different variables.  ``commutative``
    names the ops whose first two arguments commute (or is a predicate on an op term); ``equal``
    compares literals (default: ``==``, with ``True`` not equal to ``1``).

    >>> from unify import var
    >>> x, y, z = var('x'), var('y'), var('z')
    >>> c_unify(('f', ('g', x, y), ('g', y, x)), ('f', z, z), {'g'})
    [{~z: ('g', ~x, ~y)}]
    >>> c_unify(('f', x, x), ('f', ('g', 1, 2), ('g', 2, 1)), {'g'})
    [{~x: ('g', 1, 2)}]

    See Also:
        c_variants, unify.core.unify
    """
    is_comm, equal = commutative_predicate(commutative), equal or _default_equal
    out, seen = [], set()
    order = tuple(s or ()) + _variables((u, v))  # bindings listed in first-occurrence order
    for sub in _solutions([(u, v)], dict(s or {}), is_comm, equal):
        solved = {k: reify(sub[k], sub) for k in order if k in sub}
        key = repr(sorted((repr(k), repr(val)) for k, val in solved.items()))
        if key not in seen:
            seen.add(key)
            out.append(solved)
    return _most_general(out, (u, v), equal) if len(out) > 1 else out


class _Frozen:
    """A variable held fixed while testing whether one unifier is an instance of another."""

    __slots__ = ("var",)

    def __init__(self, v):
        self.var = v

    def __eq__(self, other):
        return isinstance(other, _Frozen) and other.var == self.var

    def __hash__(self):
        return hash(("frozen", self.var))


def _freeze(t: Any) -> Any:
    if isvar(t):
        return _Frozen(t)
    if type(t) in (tuple, list):
        return type(t)(_freeze(c) for c in t)
    return t


def _most_general(unifiers: list, uv: Any, equal) -> list:
    """Drop each unifier that is an instance of another: the values it gives every variable of ``u`` and
    ``v`` are a syntactic instance of the other's (not modulo C: which operand a variable names matters to
    the rules' guards)."""
    variables = _variables(uv)
    terms = [tuple(reify(x, s) for x in variables) for s in unifiers]
    frozen = [_freeze(t) for t in terms]

    def covers(j: int, i: int) -> bool:  # t_i is an instance of t_j
        return _instance(terms[j], frozen[i], _never, equal)

    keep = [i for i in range(len(terms))
            if not any(covers(j, i) and (j < i or not covers(i, j)) for j in range(len(terms)) if j != i)]
    return [unifiers[i] for i in keep]


def _never(t) -> bool:
    return False


def _variables(t: Any) -> tuple:
    seen: dict = {}
    stack = [t]
    while stack:
        node = stack.pop()
        if isvar(node):
            seen.setdefault(node, None)
        elif type(node) in (tuple, list):
            stack.extend(reversed(node))
    return tuple(seen)


def _instance(general: Any, frozen: Any, is_comm, equal) -> bool:
    """Whether ``frozen`` (a term whose variables are held fixed) is an instance of ``general`` modulo C."""
    return next(_solutions([(general, frozen)], {}, is_comm, equal), None) is not None


def _solutions(work: list, sub: dict, is_comm, equal):
    """Each substitution, one per branch of commutative choices, under which every pair of ``work`` unifies."""
    branches = [(work, sub)]
    while branches:
        work, sub = branches.pop()
        ok = True
        while ok and work:
            a, b = work.pop()
            ok = _step(_walk(a, sub), _walk(b, sub), sub, work, branches, is_comm, equal)
        if ok:
            yield sub


def c_variants(t: Any, commutative: Collection[str] | Callable = ()) -> list:
    """Every term equal to ``t`` modulo commutativity (2^k of them for k commutative calls: for tests).

    >>> c_variants(('add', 'a', ('add', 'b', 'c')), {'add'})  # doctest: +NORMALIZE_WHITESPACE
    [('add', 'a', ('add', 'b', 'c')), ('add', 'a', ('add', 'c', 'b')),
     ('add', ('add', 'b', 'c'), 'a'), ('add', ('add', 'c', 'b'), 'a')]

    See Also:
        c_unify
    """
    is_comm = commutative_predicate(commutative)
    if type(t) not in (tuple, list):
        return [t]
    head, rest = (t[:1], t[1:]) if is_op_term(t) else ((), t)
    combos: list = [()]
    for arg in rest:
        combos = [c + (a,) for c in combos for a in c_variants(arg, is_comm)]
    out = [type(t)(head + c) for c in combos]
    if is_op_term(t) and is_comm(t):
        out += [type(t)(head + (c[1], c[0]) + c[2:]) for c in combos]
    return out
