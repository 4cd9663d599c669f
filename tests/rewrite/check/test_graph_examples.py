"""Embedded examples on real graphs: the standard library passes on every front end, and a wrong rule, a rule that
does not fire, a wrong fires: count, a wrong after and a changed input are each caught, with file:line and what
differed; a front end that cannot trace the snippet is skipped with torch's reason."""
import dataclasses
import json

import pytest
import torch
from hypothesis import given, settings, strategies as st

from rewrite.check import (GraphExampleResult, assert_graph_examples, check_examples, check_graph_examples)
from rewrite.check.graph_examples import _numbers
from rewrite.check.snippet import Snippet, op_sequence, snippet_of
from rewrite.errors import ExampleError, RuleError
from rewrite.lang import load, loads
from rewrite.pyrules import example, rule, ruleset

FAST = ("symbolic_trace", "make_fx")  # no torch.export: a tenth of the time


def rules(text: str):
    return loads(text, filename="t.yaml")


def by_front_end(results) -> dict:
    return {r.front_end: r for r in results}


def test_the_standard_library_passes_on_every_front_end():
    std = load("std:std")
    results = check_graph_examples(std)
    failed = [str(r) for r in results if r.status == "failed"]
    assert not failed, "\n".join(failed)
    ids = sorted({r.rule_id for r in results})
    assert len(ids) >= 13 and {"conv2d-batch_norm", "conv2d-native_batch_norm"} <= set(ids)
    for rule_id in ids:  # each runs on its front ends and passes on one at least (symbolic_trace drops nothing)
        mine = by_front_end(r for r in results if r.rule_id == rule_id)
        assert tuple(mine) == std[rule_id].examples[0].checked_front_ends(), rule_id
        assert any(r.status == "passed" for r in mine.values()), rule_id
        assert mine.get("symbolic_trace", mine[next(iter(mine))]).status == "passed", rule_id
    for r in results:
        if r.status == "skipped":  # only where the front end has no call the rule could match
            assert "call for the rule to match" in r.reason, r
    assert sum(r.status == "passed" for r in results) >= 40


def test_a_rule_wrong_on_numbers_passes_on_terms_and_fails_on_graphs():
    rs = rules("""
rules:
  - id: neg-is-identity
    pattern: neg(x)
    replacement: x
    examples:
      - {before: "neg(t)", after: t, inputs: {t: "float32[3]"}}
""")
    assert [r.status for r in check_examples(rs)] == ["passed"]
    results = check_graph_examples(rs, front_ends=FAST)
    assert [r.status for r in results] == ["failed", "failed"]
    assert all(r.fired == 1 and "outputs differ from eager" in r.reason for r in results)
    assert str(results[0]).startswith("t.yaml:7:9: rule 'neg-is-identity' example 0 on symbolic_trace: failed")
    with pytest.raises(ExampleError, match=r"t.yaml:7:9: rule 'neg-is-identity': 2 graph example\(s\) failed"):
        assert_graph_examples(rs, front_ends=FAST)


def test_a_rule_that_does_not_fire_says_why():
    rs = rules("""
rules:
  - id: relu-4d
    pattern: relu(relu(x))
    replacement: relu(x)
    when: x.ndim == 4
    examples:
      - {before: "relu(relu(t))", after: "relu(t)", inputs: {t: "float32[2,3]"}, front_ends: make_fx}
""")
    (result,) = check_graph_examples(rs)
    assert (result.status, result.fired) == ("failed", 0)
    assert "the rule did not fire" in result.reason and "x.ndim == 4" in result.reason


def test_fires_counts_and_fires_zero():
    rs = rules("""
rules:
  - id: relu-relu
    pattern: relu(relu(x))
    replacement: relu(x)
    examples:
      - {before: "relu(relu(relu(t)))", after: "relu(t)", inputs: {t: "float32[4]"}, fires: 1}
      - {before: "relu(relu(relu(t)))", after: "relu(t)", inputs: {t: "float32[4]"}, fires: 2}
  - id: add-zero-int
    pattern: add(x, 0)
    replacement: x
    when: not x.dtype.is_floating_point and result.dtype == x.dtype
    examples:
      - {before: "add(t, 0)", after: "add(t, 0)", inputs: {t: "float32[4]"}, fires: 0}
      - {before: "add(t, 0)", after: "t", inputs: {t: "int32[4]"}}
""")
    results = check_graph_examples(rs, front_ends=("make_fx",))
    assert [(r.rule_id, r.index, r.status) for r in results] == [
        ("relu-relu", 0, "failed"), ("relu-relu", 1, "passed"), ("add-zero-int", 0, "passed"),
        ("add-zero-int", 1, "passed")]
    assert "the rule fired 2 time(s), the example says fires: 1" in results[0].reason


def test_literal_inputs_are_written_into_the_term():
    rs = rules("""
rules:
  - id: permute-swap
    pattern: permute(permute(x, p), p)
    replacement: x
    when: p == (1, 0)
    examples:
      - {before: "permute(permute(t, p), p)", after: t, inputs: {t: "float32[2,3]", p: [1, 0]}}
      - {before: "permute(permute(t, p), p)", after: "permute(permute(t, p), p)", fires: 0,
         inputs: {t: "float32[2,3,4]", p: [1, 2, 0]},
         front_ends: [symbolic_trace]}
""")
    results = check_graph_examples(rs)
    assert [r.status for r in results] == ["passed"] * 5, [str(r) for r in results]


