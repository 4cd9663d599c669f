"""Hypothesis properties of unify/reify over random terms (tuples, lists, dicts, constants, variables)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from unify import isvar, reify, unify
from unify.structure import iter_nodes, variables_of

from .helpers import terms

pairs = st.tuples(terms(), terms())


@given(pairs)
def test_unifier_makes_terms_equal(ab):
    a, b = ab
    s = unify(a, b)
    if s is not False:
        assert reify(a, s) == reify(b, s)


@given(pairs)
def test_success_is_symmetric(ab):
    a, b = ab
    assert (unify(a, b) is False) == (unify(b, a) is False)


@given(terms())
def test_term_unifies_with_itself_with_no_bindings(a):
    assert unify(a, a) == {}


@given(pairs)
def test_unifiers_are_idempotent(ab):
    a, b = ab
    s = unify(a, b)
    if s is False:
        return
    for t in (a, b):
        assert reify(reify(t, s), s) == reify(t, s)
    for value in s.values():
        assert not any(isvar(n) and n in s for n in iter_nodes(value))


@given(pairs)
def test_unifier_binds_only_variables_of_the_terms(ab):
    a, b = ab
    s = unify(a, b)
    if s is not False:
        assert set(s) <= set(variables_of((a, b)))


@given(terms(), terms())
def test_instance_always_unifies_with_its_pattern(pattern, filler):
    s = {v: filler for v in variables_of(pattern)}
    if not set(variables_of(filler)) & set(s):  # keep the instance free of cycles
        instance = reify(pattern, s)
        out = unify(pattern, instance)
        assert out is not False
        assert reify(pattern, out) == reify(instance, out)


@settings(max_examples=50)
@given(pairs, terms())
def test_unify_extends_given_substitution(ab, c):
    a, b = ab
    s0 = unify(c, c)
    s = unify(a, b, s0)
    assert s0 == {}
    assert (s is False) == (unify(a, b) is False)


def _as_strings(t):
    """The same term with each Var('a') written as the plain string 'a' (iterative over small terms)."""
    from unify import Var

    return reify(t, {v: v.token for v in variables_of(t) if isinstance(v, Var)})


@settings(max_examples=60)
@given(pairs)
def test_context_variables_behave_like_vars(ab):
    """Under variables('a', ..., 'e') plain strings are variables: same answers as with Var objects."""
    from unify import variables

    from .helpers import NAMES

    a, b = ab
    expected = unify(a, b)
    with variables(*NAMES):
        got = unify(_as_strings(a), _as_strings(b))
        if expected is not False and got is not False:
            assert reify(_as_strings(a), got) == reify(_as_strings(b), got)
    assert (got is False) == (expected is False)
