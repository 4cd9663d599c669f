"""The rule model: frozen values, validation, guard_holds on FX graphs, rule-set ordering, Python rules."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from unify import var
from rewrite import errors as E
from rewrite.lang.guards import describe_node
from rewrite.lang.loader import load, loads
from rewrite.pyrules import compute, ops, rule, ruleset, trace_term
from rewrite.lang.rule import Compute, Rule
from rewrite.lang.ruleset import RuleSet

DATA = Path(__file__).parents[1] / "data"
x, y, a, b = var("x"), var("y"), var("a"), var("b")


def test_rules_are_frozen_hashable_values():
    r = Rule("nn", ("neg", ("neg", x)), x, guards=("x.ndim == 2",), priority=1)
    same = Rule("nn", ("neg", ("neg", x)), x, guards=("x.ndim == 2",), priority=1)
    assert r == same and hash(r) == hash(same) and len({r, same}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.id = "other"
    assert r.names == ("x",) and r.root_op == "neg"


def test_rule_sets_hash_by_value_once_and_anew_after_replace():
    r1 = Rule("nn", ("neg", ("neg", x)), x)
    r2 = Rule("rr", ("relu", ("relu", x)), ("relu", x))
    rs, same = RuleSet("s", (r1, r2)), RuleSet("s", (r1, r2), source="elsewhere")
    assert hash(rs) == hash(rs) == hash(same) and rs == same and len({rs, same}) == 1
    off = dataclasses.replace(rs, disabled=("rr",))
    assert off != rs and off._hash is None and hash(off) == hash(RuleSet("s", (r1, r2), disabled=("rr",)))


@pytest.mark.parametrize("args, cls, message", [
    (("", ("neg", x), x), E.RuleValidationError, "non-empty string"),
    (("r", x, x), E.RuleValidationError, "bare variable"),
    (("r", 3, x), E.RuleValidationError, "must be an op term"),
    (("r", ("neg", x), y), E.UnboundVariableError, "replacement uses 'y'"),
    (("r", ("neg", var("result")), 1), E.RuleValidationError, "reserved name 'result'"),
])
def test_rule_validation(args, cls, message):
    with pytest.raises(cls, match=message):
        Rule(*args)


def test_guard_names_checked_and_priority_type():
    with pytest.raises(E.UnboundVariableError, match="guard uses 'z'"):
        Rule("r", ("neg", x), x, guards=(lambda z: True,))
    with pytest.raises(E.RuleValidationError, match="priority must be an integer"):
        Rule("r", ("neg", x), x, priority=True)


def test_instantiate_terms_and_compute():
    r = Rule("t", ("transpose", ("transpose", x, a, b), a, b), ("relu", x))
    assert r.instantiate({x: "N", a: 0, b: 1}) == ("relu", "N")
    c = Rule("fold", ("add", x, y, 1), lambda x, y: x + y)
    assert isinstance(c.replacement, Compute) and c.instantiate({x: 2, y: 3}) == 5
    with pytest.raises(E.UnboundVariableError, match="replacement uses 'z'"):
        Rule("bad", ("add", x, y, 1), lambda z: z)


def _traced():
    gm = torch.fx.symbolic_trace(lambda x: torch.relu(x) * 1)
    from torch.fx.passes.shape_prop import ShapeProp
    ShapeProp(gm).propagate(torch.zeros(2, 3))
    return {n.name: n for n in gm.graph.nodes}


def test_guard_holds_on_fx_nodes():
    nodes = _traced()
    r = load(DATA / "algebra.yaml", warn=False)["mul-one"]
    assert r.guard_holds({x: nodes["relu"]}, describe_node, result=nodes["mul"])
    assert not r.guard_holds({x: nodes["relu"]}, describe_node)  # result unknown: does not hold
    sk = load(DATA / "algebra.yaml", warn=False)["sum-keepdim"]
    assert not sk.guard_holds({x: nodes["relu"], var("d"): 3}, describe_node)  # ndim is 2
    assert sk.guard_value({x: 5, var("d"): 3}, describe_node) is not True  # a literal x: no crash


def test_ordering_priority_specificity_file_order():
    rs = ruleset("o",
                 rule("general", "add(x, y)", "y"),
                 rule("zero-right", "add(x, 0)", "x"),
                 rule("mul", "mul(x, y)", "x"),
                 rule("zeros", "add(0, 0)", "0"),
                 rule("urgent", "mul(x, y)", "y", priority=2))
    assert [r.id for r in rs.ordered()] == ["urgent", "zeros", "zero-right", "general", "mul"]
    assert [r.id for r in rs.disable("urgent", "zeros")] == ["zero-right", "general", "mul"]
    assert [r.id for r in rs.only("mul")] == ["mul"]
    assert rs.disable("urgent").enable("urgent") == rs


def test_ordering_is_independent_of_hash_seed():
    code = ("from rewrite.lang.loader import load; rs = load('tests/rewrite/data/algebra.yaml', warn=False);"
            "print([r.id for r in rs.ordered()], [(m.first.id, m.second.id) for m in rs.ambiguities()])")
    outs = set()
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, check=True, cwd=Path(__file__).parents[3]).stdout)
    assert len(outs) == 1


def test_ruleset_errors():
    r = Rule("r", ("neg", x), x)
    with pytest.raises(E.DuplicateRuleError, match="duplicate rule id 'r'"):
        RuleSet("s", (r, r))
    with pytest.raises(E.RuleValidationError, match="did you mean 'r'"):
        RuleSet("s", (r,)).disable("rr")
    with pytest.raises(KeyError, match="did you mean 'r'"):
        RuleSet("s", (r,))["rr"]


def test_python_styles_give_equal_rules():
    terms = rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x))
    traced = rule("silu", lambda x: x * torch.sigmoid(x), lambda x: F.silu(x))
    text = rule("silu", "mul(x, sigmoid(x))", "silu(x)")
    yaml = loads("rules: [{id: silu, pattern: 'mul(x, sigmoid(x))', replacement: 'silu(x)'}]")
    assert terms == traced == text == yaml["silu"]
    assert trace_term(lambda x: x.sum(1, True)) == ops.sum(x, dim=1, keepdim=True) \
        == trace_term(lambda x: torch.sum(x, dim=1, keepdim=True))
    assert trace_term(lambda x, a, b: x.transpose(a, b).transpose(a, b)) == \
        loads("rules: [{id: t, pattern: 'transpose(transpose(x, a, b), a, b)', replacement: x}]")["t"].pattern


def test_python_rule_module_functions_and_guards():
    r = rule("relu-pos", lambda x: torch.relu(torch.relu(x)), lambda x: torch.relu(x),
             when=lambda x: x.ndim == 2, priority=3, examples=[("relu(relu(t))", "relu(t)")])
    assert r.priority == 3 and r.guards[0].names == ("x",)
    assert r.pos is not None and r.pos.file == __file__
    assert r.examples[0].after == ("relu", var("t"))
    c = rule("c", ops.neg(x), compute(lambda x: x))
    assert isinstance(c.replacement, Compute)
    with pytest.raises(E.UnknownOpError, match="did you mean 'sigmoid'"):
        ops.sigmod(x)
    const = torch.ones(2)
    with pytest.raises(E.RuleValidationError, match="reads the attribute"):
        rule("attr", lambda x: x + const, "x")
    lin = torch.nn.Linear(2, 2)
    with pytest.raises(E.RuleValidationError, match="could not trace"):
        rule("param", lambda x: x @ lin.weight, "x")


def test_python_ruleset_includes_and_disable():
    rs = ruleset("mine", rule("exp-log", "exp(log(x))", "x"),
                 include=[DATA / "base.yaml"], disable=["relu-relu"])
    assert rs.ids() == ("neg-neg", "relu-relu", "exp-log") and rs.disabled == ("relu-relu",)
