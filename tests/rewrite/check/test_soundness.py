"""Numerical soundness per rule: the unsound rules of issue 18 are caught with shrunk counterexamples, the
sound ones pass, and every std rule is sound."""
import json

import pytest
import torch

from rewrite.check.soundness import check_rule_soundness, check_soundness
from rewrite.lang.loader import load, loads

UNSOUND = loads('''
ruleset: unsound
rules:
  - {id: mul-one-float, pattern: "mul(x, 1.0)", replacement: x}
  - {id: div-one-int, pattern: "div(x, 1)", replacement: x, when: "not x.dtype.is_floating_point"}
  - {id: add-zero-float, pattern: "add(x, 0.0)", replacement: x, when: "x.dtype.is_floating_point"}
  - {id: sub-neg, pattern: "sub(a, neg(b))", replacement: "sub(a, b)", priority: 1}
  - {id: permute-not-inverse, pattern: "permute(permute(x, p), q)", replacement: x, when: "p == q"}
  - {id: addmm-no-alpha-beta, pattern: "addmm(c, a, b, beta=s, alpha=t)", replacement: "add(c, mm(a, b))"}
  - {id: addmm-no-alpha, pattern: "addmm(c, a, b, beta=s, alpha=t)", replacement: "add(mul(c, s), mm(a, b))"}
  - {id: sub-self, pattern: "sub(x, x)", replacement: "zeros_like(x)", when: "x.dtype.is_floating_point"}
  - {id: neg-reshaped, pattern: "neg(x)", replacement: "reshape(x, (7, 5))"}
''', filename="unsound.yaml")

SOUND = loads('''
ruleset: sound
rules:
  - {id: neg-neg, pattern: "neg(neg(x))", replacement: x}
  - {id: transpose-transpose, pattern: "transpose(transpose(x, a, b), a, b)", replacement: x}
  - {id: sub-self-finite, pattern: "sub(x, x)", replacement: "zeros_like(x)", assumes: finite-math,
     when: "x.dtype.is_floating_point and result.shape == x.shape"}
  - {id: add-zero-nsz, pattern: "add(x, 0.0)", replacement: x, assumes: no-signed-zeros,
     when: "x.dtype.is_floating_point and result.shape == x.shape and result.dtype == x.dtype"}
''', filename="sound.yaml")


def _values(counterexample, name):
    value = dict(counterexample.inputs)[name]
    flat, todo = [], [value["values"]]
    while todo:
        v = todo.pop()
        if isinstance(v, list):
            todo.extend(v)
        else:
            flat.append(v)
    return value, flat


def _unsound(rule_id, examples=None):
    result = check_rule_soundness(UNSOUND[rule_id], examples=examples)
    assert result.verdict == "unsound", result.format()
    return result.counterexample


def test_mul_by_float_one_makes_an_int_tensor_float():
    cx = _unsound("mul-one-float")
    x, _ = _values(cx, "x")
    assert not x["dtype"].startswith("float") and cx.expected["dtype"] == "float32"
    assert "ReplacementTypeError" in cx.why


def test_true_division_of_integers_by_one_is_not_the_integers():
    cx = _unsound("div-one-int")
    assert _values(cx, "x")[0]["dtype"] in ("int32", "int64", "bool") and cx.expected["dtype"] == "float32"


def test_adding_zero_loses_the_sign_of_negative_zero():
    cx = _unsound("add-zero-float")
    assert "sign of zero" in cx.why
    assert any(v == 0 and str(v).startswith("-") for v in _values(cx, "x")[1])


def test_sub_of_neg_is_not_sub():
    cx = _unsound("sub-neg")
    assert "ulps apart" in cx.why or "expected" in cx.why
    assert any(v != 0 for v in _values(cx, "b")[1])  # shrunk to the b that matters


def test_a_permutation_that_is_its_own_inverse_only_sometimes():
    cx = _unsound("permute-not-inverse", examples=300)  # a 3- or 4-cycle drawn equal twice: rarer
    p = eval(dict(cx.inputs)["p"])  # a literal's repr: a tuple of ints
    assert sorted(p) == list(range(len(p))) and any(p[p[i]] != i for i in range(len(p)))


@pytest.mark.parametrize("rule_id", ["addmm-no-alpha-beta", "addmm-no-alpha"])
def test_addmm_that_drops_alpha_or_beta(rule_id):
    cx = _unsound(rule_id)
    assert {"s", "t"} <= dict(cx.inputs).keys()


def test_sub_self_is_not_zero_on_inf_and_nan():
    cx = _unsound("sub-self")
    assert "nan" in cx.why
    assert any(v in ("inf", "-inf", "nan") for v in _values(cx, "x")[1])


def test_a_replacement_that_fails_where_the_original_ran():
    cx = _unsound("neg-reshaped")
    assert "apply" in cx.why


@pytest.mark.parametrize("rule_id", ["neg-neg", "transpose-transpose", "sub-self-finite", "add-zero-nsz"])
def test_sound_rules_pass(rule_id):
    result = check_rule_soundness(SOUND[rule_id], examples=40)
    assert result.verdict == "sound", result.format()
    assert result.fired > 0 and result.counterexample is None


def test_the_right_inverse_permutation_passes():
    result = check_rule_soundness(load("std:layout")["permute-inverse"], examples=40)
    assert result.verdict == "sound" and result.max_ulps == 0, result.format()


def test_a_rule_that_never_fires_is_unknown_with_a_reason():
    rs = loads('rules: [{id: never, pattern: "neg(x)", replacement: x, when: "x.ndim == 9"}]')
    result = check_rule_soundness(rs["never"], examples=10)
    assert result.verdict == "unknown" and "fired on none" in result.reason
    assert result.to_json() == {"verdict": "unknown", "counterexample": None, "reason": result.reason}


def test_counterexamples_are_reproducible_and_json():
    first = check_rule_soundness(UNSOUND["add-zero-float"], seed=3).to_json()
    second = check_rule_soundness(UNSOUND["add-zero-float"], seed=3).to_json()
    assert first == second
    assert set(first) == {"verdict", "counterexample"}
    assert set(first["counterexample"]) == {"inputs", "expected", "got", "why"}
    json.dumps(first, allow_nan=False)  # nan and inf are strings


def test_format_shows_every_input_and_both_results():
    result = check_rule_soundness(UNSOUND["sub-neg"])
    text = result.format()
    assert "unsound.yaml" in text and "a = " in text and "b = " in text
    assert "expected:" in text and "got:" in text


def test_folding_is_judged_up_to_float_tolerance():
    result = check_rule_soundness(load("std:folding")["conv2d-batch_norm"], examples=40)
    assert result.verdict == "sound" and result.tolerance, result.format()
    assert "up to float tolerance" in result.format()


def test_every_std_rule_is_sound():
    results = check_soundness("std:std", examples=25)
    bad = [r.format() for r in results if r.verdict != "sound"]
    assert not bad, "\n".join(bad)
    assert len(results) == len(load("std:std").enabled())


def test_the_checked_threads_setting_is_restored():
    before = torch.get_num_threads()
    check_rule_soundness(SOUND["neg-neg"], examples=3)
    assert torch.get_num_threads() == before
