"""Conflicts between patterns: ``overlap``, ``consistent``, ``ambiguous``, ``ambiguities``.

Pure functions on patterns, as multipledispatch's ``conflict.py`` is on type
signatures.  Two patterns are *ambiguous* when some term matches both but
neither is more specific than the other; the pattern that breaks the tie is
their overlap (the most general term both match), and ``AmbiguityWarning``
names it, as multipledispatch names the signature to add.
"""
from __future__ import annotations

import warnings
from typing import Any, Iterable, Sequence

from .core import reify, unifies, unify
from .ordering import equal_classes, features, skolemize, supersedes
from .structure import variables_of
from .variable import Var, var  # noqa: F401  (var: doctests)

__all__ = ["overlap", "consistent", "ambiguous", "ambiguities", "AmbiguityWarning",
           "ambiguity_message", "warn_ambiguities", "rename_apart"]


class AmbiguityWarning(Warning):
    """Two patterns overlap but neither is more specific; the message names the pattern to add.

    >>> x, y = var('x'), var('y')
    >>> print(AmbiguityWarning(ambiguity_message(('add', x, 0), ('add', 0, y))))
    ambiguous patterns ('add', ~x, 0) and ('add', 0, ~y): both match ('add', 0, 0) and neither is
    more specific; add the pattern ('add', 0, 0) (or give the two distinct priorities) to break the tie

    See Also:
        ambiguities, warn_ambiguities
    """


def rename_apart(b: Any, a: Any) -> Any:
    """``b`` with each variable it shares with ``a`` replaced by a fresh variable.

    >>> x, y = var('x'), var('y')
    >>> rename_apart(('f', x, y), ('g', y))[1:2]
    (~x,)

    See Also:
        overlap
    """
    shared = set(variables_of(a))
    return reify(b, {v: Var() for v in variables_of(b) if v in shared})


def overlap(a: Any, b: Any) -> Any | None:
    """The most general term matched by both patterns (renamed apart), or None if none exists.

    >>> x, y = var('x'), var('y')
    >>> overlap(('add', x, 0), ('add', 0, y))
    ('add', 0, 0)
    >>> overlap(('add', x, 1), ('add', x, 0)) is None
    True

    See Also:
        consistent, ambiguous
    """
    s = unify(rename_apart(b, a), a)  # b's variables are bound first, so a's names survive
    return None if s is False else reify(a, s)


def consistent(a: Any, b: Any) -> bool:
    """Whether some term matches both patterns.

    >>> consistent(('neg', var('x')), ('neg', 1)), consistent(('neg', 1), ('neg', 2))
    (True, False)

    See Also:
        overlap
    """
    return overlap(a, b) is not None


def ambiguous(a: Any, b: Any) -> bool:
    """Whether the patterns overlap but neither is at least as specific as the other.

    >>> x, y = var('x'), var('y')
    >>> ambiguous(('add', x, 0), ('add', 0, y)), ambiguous(('add', x, 0), ('add', x, y))
    (True, False)

    See Also:
        ambiguities, unify.match.supersedes
    """
    return consistent(a, b) and not supersedes(a, b) and not supersedes(b, a)


def ambiguity_message(a: Any, b: Any, tie: Any = None) -> str:
    """The text of the warning for ambiguous patterns ``a`` and ``b`` (``tie``: their overlap).

    >>> print(ambiguity_message(('f', var('x'), 1), ('f', 1, var('y'))))
    ambiguous patterns ('f', ~x, 1) and ('f', 1, ~y): both match ('f', 1, 1) and neither is more specific;
    add the pattern ('f', 1, 1) (or give the two distinct priorities) to break the tie

    See Also:
        AmbiguityWarning
    """
    tie = overlap(a, b) if tie is None else tie
    return (f"ambiguous patterns {a!r} and {b!r}: both match {tie!r} and neither is more specific; "
            f"add the pattern {tie!r} (or give the two distinct priorities) to break the tie")


def ambiguities(patterns: Iterable[Any]) -> list[tuple[Any, Any]]:
    """Every ambiguous pair ``(a, b)``, ``a`` before ``b`` in input order, not already resolved.

    A pair is resolved when the list also holds a pattern equivalent to their overlap.

    >>> x, y = var('x'), var('y')
    >>> ambiguities([('add', x, 0), ('add', 0, y), ('mul', x, y)])
    [(('add', ~x, 0), ('add', 0, ~y))]
    >>> ambiguities([('add', x, 0), ('add', 0, y), ('add', 0, 0)])
    []

    See Also:
        ambiguous, warn_ambiguities
    """
    patterns = list(patterns)
    pairs = _candidate_pairs(patterns)
    if not pairs:
        return []
    has_variant = _VariantIndex(patterns)
    grounds: dict[int, Any] = {}
    renamed: dict[int, Any] = {}
    out = []
    for i, j in pairs:  # ground and renamed forms are made only for patterns some pair needs
        a, b = patterns[i], patterns[j]
        if j not in renamed:
            renamed[j] = reify(b, {v: Var() for v in variables_of(b)})  # apart from everything
        s = unify(renamed[j], a)
        if s is False:
            continue  # no overlap
        for k in (i, j):
            if k not in grounds:
                grounds[k] = skolemize(patterns[k])
        if unifies(b, grounds[i]) or unifies(a, grounds[j]):
            continue  # one supersedes the other
        if not has_variant(reify(a, s)):
            out.append((a, b))
    return out


