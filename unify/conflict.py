"""Conflicts between patterns: ``overlap``, ``consistent``, ``ambiguous``, ``ambiguities``.

Pure functions on patterns, as multipledispatch's ``conflict.py`` is on type
signatures.  Two patterns are *ambiguous* when some term matches both but
neither is more specific than the other; the pattern that breaks the tie is
their overlap (the most general term both match), and ``AmbiguityWarning``
names it, as multipledispatch names the signature to add.
"""
from __future__ import annotations

import warnings
from typing import Any, Hashable, Iterable, Sequence

from .core import reify, unifies, unify
from .ordering import features, skolemize, supersedes
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
    has_variant = _VariantIndex(patterns)
    grounds = [skolemize(p) for p in patterns]
    renamed = [reify(p, {v: Var() for v in variables_of(p)}) for p in patterns]  # apart from everything
    out = []
    for i, j in _candidate_pairs(patterns):
        a, b = patterns[i], patterns[j]
        s = unify(renamed[j], a)
        if s is False or unifies(b, grounds[i]) or unifies(a, grounds[j]):
            continue  # no overlap, or one supersedes the other
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
    """Index pairs ``i < j`` that may overlap: same root shape and operator, or one side unindexed."""
    buckets: dict[Hashable, list[int]] = {}
    wild: list[int] = []
    for i, p in enumerate(patterns):
        key = _root_key(p)
        (wild if key is None else buckets.setdefault(key, [])).append(i)
    pairs = [(i, j) for members in buckets.values() for n, i in enumerate(members) for j in members[n + 1:]]
    pairs += [(min(i, j), max(i, j)) for i in wild for j in range(len(patterns)) if j != i]
    maps = [None if fs is None else dict(fs) for fs in map(features, patterns)]
    return [(i, j) for i, j in sorted(set(pairs)) if _compatible(maps[i], maps[j])]


def _compatible(fa: dict | None, fb: dict | None) -> bool:
    """False when the two feature maps disagree at a common position (then the patterns cannot overlap)."""
    if fa is None or fb is None:
        return True
    if len(fb) < len(fa):
        fa, fb = fb, fa
    return all(fb.get(path, f) == f for path, f in fa.items())


def _root_key(pattern: Any) -> Hashable | None:
    """The root's shape and operator features, or None when the root or its operator is a variable."""
    fs = features(pattern, depth=1)
    if not fs:
        return None
    root = [f for p, f in fs if p == ()]
    op = [f for p, f in fs if p == (0,)]
    if not root or (root[0][0] == "seq" and root[0][1] > 0 and not op):
        return None
    return (root[0], op[0] if op else None)
