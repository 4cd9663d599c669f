"""Logic variables: ``Var``, ``var``, ``vars``, ``isvar`` and the ``variables`` context.

A variable is a frozen, hashable value identified by its token: ``var('x') ==
var('x')``.  ``var()`` makes a fresh variable whose token can never collide with
a user-chosen name.  ``variables(...)`` makes ordinary hashable values act as
variables inside a ``with`` block; it is backed by a ``contextvars.ContextVar``
(never a mutable module-level set), so threads and asyncio tasks do not leak
variables into each other.
"""
from __future__ import annotations

import contextvars
import itertools
from contextlib import contextmanager
from typing import Hashable, Iterator

__all__ = ["Var", "var", "vars", "isvar", "variables", "context_variables"]

_FRESH = itertools.count(1)
_CONTEXT: contextvars.ContextVar[frozenset] = contextvars.ContextVar("unify_logic_variables", default=frozenset())

# Values of these types are terms (containers), never context variables: hashing
# them could walk an arbitrarily deep structure.
_NEVER_CONTEXT_VARS = (tuple, list, dict, set, slice)


class _Fresh:
    """Token of a fresh variable: unique by identity, printed as ``_<n>``."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        object.__setattr__(self, "number", number)

    def __setattr__(self, name, value):
        raise AttributeError(f"fresh variable tokens are immutable (tried to set {name!r})")

    def __repr__(self) -> str:
        return f"_{self.number}"

    def __reduce__(self):
        return (_Fresh, (self.number,))


class Var:
    """A logic variable, identified by its (hashable) token.

    >>> Var('x') == Var('x'), Var('x') == Var('y')
    (True, False)
    >>> Var('x')
    ~x

    See Also:
        var, isvar, variables
    """

    __slots__ = ("token", "_hash")

    def __init__(self, *token: Hashable) -> None:
        if not token:
            value = _Fresh(next(_FRESH))
        elif len(token) == 1:
            value = token[0]
        else:
            value = token
        object.__setattr__(self, "token", value)
        # computed once (variables key every binding dict); fails early, where the variable is made, on
        # unhashable tokens
        object.__setattr__(self, "_hash", hash((Var, value)))

    def __setattr__(self, name, value):
        raise AttributeError(f"Var is frozen: cannot set {name!r}; make a new variable with var(...)")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.token == other.token

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return "~" + str(self.token)

    __str__ = __repr__

    def __reduce__(self):
        return (Var, (self.token,))


def var(*token: Hashable) -> Var:
    """Make a logic variable: ``var()`` is fresh, ``var('x')`` is the variable named ``x``.

    >>> var('x') == var('x')
    True
    >>> var() == var()
    False

    See Also:
        vars, Var, isvar
    """
    return Var(*token)


def vars(n: int) -> list[Var]:
    """Make ``n`` fresh logic variables.

    >>> a, b = vars(2)
    >>> a == b, isvar(a)
    (False, True)

    See Also:
        var
    """
    return [Var() for _ in range(n)]


def context_variables() -> frozenset:
    """The values that currently act as variables because of ``variables(...)``.

    >>> with variables('a'):
    ...     sorted(context_variables())
    ['a']

    See Also:
        variables, isvar
    """
    return _CONTEXT.get()


def isvar(o: object) -> bool:
    """Whether ``o`` is a logic variable (a ``Var``, or a value made one by ``variables``).

    >>> isvar(var('x')), isvar(1)
    (True, False)
    >>> with variables(1):
    ...     isvar(1)
    True

    See Also:
        var, variables
    """
    if isinstance(o, Var):
        return True
    glv = _CONTEXT.get()
    return bool(glv) and _in_context(o, glv)


def _in_context(o: object, glv: frozenset) -> bool:
    """Whether the non-``Var`` value ``o`` is one of the context variables ``glv``."""
    if isinstance(o, _NEVER_CONTEXT_VARS):
        return False
    try:
        return o in glv
    except TypeError:  # unhashable values are never variables
        return False


@contextmanager
def variables(*values: Hashable) -> Iterator[None]:
    """Make ordinary hashable values act as logic variables inside a ``with`` block.

    Containers (tuple, list, dict, set, slice) are terms and never act as variables.

    >>> from unify import unify
    >>> with variables('x'):
    ...     print(unify(('add', 'x', 1), ('add', 2, 1)))
    {'x': 2}
    >>> isvar('x')
    False

    See Also:
        isvar, var
    """
    token = _CONTEXT.set(_CONTEXT.get() | frozenset(values))
    try:
        yield
    finally:
        _CONTEXT.reset(token)
