"""TerminationWatch: a site that is about to be rewritten from a value it already had is a cycle, named by
the rules fired since; a value that comes back but is not rewritten again does not loop and is not reported."""
import pytest
from hypothesis import given, strategies as st

from rewrite.errors import NonTerminationError
from rewrite.engine.termination import TerminationWatch


class N:
    """A stand-in node: an op and operand nodes (fingerprinted structurally)."""

    def __init__(self, op, *args):
        self.op, self.args, self.name = op, args, op


def _watch(budget=1000):
    return TerminationWatch(budget, describe=lambda n: (n.op, n.args), is_new=lambda n: n.op != "input")


@given(st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_raises_exactly_when_a_repeated_value_is_rewritten(values):
    """One site takes values[0] -> values[1] -> ...; rewrite k starts from values[k]."""
    a = N("input")
    nodes = [N(f"v{v}", a) for v in values]
    watch = _watch()
    seen: list[int] = []
    for k in range(len(nodes) - 1):
        repeated = values[k] in seen
        if repeated:
            first = seen.index(values[k])
            with pytest.raises(NonTerminationError) as info:
                watch.before_rewrite(nodes[k])  # before the surgery, as apply does
                watch.record(f"r{k}", nodes[k], nodes[k + 1])
            named = {f"r{i}" for i in range(first, k)}
            assert all(rule in str(info.value) for rule in named)
            return
        seen.append(values[k])
        watch.before_rewrite(nodes[k])
        watch.record(f"r{k}", nodes[k], nodes[k + 1])


def test_a_value_that_comes_back_but_is_not_rewritten_again_is_fine():
    a, b = N("input"), N("input")
    ab, ba, ab2 = N("add", a, b), N("add", b, a), N("add", a, b)
    watch = _watch()
    watch.record("swap", ab, ba)
    watch.record("swap-back", ba, ab2)  # back to add(a, b), and nothing rewrites ab2: terminates


def test_budget_names_the_busiest_rules():
    watch = _watch(budget=3)
    nodes = [N(f"grow{i}", N("input")) for i in range(6)]
    with pytest.raises(NonTerminationError, match="budget of 3"):
        for i in range(5):
            watch.record("grow", nodes[i], nodes[i + 1])


def test_a_site_back_at_its_original_root_is_a_cycle_with_the_leaf_fingerprint_taken_late():
    original = N("relu", N("input"))  # existed before the apply: a leaf, never fingerprinted up front
    created = set()
    watch = TerminationWatch(1000, describe=lambda n: (n.op, n.args), is_new=created.__contains__)
    detour = N("neg", original)
    created.add(detour)
    watch.before_rewrite(original)
    assert watch._fingerprint == {}  # an original root costs nothing until a cycle check needs it
    watch.record("out", original, detour)
    watch.before_rewrite(detour)
    watch.record("back", detour, original)  # a redirect back to the original node
    watch.before_rewrite(original)
    with pytest.raises(NonTerminationError, match=r"\['out', 'back'\]"):
        watch.record("out", original, N("neg", original))


def test_leaf_fingerprints_stay_distinct_after_a_reused_roots_print_is_dropped():
    """A reused root's original (leaf) print goes in its site's history and out of the fingerprint table;
    a leaf taken later, of another node, must not get the same print (that was a false cycle)."""
    x = N("input")
    root = N("mul", x, N("sigmoid", x))  # existed before the apply
    created = set()
    watch = TerminationWatch(1000, describe=lambda n: (n.op, n.args), is_new=created.__contains__)
    watch.before_rewrite(root)
    root.op, root.args = "silu", (x,)  # reused in place: mul(x, sigmoid(x)) -> silu(x)
    watch.record("silu", root, root)
    watch.before_rewrite(root)  # a new value now: its print reads x, a leaf
    watch.record("drop", root, x)  # silu(x) -> x: the site's value is x
    watch.before_rewrite(x)
    watch.record("x-rule", x, N("neg", x))  # x was never a value of this site before: no cycle
