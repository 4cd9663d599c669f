"""Generic structure of values: ``children(e)`` and ``rebuild(e, kids)``, dispatched per type.

Reify, the occurs check and variable collection are iterative walks over this
view, so they work on terms nested 100,000 deep.  A leaf has ``children(e) is
None``.  Tuples, lists, mappings (their values), slices, ``unifiable`` objects
and registered terms with a constructor have children; everything else is a
leaf.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterator

from .dispatch import MethodTable
from .errors import CyclicSubstitutionError
from .term import arguments, operator, rebuildable
from .variable import context_variables, isvar, _in_context, Var

__all__ = ["ATOMS", "Skolem", "CHILDREN", "REBUILD", "children", "rebuild", "walk", "iter_nodes", "variables_of"]


class Skolem:
    """A constant standing for a variable held fixed (used to test specificity).

    >>> Skolem(Var('x'))
    !x
    >>> Skolem(Var('x')) == Skolem(Var('x'))
    True

    See Also:
        skolemize
    """

    __slots__ = ("var",)

    def __init__(self, v: Any) -> None:
        object.__setattr__(self, "var", v)

    def __setattr__(self, name, value):
        raise AttributeError("Skolem constants are frozen")

    def __eq__(self, other: object) -> bool:
        return type(other) is Skolem and other.var == self.var

    def __hash__(self) -> int:
        return hash((Skolem, self.var))

    def __repr__(self) -> str:
        return "!" + repr(self.var).lstrip("~")


#: Types whose values are always leaves compared by equality (fast path before dispatch).
ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None), Skolem})

CHILDREN = MethodTable("children")
REBUILD = MethodTable("rebuild")


def _on(table, *types):
    def decorate(fn):
        table.add(types, fn)
        return fn

    return decorate


@_on(CHILDREN, object)
def _children_object(e):
    make = rebuildable(e)
    return None if make is None else (operator(e), *arguments(e))


@_on(CHILDREN, (tuple, list))
def _children_sequence(e):
    return e


@_on(CHILDREN, Mapping)
def _children_mapping(e):
    return tuple(e.values())


@_on(CHILDREN, slice)
def _children_slice(e):
    return (e.start, e.stop, e.step)


@_on(REBUILD, object)
def _rebuild_object(e, kids):
    return rebuildable(e)(kids[0], kids[1:])


@_on(REBUILD, tuple)
def _rebuild_tuple(e, kids):
    if type(e) is tuple:
        return kids
    make = getattr(type(e), "_make", None)  # namedtuple
    return make(kids) if make is not None else type(e)(kids)


@_on(REBUILD, list)
def _rebuild_list(e, kids):
    return type(e)(kids) if type(e) is not list else list(kids)


@_on(REBUILD, Mapping)
def _rebuild_mapping(e, kids):
    items = zip(e.keys(), kids)
    try:
        return type(e)(items)
    except TypeError:
        return dict(zip(e.keys(), kids))


@_on(REBUILD, slice)
def _rebuild_slice(e, kids):
    return slice(*kids)


def children(e: Any) -> tuple | list | None:
    """The children of ``e`` (a sequence), or None if ``e`` is a leaf.

    >>> children((1, (2, 3))), children({'a': 1}), children(3)
    ((1, (2, 3)), (1,), None)

    See Also:
        rebuild, iter_nodes
    """
    if type(e) in ATOMS:
        return None
    return CHILDREN.lookup(type(e))(e)


def rebuild(e: Any, kids: tuple) -> Any:
    """A value like ``e`` with children ``kids`` (``e`` itself when every child is unchanged).

    >>> rebuild([1, 2], (3, 4)), rebuild(slice(1, 2), (0, 5, None))
    ([3, 4], slice(0, 5, None))

    See Also:
        children
    """
    old = children(e)
    if old is not None and len(old) == len(kids) and all(a is b for a, b in zip(old, kids)):
        return e
    return REBUILD.lookup(type(e))(e, tuple(kids))


def walk(x: Any, s: Mapping) -> Any:
    """Follow variable bindings in ``s`` from ``x`` until a non-variable or an unbound variable.

    >>> x, y = Var('x'), Var('y')
    >>> walk(x, {x: y, y: 3}), walk(4, {})
    (3, 4)

    See Also:
        unify.core.reify
    """
    glv = context_variables()
    steps = 0
    while (isinstance(x, Var) or (glv and _in_context(x, glv))) and x in s:
        x = s[x]
        steps += 1
        if steps > len(s):
            raise CyclicSubstitutionError(f"variables bound to each other in a cycle through {x!r}; "
                                          f"substitutions must be acyclic (unify never makes cyclic ones)")
    return x


def iter_nodes(e: Any) -> Iterator[Any]:
    """Every node of ``e`` in depth-first, left-to-right pre-order (iterative: no recursion limit).

    >>> list(iter_nodes((1, [2])))
    [(1, [2]), 1, [2], 2]

    See Also:
        variables_of
    """
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        kids = children(node)
        if kids:
            stack.extend(reversed(kids))


def variables_of(e: Any) -> list:
    """The distinct logic variables of ``e`` in order of first occurrence.

    >>> x, y = Var('x'), Var('y')
    >>> variables_of(('f', y, (x, y)))
    [~y, ~x]

    See Also:
        iter_nodes, unify.variable.isvar
    """
    seen: dict = {}
    for node in iter_nodes(e):
        if isvar(node):
            seen.setdefault(node, None)
    return list(seen)
