"""``Bindings``: an immutable, hashable mapping from pattern variables to nodes or literals.

Iteration order is the order in which the pattern mentions its variables
(never hash order).  Extending returns a new mapping; nothing is mutated.

See Also
--------
fxcore.match.Match : carries the bindings of a match.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, Iterator

__all__ = ["Bindings"]


class Bindings(Mapping):
    """A frozen mapping ``Var -> Node | literal``.

    >>> from unify import var
    >>> b = Bindings([(var('x'), 1)])
    >>> b[var('x')], b.extend(var('y'), 2), hash(b) == hash(Bindings({var('x'): 1}))
    (1, Bindings({~x: 1, ~y: 2}), True)

    See Also
    --------
    fxcore.match.Match
    """

    __slots__ = ("_d", "_hash")

    def __init__(self, items: Iterable[tuple[Any, Any]] | Mapping = ()) -> None:
        d = dict(items.items() if isinstance(items, Mapping) else items)
        object.__setattr__(self, "_d", d)
        object.__setattr__(self, "_hash", None)

    @staticmethod
    def of(d: dict) -> "Bindings":
        """Bindings over ``d`` itself (no copy): for callers that hand over a fresh dict they never touch again.

        >>> from unify import var
        >>> Bindings.of({var('x'): 1})
        Bindings({~x: 1})
        """
        self = _new(Bindings)
        _set_d(self, d)
        _set_hash(self, None)
        return self

    def __setattr__(self, name, value):
        raise AttributeError(f"Bindings are immutable (tried to set {name!r}); use .extend(var, value)")

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple((k, _hashable(v)) for k, v in self._d.items())))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Bindings):
            return self._d == other._d
        return isinstance(other, Mapping) and self._d == dict(other)

    def __repr__(self) -> str:
        return f"Bindings({self._d!r})"

    def extend(self, key: Any, value: Any) -> "Bindings":
        """A new ``Bindings`` with ``key`` bound to ``value`` (this one is unchanged)."""
        return Bindings([*self._d.items(), (key, value)])


_new = object.__new__
_set_d, _set_hash = Bindings._d.__set__, Bindings._hash.__set__  # the slots' own setters: no __setattr__ lookup


def _hashable(v: Any) -> Any:
    try:
        hash(v)
        return v
    except TypeError:
        return id(v)
