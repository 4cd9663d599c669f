"""'Why didn't my rule fire?': the report tells the causes apart, explain shows them per node, and example_inputs
give symbolic_trace graphs the shapes guards read."""
import warnings

import pytest
import torch
import torch.fx as fx
from torch import nn

import rewrite
from rewrite.engine.outcomes import GuardWarning

LINEAR = rewrite.loads("""
ruleset: fuse
rules:
  - id: addmm-linear
    pattern: add(matmul(x, t(w)), b)
    replacement: linear(x, w, b)
    when: x.ndim == 2 and b.ndim == 1
""", warn=False)


class MatmulBias(nn.Module):
    def __init__(self):
        super().__init__()
        self.w, self.b = nn.Parameter(torch.randn(4, 3)), nn.Parameter(torch.randn(4))

    def forward(self, x):
        return torch.relu(torch.matmul(x, self.w.t()) + self.b)


def test_a_guard_that_cannot_be_decided_is_not_reported_as_never_matched():
    gm = fx.symbolic_trace(MatmulBias())
    report = rewrite.report_of(rewrite.apply(gm, LINEAR))
    assert "addmm-linear" not in report.never_matched
    stats = report.stats[0]
    assert (stats.fired, stats.guard_undecided, stats.matched) == (0, 1, 1)
    why = report.why_not("addmm-linear")
    assert "guard 'x.ndim == 2 and b.ndim == 1' undecided at node 'add'" in why
    assert "has no shape or dtype metadata" in why and "pass example_inputs" in why
    assert "did not fire: addmm-linear" in report.format()


def test_example_inputs_let_the_guard_decide_and_the_rule_fire():
    module, x = MatmulBias(), torch.randn(5, 3)
    gm = fx.symbolic_trace(module)
    rewrite.apply(gm, LINEAR, example_inputs=(x,))
    assert rewrite.report_of(gm).counts == {"addmm-linear": 1}
    torch.testing.assert_close(gm(x), module(x))
    assert all("val" in n.meta for n in gm.graph.nodes if n.op != "output")  # (fake values, kept)


def test_example_inputs_that_do_not_fit_are_an_error_and_leave_the_module():
    gm = fx.symbolic_trace(MatmulBias())
    code = gm.code
    with pytest.raises(rewrite.ApplyError, match="example_inputs do not run through the graph"):
        rewrite.apply(gm, LINEAR, example_inputs=(torch.randn(5, 7),))
    with pytest.raises(TypeError, match="example_inputs has 2 value"):
        rewrite.apply(gm, LINEAR, example_inputs=(torch.randn(5, 3), torch.randn(1)))
    assert gm.code == code and not any("val" in n.meta for n in gm.graph.nodes)


def test_a_dry_run_with_example_inputs_takes_its_values_back():
    gm = fx.symbolic_trace(MatmulBias())
    rewrite.apply(gm, LINEAR, example_inputs=(torch.randn(5, 3),), dry_run=True)
    assert rewrite.report_of(gm).counts == {"addmm-linear": 1}
    assert not any("val" in n.meta for n in gm.graph.nodes)


def test_a_false_guard_is_counted_and_named():
    rules = rewrite.loads("rules:\n  - {id: r, pattern: relu(x), replacement: x, when: x.ndim == 4}\n", warn=False)
    gm = fx.symbolic_trace(lambda a: torch.relu(a).exp())
    rewrite.apply(gm, rules, example_inputs=(torch.randn(2),))
    report = rewrite.report_of(gm)
    assert report.stats[0].guard_false == 1
    assert report.why_not("r") == "matched 1 times, fired 0: guard 'x.ndim == 4' false at node 'relu' (1 guard false)"


def test_a_guard_that_raises_is_a_warning_not_silence():
    rules = rewrite.loads("rules:\n  - {id: r, pattern: relu(x), replacement: x, when: x.numel / 0 > 1}\n",
                          warn=False)
    gm = fx.symbolic_trace(lambda a: torch.relu(a).exp())
    with pytest.warns(GuardWarning, match="rule 'r': guard 'x.numel / 0 > 1' it raised ZeroDivisionError"):
        rewrite.apply(gm, rules, example_inputs=(torch.randn(2),))
    assert rewrite.report_of(gm).stats[0].guard_raised == 1
    assert "raised ZeroDivisionError" in rewrite.report_of(gm).why_not("r")


def test_never_tried_and_never_matched_are_told_apart():
    rules = rewrite.loads("""
rules:
  - {id: conv-only, pattern: 'conv2d(x, w, b, s, p, d, g)', replacement: x}
  - {id: nn, pattern: neg(neg(x)), replacement: x}
""", warn=False)
    gm = fx.symbolic_trace(lambda a: torch.neg(a).exp())
    report = rewrite.report_of(rewrite.apply(gm, rules))
    assert report.why_not("conv-only") == "never tried: no node of its root op in the graph"
    assert report.why_not("nn").startswith("tried at 1 node(s); the pattern never matched")


def test_a_refused_rewrite_is_one_of_the_causes():
    def f(x):
        y = x * 1.0
        y.mul_(2)
        return x + y
    gm = torch.fx.experimental.proxy_tensor.make_fx(f)(torch.randn(3))
    report = rewrite.report_of(rewrite.apply(gm, "std:std"))
    assert report.stats[[s.rule_id for s in report.stats].index("mul-one")].refused == 1
    assert "refused at node 'mul'" in report.why_not("mul-one")


def test_explain_shows_the_first_mismatch_the_guard_and_the_verdict_per_node():
    gm = fx.symbolic_trace(lambda a, b: torch.neg(torch.neg(a)) + torch.neg(b))
    text = str(rewrite.explain(gm, "std:algebraic", "neg-neg"))
    assert text.startswith("rule 'neg-neg': neg(neg(~x))")
    assert "node 'neg_1': the pattern matches (~x = node 'a'); the guards hold: it fires" in text
    assert "node 'neg_2': no match: " in text and "best partial match" in text
    gm = fx.symbolic_trace(MatmulBias())
    text = str(rewrite.explain(gm, LINEAR, "addmm-linear"))
    assert "undecided: x (node 'x') has no shape or dtype metadata" in text
    assert "no node of its root op 'batch_norm'" in str(rewrite.explain(gm, "std:std", "conv2d-batch_norm"))
    with pytest.raises(rewrite.RuleError, match="did you mean 'neg-neg'"):
        rewrite.explain(gm, "std:algebraic", "neg-nag")


def test_explain_changes_nothing():
    gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)).exp())
    code = gm.code
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rewrite.explain(gm, "std:std", "neg-neg", node="neg_1")
    assert gm.code == code
