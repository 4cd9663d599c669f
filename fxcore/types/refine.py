"""Symbolic shape inference: `Refine` and `infer_symbolic_types` (torch's unify_refinements API).

Every ``Dyn`` dimension of the inputs becomes a dimension variable named after
its placeholder and position (``~x.0``); the rules state equalities between
dimensions, which are solved with ``unify``, and the most general unifier is
substituted into every node type. So a batch dimension left ``Dyn`` on the
input is the same variable everywhere it flows.

>>> import torch
>>> from fxcore.types import TensorType, Dyn
>>> class M(torch.nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.conv, self.fc = torch.nn.Conv2d(3, 4, 3), torch.nn.Linear(4 * 6 * 6, 10)
...     def forward(self, x: TensorType((Dyn, 3, 8, 8))):
...         return self.fc(torch.flatten(self.conv(x), 1))
>>> gm = torch.fx.symbolic_trace(M())
>>> result = infer_symbolic_types(gm)
>>> [t.dims for t in result.values()]
[(~x.0, 3, 8, 8), (~x.0, 4, 6, 6), (~x.0, 144), (~x.0, 10), (~x.0, 10)]

See Also
--------
fxcore.types.checker.GraphTypeChecker
"""

from typing import Any, Mapping, Optional

import torch.fx

from .checker import TypeCheckResult
from .infer import infer_types
from .rules_core import TypeRules

__all__ = ["Refine", "infer_symbolic_types"]


class Refine:
    """Symbolic shape inference over ``traced``; ``refine()`` types every node with dimension variables.

    After ``refine()``, ``constraints`` holds the equality constraints of the last pass and
    ``substitution`` their most general unifier.

    See Also
    --------
    infer_symbolic_types
    """

    def __init__(self, traced: torch.fx.GraphModule, rules: Optional[TypeRules] = None, *, table: Any = None,
                 env: Optional[Mapping] = None, use_meta: bool = True) -> None:
        self.traced, self.rules, self.table, self.env, self.use_meta = traced, rules, table, env, use_meta
        self.constraints: list = []
        self.substitution: dict = {}

    def refine(self) -> TypeCheckResult:
        """Infer, solve and substitute; sets ``node.type``/``node.meta['type']``; returns the result."""
        inf = infer_types(self.traced, self.rules, table=self.table, env=self.env, symbolic=True,
                          use_meta=self.use_meta)
        self.constraints, self.substitution = list(inf.constraints), dict(inf.subst)
        return TypeCheckResult.of(inf)


def infer_symbolic_types(traced: torch.fx.GraphModule, rules: Optional[TypeRules] = None, **kwargs: Any
                         ) -> TypeCheckResult:
    """Run :class:`Refine` on ``traced`` and return its result (torch returns None; this returns the types)."""
    return Refine(traced, rules, **kwargs).refine()
