"""Gradual tensor types for FX graphs: values, relations, a type checker and symbolic refinement.

Users of ``torch.fx.experimental.graph_gradual_typechecker``, ``unify_refinements`` and
``torch.fx.tensor_type`` switch by changing the import: torch's own test file
(test/fx/test_gradual_type.py) passes with only those imports switched.

Two answers, one run
--------------------
The drop-in names answer as torch does, in ``node.type``; our own inference, more precise where
torch's is not, is the returned result and ``node.meta['type']`` (what rewrite guards read):

==========================================  ==========================================  ==========================================
call                                        ``node.type`` (torch's answer)              result / ``meta['type']`` (ours)
==========================================  ==========================================  ==========================================
``add`` of (1, 2, Dyn) and (1, 2, 3)        (1, 2, Dyn): the less precise operand,      (1, 2, 3): broadcasting decides the size
                                            with ``meta['broadcast']`` as torch sets it
``reshape`` of (Dyn, 5) to [1, 2, -1]       rejected (torch's divisibility check)       (1, 2, Dyn): a batch of 2 runs
a scalar input ``x: int``                   ``int``                                     ``ScalarType(int)`` (with its value if known)
a ``Dyn`` input of ``BatchNorm2d`` whose    (Dyn, Dyn, Dyn, Dyn)                        (2, 2, Dyn, 4): the hand-set output type
output is annotated (2, 2, Dyn, 4)                                                      also fixes the input's sizes
ops downstream of such a node               typed from torch's answers                  typed from ours
``Refine(gm).refine()``                     ``Dyn`` sizes become ``~0, ~1, ...``;       returned: sizes as variables named after
                                            ``constraints`` lists torch's equalities    their input (``~x.0``), solved by our rules
``infer_symbolic_types(gm)``                torch's algorithm, sympy sizes for conv2d   returned: one variable per unknown size,
                                            (``floor(~0) - 4``); torch returns None     related across every op we have a rule for
==========================================  ==========================================  ==========================================

Elsewhere the two are the same object. Both take types set by hand on any node
(``out: TensorType(...) = self.conv(x)``) as assertions (met with the inferred type). As in
torch, ``TensorType`` equality and hashing ignore the dtype (it is carried along and checked by
`is_consistent`); unlike torch's, `TensorType` and `Dyn` are hashable, frozen values, and
`is_more_precise` means what it says.

>>> import torch
>>> from fxcore.types import TensorType, Dyn, GraphTypeChecker, is_consistent
>>> is_consistent(TensorType((Dyn, 3)), TensorType((2, 3)))
True
>>> gm = torch.fx.symbolic_trace(lambda x, y: torch.add(x, y))
>>> result = GraphTypeChecker({'x': TensorType((1, 2, Dyn)), 'y': TensorType((1, 2, 3))}, gm).type_check()
>>> add = list(gm.graph.nodes)[2]
>>> add.type, result[add], add.meta['type'] is result[add]
(TensorType((1, 2, Dyn)), TensorType((1, 2, 3)), True)

See Also
--------
fxcore.types.compat : torch's answers; fxcore.types.refine_torch : torch's refinement.
fxcore.types.tensor_types, fxcore.types.relations, fxcore.types.checker, fxcore.types.rules_core
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
