"""The term protocol: ``operator``, ``arguments``, ``term``, ``isterm`` and ``register_term``.

A term is an operator applied to arguments.  Tuples are terms: the operator of
``('add', x, 1)`` is ``'add'`` and its arguments are ``(x, 1)``.  Other types
join by ``register_term`` (fxcore registers ``torch.fx.Node`` this way, with its
canonical op name as operator and its normalized operands as arguments), and
then unify with tuple patterns without being copied into tuples.

A type registered *without* a ``term`` constructor is ground: reify and the
occurs check never look inside it (an FX node never contains logic variables,
and walking into it would walk the whole graph upstream).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .dispatch import MethodTable

__all__ = ["operator", "arguments", "term", "isterm", "register_term", "rebuildable", "TermProtocolError"]

_operator = MethodTable("operator")
_arguments = MethodTable("arguments")
_constructor = MethodTable("term_constructor")


class TermProtocolError(TypeError):
    """A value was used as a term but is not one (not a non-empty tuple, not registered)."""


def _not_a_term(t: object):
    raise TermProtocolError(
        f"{type(t).__name__} value {t!r} is not a term: use a non-empty tuple (op, *args) "
        f"or register its type with unify.term.register_term(type, operator=..., arguments=...)"
    )


_operator.add((object,), _not_a_term)
_arguments.add((object,), _not_a_term)
_constructor.add((object,), lambda t: None)
_operator.add((tuple,), lambda t: t[0] if t else _not_a_term(t))
_arguments.add((tuple,), lambda t: t[1:] if t else _not_a_term(t))
_constructor.add((tuple,), lambda t: _tuple_term)


def _tuple_term(op: object, args: Sequence) -> tuple:
    return (op, *args)


def operator(t: Any) -> Any:
    """The operator of term ``t``.

    >>> operator(('add', 1, 2))
    'add'

    See Also:
        arguments, term, register_term
    """
    return _operator(t)


def arguments(t: Any) -> tuple:
    """The arguments of term ``t``, as a tuple.

    >>> arguments(('add', 1, 2))
    (1, 2)

    See Also:
        operator, term
    """
    return tuple(_arguments(t))


def term(op: Any, args: Sequence, like: Any = None) -> Any:
    """Build the term ``op(*args)``: a tuple, or a term of the same type as ``like``.

    >>> term('add', (1, 2))
    ('add', 1, 2)

    See Also:
        operator, arguments, register_term
    """
    if like is None:
        return _tuple_term(op, args)
    make = _constructor(like)
    if make is None:
        raise TermProtocolError(
            f"cannot build a term like {type(like).__name__}: it was registered without a term "
            f"constructor; pass term=... to register_term, or omit like= to build a tuple"
        )
    return make(op, tuple(args))


def isterm(t: Any) -> bool:
    """Whether ``t`` is a term: a non-empty tuple or an instance of a registered type.

    >>> isterm(('neg', 1)), isterm(()), isterm(3)
    (True, False, False)

    See Also:
        register_term
    """
    if isinstance(t, tuple):
        return len(t) > 0
    return _operator.lookup(type(t)) is not _not_a_term


def rebuildable(t: Any) -> Callable | None:
    """The constructor ``(op, args) -> term`` for ``t``'s type, or None if ``t`` is ground.

    >>> rebuildable(('f', 1)) is not None, rebuildable(3)
    (True, None)

    See Also:
        register_term
    """
    return _constructor(t)


def register_term(typ: type, *, operator: Callable, arguments: Callable, term: Callable | None = None) -> type:
    """Make instances of ``typ`` terms: ``operator(t)``, ``arguments(t)``, optional ``term(op, args)``.

    >>> class Call:
    ...     def __init__(self, fn, *args):
    ...         self.fn, self.args = fn, args
    >>> _ = register_term(Call, operator=lambda c: c.fn, arguments=lambda c: c.args,
    ...                   term=lambda op, args: Call(op, *args))
    >>> from unify import unify, var
    >>> unify(Call('add', 1, 2), ('add', var('a'), 2))
    {~a: 1}

    See Also:
        operator, arguments, isterm, unify.core.register_unify
    """
    _operator.add((typ,), operator)
    _arguments.add((typ,), arguments)
    if term is not None:
        _constructor.add((typ,), lambda t: term)
    return typ
