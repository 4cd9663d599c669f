"""Term patterns compiled once and matched against FX graphs: `compile_pattern`, `find_matches`, `explain`.

Owns the pattern compiler (`program`: a pattern becomes a flat instruction list), the two matchers that
run it (`fastpath`: a chain of closures for single-root patterns; `engine`: an iterative interpreter
for the rest, which also explains failures), immutable `bindings`, the cycle check, failure
diagnosis, and the `SubgraphMatcher` drop-in (`subgraph_matcher`, re-exported by
`fxcore.matcher_utils`).

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

__all__ = ["Match", "FailedMatch", "CompiledPattern", "OpIndex", "CanonicalView", "compile_pattern", "find_matches",
           "explain"]
