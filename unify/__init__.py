"""Logic unification: variables, unify/reify, and pattern dispatch (knows nothing of torch).

The vocabulary of ``torch.fx.experimental.unification`` (and the ``unification``
package), so their users switch by changing an import:

>>> from unify import var, unify, reify
>>> x = var('x')
>>> s = unify(('mul', x, ('sigmoid', x)), ('mul', 3, ('sigmoid', 3)))
>>> s, reify(('relu', x), s)
({~x: 3}, ('relu', 3))

See Also:
    unify.term (the term protocol), unify.match (pattern dispatch and ordering),
    unify.conflict (overlaps and ambiguities)
"""
from .core import register_unify, reify, unify
from .objects import reify_object, unifiable, unify_object
from .variable import Var, isvar, var, variables, vars

__all__ = [
    "Var",
    "var",
    "vars",
    "variables",
    "isvar",
    "unify",
    "reify",
    "unifiable",
    "unify_object",
    "reify_object",
    "register_unify",
]
