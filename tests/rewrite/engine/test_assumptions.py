"""Signed zeros and named assumptions: std rules are exact under IEEE semantics unless the user opts in."""
import math

import pytest
import torch
from torch.fx.experimental.proxy_tensor import make_fx

import rewrite
from rewrite import errors as E
from rewrite.lang.loader import loads

STD = rewrite.load("std:std")


def _graph(fn, *inputs):
    return make_fx(fn)(*inputs)  # meta['val'] on every node: dtype/shape guards decide


def _fired(gm):
    return rewrite.report_of(gm).counts


def test_x_plus_zero_keeps_the_sign_of_zero_by_default():
    x = torch.tensor([-0.0, 1.0, -2.0])
    gm = _graph(lambda x: torch.reciprocal(x + 0.0), x)
    rewrite.apply(gm, STD)
    torch.testing.assert_close(gm(x), torch.reciprocal(x + 0.0))
    assert gm(x)[0].item() == math.inf  # 1/(-0.0 + 0.0) = 1/0.0
    assert _fired(gm) == {} and ("add-zero-float", ("no-signed-zeros",)) in rewrite.report_of(gm).skipped
    assert "not applied: add-zero-float assumes no-signed-zeros" in rewrite.report_of(gm).format()


def test_granting_no_signed_zeros_fires_it_and_the_report_says_so():
    x = torch.tensor([-0.0, 1.0])
    gm = rewrite.apply(_graph(lambda x: torch.reciprocal(x + 0.0), x), STD, assume=["no-signed-zeros"])
    report = rewrite.report_of(gm)
    assert report.counts == {"add-zero-float": 1}
    assert report.rewrites[0].assumes == ("no-signed-zeros",)
    assert "relied on assumptions: no-signed-zeros" in report.format()
    assert gm(x)[0].item() == -math.inf  # what the user accepted


def test_a_rule_set_can_grant_it_for_its_rules():
    x = torch.tensor([1.0, 2.0])
    granted = rewrite.load("std:std").assuming("no-signed-zeros")
    assert _fired(rewrite.apply(_graph(lambda x: (x + 0.0).exp(), x), granted)) == {"add-zero-float": 1}
    rs = loads("ruleset: mine\ninclude: [std:algebraic]\nassume: [no-signed-zeros]\nrules: []\n", warn=False)
    assert rs.assume == ("no-signed-zeros",)
    assert _fired(rewrite.apply(_graph(lambda x: (x + 0.0).exp(), x), rs)) == {"add-zero-float": 1}


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_integer_plus_zero_is_exact_and_fires(dtype):
    x = torch.tensor([0, -3, 7], dtype=dtype)
    gm = rewrite.apply(_graph(lambda x: (x + 0) * 2, x), STD)
    assert _fired(gm) == {"add-zero": 1}
    torch.testing.assert_close(gm(x), (x + 0) * 2)


def test_x_plus_negative_zero_is_exact_and_fires():
    x = torch.tensor([-0.0, 0.0, math.inf, -math.inf, math.nan])
    gm = rewrite.apply(_graph(lambda x: torch.reciprocal(x + (-0.0)), x), STD)
    assert _fired(gm) == {"add-neg-zero": 1}
    torch.testing.assert_close(gm(x), torch.reciprocal(x + (-0.0)), equal_nan=True)


def test_x_minus_negative_zero_is_not_x_minus_zero():
    x = torch.tensor([-0.0, 2.0])
    gm = rewrite.apply(_graph(lambda x: torch.reciprocal(x - (-0.0)), x), STD)  # x + 0.0: -0.0 becomes 0.0
    assert "sub-zero" not in _fired(gm)
    assert gm(x)[0].item() == math.inf
    gm = rewrite.apply(_graph(lambda x: torch.reciprocal(x - 0.0), x), STD)  # exact: -0.0 - 0.0 is -0.0
    assert _fired(gm) == {"sub-zero": 1} and gm(x)[0].item() == -math.inf


def test_term_level_normalize_tells_the_zeros_apart_too():
    from unify import var
    t = var("t")
    rs = loads("rules: [{id: sub-zero, pattern: 'sub(x, 0)', replacement: x}]", warn=False)
    assert rewrite.normalize(("sub", t, -0.0, 1), rs) == ("sub", t, -0.0, 1)
    assert rewrite.normalize(("sub", t, 0.0, 1), rs) == t == rewrite.normalize(("sub", t, 0, 1), rs)


def test_unknown_assumptions_are_load_errors_with_their_position():
    with pytest.raises(E.RuleValidationError) as info:
        loads("rules:\n  - id: r\n    pattern: add(x, 0)\n    replacement: x\n    assumes: [no-signed-zero]\n",
              filename="r.yaml")
    text = str(info.value)
    assert "r.yaml:5:" in text and "rule 'r'" in text and "did you mean 'no-signed-zeros'" in text
    with pytest.raises(E.RuleValidationError, match="unknown assumption 'fast'"):
        rewrite.apply(_graph(lambda x: x + 0.0, torch.ones(2)), STD, assume=["fast"])
