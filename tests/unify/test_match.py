"""supersedes / edge / ordering and the pattern dispatchers, on concrete patterns."""
from __future__ import annotations

import random

import pytest

from unify import var
from unify.match import (Dispatcher, NoMatchError, VarDispatcher, edge, match, ordering, supercedes,
                         supersedes)

x, y, z = var("x"), var("y"), var("z")


@pytest.mark.parametrize("a, b, expected", [
    (("add", x, 0), ("add", x, y), True),
    (("add", x, y), ("add", x, 0), False),
    (("add", x, x), ("add", x, y), True),   # non-linear pattern is more specific
    (("add", x, y), ("add", x, x), False),
    (("add", 1, 2), x, True),
    (x, ("add", 1, 2), False),
    (("add", x, y), ("add", y, x), True),   # variants supersede each other (renamed apart)
    (("add", x, 0), ("mul", x, 0), False),
    (("f", ("g", x)), ("f", y), True),
    (("f", y), ("f", ("g", x)), False),
    (("f", x, ("g", x)), ("f", y, ("g", z)), True),
])
def test_supersedes(a, b, expected):
    assert supersedes(a, b) is expected
    assert supercedes(a, b) is expected


def test_supersedes_renames_apart_and_returns_bool():
    # the reference answers None or wrongly when the two patterns share variable names
    assert supersedes(("f", x, 1), ("f", 1, x)) is False
    assert supersedes(("f", 1, x), ("f", x, 1)) is False
    assert supersedes((x, y), (y, x)) is True


def test_edge_tie_breaker():
    assert edge(("f", 1), ("f", x)) and not edge(("f", x), ("f", 1))
    assert not edge(("f", x), ("f", y)) and not edge(("f", y), ("f", x))
    rank = {("f", x): 2, ("f", y): 1}
    assert edge(("f", x), ("f", y), tie_breaker=rank.get)


def test_ordering_most_specific_first_ties_by_registration():
    pats = [("add", x, y), ("mul", x, 1), ("add", x, 0), ("add", 0, 0), ("mul", x, y), ("add", y, x)]
    assert ordering(pats) == [("add", 0, 0), ("add", x, 0), ("add", x, y), ("mul", x, 1), ("mul", x, y),
                              ("add", y, x)]


def test_ordering_is_a_linear_extension_of_supersedes():
    rng = random.Random(0)
    names = [x, y, z]

    def gen(d):
        if d == 0 or rng.random() < 0.3:
            return rng.choice(names + [0, 1])
        return (rng.choice(["f", "g"]), *(gen(d - 1) for _ in range(rng.choice([1, 2]))))

    pats = [gen(3) for _ in range(120)]
    out = ordering(pats)
    assert sorted(map(repr, out)) == sorted(map(repr, pats))
    pos = {id(p): i for i, p in enumerate(out)}
    for a in pats:
        for b in pats:
            if supersedes(a, b) and not supersedes(b, a):
                assert pos[id(a)] < pos[id(b)], (a, b)


def test_ordering_keeps_unrelated_and_equivalent_in_input_order():
    pats = [("g", x), ("f", x), ("f", y), ("h", 1)]
    assert ordering(pats) == pats
    assert ordering(list(reversed(pats))) == list(reversed(pats))


def test_ordering_handles_lists_dicts_and_opaque_leaves():
    class Opaque:
        pass

    o = Opaque()
    pats = [[x, y], {"k": x}, [1, y], (o, x), (o, 1), {"k": 2}]
    # tuples and lists unify element-wise, so (o, 1) and (o, x) are instances of [x, y]
    assert ordering(pats) == [[1, y], (o, 1), (o, x), [x, y], {"k": 2}, {"k": x}]


def test_dispatcher_picks_most_specific_and_caches_ordering():
    d = Dispatcher("f")
    d.add((x,), lambda a: "any")
    assert d(3) == "any"
    first = d.ordering
    assert d.ordering is first  # cached
    d.add((1,), lambda a: "one")
    assert d.ordering is not first  # add clears the cache
    assert d(1) == "one" and d(2) == "any"
    with pytest.raises(NoMatchError, match="no pattern matches") as info:
        d(1, 2)
    assert isinstance(info.value, NotImplementedError)


def test_dispatcher_nonlinear_and_nested_patterns():
    d = Dispatcher("simplify")
    d.register(("sub", x, x))(lambda t: 0)
    d.register(("sub", x, y))(lambda t: "sub")
    d.register(z)(lambda t: "other")
    assert d(("sub", 5, 5)) == 0 and d(("sub", 5, 4)) == "sub" and d(7) == "other"


def test_var_dispatcher_passes_bindings_by_name():
    d = VarDispatcher("d")
    d.register("inc", x)(lambda x: x + 1)
    d.register("add", x, y)(lambda x, y: x + y)
    assert d("inc", 10) == 11 and d("add", 2, 3) == 5


def test_match_uses_given_namespace():
    ns = {}

    @match(0, namespace=ns)
    def fact(n):
        return 1

    @match(x, namespace=ns)
    def fact(n):
        return n * fact(n - 1)

    assert fact(5) == 120 and set(ns) == {"fact"}


def test_dispatcher_can_warn_about_ambiguities():
    from unify.conflict import AmbiguityWarning

    d = Dispatcher("amb", warn_ambiguities=True)
    d.add(("add", x, 0), lambda t: 1)
    d.add(("add", 0, y), lambda t: 2)
    with pytest.warns(AmbiguityWarning, match=r"\('add', 0, 0\)"):
        d.ordering


class AnyInt:
    """A pattern element that unifies with any int (by a register_unify method, not by equality)."""

    def __repr__(self):
        return "AnyInt()"


def _any_int(u, v, s):
    return s if type(v) is int else False


def test_ordering_respects_custom_unify_leaves():
    from unify.core import register_unify

    register_unify(AnyInt, int)(_any_int)  # (AnyInt, object) would be ambiguous with fxcore's (object, Typed)
    general, specific = ("g", AnyInt(), x), ("g", 1, 2)
    assert supersedes(specific, general) and not supersedes(general, specific)
    assert ordering([general, specific]) == [specific, general]


def test_specificity_and_conflicts_on_deep_patterns():
    """30,000 deep: ten times what the reference survives (unify/reify at 100k are in test_core)."""
    from unify.conflict import ambiguities, overlap

    from .helpers import chain

    depth = 30_000
    a, b = chain(x, depth), chain(1, depth)
    assert supersedes(b, a) and not supersedes(a, b)
    assert [p is b for p in ordering([a, b])] == [True, False]
    c, d = chain(("g", y, 1), depth), chain(("g", 2, x), depth)
    assert overlap(c, d) is not None and len(ambiguities([c, d])) == 1
