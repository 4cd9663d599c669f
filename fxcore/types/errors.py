"""Errors of the gradual type system: what is inconsistent, at which node, and how to fix it.

>>> err = GradualTypeError("dimensions 3 and 4 differ", node='mm', op='mm',
...                        input_types=('TensorType((2, 3))', 'TensorType((4, 5))'))
>>> print(err)
node 'mm' (op mm): dimensions 3 and 4 differ; input types: TensorType((2, 3)), TensorType((4, 5))

See Also
--------
fxcore.types.checker.GraphTypeChecker
"""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["GradualTypeError", "MissingTypeRuleError"]


class GradualTypeError(TypeError):
    """A type inconsistency (a ``TypeError``, like torch's checker raises), naming node, op and input types.

    Attributes ``node`` (name), ``op`` (canonical op), ``input_types`` and ``reason`` let tools
    report it structurally.

    >>> GradualTypeError("ranks differ").reason
    'ranks differ'

    See Also
    --------
    MissingTypeRuleError
    """

    def __init__(self, reason: str, *, node: Optional[str] = None, op: Any = None,
                 input_types: tuple = (), hint: str = "") -> None:
        self.reason, self.node, self.op, self.input_types, self.hint = reason, node, op, tuple(input_types), hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = "" if self.node is None else f"node {self.node!r} (op {_op_name(self.op)}): "
        types = "" if not self.input_types else "; input types: " + ", ".join(map(str, self.input_types))
        hint = f". {self.hint}" if self.hint else ""
        return f"{where}{self.reason}{types}{hint}"

    def at(self, node: str, op: Any, input_types: tuple) -> "GradualTypeError":
        """The same error located at ``node`` (keeps the most specific location already set)."""
        if self.node is not None:
            return self
        return type(self)(self.reason, node=node, op=op, input_types=input_types, hint=self.hint)


class MissingTypeRuleError(GradualTypeError):
    """No inference rule for an op (raised in strict mode only; otherwise the node gets ``Dyn``).

    >>> str(MissingTypeRuleError("no rule", node='f', op='my_op', hint="add one with TypeRules.extended"))
    "node 'f' (op my_op): no rule. add one with TypeRules.extended"
    """


def _op_name(op: Any) -> str:
    if isinstance(op, str):
        return op
    return getattr(op, "__qualname__", None) or getattr(op, "__name__", None) or repr(op)
