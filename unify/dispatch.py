"""The private multipledispatch namespace of the unify package.

Every dispatched function of this package lives in ``NAMESPACE``, never in
multipledispatch's global namespace, so registrations made here cannot clash
with (or leak into) other users of multipledispatch.
"""
from __future__ import annotations

from functools import partial

from multipledispatch import Dispatcher, dispatch as _dispatch

__all__ = ["NAMESPACE", "dispatch", "dispatcher", "on", "MethodTable"]

NAMESPACE: dict[str, Dispatcher] = {}

dispatch = partial(_dispatch, namespace=NAMESPACE)
dispatch.__doc__ = """Register a method in the private namespace (``multipledispatch.dispatch`` with ``namespace=NAMESPACE``).

>>> @dispatch(int)
... def _demo_kind(x):
...     return 'int'
>>> dispatcher('_demo_kind')(3)
'int'

See Also:
    dispatcher
"""


def dispatcher(name: str) -> Dispatcher:
    """The private dispatcher called ``name``, created empty on first use.

    >>> dispatcher('_demo_empty').name
    '_demo_empty'

    See Also:
        dispatch
    """
    if name not in NAMESPACE:
        NAMESPACE[name] = Dispatcher(name)
    return NAMESPACE[name]


def on(d: Dispatcher, *types):
    """Decorator: add the function to dispatcher ``d`` for ``types``; the function itself is returned.

    >>> d = dispatcher('_demo_on')
    >>> @on(d, (int, float))
    ... def _number(x):
    ...     return 'number'
    >>> d(2.5), _number(1)
    ('number', 'number')

    See Also:
        dispatcher
    """

    def decorate(fn):
        d.add(types, fn)
        return fn

    return decorate


class MethodTable:
    """A private dispatcher with memoized lookups by argument types; ``add`` clears the memo.

    >>> table = MethodTable('_demo_table')
    >>> table.add((int,), lambda x: 'int')
    >>> table.add((object,), lambda x: 'other')
    >>> table.lookup(bool)(True), table.lookup(str)('s')
    ('int', 'other')

    See Also:
        dispatcher
    """

    def __init__(self, name: str) -> None:
        self.dispatcher = dispatcher(name)
        self.memo: dict = {}

    def add(self, types: tuple, fn) -> None:
        """Register ``fn`` for ``types`` (tuples of types in a position mean a union)."""
        self.dispatcher.add(types, fn)
        self.memo.clear()

    def lookup(self, *types: type):
        """The method for these argument types (raises multipledispatch's NotImplementedError if none)."""
        try:
            return self.memo[types]
        except KeyError:
            fn = self.dispatcher.dispatch(*types)
            if fn is None:
                raise NotImplementedError(f"{self.dispatcher.name}: no method for {types}") from None
            self.memo[types] = fn
            return fn

    def __call__(self, *args):
        return self.lookup(*map(type, args))(*args)
