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
