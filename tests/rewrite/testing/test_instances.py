"""rule_instances(rule) draws graphs the rule rewrites, its guards holding; apply keeps their numbers."""
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.errors import InvalidArgument

import rewrite
from rewrite.lang import RuleSet, load, loads
from rewrite.testing import RuleInstance, rule_instances

STD = load("std:std")
DRAWABLE = [r for r in STD.enabled() if "batch_norm" not in r.id]  # folding needs related shapes: values=


def _instances(rule, n=15, **kwargs):
    drawn = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True)
    @given(rule_instances(rule, **kwargs))
    def collect(instance):
        drawn.append(instance)

    collect()
    return drawn


@pytest.mark.parametrize("rule", DRAWABLE, ids=[r.id for r in DRAWABLE])
def test_every_instance_is_rewritten_by_its_rule(rule):
    for instance in _instances(rule):
        assert isinstance(instance, RuleInstance) and instance.rule_id == rule.id
        instance.gm.graph.lint()
        rewrite.apply(instance.gm, RuleSet("one", (rule,), assume=rule.assumes))
        assert rewrite.report_of(instance.gm).fired(rule.id) >= 1, repr(instance)


FLOATS, INTS = (torch.float32, torch.float64), (torch.int64, torch.int32)


@pytest.mark.parametrize("rule", DRAWABLE, ids=[r.id for r in DRAWABLE])
def test_on_float_instances_the_std_rules_keep_the_numbers(rule):
    # (the dtypes each rule is written for: floats, and ints for add-zero)
    for instance in _instances(rule, n=10, dtypes=INTS if rule.id == "add-zero" else FLOATS):
        expected = instance.gm(*instance.inputs)
        rewrite.apply(instance.gm, RuleSet("one", (rule,), assume=rule.assumes))
        torch.testing.assert_close(instance.gm(*instance.inputs), expected, equal_nan=True, rtol=1e-5, atol=1e-5)


def test_guards_select_the_dtypes_and_literals_they_admit():
    ints = _instances(STD["add-zero"], n=20)
    assert all(not x.dtype.is_floating_point for i in ints for x in i.inputs)
    perms = _instances(STD["permute-inverse"], n=30)
    assert any(len(dict(i.literals)["p"]) >= 2 for i in perms)  # not only the trivial permutations


def test_values_give_what_the_defaults_cannot_find():
    rs = loads("rules: [{id: mm-t, pattern: 'mm(a, t(t(b)))', replacement: 'mm(a, b)'}]")
    rule = rs["mm-t"]
    drawn = _instances(rule, n=5, values={"a": st.just(torch.ones(2, 3)), "b": st.just(torch.ones(3, 4))})
    assert len(drawn) == 5 and all(i.gm(*i.inputs).shape == (2, 4) for i in drawn)


def test_folding_instances_hold_the_weights_as_module_attributes():
    rule = STD["conv2d-batch_norm"]

    def t(*shape, positive=False):
        return st.just(torch.rand(*shape) + 0.5 if positive else torch.randn(*shape))
    values = dict(x=t(1, 3, 5, 5), w=t(4, 3, 3, 3), b=t(4), gamma=t(4), beta=t(4), mean=t(4), var=t(4, positive=True),
                  stride=st.just((1, 1)), padding=st.just((1, 1)), dilation=st.just((1, 1)), groups=st.just(1))
    weights = ("w", "b", "gamma", "beta", "mean", "var")
    for instance in _instances(rule, n=3, values=values, attributes=weights):
        assert len(instance.inputs) == 1 and {n.target for n in instance.gm.graph.nodes if n.op == "get_attr"} == set(
            weights)
        expected = instance.gm(*instance.inputs)
        rewrite.apply(instance.gm, RuleSet("one", (rule,)))
        assert rewrite.report_of(instance.gm).fired(rule.id) == 1
        torch.testing.assert_close(instance.gm(*instance.inputs), expected, rtol=1e-4, atol=1e-4)


def test_the_same_settings_draw_the_same_instances():
    first, second = (_instances(STD["transpose-transpose"], n=10) for _ in range(2))
    assert [repr(i) for i in first] == [repr(i) for i in second]


@pytest.mark.parametrize("args,kwargs,message", [
    (("neg-neg",), {}, "expected a Rule"),
    ((STD["neg-neg"],), {"values": {"y": st.just(1)}}, "has no variable 'y'"),
    ((STD["neg-neg"],), {"values": {"x": torch.ones(1)}}, "must map to a strategy"),
    ((STD["neg-neg"],), {"dtypes": [torch.complex64]}, "choose among"),
    ((STD["neg-neg"],), {"max_rank": 9}, "max_rank must be an int from 0 to 6"),
    ((STD["neg-neg"],), {"attributes": ("w",)}, "attributes=...\\): rule 'neg-neg' has no variable 'w'"),
])
def test_bad_arguments_are_invalid_when_built(args, kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        rule_instances(*args, **kwargs)
