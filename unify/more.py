"""Compatibility module: ``unifiable``, ``unify_object``, ``reify_object`` where torch keeps them.

``from torch.fx.experimental.unification.more import unifiable`` becomes
``from unify.more import unifiable``.

>>> from unify.more import unifiable
>>> unifiable.__module__
'unify.objects'

See Also:
    unify.objects
"""
from .objects import reify_object, unifiable, unify_object

__all__ = ["unifiable", "unify_object", "reify_object"]
