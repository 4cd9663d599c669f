"""Hypothesis strategies and assertions for testing rule sets in your own test suite.

Strategies (arguments checked when built, with `hypothesis.errors.InvalidArgument`; values drawn lazily and
reproducibly, and shrunk by Hypothesis):

- `fx_graphs` : random runnable GraphModules over canonical ops, optionally writing in place;
- `tensors_for` : example inputs for a GraphModule;
- `terms` : terms built from a rule set's left sides, overlapped, with repeated subterms;
- `rule_instances` : a graph (with inputs) that one rule rewrites, its guards satisfied.

Assertions, each raising AssertionError with the witness: `assert_sound`, `assert_confluent`,
`assert_terminates`, `assert_order_independent`.

The package registers `fx_graphs()` for ``torch.fx.GraphModule`` with Hypothesis (``st.from_type``) through
the "hypothesis" entry point (`rewrite.testing.plugin`). It sits beside `rewrite.front`: it may import
`rewrite.check` and below, never `rewrite.front`; nothing in the library imports it.

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

from rewrite.testing.graphs import fx_graphs
from rewrite.testing.tensors import tensors_for

__all__ = ["fx_graphs", "tensors_for"]
