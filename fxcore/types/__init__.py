"""Gradual tensor types for FX graphs: values, relations, a type checker and symbolic refinement.

Users of ``torch.fx.experimental.graph_gradual_typechecker``, ``unify_refinements`` and
``torch.fx.tensor_type`` switch by changing the import. Types are stored in ``node.type`` (torch's
convention) and in ``node.meta['type']``.

>>> import torch
>>> from fxcore.types import TensorType, Dyn, GraphTypeChecker, is_consistent
>>> is_consistent(TensorType((Dyn, 3)), TensorType((2, 3)))
True
>>> gm = torch.fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(3, 5)))
>>> GraphTypeChecker({'input_1': TensorType((2, 3))}, gm).type_check().tensor_types()['_0']
TensorType((2, 5), torch.float32)

See Also
--------
fxcore.types.tensor_types, fxcore.types.checker, fxcore.types.refine, fxcore.types.rules_core
"""
from .checker import GraphTypeChecker, TypeCheckResult
from .errors import GradualTypeError, MissingTypeRuleError
from .meta import TensorFacts, meta_type, node_tensor_facts, type_from_value
from .refine import Refine, infer_symbolic_types
from .refine_torch import Equality
from .rules_core import RuleContext, TypeRules
from .rules_default import default_rules
from .relations import broadcast_shape, broadcast_types, is_consistent, is_more_precise, meet
from .tensor_types import Dyn, ScalarType, TensorType, as_type

__all__ = [
    "TensorType", "Dyn", "ScalarType", "as_type", "is_consistent", "is_more_precise", "meet",
    "broadcast_types", "broadcast_shape", "GradualTypeError", "MissingTypeRuleError",
    "GraphTypeChecker", "TypeCheckResult", "Refine", "infer_symbolic_types", "Equality",
    "TypeRules", "RuleContext", "default_rules",
    "TensorFacts", "node_tensor_facts", "meta_type", "type_from_value",
]
