"""The "hypothesis" entry point: registers our strategies for torch's types when Hypothesis is imported.

Declared in ``pyproject.toml`` as ``[project.entry-points.hypothesis] _ =
"rewrite.testing.plugin:_hypothesis_setup_hook"``; Hypothesis calls it on import (unless the environment
sets ``HYPOTHESIS_NO_PLUGINS``). It imports nothing of ours but this module: the strategies are built on
first use, so ``st.from_type(torch.fx.GraphModule)`` draws `rewrite.testing.fx_graphs()`.

>>> from hypothesis import given, settings
>>> @settings(max_examples=3, database=None)
... @given(graph_modules())
... def test(gm):
...     gm.graph.lint()
>>> test()

See Also
--------
rewrite.testing.graphs.fx_graphs, hypothesis.strategies.register_type_strategy
"""
from __future__ import annotations

__all__ = ["_hypothesis_setup_hook", "graph_modules"]


def graph_modules(_type=None):
    """The strategy `st.from_type` uses for ``torch.fx.GraphModule``: `fx_graphs` with its defaults.

    >>> from hypothesis import strategies as st
    >>> isinstance(graph_modules(), st.SearchStrategy)
    True
    """
    from rewrite.testing.graphs import fx_graphs
    return fx_graphs()


def _hypothesis_setup_hook() -> None:
    """Register `graph_modules` for ``torch.fx.GraphModule`` (called by Hypothesis through the entry point)."""
    import torch.fx
    from hypothesis import strategies as st
    st.register_type_strategy(torch.fx.GraphModule, graph_modules)
