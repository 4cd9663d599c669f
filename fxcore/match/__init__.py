"""Term patterns compiled once and matched against FX graphs: `compile_pattern`, `find_matches`, `explain`.

Owns the pattern compiler (`program`: a pattern becomes a flat instruction list), the two matchers that
run it (`fastpath`: a chain of closures for single-root patterns; `engine`: an iterative interpreter
for the rest, which also explains failures), immutable `bindings`, the cycle check, failure
diagnosis, and the `SubgraphMatcher` drop-in (`subgraph_matcher`, re-exported by
`fxcore.matcher_utils`).

Patterns also match graphs where front ends decomposed their ops (`variants`: ``linear`` as make_fx's ``t`` and
``addmm``, checked at the matched shapes by a trace through the same decomposition table; `forms`, `checks`,
`decompose`, `cases`), and `capture` records a node for such a check.

May import: `unify`, `fxcore.ops`, `fxcore.view`. Never `fxcore.edit`, `fxcore.types` or `rewrite`.

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from fxcore.match import find_matches
>>> x = var('x')
>>> gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)))
>>> [m.root.name for m in find_matches(gm.graph, ('neg', ('neg', x)))]
['neg_1']

See Also:
    fxcore.edit : what to do with a match once found.
"""

from fxcore.match.compiled import (CanonicalView, CompiledPattern, FailedMatch, Match, OpIndex, compile_pattern,
                                   explain, find_matches)
from fxcore.match.variants import VariantPattern, compile_variants

__all__ = ["Match", "FailedMatch", "CompiledPattern", "OpIndex", "CanonicalView", "compile_pattern", "find_matches",
           "explain", "compile_variants", "VariantPattern"]
