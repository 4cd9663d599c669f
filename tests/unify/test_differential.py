"""Differential test against torch.fx.experimental.unification on random acyclic terms."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from torch.fx.experimental.unification import core as torch_core
from torch.fx.experimental.unification import variable as torch_variable

import unify as ours
from unify.structure import variables_of

from .helpers import terms


def to_torch(t):
    """Translate our variables to torch's (tuples and lists only: torch cannot unify dicts)."""
    if isinstance(t, ours.Var):
        return torch_variable.Var(t.token)
    if isinstance(t, (tuple, list)):
        return type(t)(to_torch(x) for x in t)
    return t


def from_torch(t):
    if isinstance(t, torch_variable.Var):
        return ours.var(t.token)
    if isinstance(t, (tuple, list)):
        return type(t)(from_torch(x) for x in t)
    return t


def torch_unify(a, b):
    """torch's unify; its NotImplementedError on unequal constants means 'does not unify'."""
    try:
        s = torch_core.unify(to_torch(a), to_torch(b))
    except NotImplementedError:
        return False
    return False if s is False else {from_torch(k): from_torch(v) for k, v in s.items()}


def cyclic(s) -> bool:
    """Whether some bound variable reaches itself through the bindings of ``s``."""
    edges = {k: [v for v in variables_of(value) if v in s] for k, value in s.items()}

    def reaches(start, goal, seen):
        return any(n == goal or (n not in seen and not seen.add(n) and reaches(n, goal, seen)) for n in edges[start])

    return any(reaches(k, k, set()) for k in s)


def alpha_equal(a, b) -> bool:
    """Equal up to a consistent one-to-one renaming of variables."""
    fwd, back = {}, {}

    def walk(x, y):
        if isinstance(x, ours.Var) and isinstance(y, ours.Var):
            return fwd.setdefault(x, y) == y and back.setdefault(y, x) == x
        if isinstance(x, (tuple, list)) and type(x) is type(y):
            return len(x) == len(y) and all(walk(p, q) for p, q in zip(x, y))
        return not isinstance(x, ours.Var) and not isinstance(y, ours.Var) and x == y

    return walk(a, b)


@settings(max_examples=300)
@given(st.tuples(terms(dicts=False), terms(dicts=False)))
def test_same_answers_as_torch(ab):
    a, b = ab
    mine, theirs = ours.unify(a, b), torch_unify(a, b)
    if theirs is not False and cyclic(theirs):
        assert mine is False  # the reference returned a cyclic binding: the occurs check rejects it
        return
    assert (mine is False) == (theirs is False)
    if mine is not False:
        for t in (a, b):
            assert alpha_equal(ours.reify(t, mine), from_torch(torch_core.reify(to_torch(t), {
                torch_variable.Var(k.token): to_torch(v) for k, v in theirs.items()})))


def test_reference_bugs_we_fix():
    x = ours.var("x")
    tx = torch_variable.Var("x")
    assert torch_core.unify(tx, (tx, 1)) == {tx: (tx, 1)}  # cyclic binding in the reference
    assert ours.unify(x, (x, 1)) is False
    try:
        torch_core.unify("a", "b")
    except NotImplementedError:
        pass  # the reference raises where it should answer False
    assert ours.unify("a", "b") is False
