"""apply's shortcuts never change its outcome: deciding rules per target (from FX's side table, without
resolving nodes) rewrites exactly what resolving every node and trying every rule there rewrites."""
import pytest
import torch
import torch.fx as fx

from rewrite import zoo
from rewrite.apply import _RESOLVE, _Driver, apply
from rewrite.loader import load
from rewrite.pyrules import ops, rule, ruleset
from rewrite.report import report_of
from unify import var

x = var("x")


def _slow(monkeypatch):
    """The driver without its shortcuts: every node is a candidate and is resolved to find its rules."""
    monkeypatch.setattr(_Driver, "_by_target", lambda self, node: _RESOLVE)
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
