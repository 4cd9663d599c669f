"""Exception classes of the unify package.

>>> issubclass(CyclicSubstitutionError, UnifyError)
True
"""
from __future__ import annotations

__all__ = ["UnifyError", "CyclicSubstitutionError", "NoMatchError"]


class UnifyError(Exception):
    """Base class of the errors raised by the unify package."""


class CyclicSubstitutionError(UnifyError, ValueError):
    """A substitution binds a variable to a term containing that variable (reify would never end)."""


class NoMatchError(UnifyError, NotImplementedError):
    """No pattern of a ``unify.match.Dispatcher`` matches the arguments (a ``NotImplementedError``, as in torch)."""