def test_a_wrong_after_names_both_op_sequences():
    rs = rules("""
rules:
  - id: neg-neg
    pattern: neg(neg(x))
    replacement: x
    examples:
      - {before: "relu(neg(neg(t)))", after: "t", inputs: {t: "float32[3]"}, front_ends: symbolic_trace}
""")
    (result,) = check_graph_examples(rs)
    assert result.status == "failed"
    assert "the rewritten graph computes [clone, relu], not after's [clone]" in result.reason
    assert "t is cloned first" in result.reason  # why after's sequence holds a clone


def test_python_model_snippets():
    class Block(torch.nn.Module):
        def forward(self, x):
            return torch.relu(torch.relu(x)) * 2

    def branchy(x):  # control flow on a size: symbolic_trace cannot trace it, make_fx and export specialize
        return torch.relu(torch.relu(x)) if x.shape[0] > 2 else x

    rs = ruleset("py", rule("relu-relu", "relu(relu(x))", "relu(x)", examples=[
        example(model=Block(), inputs=("float32[2,3]",), fires=1, after="mul(relu(x), 2)"),
        example(model=lambda x: torch.relu(torch.relu(x)), inputs=(torch.ones(3),)),
        example(model=branchy, inputs=(torch.ones(3),), front_ends=["symbolic_trace", "make_fx", "export"]),
        example(model=Block(), inputs=("float32[2]",), after="relu(x)", front_ends="make_fx"),
    ]))
    results = check_graph_examples(rs)
    assert [r.status for r in results if r.index in (0, 1)] == ["passed"] * 8
    third = by_front_end(r for r in results if r.index == 2)
    assert third["make_fx"].status == third["export"].status == "passed"
    assert third["symbolic_trace"].status == "skipped"
    assert third["symbolic_trace"].reason.startswith("symbolic_trace cannot trace it: TraceError: symbolically traced "
                                                     "variables cannot be used as inputs to control flow")
    (fourth,) = (r for r in results if r.index == 3)
    assert fourth.status == "failed" and "computes [relu, mul], not after's [relu]" in fourth.reason
    assert fourth.pos.file == __file__  # the model's source: where Block.forward is written
    assert [r.status for r in check_examples(rs)] == ["skipped"] * 4  # models have no terms


def test_a_snippet_export_cannot_trace_is_skipped_without_torch_printing_its_graph(capfd):
    def data_dependent(x):
        return torch.relu(torch.relu(x)) if x.sum() > 0 else x

    rs = ruleset("py", rule("relu-relu", "relu(relu(x))", "relu(x)", examples=[
        example(model=data_dependent, inputs=(torch.ones(3),), front_ends="export")]))
    (result,) = check_graph_examples(rs)
    assert result.status == "skipped" and result.reason.startswith("export cannot trace it: GuardOnDataDependent")
    assert "def forward" not in capfd.readouterr().err


def test_a_snippet_that_writes_its_input_is_compared_with_the_state_eager_leaves():
    def writes(x, y):
        y.add_(1)
        return torch.neg(torch.neg(x)) * y

    def writes_what_it_reads(x):  # apply refuses the rewrite (users of neg(neg(x)) would see the write): said so
        x.add_(1)
        return torch.neg(torch.neg(x)) * 2

    rs = ruleset("py", rule("neg-neg", "neg(neg(x))", "x", examples=[
        example(model=writes, inputs=("float32[3]", "float32[3]")),
        example(model=writes_what_it_reads, inputs=("float32[3]",), front_ends="make_fx")]))
    first, second, refused = check_graph_examples(rs, front_ends=FAST)
    assert (first.status, second.status, refused.status) == ("passed", "passed", "failed")
    assert refused.reason.startswith("the rule did not fire: matched 1 times, fired 0: refused at node")


def test_changed_inputs_are_reported():
    snippet = Snippet(torch.nn.Identity(), lambda: (torch.ones(2),))
    gm = torch.fx.symbolic_trace(lambda x: x.mul_(3))
    expected = (torch.ones(2), (torch.ones(2),))
    assert _numbers(gm, snippet, expected).startswith("outputs differ from eager")
    gm = torch.fx.symbolic_trace(lambda x: x.mul_(3) / 3)
    assert _numbers(gm, snippet, expected).startswith("the inputs after the call differ from eager")


def test_snippet_inputs_are_the_same_on_every_call_and_for_every_seed_order():
    ex = rules("""
rules:
  - {id: nn, pattern: neg(neg(x)), replacement: x,
     examples: [{before: "add(neg(neg(a)), b)", after: "add(a, b)", inputs: {b: "int64[3]", a: "float64[2,3]"}}]}
""")["nn"].examples[0]
    s = snippet_of(ex, seed=3)
    (a1, b1), (a2, b2) = s.make_inputs(), s.make_inputs()
    assert a1.dtype == torch.float64 and b1.dtype == torch.int64 and a1.shape == (2, 3)
    assert torch.equal(a1, a2) and torch.equal(b1, b2) and a1 is not a2
    assert not torch.equal(snippet_of(ex, seed=4).make_inputs()[0], a1)
    assert s.note == "" and op_sequence(s.module) == ("neg", "neg", "add")


