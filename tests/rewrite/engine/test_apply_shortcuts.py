"""apply's shortcuts never change its outcome: deciding rules per target (from FX's side table, without
resolving nodes) rewrites exactly what resolving every node and trying every rule there rewrites."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
import torch.fx as fx

from rewrite.front import zoo
from rewrite.engine.apply import apply
from rewrite.engine.driver import _RESOLVE, Driver as _Driver
from rewrite.lang.loader import load
from rewrite.pyrules import ops, rule, ruleset
from rewrite.engine.report import report_of
from tests.rewrite.util import dag_program, feeding_rules
from unify import var

x = var("x")


def _slow(monkeypatch):
    """The driver without its shortcuts: every node is a candidate and is resolved to find its rules."""
    monkeypatch.setattr(_Driver, "_target_rules", lambda self, node: _RESOLVE)  # (past the plan's memo)
    monkeypatch.setattr(_Driver, "_candidates", lambda self: list(self.gm.graph.nodes))


def _outcome(gm, rules):
    apply(gm, rules)
    report = report_of(gm)
    return gm.code, [(r.rule_id, r.node, r.new_nodes) for r in report.rewrites]


@pytest.mark.parametrize("how", ("symbolic_trace", "make_fx"))
@pytest.mark.parametrize("name", zoo.names())
def test_target_shortcuts_rewrite_what_full_resolution_rewrites(name, how, monkeypatch):
    rules = load("std:std")
    fast = _outcome(zoo.trace(zoo.get(name), how), rules)
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(zoo.trace(zoo.get(name), how), rules)
    assert fast == slow


def test_a_target_with_several_possible_ops_gets_the_rules_of_each_in_rule_set_order(monkeypatch):
    """torch.relu may be relu or relu_ (inplace=True): the rules of both, in rule-set order; the root check
    then keeps only those whose op the node really is."""
    rules = ruleset("both",
                    rule("inplace-relu-neg", ops.relu_(ops.neg(x)), ops.neg(ops.relu_(x))),
                    rule("relu-relu", ops.relu(ops.relu(x)), ops.relu(x)),
                    rule("relu-neg", ops.relu(ops.neg(x)), ops.neg(ops.relu(x))))
    gm = fx.symbolic_trace(lambda a: torch.nn.functional.relu(torch.nn.functional.relu(torch.neg(a))))
    expected = torch.nn.functional.relu(-torch.ones(3))
    fast = _outcome(gm, rules)
    torch.testing.assert_close(gm(-torch.ones(3)), expected)
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(fx.symbolic_trace(
            lambda a: torch.nn.functional.relu(torch.nn.functional.relu(torch.neg(a)))), rules)
    assert fast == slow
    assert {r[0] for r in fast[1]} == {"relu-relu", "relu-neg"}  # never the in-place rule


def test_a_dormant_candidate_whose_inputs_a_rewrite_changed_is_tried_at_its_place(monkeypatch):
    """``mul(a, neg(neg(sigmoid(a))))``: no rule may match the mul at the start (no sigmoid among its inputs),
    so it is dormant; neg-neg then gives it one, and silu fires there, as without the shortcut."""
    rules = ruleset("revive",
                    rule("neg-neg", ops.neg(ops.neg(x)), x),
                    rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)))

    def model(a):
        b = a * torch.neg(torch.neg(torch.sigmoid(a)))
        return b * (a * 2.0) * 3.0  # more muls than sigmoids: the mul rules are asked from their anchors

    seen = set()  # names when found (a rewrite may rename a node it reuses)
    dormant_among = _Driver._dormant_among

    def spy(self, groups):
        found = dormant_among(self, groups)
        seen.update(n.name for n in found)
        return found

    with monkeypatch.context() as m:
        m.setattr(_Driver, "_dormant_among", spy)
        gm = fx.symbolic_trace(model)
        fast = _outcome(gm, rules)
    assert "mul" in seen  # the test exercises the shortcut
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(fx.symbolic_trace(model), rules)
    assert fast == slow
    assert [r[:2] for r in fast[1]] == [("neg-neg", "neg_1"), ("silu", "mul")]
    a = torch.randn(5)
    torch.testing.assert_close(gm(a), model(a))


def test_a_dormant_candidate_a_compute_replacement_rewired_is_tried_after_the_sweep(monkeypatch):
    """A `Compute` replacement is handed bound nodes, and Python code may set another node's ``args`` (FX fires no
    hook for it, and no rewrite reaches that node). The dormant ``a * a`` it turns into ``a * sigmoid(a)`` is
    still tried once the queue runs dry, as it is without the shortcut."""
    from rewrite.pyrules import compute

    def model(a):
        torch.sigmoid(a)  # unused for now
        return a * a, a * 3.0, a * 4.0, torch.neg(a)  # the neg comes last: the sweep is past the muls

    gm = fx.symbolic_trace(model)
    placeholder, sigmoid, square = list(gm.graph.nodes)[:3]

    def rewire(y):
        square.args = (placeholder, sigmoid)  # behind FX's hooks: the mul is dormant and no rewrite reaches it
        return ("mul", y, -1.0)

    rules = ruleset("rewired",
                    rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)),
                    rule("neg-to-mul", ops.neg(var("y")), compute(rewire)))
    done = _outcome(gm, rules)
    assert [r[:2] for r in done[1]] == [("neg-to-mul", "neg"), ("silu", "mul")]
    gm.graph.lint()
    a = torch.randn(5)
    got, want = gm(a), (torch.nn.functional.silu(a), a * 3.0, a * 4.0, -a)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)


@pytest.mark.parametrize("name", zoo.names())
def test_dormant_candidates_are_ones_no_rule_may_match(name):
    """From the anchors' side: never a candidate where some rule's ``may_match`` holds, and for a target
    whose every rule was asked that way, every candidate where none does."""
    from fxcore.ops import default_table
    from rewrite.engine.plan import RulePlan
    from rewrite.engine.journal import GraphJournal
    gm = zoo.trace(zoo.get(name), "make_fx")
    rules = ruleset("anchored",
                    rule("mul-neg", ops.mul(ops.neg(x), var("y")), ops.neg(ops.mul(x, var("y")))),
                    rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)),
                    rule("add-relu", ops.add(ops.relu(x), var("y")), ops.add(var("y"), ops.relu(x))))
    with GraphJournal(gm) as journal:
        driver = _Driver(gm, RulePlan.build(rules, default_table()), default_table(), journal, 100, False)
        awake = driver._candidates()
        dormant = set(driver._dormant)
    assert not dormant & set(awake)  # dormant candidates are left out of the sweep
    candidates = [*awake, *dormant]
    hopeless = {n for n in candidates
                if not any(e.pattern.may_match(n, driver.view) for e in driver.entries_for(n) or ())}
    assert dormant <= hopeless
    for target in {n.target for n in candidates}:
        group = [n for n in candidates if n.target is target]
        anchors = sum(1 for n in gm.graph.nodes if driver.view.possible_ops(n) is None
                      or {"neg", "sigmoid", "relu"} & set(driver.view.possible_ops(n)))
        if len(group) > max(anchors, 1):  # cheaper from the anchors (a lone node is just tried): decided that way
            assert {n for n in group if n in hopeless} <= dormant


_CHAIN = feeding_rules()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["sin", "cos", "exp", "neg", "sigmoid", "mul", "mul_sig", "revived"]),
                          st.integers(0, 5)), min_size=1, max_size=14))
def test_shortcuts_rewrite_what_full_resolution_rewrites_on_random_graphs(steps):
    """Random DAGs with many muls (their rules are asked from the anchors: dormant candidates) and rules
    that build what other rules consume (not identities: they test the driver, not the numbers)."""
    program = dag_program(steps)  # "revived": a mul no rule may match until cos-cos gives it a sigmoid
    fast = _outcome(fx.symbolic_trace(program), _CHAIN)
    with pytest.MonkeyPatch.context() as m:
        _slow(m)
        slow = _outcome(fx.symbolic_trace(program), _CHAIN)
    assert fast == slow


def test_in_one_sweep_a_dormant_candidate_a_rewrite_rewired_is_tried_at_its_place():
    """once=True: the mul of ``mul(a, neg(neg(sigmoid(a))))`` is dormant; neg-neg rewires it to the sigmoid
    before the sweep reaches it, so silu fires there in the same sweep."""
    rules = ruleset("revive",
                    rule("neg-neg", ops.neg(ops.neg(x)), x),
                    rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)))
    gm = fx.symbolic_trace(lambda a: a * torch.neg(torch.neg(torch.sigmoid(a))) * (a * 2.0) * 3.0)
    apply(gm, rules, once=True)
    assert [r.rule_id for r in report_of(gm).rewrites] == ["neg-neg", "silu"]
