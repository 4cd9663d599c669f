"""Assurance: what can be checked of a rule set before it touches a user's graph.

Owns `examples` (each rule's embedded examples, normalized and compared) and `term_graph` (terms as
runnable GraphModules, for checks that evaluate rules with torch).
Owns `graph_examples` (examples with inputs, or Python model snippets, checked on the FX graph of each
front end) and `snippet` (an example as a module, its inputs, tracing, canonical op sequences).

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
from rewrite.check.graph_examples import GraphExampleResult, assert_graph_examples, check_graph_examples
from rewrite.check.term_graph import graph_of, term_variables

__all__ = ["ExampleResult", "check_examples", "assert_examples", "graph_of", "term_variables"]
__all__ += ["GraphExampleResult", "check_graph_examples", "assert_graph_examples"]
