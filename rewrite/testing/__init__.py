"""Hypothesis strategies and assertions for testing rule sets in your own test suite.

Strategies (arguments checked when built, with `hypothesis.errors.InvalidArgument`; values drawn lazily and
reproducibly, and shrunk by Hypothesis):

- `fx_graphs` : random runnable GraphModules over canonical ops, optionally writing in place;
- `tensors_for` : example inputs for a GraphModule;
- `terms` : terms built from a rule set's left sides, overlapped, with repeated subterms;
- `rule_instances` : a graph (with inputs) that one rule rewrites, its guards satisfied.

Assertions, each raising AssertionError with the witness: `assert_sound`, `assert_confluent`,
`assert_terminates`, `assert_order_independent`.

The "hypothesis" entry point (`rewrite.testing.plugin`) registers `fx_graphs()` for ``torch.fx.GraphModule``
(``st.from_type``). Names are imported on first use, so that entry point stays light. The package sits
beside `rewrite.front`: it may import `rewrite.check` and below, never `rewrite.front`; nothing in the
library imports it.

>>> from rewrite.testing import fx_graphs, tensors_for
>>> from hypothesis import given, settings
>>> @settings(max_examples=5, database=None)
... @given(fx_graphs(ops=['neg', 'mul']).flatmap(lambda gm: tensors_for(gm).map(lambda xs: (gm, xs))))
... def test(case):
...     gm, inputs = case
...     gm(*inputs)
>>> test()

See Also:
    rewrite.check : the checks the assertions run.
"""

import importlib

__all__ = ["fx_graphs", "tensors_for", "terms", "rule_instances", "RuleInstance",
           "assert_sound", "assert_confluent", "assert_terminates", "assert_order_independent"]

_HOME = {"fx_graphs": "graphs", "tensors_for": "tensors", "terms": "rule_terms", "rule_instances": "instances",
         "RuleInstance": "instances", "assert_sound": "assertions", "assert_confluent": "assertions",
         "assert_terminates": "assertions", "assert_order_independent": "assertions"}
assert set(_HOME) == set(__all__)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'rewrite.testing' has no attribute {name!r}; it offers {', '.join(__all__)}")
    value = getattr(importlib.import_module(f"rewrite.testing.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
