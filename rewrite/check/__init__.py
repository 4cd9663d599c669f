"""Assurance: what can be checked of a rule set before it touches a user's graph.

Owns
- `examples` (each rule's embedded examples, normalized and compared as terms) and `graph_examples` (examples
  with inputs, or Python model snippets, checked on the FX graph of each front end, with `snippet` beneath it);
- `term_graph` (terms as runnable GraphModules, for checks that evaluate rules with torch);
- `critical_pairs` (overlaps modulo commutativity, with `pair_index`, and `guard_facts` and `feasibility` dropping
  pairs whose guards cannot hold together) and `confluence` (each pair joined; `pair_numeric` comparing the
  normal forms of a pair that is not joinable);
- `termination` (a proof by `interpretation` and `weights`, or a witness from `loops`) and `order` (the same
  graph whatever the rule order);
- `soundness` (each rule run on drawn tensors through the real engine, with `operands`, `inputs` and `compare`
  beneath it).

May import: `unify`, `fxcore`, `rewrite.errors`, `rewrite.lang`, `rewrite.engine`. Never
`rewrite.front`.

>>> from rewrite.check import check_examples, check_termination
>>> from rewrite.lang import load
>>> sorted({r.status for r in check_examples(load("std:algebraic"))})
['passed']
>>> check_termination(load("std:std")).verdict
'YES'

See Also:
    rewrite.front.cli : ``python -m rewrite check`` and ``python -m rewrite test``.
    rewrite.testing : the same checks as assertions, and Hypothesis strategies.
"""

from rewrite.check.examples import ExampleResult, assert_examples, check_examples
from rewrite.check.term_graph import graph_of, term_variables
from rewrite.check.graph_examples import GraphExampleResult, assert_graph_examples, check_graph_examples
from rewrite.check.critical_pairs import CriticalPair, CriticalPairs, critical_pairs
from rewrite.check.confluence import ConfluenceReport, PairResult, check_confluence
from rewrite.check.termination import TerminationReport, check_termination
from rewrite.check.loops import LoopWitness
from rewrite.check.order import (OrderReport, OrderWitness, assert_order_independent, canonical_graph,
                                 order_independence)
from rewrite.check.soundness import Counterexample, SoundnessResult, check_rule_soundness, check_soundness

__all__ = ["ExampleResult", "check_examples", "assert_examples", "graph_of", "term_variables",
           "GraphExampleResult", "check_graph_examples", "assert_graph_examples",
           "CriticalPair", "CriticalPairs", "critical_pairs", "ConfluenceReport", "PairResult", "check_confluence",
           "TerminationReport", "LoopWitness", "check_termination",
           "OrderReport", "OrderWitness", "canonical_graph", "order_independence", "assert_order_independent",
           "Counterexample", "SoundnessResult", "check_rule_soundness", "check_soundness"]
