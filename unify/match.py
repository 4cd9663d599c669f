"""Pattern dispatch on argument values: ``Dispatcher``, ``VarDispatcher``, ``match``.

A dispatcher holds functions registered under argument patterns and calls the
most specific pattern that unifies with the arguments.  Its ordering is
computed lazily and cached; ``add`` clears it.  ``supersedes``, ``edge`` and
``ordering`` are re-exported from ``unify.ordering``.
"""
from __future__ import annotations

from typing import Any, Callable

from .core import unify
from .errors import NoMatchError
from .ordering import edge, ordering, supercedes, supersedes
from .variable import var  # noqa: F401  (doctests)

__all__ = ["Dispatcher", "VarDispatcher", "match", "supersedes", "supercedes", "edge", "ordering",
           "NoMatchError", "global_namespace"]


class Dispatcher:
    """Call the function whose argument pattern is the most specific one matching the arguments.

    >>> x = var('x')
    >>> fib = Dispatcher('fib')
    >>> fib.add((0,), lambda n: 0)
    >>> fib.add((1,), lambda n: 1)
    >>> fib.add((x,), lambda n: fib(n - 1) + fib(n - 2))
    >>> fib(10)
    55

    See Also:
        VarDispatcher, match, unify.match.ordering
    """

    def __init__(self, name: str, warn_ambiguities: bool = False) -> None:
        self.name = name
        self.funcs: dict[Any, Callable] = {}
        self.warn_ambiguities = warn_ambiguities
        self._ordering: list | None = None

    def add(self, signature: tuple, func: Callable) -> None:
        """Register ``func`` under the argument pattern ``signature`` (a tuple); replaces an equal one."""
        self.funcs.pop(tuple(signature), None)  # re-registering moves it to the end
        self.funcs[tuple(signature)] = func
        self._ordering = None

    @property
    def ordering(self) -> list:
        """The signatures, most specific first (cached until the next ``add``)."""
        if self._ordering is None:
            self._ordering = ordering(self.funcs)
            if self.warn_ambiguities:
                from .conflict import warn_ambiguities

                warn_ambiguities(self._ordering, where=f"Dispatcher {self.name!r}")
        return self._ordering

    def resolve(self, args: tuple) -> tuple[Callable, dict]:
        """The function for ``args`` and the substitution its pattern matched with."""
        for signature in self.ordering:
            if len(signature) == len(args):
                s = unify(tuple(args), signature)
                if s is not False:
                    return self.funcs[signature], s
        raise NoMatchError(
            f"Dispatcher {self.name!r}: no pattern matches the arguments {tuple(args)!r}; "
            f"known patterns, most specific first: {self.ordering!r}; register one with "
            f"@{self.name}.register(...) or add a catch-all pattern of variables"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        func, _ = self.resolve(args)
        return func(*args, **kwargs)

    def register(self, *signature: Any) -> Callable:
        """Decorator form of ``add``; returns the dispatcher (as torch does)."""

        def decorate(func: Callable) -> "Dispatcher":
            self.add(signature, func)
            return self

        return decorate

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {len(self.funcs)} patterns>"


class VarDispatcher(Dispatcher):
    """A dispatcher that calls the function with the matched variables as keyword arguments.

    >>> d = VarDispatcher('d')
    >>> x = var('x')
    >>> @d.register('inc', x)
    ... def f(x):
    ...     return x + 1
    >>> @d.register('double', x)
    ... def f(x):
    ...     return x * 2
    >>> d('inc', 10), d('double', 10)
    (11, 20)

    See Also:
        Dispatcher
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        func, s = self.resolve(args)
        return func(**{getattr(k, "token", k): v for k, v in s.items()}, **kwargs)


#: The default namespace of ``match`` (as in torch); pass ``namespace=`` to own yours.
global_namespace: dict[str, Dispatcher] = {}


def match(*signature: Any, namespace: dict | None = None, Dispatcher: type = Dispatcher) -> Callable:
    """Decorator: add the function to the dispatcher of its name in ``namespace`` under ``signature``.

    >>> ns = {}
    >>> @match(0, namespace=ns)
    ... def sign(n):
    ...     return 'zero'
    >>> @match(var('n'), namespace=ns)
    ... def sign(n):
    ...     return 'nonzero'
    >>> sign(0), sign(3)
    ('zero', 'nonzero')

    See Also:
        Dispatcher, VarDispatcher
    """
    namespace = global_namespace if namespace is None else namespace
    dispatcher_cls = Dispatcher

    def decorate(func: Callable) -> Any:
        name = func.__name__
        if name not in namespace:
            namespace[name] = dispatcher_cls(name)
        namespace[name].add(signature, func)
        return namespace[name]

    return decorate
