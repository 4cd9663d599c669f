"""Graph surgery: a match's replacement built in place, uses redirected, the dead erased, `meta` kept.

Owns `surgery` (instantiate a replacement before the match's root, or turn the root itself into it),
`meta` (what new nodes inherit, and `meta['val']` by fake-tensor evaluation), `node_edits` (FX's own
erase/rename/retarget, made as FX makes them), `dialect` (new nodes spelled as aten overloads in
aten graphs, as torch callables otherwise) and `gc_pause`.

May import: `unify`, `fxcore.ops`, `fxcore.view`, `fxcore.match`. Never `fxcore.types` or `rewrite`.

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from fxcore.match import find_matches
>>> from fxcore.edit import replace_match
>>> x = var('x')
>>> gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)))
>>> (m,) = find_matches(gm.graph, ('neg', ('neg', x)))
>>> replace_match(gm, m, x, rule_id='neg-neg')
[]
>>> [n.op for n in gm.graph.nodes]
['placeholder', 'output']

See Also:
    rewrite.engine.apply : the driver that calls surgery once per rewrite.
"""

from fxcore.edit.dialect import for_graph, is_aten_graph
from fxcore.edit.surgery import ReplacementError, Rewritten, instantiate, replace_match, rewrite_match

__all__ = ["replace_match", "rewrite_match", "Rewritten", "instantiate", "ReplacementError", "for_graph",
           "is_aten_graph"]
