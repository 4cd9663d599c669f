"""overlap / consistent / ambiguous / ambiguities and the AmbiguityWarning text."""
from __future__ import annotations

import warnings

import pytest

from unify import var
from unify.conflict import (AmbiguityWarning, ambiguities, ambiguous, consistent, overlap, rename_apart,
                            warn_ambiguities)

x, y, z = var("x"), var("y"), var("z")


@pytest.mark.parametrize("a, b, expected", [
    (("add", x, 0), ("add", 0, y), ("add", 0, 0)),
    (("add", x, 0), ("add", x, y), ("add", x, 0)),
    (("add", x, 1), ("add", x, 0), None),
    (("f", x, x), ("f", 1, y), ("f", 1, 1)),
    (("f", x, ("g", y)), ("f", ("h", y), x), ("f", ("h", ("g", y)), ("g", y)) ),
])
def test_overlap(a, b, expected):
    got = overlap(a, b)
    if expected is None:
        assert got is None
    else:
        assert got == expected or (overlap(got, expected) is not None and overlap(expected, got) is not None)


def test_overlap_renames_apart():
    # shared variable names do not link the two patterns: x in one is not x in the other
    assert overlap(("f", x, 1), ("f", 2, x)) == ("f", 2, 1)
    assert overlap(("f", x, x), ("f", 1, x)) == ("f", 1, 1)
    assert set(rename_apart(("f", x, y), ("g", x))[1:]) & {x} == set()


def test_consistent_and_ambiguous():
    assert consistent(("neg", x), ("neg", 1)) and not consistent(("neg", 1), ("neg", 2))
    assert ambiguous(("add", x, 0), ("add", 0, y))
    assert not ambiguous(("add", x, 0), ("add", x, y))   # one is more specific
    assert not ambiguous(("add", x, 0), ("mul", x, 0))   # no overlap
    assert not ambiguous(("add", x, y), ("add", y, x))   # equivalent
    assert ambiguous(("f", x, x), ("f", 1, y))


def test_ambiguities_in_input_order_and_resolved_pairs_dropped():
    pats = [("mul", x, 1), ("add", x, 0), ("mul", 1, y), ("add", 0, y), ("neg", x)]
    assert ambiguities(pats) == [(("mul", x, 1), ("mul", 1, y)), (("add", x, 0), ("add", 0, y))]
    assert ambiguities(pats + [("add", 0, 0)]) == [(("mul", x, 1), ("mul", 1, y))]
    assert ambiguities([z, ("f", 1)]) == []
    assert ambiguities([(z, 1), ("f", y)]) == [((z, 1), ("f", y))]


def test_warning_names_both_patterns_and_the_tie_breaker():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_ambiguities([("add", x, 0), ("add", 0, y)], where="rules.yaml")
    assert len(caught) == 1 and caught[0].category is AmbiguityWarning
    text = str(caught[0].message)
    assert text.startswith("rules.yaml: ")
    assert "('add', ~x, 0)" in text and "('add', 0, ~y)" in text
    assert "add the pattern ('add', 0, 0)" in text


# --- the pair index: it may only drop pairs that cannot overlap -----------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from unify.conflict import _candidate_pairs  # noqa: E402
from unify.core import reify, unify, unifies  # noqa: E402
from unify.ordering import skolemize  # noqa: E402
from unify.structure import variables_of  # noqa: E402
from unify.variable import Var  # noqa: E402

_leaf = st.sampled_from([x, y, z, 0, 1, 0.0, -0.0, True, "a"])


def _pattern_strategy():
    return st.recursive(_leaf, lambda kids: st.one_of(
        st.tuples(st.sampled_from(["f", "g"]), kids),
        st.tuples(st.sampled_from(["f", "h"]), kids, kids),
        st.lists(kids, min_size=0, max_size=2),                      # lists: unhashable patterns
        st.tuples(kids, kids)), max_leaves=6)                         # a variable may stand for the operator


def _brute_ambiguities(patterns):
    """The definition, pair by pair: no index."""
    grounds = [skolemize(p) for p in patterns]
    renamed = [reify(p, {v: Var() for v in variables_of(p)}) for p in patterns]
    out = []
    for i in range(len(patterns)):
        for j in range(i + 1, len(patterns)):
            a, b = patterns[i], patterns[j]
            s = unify(renamed[j], a)
            if s is False or unifies(b, grounds[i]) or unifies(a, grounds[j]):
                continue
            tie = reify(a, s)
            if not any(unifies(c, skolemize(tie)) and unifies(tie, skolemize(c)) for c in patterns):
                out.append((a, b))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(_pattern_strategy(), max_size=8))
def test_the_pair_index_keeps_every_overlapping_pair(patterns):
    candidates = set(_candidate_pairs(patterns))
    renamed = [reify(p, {v: Var() for v in variables_of(p)}) for p in patterns]
    for i in range(len(patterns)):
        for j in range(i + 1, len(patterns)):
            same = type(patterns[i]) is type(patterns[j]) and repr(patterns[i]) == repr(patterns[j])
            if not same and unify(renamed[j], patterns[i]) is not False:
                assert (i, j) in candidates, (patterns[i], patterns[j])
    assert sorted(candidates) == _candidate_pairs(patterns)


@settings(max_examples=300, deadline=None)
@given(st.lists(_pattern_strategy(), max_size=8))
def test_ambiguities_equal_the_pairwise_definition(patterns):
    assert ambiguities(patterns) == _brute_ambiguities(patterns)


def test_equal_patterns_are_checked_once_against_the_rest():
    p, q = ("add", x, 0), ("add", 0, y)
    assert ambiguities([p, q, p]) == [(p, q), (q, p)]
    assert ambiguities([("add", x, 0.0), ("add", x, -0.0)]) == []   # spelled apart, compared, not ambiguous
    assert _candidate_pairs([("add", x, 0.0), ("add", x, -0.0)]) == [(0, 1)]


# --- ordering with repeated patterns: equal patterns are ordered once, as the pairwise definition orders them ---

from unify.ordering import ordering  # noqa: E402


def _brute_ordering(patterns):
    """The definition: an edge i -> j when j is strictly more general than i; a stable DFS in input order."""
    n = len(patterns)
    grounds = [skolemize(p) for p in patterns]
    before = [[i for i in range(n) if i != j and unifies(patterns[j], grounds[i])
               and not unifies(patterns[i], grounds[j])] for j in range(n)]
    emitted, out = [False] * n, []
    for root in range(n):
        stack = [(root, 0)]
        while stack:
            node, k = stack.pop()
            if emitted[node]:
                continue
            if k < len(before[node]):
                stack.extend([(node, k + 1), (before[node][k], 0)])
            else:
                emitted[node] = True
                out.append(node)
    return [patterns[i] for i in out]


@settings(max_examples=300, deadline=None)
@given(st.lists(_pattern_strategy(), max_size=6).flatmap(
    lambda ps: st.lists(st.sampled_from(ps), max_size=9) if ps else st.just([])))
def test_ordering_of_repeated_patterns_equals_the_pairwise_definition(patterns):
    got, want = ordering(patterns), _brute_ordering(patterns)
    assert [repr(p) for p in got] == [repr(p) for p in want]


def test_ordering_many_equal_patterns_is_linear_in_them():
    # 3,000 equal patterns among a few others: one specificity comparison per distinct pair (was 9M)
    pats = [("mul", x, y)] * 3000 + [("mul", x, 2), ("add", x, y)]
    out = ordering(pats)
    assert out[0] == ("mul", x, 2) and out[1:3001] == [("mul", x, y)] * 3000 and out[-1] == ("add", x, y)
