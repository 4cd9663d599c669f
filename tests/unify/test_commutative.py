"""C-unification: sound, complete against brute force over every commutative operand order, most general."""
from hypothesis import given, settings, strategies as st

from unify import reify, unify, var
from unify.commutative import c_unify, c_variants, is_op_term

X, Y, Z = var("x"), var("y"), var("z")
COMM = {"f"}


def canonical(t):
    """t with the operands of every commutative call sorted (C-equality is equality of this)."""
    if type(t) is not tuple:
        return t
    parts = tuple(canonical(a) for a in t)
    if is_op_term(parts) and parts[0] in COMM and len(parts) >= 3 and repr(parts[2]) < repr(parts[1]):
        parts = (parts[0], parts[2], parts[1], *parts[3:])
    return parts


class Frozen:
    """A variable held fixed: a constant only equal to itself."""

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, Frozen) and other.v == self.v

    def __hash__(self):
        return hash(self.v)


def freeze(t):
    if isinstance(t, type(X)):
        return Frozen(t)
    if type(t) is tuple:
        return tuple(freeze(a) for a in t)
    return t


def instance_of(general: tuple, specific: tuple) -> bool:
    return bool(c_unify(general, freeze(specific), COMM))


def values(s, u, v):
    from rewrite.check.term_graph import term_variables
    return tuple(reify(x, s) for x in term_variables((u, v)))


terms = st.recursive(
    st.sampled_from([X, Y, Z, 1, 2]),
    lambda inner: st.one_of(st.tuples(st.just("f"), inner, inner), st.tuples(st.just("g"), inner, inner),
                            st.tuples(st.just("h"), inner)),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(terms, terms)
def test_c_unify_is_sound_and_complete_against_brute_force(u, v):
    found = c_unify(u, v, COMM)
    for s in found:
        assert canonical(reify(u, s)) == canonical(reify(v, s))
    brute = [s for a in c_variants(u, COMM) for b in c_variants(v, COMM) if (s := unify(a, b)) is not False]
    assert bool(found) == bool(brute)
    for s in brute:  # every unifier is an instance of one found
        assert any(instance_of(values(g, u, v), values(s, u, v)) for g in found)
    for g in found:  # and every one found is one of brute force's, up to renaming and operand order
        assert any(instance_of(values(s, u, v), values(g, u, v)) for s in brute)


def test_swaps_are_choice_points_not_copies():
    # 12 commutative calls on each side: 2^24 brute-force variant pairs, one unifier
    left, right = X, Y
    for k in range(12):
        left, right = ("f", left, k), ("f", k, right)
    assert len(c_unify(left, right, COMM)) >= 1


def test_non_linear_variables_unify_modulo_commutativity():
    assert c_unify(("g", X, X), ("g", ("f", 1, Y), ("f", Z, 2)), COMM) == [{X: ("f", 1, 2), Y: 2, Z: 1}]
    assert c_unify(("g", X, X), ("g", ("f", 1, 2), ("f", 2, 1)), COMM) == [{X: ("f", 1, 2)}]
    assert c_unify(("g", X, X), ("g", ("f", 1, 2), ("f", 2, 2)), COMM) == []


def test_occurs_check_and_heads():
    assert c_unify(X, ("f", X, 1), COMM) == []
    assert c_unify(("f", X, 1), ("g", 1, X), COMM) == []
    assert c_unify(("f", X, 1, 3), ("f", 1, 2, 3), COMM) == [{X: 2}]  # only the first two operands swap


def test_order_is_deterministic():
    u, v = ("f", ("f", X, Y), Z), ("f", 1, ("f", 2, 3))
    assert repr(c_unify(u, v, COMM)) == repr(c_unify(u, v, COMM))
    assert c_unify(u, v, COMM) == [{X: 2, Y: 3, Z: 1}, {X: 3, Y: 2, Z: 1}]
