"""The FX-facing core: canonical ops, the term view of nodes, matching, surgery, gradual types.

Subpackages, each importing only those before it: `fxcore.ops` (the op vocabulary) <- `fxcore.view`
(nodes seen as terms) <- `fxcore.match` (compiled patterns, matchers) <- `fxcore.edit` (graph surgery);
`fxcore.types` (gradual types) sits beside them and imports only `fxcore.ops`. Nothing here imports
`rewrite`. `fxcore.matcher_utils` is torch's `SubgraphMatcher` API, by import.

>>> import torch, torch.fx as fx, fxcore
>>> gm = fx.symbolic_trace(lambda x: torch.add(x, x).relu())
>>> [fxcore.canonical_op(n) for n in gm.graph.nodes]
['placeholder', 'add', 'relu', 'output']

See Also:
    fxcore.ops, fxcore.view, fxcore.match, fxcore.edit, fxcore.types, fxcore.matcher_utils
"""

from fxcore.ops import (Attr, OpDef, OpTable, canonical_op, default_table, is_commutative, is_impure, node_operands,
                  normalize_call, opdef)

__all__ = ["canonical_op", "node_operands", "normalize_call", "default_table", "is_commutative", "is_impure",
           "Attr", "OpDef", "OpTable", "opdef"]
