"""The weights solver finds integer weights whenever hidden ones exist, and names the conflicts when none do."""
from hypothesis import given, strategies as st

from rewrite.check.weights import solve_greedily, solve_weights

OPS = ["a", "b", "c", "d", "e"]


@st.composite
def feasible_systems(draw):
    hidden = {op: draw(st.integers(1, 6)) for op in OPS}
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        row = {op: draw(st.integers(-3, 3)) for op in draw(st.lists(st.sampled_from(OPS), min_size=1,
                                                                      max_size=4, unique=True))}
        if sum(a * hidden[op] for op, a in row.items()) > 0:
            rows.append({op: a for op, a in row.items() if a})
    return rows


@given(feasible_systems())
def test_weights_exist_so_the_solver_finds_them(rows):
    w = solve_weights(rows, OPS, max_updates=100_000)
    assert w is not None
    assert all(w[op] >= 1 for op in OPS)
    assert all(sum(a * w[op] for op, a in row.items()) > 0 for row in rows)


@given(feasible_systems())
def test_greedy_keeps_every_row_of_a_feasible_system(rows):
    w, failing = solve_greedily(rows, OPS)
    assert failing == []
    assert all(sum(a * w[op] for op, a in row.items()) > 0 for row in rows)


def test_a_conflict_is_named_and_the_rest_kept():
    rows = [{"a": 1, "b": -1}, {"b": 1, "c": -1}, {"b": 1, "a": -1}]
    w, failing = solve_greedily(rows, ["a", "b", "c"])
    assert failing == [2] and w["a"] > w["b"] > w["c"] >= 1


def test_a_row_without_a_positive_entry_never_holds():
    assert solve_weights([{"a": -1}], ["a"]) is None
