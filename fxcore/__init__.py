"""The FX-facing core: canonical ops, the term view of nodes, matching, surgery, gradual types.

>>> import torch, torch.fx as fx, fxcore
>>> gm = fx.symbolic_trace(lambda x: torch.add(x, x).relu())
>>> [fxcore.canonical_op(n) for n in gm.graph.nodes]
['placeholder', 'add', 'relu', 'output']

See Also:
    fxcore.ops, fxcore.match, fxcore.matcher_utils, fxcore.surgery, fxcore.types
"""

from .ops import (Attr, OpDef, OpTable, canonical_op, default_table, is_commutative, is_impure, node_operands,
                  normalize_call, opdef)

__all__ = ["canonical_op", "node_operands", "normalize_call", "default_table", "is_commutative", "is_impure",
           "Attr", "OpDef", "OpTable", "opdef"]
