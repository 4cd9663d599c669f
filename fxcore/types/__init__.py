"""Gradual tensor types for FX graphs: values, relations, a type checker and symbolic refinement.

Users of ``torch.fx.experimental.graph_gradual_typechecker`` / ``torch.fx.tensor_type`` switch by
changing the import.

>>> from fxcore.types import TensorType, Dyn, is_consistent
>>> is_consistent(TensorType((Dyn, 3)), TensorType((2, 3)))
True

See Also
--------
fxcore.types.tensor_types, fxcore.types.meta
"""
from .errors import GradualTypeError, MissingTypeRuleError
from .meta import TensorFacts, meta_type, node_tensor_facts, type_from_value
from .tensor_types import (
    Dyn, ScalarType, TensorType, as_type, broadcast_shape, broadcast_types, is_consistent, is_more_precise, meet,
)

__all__ = [
    "TensorType", "Dyn", "ScalarType", "as_type", "is_consistent", "is_more_precise", "meet",
    "broadcast_types", "broadcast_shape", "GradualTypeError", "MissingTypeRuleError",
    "TensorFacts", "node_tensor_facts", "meta_type", "type_from_value",
]
