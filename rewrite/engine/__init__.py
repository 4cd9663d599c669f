"""The engine: rules applied to graphs (`apply`) and to plain terms (`normalize`).

Owns `apply` (all-or-nothing: the journal, lint, recompile), `plan` (a rule set compiled per table), `driver`
(the worklist), `outcomes` and `explain` (why a rule did not fire), `journal` (the undo log that makes a failed
apply leave the module as it was), `termination` (budget and cycle detection), `lint` (torch's
checks on the changed nodes), `report` (what fired where), `replacement` (a rule's replacement
for one match) and `normalize` (term-level rewriting).

May import: `unify`, `fxcore`, `rewrite.errors`, `rewrite.lang`. Never `rewrite.check` or
`rewrite.front`.

>>> import torch, torch.fx as fx
>>> from rewrite.engine import apply, report_of
>>> from rewrite.lang import load
>>> gm = apply(fx.symbolic_trace(lambda x: torch.neg(torch.neg(x)).exp()), load("std:algebraic"))
>>> report_of(gm).counts
{'neg-neg': 1}

See Also:
    rewrite.lang : the rules; rewrite.check : what is checked of them.
"""

from rewrite.engine.apply import ApplyError, ReplacementTypeError, apply
from rewrite.engine.explain import Explanation, explain
from rewrite.engine.normalize import normalize, normalize_full
from rewrite.engine.report import Report, report_of

__all__ = ["apply", "explain", "Explanation", "ApplyError", "ReplacementTypeError", "normalize", "normalize_full", "Report", "report_of"]