class _VariantIndex:
    """Answers 'does the list hold a pattern equivalent to t?' by looking only at same-feature patterns."""

    def __init__(self, patterns: Sequence[Any]) -> None:
        self.patterns = patterns
        self.by_features: dict = {}
        self.unindexed = []
        for p in patterns:
            fs = features(p)
            (self.unindexed if fs is None else self.by_features.setdefault(fs, [])).append(p)

    def __call__(self, t: Any) -> bool:
        fs = features(t)
        pool = self.patterns if fs is None else self.by_features.get(fs, []) + self.unindexed
        return any(supersedes(c, t) and supersedes(t, c) for c in pool)


def warn_ambiguities(patterns: Iterable[Any], where: str = "") -> list[tuple[Any, Any]]:
    """Issue one ``AmbiguityWarning`` per ambiguous pair of ``patterns``; return the pairs.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     pairs = warn_ambiguities([('f', var('x'), 1), ('f', 1, var('y'))])
    >>> len(pairs), caught[0].category.__name__
    (1, 'AmbiguityWarning')

    See Also:
        ambiguities, AmbiguityWarning
    """
    pairs = ambiguities(patterns)
    prefix = f"{where}: " if where else ""
    for a, b in pairs:
        warnings.warn(AmbiguityWarning(prefix + ambiguity_message(a, b)), stacklevel=2)
    return pairs


def _candidate_pairs(patterns: Sequence[Any]) -> list[tuple[int, int]]:
    """Index pairs ``i < j``, sorted, of distinct patterns that may overlap (a superset of the overlapping ones).

    Equal patterns are never paired (each supersedes the other).  The rest are found by splitting the
    distinct feature maps path by path, root first, as a discrimination tree does: at a path, patterns
    with different features there cannot overlap, and a pattern with no feature there (a variable at
    or above it) is compatible with all of them.  The cost grows with the pairs that agree on every
    shared feature, not with all pairs; unindexable patterns are paired with everything.
    """
    classes = {m[0]: m for m in equal_classes(patterns)}  # first index of each distinct pattern -> all of them
    reps = list(classes)
    maps: dict[int, dict | None] = {}
    groups: dict = {}  # distinct feature set -> representatives having it
    wild: list[int] = []
    for i in reps:
        fs = features(patterns[i])
        if fs is None:
            wild.append(i)
        else:
            maps[i] = dict(fs)
            groups.setdefault(fs, []).append(i)
    keyed = list(groups.values())
    gmaps = [maps[g[0]] for g in keyed]
    rep_pairs: list[tuple[int, int]] = []
    for members in keyed:  # equal feature maps: every pair is a candidate
        rep_pairs.extend((a, b) for n, a in enumerate(members) for b in members[n + 1:])
    for ga, gb in _compatible_groups(gmaps):
        rep_pairs.extend((a, b) for a in keyed[ga] for b in keyed[gb])
    for w in wild:
        rep_pairs.extend((w, j) for j in reps if j != w)
    out = set()
    for a, b in rep_pairs:
        for i in classes[a]:
            for j in classes[b]:
                out.add((i, j) if i < j else (j, i))
    return sorted(out)


def _compatible_groups(maps: Sequence[dict]) -> list[tuple[int, int]]:
    """Pairs of distinct indices into ``maps`` whose feature maps agree wherever both have a feature.

    Iterative: a task is one set of maps (pairs inside it) or two (pairs across), with the paths already
    split on; each step splits on the shortest path some member has and the task has not split on.
    """
    out: list[tuple[int, int]] = []
    todo: list = [(list(range(len(maps))), None, frozenset())]
    while todo:
        left, right, done = todo.pop()
        members = left if right is None else left + right
        path = _next_path(maps, members, done)
        if path is None:  # no path left to tell them apart
            if right is None:
                out.extend((a, b) for n, a in enumerate(left) for b in left[n + 1:])
            else:
                out.extend((a, b) for a in left for b in right)
            continue
        done = done | {path}
        lsplit, lwild = _split(maps, left, path)
        if right is None:
            for part in lsplit.values():
                if len(part) > 1:
                    todo.append((part, None, done))
                if lwild:
                    todo.append((part, lwild, done))
            if len(lwild) > 1:
                todo.append((lwild, None, done))
            continue
        rsplit, rwild = _split(maps, right, path)
        for f, part in lsplit.items():
            if f in rsplit:
                todo.append((part, rsplit[f], done))
            if rwild:
                todo.append((part, rwild, done))
        if lwild:
            for part in rsplit.values():
                todo.append((lwild, part, done))
            if rwild:
                todo.append((lwild, rwild, done))
    return [(a, b) if a < b else (b, a) for a, b in out]


def _next_path(maps: Sequence[dict], members: list[int], done: frozenset) -> tuple | None:
    best = None
    for m in members:
        for path in maps[m]:
            if path not in done and (best is None or (len(path), path) < (len(best), best)):
                best = path
    return best


def _split(maps: Sequence[dict], members: list[int], path: tuple) -> tuple[dict, list[int]]:
    by_feature: dict = {}
    wild: list[int] = []
    for m in members:
        f = maps[m].get(path, _ABSENT)
        if f is _ABSENT:
            wild.append(m)
        else:
            by_feature.setdefault(f, []).append(m)
    return by_feature, wild


_ABSENT = object()
