"""rewrite.testing's front: every public name resolves, to the function (not a submodule of that name)."""
import importlib

import pytest

import rewrite.testing


def test_every_public_name_resolves_after_its_modules_are_loaded():
    for module in ("graphs", "tensors", "rule_terms", "instances", "assertions", "plugin", "kinds", "graph_ops"):
        importlib.import_module(f"rewrite.testing.{module}")
    for name in rewrite.testing.__all__:
        value = getattr(rewrite.testing, name)
        assert callable(value) and not isinstance(value, type(importlib)), name
    assert sorted(dir(rewrite.testing)) == sorted(set(dir(rewrite.testing)))
    assert set(rewrite.testing.__all__) <= set(dir(rewrite.testing))


def test_an_unknown_name_says_what_there_is():
    with pytest.raises(AttributeError, match="it offers fx_graphs"):
        rewrite.testing.fx_graph  # noqa: B018
