"""Unify and reify ordinary Python objects: ``unifiable``, ``unify_object``, ``reify_object``.

``unifiable(cls)`` makes instances of ``cls`` unify attribute by attribute
with instances of the *same* type: plain ``__dict__`` classes, ``__slots__``
classes (slots of every base included) and dataclasses (frozen ones too).
"""
from __future__ import annotations

from typing import Any, Mapping

from .core import METHODS, reify, unify
from .structure import CHILDREN, REBUILD
from .variable import var  # noqa: F401  (doctests)

__all__ = ["unifiable", "unify_object", "reify_object", "attribute_names"]

_MISSING = type("_Missing", (), {"__repr__": lambda self: "<unset slot>"})()


def attribute_names(o: Any) -> tuple:
    """The attribute names that make up object ``o``: its ``__dict__`` keys, else all its slots.

    >>> class P:
    ...     __slots__ = ('a', 'b')
    >>> attribute_names(P())
    ('a', 'b')

    See Also:
        unifiable
    """
    if hasattr(o, "__dict__"):
        return tuple(vars(o))
    names: list = []
    for klass in reversed(type(o).__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return tuple(names)


def _values(o: Any) -> tuple:
    return tuple(getattr(o, name, _MISSING) for name in attribute_names(o))


def _step_objects(u, v):
    if type(u) is not type(v) or attribute_names(u) != attribute_names(v):
        return False
    return _values(u), _values(v)


def _rebuild_object(o, kids):
    new = object.__new__(type(o))
    for name, value in zip(attribute_names(o), kids):
        if value is not _MISSING:
            object.__setattr__(new, name, value)  # works for frozen dataclasses too
    return new


def unifiable(cls: type) -> type:
    """Class decorator: make instances of ``cls`` unify and reify attribute by attribute.

    >>> @unifiable
    ... class A:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> x = var('x')
    >>> unify(A(1, 2), A(1, x))
    {~x: 2}
    >>> reify(A(1, x), {x: 5}).b
    5

    See Also:
        unify_object, reify_object
    """
    METHODS.add((cls, cls), _step_objects)
    CHILDREN.add((cls,), _values)
    REBUILD.add((cls,), _rebuild_object)
    return cls


def unify_object(u: Any, v: Any, s: Mapping | None = None) -> dict | bool:
    """Unify two objects of the same type attribute by attribute (``False`` if they differ).

    >>> class Foo:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> unify_object(Foo(1, var('x')), Foo(1, 2), {})
    {~x: 2}

    See Also:
        unifiable, reify_object
    """
    pairs = _step_objects(u, v)
    if pairs is False:
        return False
    return unify(pairs[0], pairs[1], s)


def reify_object(o: Any, s: Mapping) -> Any:
    """Reify the attributes of object ``o`` (``o`` itself if nothing changes).

    >>> class Foo:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> x = var('x')
    >>> reify_object(Foo(1, x), {x: 2}).b
    2

    See Also:
        unifiable, unify_object
    """
    old = _values(o)
    new = reify(old, s)
    return o if new is old else _rebuild_object(o, new)
