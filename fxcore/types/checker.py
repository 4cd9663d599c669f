"""`GraphTypeChecker`: gradual type checking of a GraphModule, one inference rule per canonical op.

Convention: each node's type, as torch's checker would give it, is stored in
``node.type`` (the drop-in answer, see :mod:`fxcore.types.compat`); our own,
at least as precise, is returned and stored in ``node.meta['type']`` (where
rewrite guards read it). A type set by hand on any node is met with the inferred one.
Placeholder types come from ``env`` (by node or name), else the annotation
(``x: TensorType((Dyn, 3))`` or ``torch.fx.annotate``), else ``meta['val']``.
When a node carries ``meta['val']`` (make_fx, export, dynamo), the inferred
type is met with it: more precise, and a contradiction is an error. Ops
without a rule get their meta type, else ``Dyn`` (listed in
``result.untyped``), or raise ``MissingTypeRuleError`` with ``strict=True``.

>>> import torch
>>> from fxcore.types import TensorType
>>> class M(torch.nn.Module):
...     def forward(self, x: TensorType((2, 3)), y: TensorType((3, 4))):
...         return torch.relu(x @ y)
>>> gm = torch.fx.symbolic_trace(M())
>>> result = GraphTypeChecker({}, gm).type_check()
>>> bool(result), [str(result[n]) for n in gm.graph.nodes][2:]
(True, ['TensorType((2, 4))', 'TensorType((2, 4))', 'TensorType((2, 4))'])

See Also
--------
fxcore.types.refine.Refine, fxcore.types.rules_core.TypeRules
"""

import dataclasses
import types
from typing import Any, Mapping, Optional

import torch
import torch.fx

from .infer import Inference, infer_types
from .rules_core import TypeRules
from .tensor_types import Dyn, TensorType

__all__ = ["GraphTypeChecker", "TypeCheckResult"]


@dataclasses.dataclass(frozen=True, eq=False)
class TypeCheckResult(Mapping):
    """The outcome of a type check: ``{node: type}`` in graph order, plus what stayed unknown.

    Truthy: a result is only returned for a graph that type checks (errors raise).
    ``untyped`` lists the nodes no rule (nor meta) could type; ``substitution`` maps dimension
    variables to what the constraints solved them to.

    See Also
    --------
    GraphTypeChecker
    """

    types: Mapping
    untyped: tuple = ()
    substitution: Mapping = dataclasses.field(default_factory=dict)
    constraints: tuple = ()

    def __getitem__(self, node: torch.fx.Node) -> Any:
        return self.types[node]

    def __iter__(self):
        return iter(self.types)

    def __len__(self) -> int:
        return len(self.types)

    def __bool__(self) -> bool:
        return True

    @property
    def complete(self) -> bool:
        """True when every node got a type other than ``Dyn``."""
        return not self.untyped and all(t != Dyn for t in self.types.values())

    def tensor_types(self) -> dict:
        """``{node name: type}`` for the tensor-typed nodes (handy in tests and reports)."""
        return {n.name: t for n, t in self.types.items() if isinstance(t, TensorType)}

    @classmethod
    def of(cls, inf: Inference) -> "TypeCheckResult":
        """Freeze the state of a finished inference."""
        return cls(types.MappingProxyType(dict(inf.types)), tuple(inf.untyped),
                   types.MappingProxyType(dict(inf.subst)), tuple(inf.constraints))


class GraphTypeChecker:
    """A gradual type checker for graphs (torch's API: ``GraphTypeChecker(env, traced).type_check()``).

    ``rules``: a `TypeRules` registry (default: `default_rules()`); ``table``: the op table;
    ``use_meta``: read ``meta['val']``; ``strict``: raise for ops without a rule.

    See Also
    --------
    TypeCheckResult, fxcore.types.refine.Refine
    """

    def __init__(self, env: Optional[Mapping], traced: torch.fx.GraphModule, rules: Optional[TypeRules] = None,
                 *, table: Any = None, use_meta: bool = True, strict: bool = False) -> None:
        self.env, self.traced, self.rules = dict(env or {}), traced, rules
        self.table, self.use_meta, self.strict = table, use_meta, strict

    def type_check(self) -> TypeCheckResult:
        """Type every node (``node.type`` and ``node.meta['type']``); raises `GradualTypeError` if ill-typed."""
        inf = infer_types(self.traced, self.rules, table=self.table, env=self.env, use_meta=self.use_meta,
                          strict=self.strict, view=True)
        return TypeCheckResult.of(inf)
