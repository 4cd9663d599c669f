"""torch's answers, where torch's checker is less precise than ours: what the drop-in names write to ``node.type``.

`GraphTypeChecker` computes two types per node in one pass:

- the *precise* type, from our rules (the returned `TypeCheckResult` and ``node.meta['type']``);
- torch's *view*, written to ``node.type``, as ``torch.fx.experimental.graph_gradual_typechecker``
  would: it differs only where torch's rules are less precise or stricter than ours:

  * ``add`` (``torch.add``, ``operator.add``, ``x.add``) of two tensors types as torch's rule does,
    the *less* precise operand after broadcasting: ``(1, 2, Dyn) + (1, 2, 3)`` is ``(1, 2, Dyn)``
    (ours: ``(1, 2, 3)``); it sets ``meta['broadcast']`` (and the broadcast operand types under the
    operands' names, as torch does);
  * ``reshape`` also applies torch's divisibility check, so a reshape of ``(Dyn, 5)`` to
    ``[1, 2, -1]`` is rejected as torch rejects it (ours accepts it: a batch of 2 runs);
  * a scalar is its Python class (``int``), not ``ScalarType(int, value)``;
  * every node downstream of a less precise view is typed again from the views of its inputs,
    with our rules; elsewhere the view *is* the precise type (the same object).

>>> import torch
>>> from fxcore.types import GraphTypeChecker, TensorType, Dyn
>>> gm = torch.fx.symbolic_trace(lambda x, y: torch.add(x, y))
>>> result = GraphTypeChecker({'x': TensorType((1, 2, Dyn)), 'y': TensorType((1, 2, 3))}, gm).type_check()
>>> add = list(gm.graph.nodes)[2]
>>> add.type, result[add], add.meta['broadcast']
(TensorType((1, 2, Dyn)), TensorType((1, 2, 3)), False)

See Also
--------
fxcore.types.checker.GraphTypeChecker, fxcore.types.refine_torch : torch's symbolic refinement.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch.fx

from .relations import broadcast_types, is_consistent, is_more_precise
from .rules_core import RuleContext, product
from .tensor_types import Dyn, ScalarType, TensorType

__all__ = ["project", "torch_view_rules", "ViewState", "structure_type"]

# meta keys torch's add rule must not overwrite when an operand happens to carry that name
_RESERVED_META = frozenset({"val", "example_value", "tensor_meta", "type", "stack_trace", "nn_module_stack",
                            "source_fn_stack", "seq_nr", "original_aten", "from_node", "broadcast"})


def project(t: Any) -> Any:
    """A type in torch's representation: ``ScalarType(int, v)`` is ``int``; tuples element-wise.

    >>> project(ScalarType(int, 3)), project(TensorType((2,))), project((ScalarType(float), Dyn))
    (<class 'int'>, TensorType((2,)), (<class 'float'>, Dyn))
    """
    if type(t) is TensorType or t is Dyn:
        return t
    if type(t) is ScalarType:
        return t.kind
    if type(t) is tuple:
        return tuple(project(e) for e in t)
    return t


def structure_type(arg: Any, types: dict, of_literal: Callable) -> Any:
    """Types of an output structure: nodes replaced by their types, lists/tuples/dicts as tuples."""
    if isinstance(arg, torch.fx.Node):
        return types.get(arg, Dyn)
    if isinstance(arg, (tuple, list)):
        return tuple(structure_type(a, types, of_literal) for a in arg)
    if isinstance(arg, dict):
        return tuple(structure_type(arg[k], types, of_literal) for k in arg)
    return of_literal(arg) if arg is not None else None


class ViewState:
    """The inference state as torch's view sees it: node types are the views; refinements go to the views."""

    __slots__ = ("inference",)

    def __init__(self, inference: Any) -> None:
        self.inference = inference

    def type_of_node(self, node: torch.fx.Node) -> Any:
        return self.inference.view.get(node, Dyn)

    def type_of_attr(self, qualname: str) -> Any:
        return self.inference.type_of_attr(qualname)

    def module_of(self, node: torch.fx.Node) -> Any:
        return self.inference.module_of(node)

    def refine_node(self, node: torch.fx.Node, t: Any) -> None:
        self.inference.view[node] = t

    def fresh(self, node: torch.fx.Node) -> Any:
        return Dyn

    def resolve(self, d: Any) -> Any:
        return d

    def constrain(self, c: Any) -> None:
        return None


def _tensor_operands(ctx: RuleContext) -> Optional[tuple]:
    """The (view) types of ``self`` and ``other`` when both are node operands of tensor type (or Dyn)."""
    a, b = ctx.arg("self", None), ctx.arg("other", None)
    if not (isinstance(a, torch.fx.Node) and isinstance(b, torch.fx.Node)) or ctx.arg("alpha", 1) != 1:
        return None
    ta, tb = ctx.type_of(a), ctx.type_of(b)
    ok = (TensorType, type(Dyn))
    return (ta, tb) if isinstance(ta, ok) and isinstance(tb, ok) else None


def _torch_add(ctx: RuleContext) -> Any:
    """torch's add rule: the less precise of the two broadcast operand types; sets ``meta['broadcast']``."""
    found = _tensor_operands(ctx)
    if found is None:
        return None
    t1, t2 = found
    n1, n2 = broadcast_types(t1, t2)
    meta, changed = ctx.node.meta, n1 != t1 or n2 != t2
    meta["broadcast"] = changed
    if changed:
        for operand, t in ((ctx.arg("self"), n1), (ctx.arg("other"), n2)):
            if str(operand) not in _RESERVED_META:
                meta[str(operand)] = t
    else:
        n1, n2 = t1, t2
    if not is_consistent(n1, n2):
        ctx.fail(f"cannot add {t1!r} and {t2!r}: after broadcasting, {n1!r} and {n2!r} are not consistent")
    return n2 if is_more_precise(n1, n2) else n1


def _torch_reshape(ctx: RuleContext) -> Any:
    """torch's reshape check: the element counts (unknown sizes as 1) must divide one another."""
    sizes, t = ctx.arg(1, None), ctx.type_of(ctx.arg(0))
    if not isinstance(sizes, tuple) or not all(type(s) is int for s in sizes) or not isinstance(t, TensorType):
        return None
    p1, p2 = product(d if type(d) is int else 1 for d in t.dims), product(sizes)
    if p1 and p2 and p1 % p2 and p2 % p1:
        ctx.fail(f"torch's reshape rule rejects {t!r} -> {list(sizes)}: the element counts {p1} and {p2} (unknown "
                 "sizes counted as 1) do not divide one another", hint="our own rule accepts it: see "
                 "fxcore.types.infer_types for the precise answer")
    return None


def torch_view_rules() -> dict:
    """``{canonical op: rule}`` where torch's view differs from ours; a rule returning None defers to ours."""
    return {"add": _torch_add, "reshape": _torch_reshape}
