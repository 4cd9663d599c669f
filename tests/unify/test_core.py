"""unify / reify on concrete values: containers, objects, occurs check, deep terms, variables()."""
from __future__ import annotations

import dataclasses
import sys

import pytest

from unify import Var, isvar, reify, unifiable, unify, unify_object, reify_object, var, variables, vars
from unify.core import occurs
from unify.errors import CyclicSubstitutionError

from .helpers import chain, deep_equal

x, y, z = var("x"), var("y"), var("z")


def test_variables_are_stable_named_and_fresh():
    assert var("x") == var("x") and hash(var("x")) == hash(var("x"))
    assert var() != var() and isvar(var())
    a, b, c = vars(3)
    assert len({a, b, c}) == 3
    assert var("_1") != var()  # fresh tokens never collide with user names
    with pytest.raises(AttributeError):
        x.token = "y"
    with pytest.raises(TypeError):
        var([1])  # unhashable token: fails where the variable is made


def test_unify_basic_and_failure_is_false():
    assert unify(x, 1) == {x: 1}
    assert unify((1, x), (1, 2)) == {x: 2}
    assert unify((1, x), (2, 2)) is False
    assert unify((1, 2), (1, 2, 3)) is False
    assert unify("a", "b") is False  # the reference raises NotImplementedError here
    assert unify(x, x) == {}
    assert unify((x, y), (y, 3)) == {x: y, y: 3} or reify((x, y), unify((x, y), (y, 3))) == (3, 3)


def test_substitution_is_never_mutated():
    s = {y: 1}
    out = unify((x, y), (2, 1), s)
    assert s == {y: 1} and out == {y: 1, x: 2} and out is not s


def test_existing_substitution_is_respected():
    assert unify(x, 2, {x: 1}) is False
    assert unify((x, y), (1, 2), {x: 1}) == {x: 1, y: 2}


def test_occurs_check():
    assert unify(x, (x, 1)) is False
    assert unify((x, 1), x) is False
    assert unify((x, y), (y, ("f", x))) is False
    assert occurs(x, (1, y), {y: (x,)}) and not occurs(x, (1, y), {})


def test_reify_transitive_and_identity_preserving():
    t = (1, (2, 3), [4])
    assert reify(t, {x: 1}) is t
    assert reify((x, [y, {"k": z}]), {x: y, y: (z, 1), z: 5}) == ((5, 1), [(5, 1), {"k": 5}])
    with pytest.raises(CyclicSubstitutionError, match="occurs check"):
        reify(x, {x: (x, 1)})
    with pytest.raises(CyclicSubstitutionError, match="cycle"):
        unify(x, 1, {x: y, y: x})  # a user-made cyclic substitution fails loudly instead of looping


def test_sequences_mappings_slices():
    assert unify([1, x], (1, 2)) == {x: 2}  # as the reference: tuple and list unify element-wise
    assert unify({"a": x, "b": 2}, {"b": 2, "a": 1}) == {x: 1}
    assert unify({"a": x}, {"b": 1}) is False
    assert unify({"a": x}, {"a": 1, "b": 1}) is False
    assert unify(slice(1, x), slice(1, 10)) == {x: 10}
    assert reify(slice(x, 3), {x: 0}) == slice(0, 3)
    assert reify({"a": [x]}, {x: 1}) == {"a": [1]}


def test_unequal_uncomparable_leaves_do_not_crash():
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no")

        __hash__ = object.__hash__

    w = Weird()
    assert unify((w, x), (w, 1)) == {x: 1}
    assert unify(Weird(), Weird()) is False


@unifiable
class Plain:
    def __init__(self, a, b):
        self.a, self.b = a, b


@unifiable
class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


@unifiable
class SlottedChild(Slotted):
    __slots__ = ("c",)

    def __init__(self, a, b, c):
        super().__init__(a, b)
        self.c = c


@unifiable
@dataclasses.dataclass(frozen=True)
class Frozen:
    a: object
    b: object


@pytest.mark.parametrize("cls", [Plain, Slotted, Frozen])
def test_unifiable_objects(cls):
    assert unify(cls(1, x), cls(1, 2)) == {x: 2}
    assert unify(cls(1, x), cls(2, 2)) is False
    r = reify(cls(x, (y, 1)), {x: 1, y: 2})
    assert type(r) is cls and (r.a, r.b) == (1, (2, 1))
    same = cls(1, 2)
    assert reify(same, {x: 1}) is same
    assert unify_object(cls(x, 2), cls(1, y), {}) == {x: 1, y: 2}
    assert reify_object(cls(x, 2), {x: 3}).a == 3


def test_unifiable_types_must_match_and_inherited_slots_count():
    assert unify(Plain(1, 2), Slotted(1, 2)) is False
    assert unify(SlottedChild(1, 2, x), SlottedChild(1, 2, 3)) == {x: 3}
    assert unify(SlottedChild(1, x, 3), SlottedChild(1, 2, 4)) is False


def test_unifiable_nested_inside_containers():
    assert unify(("f", Plain(x, [y])), ("f", Plain(1, [2]))) == {x: 1, y: 2}


def test_variables_context():
    with variables("a", 1):
        assert isvar("a") and isvar(1)
        assert unify(("f", "a"), ("f", 3)) == {"a": 3}
        assert reify(("g", "a"), {"a": 5}) == ("g", 5)
        assert not isvar((1,))  # containers never act as variables
        with variables("b"):
            assert isvar("a") and isvar("b")
        assert not isvar("b")
    assert not isvar("a") and not isvar(1)
    assert unify(("f", "a"), ("f", 3)) is False


def test_variables_context_is_per_thread():
    import threading

    seen = []
    with variables("t"):
        th = threading.Thread(target=lambda: seen.append(isvar("t")))
        th.start()
        th.join()
    assert seen == [False]


DEPTH = 100_000


def test_deep_terms_unify_reify_and_occurs_check():
    assert sys.getrecursionlimit() < DEPTH
    left, right = chain(x, DEPTH), chain(1, DEPTH)
    s = unify(left, right)
    assert s == {x: 1}
    assert deep_equal(reify(left, s), right)
    assert unify(x, ("g", chain(x, DEPTH))) is False  # occurs check, deep
    assert unify(chain(x, DEPTH), chain(("h", x), DEPTH)) is False
    s = unify(chain(y, DEPTH), chain(chain(z, 10), DEPTH))
    assert deep_equal(reify(chain(y, DEPTH), s), chain(chain(z, 10), DEPTH))


def test_deep_binding_reified_once_not_exponentially():
    # x0 = (x1, x1), x1 = (x2, x2), ...: the reified term is a DAG of size 2**40 when printed
    xs = [var(f"x{i}") for i in range(41)]
    s = {xs[i]: (xs[i + 1], xs[i + 1]) for i in range(40)}
    r = reify(xs[0], s)
    assert r[0] is r[1]
