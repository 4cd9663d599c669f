"""Replacements are checked before they land: against the root's meta['val'], by fake evaluation, and at load."""
import pytest
import torch
from torch.fx.experimental.proxy_tensor import make_fx

import rewrite
from rewrite import errors as E
from rewrite.pyrules import compute, ops, rule, ruleset
from tests.rewrite.util import fingerprint
from unify import var

x = var("x")


def _graph():
    return make_fx(lambda a, i: (torch.neg(a).exp(), torch.relu(i) + 1))(torch.randn(3), torch.arange(3))


def _refused_and_unchanged(rs, match):
    gm = _graph()
    before, code = fingerprint(gm), gm.code
    with pytest.raises(rewrite.ApplyError, match=match) as info:
        rewrite.apply(gm, rs)
    assert fingerprint(gm) == before and gm.code == code  # all-or-nothing
    a, i = torch.randn(3), torch.arange(3)
    torch.testing.assert_close(gm(a, i), (torch.neg(a).exp(), torch.relu(i) + 1))
    return str(info.value)


def test_a_replacement_of_another_shape_is_an_error_naming_rule_node_and_both_types():
    text = _refused_and_unchanged(ruleset("bad", rule("neg-sum", ops.neg(x), ops.sum(x))), "neg-sum")
    assert "rule 'neg-sum' at node 'neg'" in text
    assert "float32[] on cpu where the node gave float32[3] on cpu" in text
    assert "module was left unchanged" in text


def test_a_replacement_of_another_dtype_is_an_error():
    text = _refused_and_unchanged(ruleset("bad", rule("relu-float", ops.relu(x), ops.mul(x, 2.5))), "relu-float")
    assert "float32[3] on cpu where the node gave int64[3] on cpu" in text
    assert isinstance(pytest.raises(rewrite.ReplacementTypeError, rewrite.apply, _graph(),
                                    ruleset("bad", rule("relu-float", ops.relu(x), ops.mul(x, 2.5)))).value,
                      rewrite.ApplyError)


def test_a_literal_replacing_a_tensor_is_an_error():
    text = _refused_and_unchanged(ruleset("bad", rule("neg-zero", ops.neg(x), 0)), "neg-zero")
    assert "the replacement of node 'neg' is the literal 0" in text and "full_like" in text


def test_a_replacement_that_fails_on_fake_tensors_is_an_error_at_apply():
    bad = compute(lambda x: ("gelu", x, "nonsense"))  # Python code bypasses the load-time check
    text = _refused_and_unchanged(ruleset("bad", rule("neg-gelu", ops.neg(x), bad)), "neg-gelu")
    assert "failed while rewriting node 'neg'" in text and "fails on its inputs' fake tensors" in text
    text = _refused_and_unchanged(ruleset("bad", rule("neg-mm", ops.neg(x), ops.mm(x, x))), "neg-mm")
    assert "fails on its inputs' fake tensors" in text


def test_without_meta_val_there_is_nothing_to_check_against():
    gm = torch.fx.symbolic_trace(lambda a: torch.neg(a).exp())
    rewrite.apply(gm, ruleset("bad", rule("neg-sum", ops.neg(x), ops.sum(x))))
    assert rewrite.report_of(gm).counts == {"neg-sum": 1}  # symbolic_trace: no types; a guard is the way


@pytest.mark.parametrize("replacement,message,col", [
    ("gelu(x, approximate='nonsense')", "approximate='nonsense' is not one of 'none', 'tanh'", 19),
    ("div(x, 2, rounding_mode='flor')", "rounding_mode='flor' is not one of 'trunc', 'floor'", 19),
    ("sum(x, dim=1, dim=2)", "keyword argument 'dim' is given twice in sum(...)", 33),
    ("neg(x, 1)", "neg() takes at most 1 positional arguments", 19),
    ("sum(x, dimm=1)", "unexpected keyword argument 'dimm'. Did you mean 'dim'?", 19),
])
def test_what_the_schema_can_check_is_a_load_error_with_its_position(replacement, message, col):
    text = "rules:\n  - id: r\n    pattern: relu(x)\n    replacement: \"" + replacement + "\"\n"
    with pytest.raises(E.RuleError) as info:
        rewrite.loads(text, filename="r.yaml")
    assert message in str(info.value) and f"r.yaml:4:{col}: rule 'r'" in str(info.value)


def test_python_rule_sets_get_the_same_load_time_checks():
    with pytest.raises(E.ArgumentError, match="approximate='tahn' is not one of"):
        rule("r", ops.relu(x), ops.gelu(x, approximate="tahn"))
