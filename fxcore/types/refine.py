"""Symbolic shape inference: `Refine` and `infer_symbolic_types` (torch's unify_refinements API), two answers.

- **Ours** (returned, and in ``node.meta['type']``): every ``Dyn`` dimension of the inputs becomes
  a dimension variable named after its placeholder and position (``~x.0``); our rules state
  equalities between dimensions, solved with ``unify``, and the most general unifier is
  substituted into every node type. A batch dimension left ``Dyn`` is the same variable wherever
  it flows, through every op we have a rule for.
- **torch's** (in ``node.type``, what the drop-in names promise): torch's algorithm over the
  types the checker wrote, with its variables ``~0, ~1, ...``, its equalities (``Refine.constraints``)
  and sympy expressions for conv2d outputs, see :mod:`fxcore.types.refine_torch`.

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
fxcore.types.checker.GraphTypeChecker, fxcore.types.refine_torch
"""

from typing import Any, Mapping, Optional

import torch.fx

from .checker import TypeCheckResult
from .infer import gc_paused, infer_types
from .refine_torch import TorchRefinement, infer_symbolic_types_torch
from .resolve import CallResolver
from .rules_core import TypeRules

__all__ = ["Refine", "infer_symbolic_types"]


class Refine:
    """Symbolic shape inference over ``traced``; ``refine()`` types every node with dimension variables.

    After ``refine()``: ``result`` (also returned) and ``substitution`` are ours (precise, see the
    module docstring); ``constraints`` is torch's list of ``Equality`` values, and ``node.type``
    holds torch's types with fresh variables for its unknown dimensions, as torch's ``Refine`` leaves them.

    See Also
    --------
    infer_symbolic_types
    """

    def __init__(self, traced: torch.fx.GraphModule, rules: Optional[TypeRules] = None, *, table: Any = None,
                 env: Optional[Mapping] = None, use_meta: bool = True) -> None:
        from fxcore.ops import default_table

        self.traced, self.rules, self.env, self.use_meta = traced, rules, env, use_meta
        self.table = default_table() if table is None else table
        self.constraints: list = []
        self.substitution: dict = {}
        self.result: Optional[TypeCheckResult] = None
        self._torch = TorchRefinement(traced, CallResolver(self.table, traced))

    def refine(self) -> TypeCheckResult:
        """Run our symbolic inference (returned, ``meta['type']``) and torch's refinement pass (``node.type``)."""
        inf = infer_types(self.traced, self.rules, table=self.table, env=self.env, symbolic=True,
                          use_meta=self.use_meta)
        self.substitution, self.result = dict(inf.subst), TypeCheckResult.of(inf)
        with gc_paused():
            self.constraints = self._torch.refine()
        return self.result

    def symbolic_relations(self) -> bool:
        """torch's last step: variables in ``node.type`` become sympy symbols, conv2d sizes sympy expressions."""
        self._torch.symbolic_relations()
        return True


def infer_symbolic_types(traced: torch.fx.GraphModule, rules: Optional[TypeRules] = None, **kwargs: Any
                         ) -> TypeCheckResult:
    """Our symbolic inference (returned) and torch's ``infer_symbolic_types`` on ``node.type`` (torch returns None).

    ``kwargs``: ``table``, ``env``, ``use_meta`` as for `Refine`.
    """
    r = Refine(traced, rules, **kwargs)
    inf = infer_types(traced, r.rules, table=r.table, env=r.env, symbolic=True, use_meta=r.use_meta)
    infer_symbolic_types_torch(traced, r._torch.resolver)
    return TypeCheckResult.of(inf)
