"""Assurance: what can be checked of a rule set before it touches a user's graph.

Owns `examples` (each rule's embedded examples, normalized and compared), `term_graph` (terms as
runnable GraphModules, for checks that evaluate rules with torch) and `soundness` (each rule run on drawn
tensors through the real engine, with `operands`, `inputs` and `compare` beneath it).

May import: `unify`, `fxcore`, `rewrite.errors`, `rewrite.lang`, `rewrite.engine`. Never
`rewrite.front`.

>>> from rewrite.check import check_examples
>>> from rewrite.lang import load
>>> sorted({r.status for r in check_examples(load("std:algebraic"))})
['passed']

See Also:
    rewrite.front.cli : ``python -m rewrite check``.
"""

from rewrite.check.examples import ExampleResult, assert_examples, check_examples
from rewrite.check.soundness import Counterexample, SoundnessResult, check_rule_soundness, check_soundness
from rewrite.check.term_graph import graph_of, term_variables

__all__ = ["ExampleResult", "check_examples", "assert_examples", "graph_of", "term_variables",
           "Counterexample", "SoundnessResult", "check_rule_soundness", "check_soundness"]