def test_results_are_json_and_deterministic():
    rs = load("std:activations")
    first, second = check_graph_examples(rs, front_ends=FAST), check_graph_examples(rs, front_ends=FAST)
    assert first == second
    payload = json.loads(json.dumps([r.to_json() for r in first]))
    assert set(payload[0]) == {"rule", "example", "front_end", "status", "reason", "fired", "file", "line"}
    assert payload[0]["file"].endswith("activations.yaml") and isinstance(payload[0]["line"], int)
    assert isinstance(first[0], GraphExampleResult)


@pytest.mark.parametrize("entry, message, where", [
    ('{before: "neg(t)", after: t, inputs: {s: "float32[2]"}}', "an input for 's', which the example's before "
     "does not use", "7:47"),
    ('{before: "add(t, u)", after: t, inputs: {t: "float32[2]"}}', "inputs give no value for 'u'", "7:49"),
    ('{before: "neg(t)", after: t, inputs: {t: "float32[N]"}}', "has a size that is not a number", "7:47"),
    ('{before: "neg(t)", after: t, inputs: {t: "floot32[2]"}}', "bad type hint 'floot32[2]'", "7:47"),
    ('{before: "neg(t)", after: t, inputs: {t: {a: 1}}}', "an input must be a tensor type or a literal", "7:50"),
    ('{before: "neg(t)", after: t, inputs: {t: "float32[2]"}, front_ends: [make_fx, exprt]}',
     "unknown front end 'exprt'", "7:87"),
    ('{before: "neg(t)", after: t, inputs: {t: "float32[2]"}, fires: -1}', "fires must be a count", "7:72"),
    ('{before: "neg(t)", after: t, inputs: {t: "float32[4096,4096]"}}', "more than an example may draw", "7:47"),
])
def test_bad_example_inputs_are_load_errors_with_positions(entry, message, where):
    text = f"""
rules:
  - id: r
    pattern: neg(x)
    replacement: x
    examples:
      - {entry}
"""
    with pytest.raises(RuleError) as info:
        rules(text)
    assert message in str(info.value) and f"t.yaml:{where}:" in str(info.value), str(info.value)
    assert "rule 'r'" in str(info.value) and "hint:" in str(info.value)


def test_python_term_examples_take_inputs_as_a_dict_or_through_example():
    as_dict = {"before": "neg(neg(t))", "after": "t", "inputs": {"t": "float64[3]"}, "front_ends": ["make_fx"]}
    rs = ruleset("py", rule("neg-neg", "neg(neg(x))", "x", examples=[as_dict, example(**as_dict)]))
    assert rs["neg-neg"].examples[0] == rs["neg-neg"].examples[1]
    assert [r.status for r in check_graph_examples(rs)] == ["passed", "passed"]
    assert [r.status for r in check_examples(rs)] == ["passed", "passed"]


def test_a_python_example_needs_a_before_and_after_or_a_model():
    with pytest.raises(RuleError, match="before and after"):
        example("neg(t)")
    with pytest.raises(RuleError, match="needs inputs"):
        example(model=torch.nn.ReLU())
    with pytest.raises(RuleError, match="unknown front end 'fx'"):
        example(model=torch.nn.ReLU(), inputs=("float32[2]",), front_ends=["fx"])


UNARY = ("sigmoid", "tanh", "exp", "cos", "sin")  # ops no std rule rewrites
STD = load("std:std")


@settings(max_examples=8, deadline=None)
@given(st.lists(st.sampled_from(UNARY), max_size=3), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.sampled_from(["float32", "float64"]), st.sampled_from(["neg-neg", "silu", "reshape-reshape"]))
def test_a_std_rule_inside_any_context_passes_on_graphs(context, shape, dtype, rule_id):
    """A std rule fires inside random unary contexts, on random shapes and dtypes, with the whole std set
    applied: the rewritten graph has after's op sequence and eager's numbers."""
    before, after = {"neg-neg": ("neg(neg(t))", "t"), "silu": ("mul(t, sigmoid(t))", "silu(t)"),
                     "reshape-reshape": ("reshape(reshape(t, (-1,)), (1, -1))", "reshape(t, (1, -1))")}[rule_id]
    for op in context:
        before, after = f"{op}({before})", f"{op}({after})"
    probe = example(before, after, inputs={"t": f"{dtype}[{', '.join(map(str, shape))}]"})
    rs = ruleset("probe", *(dataclasses.replace(r, examples=(probe,) if r.id == rule_id else ())
                            for r in STD.enabled()))
    results = check_graph_examples(rs, front_ends=FAST)
    assert [(r.rule_id, r.status) for r in results] == [(rule_id, "passed")] * 2, [str(r) for r in results]
