"""The standard rule registry: one inference rule per canonical op, grouped by family.

>>> rules = default_rules()
>>> rules is default_rules(), 'conv2d' in rules, 'add' in rules, len(rules) > 150
(True, True, True, True)

See Also
--------
fxcore.types.rules_core.TypeRules : extend it for your own ops with ``default_rules().extended({...})``.
"""
from __future__ import annotations

import functools

from .rules_core import TypeRules
from .rules_elementwise import elementwise_rules
from .rules_indexing import indexing_rules
from .rules_misc import misc_rules
from .rules_nn import nn_rules
from .rules_reduce import reduce_rules
from .rules_shape import shape_rules

__all__ = ["default_rules"]


@functools.lru_cache(maxsize=None)
def default_rules() -> TypeRules:
    """The standard, immutable `TypeRules` (built once)."""
    rules: dict = {}
    for family in (elementwise_rules, shape_rules, indexing_rules, reduce_rules, nn_rules, misc_rules):
        rules.update(family())
    rules.update(_export_helpers())
    return TypeRules(rules)


def _export_helpers() -> dict:
    """torch.export's runtime guard module returns None."""
    try:
        from torch.export._unlift import GuardsFn
    except ImportError:  # older torch: no guard module in exported graphs
        return {}
    return {GuardsFn: lambda ctx: type(None)}
