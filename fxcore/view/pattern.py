"""Pattern elements beyond plain terms: typed literal variables, approximate floats, named subpatterns.

A pattern is a term: a tuple ``(op, *args)`` whose head is a canonical op name
(or an exact FX target), logic variables (``unify.Var``), literals, and tuples
of those (literal lists such as ``dim=(1,)``).  This module adds three frozen,
hashable pattern elements:

- ``typed(x, int)``: a variable that binds only to a literal of the given
  type(s); ``typed(x, tuple[int, ...])`` binds to a list/tuple of ints.
- ``approx(0.5, rel=1e-6)``: a float literal compared with a tolerance.
- ``bind(x, ('relu', y))``: a named subpattern; ``x`` binds to the matched
  node, which may then have users outside the match (it is not swallowed).

See Also
--------
fxcore.match : compiles patterns and finds their matches in FX graphs.
fxcore.view.term : how FX nodes take part in ``unify.unify`` directly.
"""
from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass

from unify.variable import Var, isvar

__all__ = ["Typed", "Approx", "Bound", "OpKey", "typed", "approx", "bind", "is_op_term", "PatternError"]


class PatternError(ValueError):
    """A malformed pattern (bad element, unknown op, wrong arity); the message says how to fix it."""


@dataclass(frozen=True)
class Typed:
    """A variable restricted to literals of ``types`` (``(int, 'seq')`` pairs mean list-of-int).

    >>> from unify import var
    >>> t = typed(var('n'), int)
    >>> t.accepts(3), t.accepts(True), t.accepts(3.0)
    (True, False, False)

    See Also
    --------
    typed
    """

    var: Var
    types: tuple[type, ...]
    element_types: tuple[type, ...] | None = None  # set: a list/tuple whose items have these types

    def accepts(self, value: object) -> bool:
        """Whether ``value`` may be bound to this variable.

        >>> from unify import var
        >>> typed(var('d'), tuple[int, ...]).accepts([1, 2]), typed(var('d'), list[int]).accepts((1, 'a'))
        (True, False)

        See Also
        --------
        typed
        """
        if self.element_types is None:
            return _is_instance(value, self.types)
        return isinstance(value, (list, tuple)) and all(_is_instance(v, self.element_types) for v in value)

    def __repr__(self) -> str:
        names = [t.__name__ for t in self.types]
        if self.element_types is not None:
            names = [f"sequence of {'|'.join(t.__name__ for t in self.element_types)}"]
        return f"{self.var!r}:{'|'.join(names)}"


def _is_instance(value: object, kinds: tuple[type, ...]) -> bool:
    """``isinstance`` where ``bool`` counts as ``int`` only if ``bool`` is asked for."""
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def typed(v: Var, *kinds) -> Typed:
    """Restrict variable ``v`` to literals of the given type(s).

    Accepts plain types (``int``, ``float``, ``bool``, ``str``, ``torch.dtype``,
    or ``torch.fx.Node`` for "a node, not a literal"), and ``tuple[int, ...]`` /
    ``list[int]`` for a sequence of ints.

    >>> from unify import var
    >>> typed(var('k'), int, float)
    ~k:int|float

    See Also
    --------
    Typed, approx
    """
    if not isvar(v):
        raise PatternError(f"typed() restricts a variable, got {v!r}: write typed(var('x'), int)")
    if not kinds:
        raise PatternError(f"typed({v!r}) needs at least one type, e.g. typed({v!r}, int)")
    if len(kinds) == 1 and typing.get_origin(kinds[0]) in (tuple, list):
        items = tuple(a for a in typing.get_args(kinds[0]) if a is not Ellipsis)
        return Typed(v, (list, tuple), _check_types(items, kinds[0]))
    return Typed(v, _check_types(kinds, kinds))


def _check_types(kinds, spelled) -> tuple[type, ...]:
    """Validate that every kind is a plain class (unions of classes are flattened)."""
    out: list[type] = []
    for k in kinds:
        if isinstance(k, types.UnionType) or typing.get_origin(k) is typing.Union:
            out.extend(typing.get_args(k))
        elif isinstance(k, type):
            out.append(k)
        else:
            raise PatternError(f"typed(): {spelled!r} is not a type; use e.g. int, float, tuple[int, ...]")
    return tuple(out)


@dataclass(frozen=True)
class Approx:
    """A numeric literal pattern compared with ``math.isclose(value, x, rel_tol=rel, abs_tol=abs)``.

    >>> approx(0.1 + 0.2).accepts(0.3), approx(1.0).accepts(1.1), approx(1.0).accepts(True)
    (True, False, False)

    See Also
    --------
    approx
    """

    value: float
    rel: float = 1e-9
    abs: float = 0.0

    def accepts(self, x: object) -> bool:
        """Whether the literal ``x`` is close to ``value`` (bools and non-numbers never are).

        >>> Approx(2.0, abs=0.5).accepts(2.4)
        True

        See Also
        --------
        math.isclose
        """
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return False
        return math.isclose(self.value, x, rel_tol=self.rel, abs_tol=self.abs)

    def __repr__(self) -> str:
        return f"approx({self.value!r})"


def approx(value: float, *, rel: float = 1e-6, abs: float = 0.0) -> Approx:
    """A float literal that matches any number within the given tolerance.

    >>> approx(0.5, rel=1e-3)
    approx(0.5)

    See Also
    --------
    Approx, typed
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PatternError(f"approx() takes a number, got {value!r}")
    return Approx(float(value), rel, abs)


@dataclass(frozen=True)
class Bound:
    """A named subpattern: ``var`` binds to the node that ``pattern`` matched.

    >>> from unify import var
    >>> bind(var('h'), ('relu', var('x')))
    ~h@('relu', ~x)

    See Also
    --------
    bind
    """

    var: Var
    pattern: tuple

    def __repr__(self) -> str:
        return f"{self.var!r}@{self.pattern!r}"


def bind(v: Var, pattern: tuple) -> Bound:
    """Name the node matched by the op term ``pattern``, so a replacement or guard can use it.

    A named interior node may have users outside the match: it is kept alive.

    >>> from unify import var
    >>> bind(var('h'), ('relu', var('x'))).var
    ~h

    See Also
    --------
    Bound
    """
    if not isvar(v):
        raise PatternError(f"bind() names a subpattern with a variable, got {v!r}")
    if not is_op_term(pattern):
        raise PatternError(f"bind({v!r}, ...) needs an op term like ('relu', x), got {pattern!r}")
    return Bound(v, pattern)


@dataclass(frozen=True)
class OpKey:
    """An op term head that is already a view's exact op key (used by ``fxcore.matcher_utils``).

    >>> is_op_term((OpKey(('call_function', 'f')), 1))
    True

    See Also
    --------
    is_op_term
    """

    key: object


def is_op_term(t: object) -> bool:
    """Whether ``t`` is an op term: a tuple headed by an op name (str) or a callable FX target.

    Other tuples, e.g. ``(1,)`` or ``(x, y)``, are literal sequences.

    >>> from unify import var
    >>> is_op_term(('relu', var('x'))), is_op_term((1,)), is_op_term((var('a'), 2))
    (True, False, False)

    See Also
    --------
    fxcore.match.compile_pattern
    """
    if type(t) is not tuple or not t:
        return False
    head = t[0]
    return isinstance(head, (str, OpKey)) or (callable(head) and not isvar(head) and not isinstance(head, type))
