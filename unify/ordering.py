"""Specificity of patterns: ``supersedes``, ``edge`` and ``ordering`` (most specific first).

``supersedes(a, b)``: ``a`` is at least as specific as ``b`` — ``b`` matches
``a`` when ``a``'s variables are held constant (they are replaced by fresh
constants first, which also renames the two patterns apart).  ``ordering``
sorts patterns most specific first; ties (unrelated or equivalent patterns)
keep registration order.  It never consults ``hash`` and only compares
patterns that could be related: each pattern is indexed by its structural
features (position -> operator/length/constant), and ``b`` can only generalize
``a`` if every feature of ``b`` is a feature of ``a``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Hashable, Iterable, Sequence

from .core import reify, unifies
from .structure import ATOMS, Skolem, variables_of
from .variable import isvar, var  # noqa: F401  (var: doctests)

__all__ = ["supersedes", "supercedes", "edge", "ordering", "skolemize", "Skolem", "features"]

#: Structural features are collected down to this depth (deeper structure is checked by unify).
FEATURE_DEPTH = 8


def skolemize(pattern: Any) -> Any:
    """``pattern`` with each variable replaced by a ``Skolem`` constant.

    >>> skolemize(('add', var('x'), 1))
    ('add', !x, 1)

    See Also:
        supersedes
    """
    return reify(pattern, {v: Skolem(v) for v in variables_of(pattern)})


def supersedes(a: Any, b: Any) -> bool:
    """Whether pattern ``a`` is at least as specific as ``b`` (``b`` matches every instance of ``a``).

    >>> x, y = var('x'), var('y')
    >>> supersedes(('add', x, 0), ('add', x, y)), supersedes(('add', x, y), ('add', x, 0))
    (True, False)
    >>> supersedes(('add', x, x), ('add', x, y))  # non-linear is more specific
    True

    See Also:
        edge, ordering, unify.conflict.ambiguous
    """
    return unifies(b, skolemize(a))


supercedes = supersedes  # the spelling of torch / multipledispatch


def edge(a: Any, b: Any, tie_breaker: Callable[[Any], Any] | None = None) -> bool:
    """Whether ``a`` must be tried before ``b``: strictly more specific, or equivalent and ahead by ``tie_breaker``.

    Without a ``tie_breaker`` equivalent patterns get no edge (``ordering`` then
    keeps their registration order); the reference broke such ties by ``hash``.

    >>> x, y = var('x'), var('y')
    >>> edge(('f', 1), ('f', x)), edge(('f', x), ('f', 1)), edge(('f', x), ('f', y))
    (True, False, False)

    See Also:
        supersedes, ordering
    """
    if not supersedes(a, b):
        return False
    if not supersedes(b, a):
        return True
    return tie_breaker is not None and tie_breaker(a) > tie_breaker(b)


def features(pattern: Any, depth: int = FEATURE_DEPTH) -> frozenset | None:
    """Structural features of ``pattern`` (None if it holds values that cannot be indexed).

    A feature is ``(path, kind)``: ``('seq', n)`` for a tuple/list of length
    ``n``, ``('map', n)`` for a mapping, ``('=', c)`` for a constant of a
    builtin scalar type (int, float, str, ...).  Any other value (an FX node, a
    registered term, a value with ``register_unify`` methods) makes the
    pattern unindexable: it is then compared with every pattern.

    >>> sorted(features(('neg', var('x'))), key=repr)
    [((), ('seq', 2)), ((0,), ('=', 'neg'))]

    See Also:
        ordering
    """
    out = set()
    stack = [((), pattern)]
    while stack:
        path, node = stack.pop()
        feature = _feature(node)
        if feature is None:
            return None
        if feature is not _NOTHING:
            out.add((path, feature))
        if feature[0] == "seq" and len(path) < depth:
            stack.extend((path + (i,), kid) for i, kid in enumerate(node))
    return frozenset(out)


_NOTHING = ("",)


def _feature(node: Any):
    """The feature of one node; ``_NOTHING`` for a variable; None if not indexable."""
    if isvar(node):
        return _NOTHING
    if type(node) in ATOMS or type(node) is Skolem:
        return ("=", node)
    if isinstance(node, (tuple, list)):
        return ("seq", len(node))
    if isinstance(node, Mapping):
        return ("map", len(node))
    return None  # other values may unify by registered methods, not by equality: never filter on them


def ordering(patterns: Iterable[Any]) -> list:
    """The patterns sorted most specific first; unrelated or equivalent ones keep their input order.

    >>> x, y = var('x'), var('y')
    >>> ordering([('add', x, y), ('add', x, 0), ('mul', x, y), ('add', 0, 0)])
    [('add', 0, 0), ('add', ~x, 0), ('add', ~x, ~y), ('mul', ~x, ~y)]

    See Also:
        supersedes, edge, unify.match.Dispatcher
    """
    patterns = list(patterns)
    members = equal_classes(patterns)
    cls = [0] * len(patterns)
    for c, m in enumerate(members):
        for i in m:
            cls[i] = c
    # equal patterns are equivalent (no strict edge between them) and relate alike to the rest: the
    # specificity edges are found between distinct patterns only, then read for each of their members
    after = _strict_edges([patterns[m[0]] for m in members])
    before_cls: list[list[int]] = [[] for _ in members]
    for c, targets in enumerate(after):
        for d in targets:
            before_cls[d].append(c)
    before = [sorted(i for c in bc for i in members[c]) if bc else [] for bc in before_cls]
    return [patterns[i] for i in _stable_toposort(cls, before)]


def _strict_edges(patterns: Sequence[Any]) -> list[list[int]]:
    """``after[i]``: indices of patterns strictly more general than ``patterns[i]`` (tried after it)."""
    index = _FeatureIndex(patterns)
    grounds = [skolemize(p) for p in patterns]
    after: list[list[int]] = [[] for _ in patterns]
    for j, general in enumerate(patterns):
        for i in index.candidates(j):
            if i != j and unifies(general, grounds[i]) and not unifies(patterns[i], grounds[j]):
                after[i].append(j)
    return after


class _FeatureIndex:
    """Posting lists ``feature -> [pattern index]`` for finding the patterns a pattern may generalize."""

    def __init__(self, patterns: Sequence[Any]) -> None:
        self.feats = [features(p) for p in patterns]
        self.unindexed = [i for i, f in enumerate(self.feats) if f is None]
        self.postings: dict[Hashable, list[int]] = {}
        for i, fs in enumerate(self.feats):
            for f in fs or ():
                self.postings.setdefault(f, []).append(i)
        self.everything = range(len(patterns))

    def candidates(self, j: int) -> Iterable[int]:
        """Indices of the patterns that pattern ``j`` could generalize (a superset, in index order)."""
        fj = self.feats[j]
        if not fj:
            return self.everything
        lists = sorted((self.postings.get(f, ()) for f in fj), key=len)
        hits = [i for i in lists[0] if fj <= self.feats[i]]
        return sorted(hits + self.unindexed) if self.unindexed else hits


def _stable_toposort(cls: list[int], before: list[list[int]]) -> list[int]:
    """Each pattern in input order, preceded by its not yet emitted more specific patterns (iterative DFS).

    ``cls[i]``: pattern ``i``'s class of equal patterns; ``before[c]``: the indices, ascending, of the patterns
    strictly more specific than class ``c``'s.
    """
    n = len(cls)
    emitted = [False] * n
    out: list[int] = []
    for root in range(n):
        stack = [(root, 0)]
        while stack:
            node, k = stack.pop()
            if emitted[node]:
                continue
            if k < len(before[cls[node]]):
                stack.append((node, k + 1))
                stack.append((before[cls[node]][k], 0))
            else:
                emitted[node] = True
                out.append(node)
    return out


def equal_classes(patterns: Sequence[Any]) -> list[list[int]]:
    """The indices of identical patterns, one ascending list per distinct pattern, in first-occurrence order.

    >>> x = var('x')
    >>> equal_classes([('neg', x), ('add', x, 0), ('neg', x), ('add', x, 0.0)])
    [[0, 2], [1], [3]]
    """
    by_key: dict = {}
    for i, p in enumerate(patterns):
        by_key.setdefault(_class_key(p, i), []).append(i)
    return list(by_key.values())


def _class_key(pattern: Any, i: int) -> Hashable:
    """A key shared by identical patterns: equal, and spelled the same (so ``0.0`` and ``-0.0``, or ``1`` and
    ``True``, which Python calls equal, stay apart); a key of its own for an unhashable pattern."""
    try:
        key = (pattern, repr(pattern))
        hash(key)
        return key
    except (TypeError, RecursionError):
        return (_UNIQUE, i)


_UNIQUE = object()
