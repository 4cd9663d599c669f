"""Assurance: what can be checked of a rule set before it touches a user's graph.

Owns `examples` (each rule's embedded examples, normalized and compared) and `term_graph` (terms as
runnable GraphModules, for checks that evaluate rules with torch); `termination` (a proof by
`interpretation`, or a witness from `loops`) and `order` (the same graph whatever the rule order).

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
from rewrite.check.term_graph import graph_of, term_variables
from rewrite.check.termination import TerminationReport, check_termination
from rewrite.check.loops import LoopWitness
from rewrite.check.order import (OrderReport, OrderWitness, assert_order_independent, canonical_graph,
                                 order_independence)

__all__ = ["ExampleResult", "check_examples", "assert_examples", "graph_of", "term_variables"]
__all__ += ["TerminationReport", "LoopWitness", "check_termination"]
__all__ += ["OrderReport", "OrderWitness", "canonical_graph", "order_independence", "assert_order_independent"]
