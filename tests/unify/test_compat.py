"""Users of torch.fx.experimental.unification switch by changing an import: same names, same answers."""
from __future__ import annotations

import importlib

import pytest

import unify

TORCH = "torch.fx.experimental.unification"


@pytest.mark.parametrize("ours, theirs, names", [
    ("unify", TORCH, ["var", "vars", "variables", "isvar", "Var", "unify", "reify", "unifiable"]),
    ("unify.more", f"{TORCH}.more", ["unifiable", "unify_object", "reify_object"]),
    ("unify.match", f"{TORCH}.match", ["Dispatcher", "VarDispatcher", "match", "supercedes", "edge", "ordering"]),
])
def test_same_public_names(ours, theirs, names):
    mine, ref = importlib.import_module(ours), importlib.import_module(theirs)
    for name in names:
        assert hasattr(ref, name), name  # the reference really has it
        assert hasattr(mine, name), name


def test_all_is_exact():
    for module in ("unify", "unify.match", "unify.conflict", "unify.term", "unify.core", "unify.variable"):
        m = importlib.import_module(module)
        assert sorted(m.__all__) == sorted(set(m.__all__))
        for name in m.__all__:
            assert hasattr(m, name), f"{module}.{name}"


def test_reference_docstring_examples():
    x, y = unify.var(), unify.var()
    assert unify.reify((1, x, (3, y)), {x: 2, y: 4}) == (1, 2, (3, 4))
    assert unify.reify({1: x, 3: (y, 5)}, {x: 2, y: 4}) == {1: 2, 3: (4, 5)}
    assert unify.unify((1, unify.var("x")), (1, 2), {}) == {unify.var("x"): 2}
    with unify.variables("x"):
        assert unify.unify("x", 1) == {"x": 1}
    assert repr(unify.var("x")) == "~x"
