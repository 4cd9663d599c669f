"""How FX nodes are seen as terms, without copying the graph.

Owns the pattern elements beyond plain terms (`typed`, `approx`, `bind`), the canonical view (canonical
op and schema-ordered operands of a node, cached per node; what targets alone say is kept in
`TargetFacts`), the exact view (FX targets as they are, for the `SubgraphMatcher` drop-in), the
resolution memo, FX's per-target side table (`target_groups`), and the term protocol that lets
`unify.unify` walk FX nodes directly (`fxcore.view.term`).

May import: `unify`, `fxcore.ops`. Never `fxcore.match`, `fxcore.edit`, `fxcore.types` or `rewrite`.

>>> from unify import var
>>> from fxcore.view import typed
>>> typed(var('n'), int)
~n:int

See Also:
    fxcore.match : compiles patterns and runs them over these views.
"""

from fxcore.view.canonical import CanonicalView, TargetFacts, literal_equal
from fxcore.view.exact import ExactView
from fxcore.view.pattern import Approx, Bound, OpKey, PatternError, Typed, approx, bind, is_op_term, typed
from fxcore.view.targets import side_table_key, target_groups

__all__ = ["CanonicalView", "TargetFacts", "ExactView", "literal_equal", "Typed", "Approx", "Bound", "OpKey",
           "PatternError", "typed", "approx", "bind", "is_op_term", "target_groups", "side_table_key"]
