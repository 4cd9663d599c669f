"""Static termination: proofs with certificates that really decrease, loop and growth witnesses, MAYBE's reasons."""
import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from rewrite.check import check_termination
from rewrite.check.interpretation import _value, find_interpretation, rule_sides
from rewrite.check.loops import _Search, find_loop
from rewrite.lang import load
from rewrite.lang.loader import loads
from rewrite.lang.rule import Rule, substitute
from rewrite.lang.syntax import term_variables
from rewrite.pyrules import compute, ops, rule, ruleset
from unify import var

X, Y = var("x"), var("y")


def _rules(*lines: str):
    return loads("rules:\n" + "".join(f"  - {line}\n" for line in lines))


# --- NO: the examples ------------------------------------------------------------------------------

def test_a_swap_of_operands_loops():
    report = check_termination(_rules('{id: add-comm, pattern: "add(x, y)", replacement: "add(y, x)"}'))
    assert report.verdict == "NO"
    assert (report.loop.kind, report.loop.rules) == ("loop", ("add-comm",))
    assert report.to_json()["loop"]["chain"] == ["add(~x, ~y, 1)", "add(~y, ~x, 1)"]


def test_a_literal_moved_to_the_front_loops_only_through_commutative_matching():
    rs = _rules('{id: mul-2, pattern: "mul(x, 2)", replacement: "mul(2, x)"}')
    report = check_termination(rs)
    assert report.verdict == "NO" and report.loop.rules == ("mul-2",) and report.loop.kind == "loop"
    assert "operand order" in report.loop.format()
    assert report.to_json()["loop"]["term"] == "mul(~x, 2)"
    # without commutative matching mul(2, x) is a normal form: only mul(2, 2), found by narrowing, loops
    plain = check_termination(rs, table=False)
    assert plain.verdict == "NO" and plain.to_json()["loop"]["term"] == "mul(2, 2)"


def test_a_rule_that_wraps_its_left_side_grows():
    report = check_termination(_rules('{id: grow, pattern: relu(x), replacement: relu(relu(x))}'))
    assert report.verdict == "NO"
    assert (report.loop.kind, report.loop.rules) == ("growth", ("grow",))
    assert "grows" in report.format()


def test_a_two_rule_loop_names_both_rules_in_order():
    report = check_termination(_rules('{id: to-mul, pattern: neg(x), replacement: "mul(x, -1)"}',
                                      '{id: to-neg, pattern: "mul(x, -1)", replacement: neg(x)}'))
    assert report.verdict == "NO"
    assert report.loop.rules == ("to-mul", "to-neg")
    assert report.to_json()["loop"]["term"] == "neg(~x)"


def test_growth_that_a_second_rule_turns_into_a_loop_names_both_rules():
    report = check_termination(_rules('{id: relu-add, pattern: relu(x), replacement: "add(relu(x), 0)"}',
                                      '{id: add-zero, pattern: "add(x, 0)", replacement: x}'))
    assert report.verdict == "NO"
    assert (report.loop.kind, report.loop.rules) == ("loop", ("relu-add", "add-zero"))


def test_a_loop_through_rules_of_different_shapes_is_found():
    rs = _rules('{id: a, pattern: exp(relu(neg(x))), replacement: "sigmoid(exp(neg(x)))"}',
                '{id: b, pattern: sigmoid(exp(y)), replacement: exp(relu(y))}')
    report = check_termination(rs)
    assert report.verdict == "NO" and set(report.loop.rules) == {"a", "b"}


def test_a_loop_that_only_narrowing_finds():
    # from a's left side, minimum(x, 1) is stuck until x is 3; from b's, maximum(3, y) until y is 1
    rs = _rules('{id: a, pattern: "maximum(x, 1)", replacement: "minimum(x, 1)"}',
                '{id: b, pattern: "minimum(3, y)", replacement: "maximum(3, y)"}')
    report = check_termination(rs)
    assert report.verdict == "NO" and report.loop.rules == ("a", "b")
    assert report.to_json()["loop"]["term"] == "maximum(3, 1)"


def test_a_loop_through_undecidable_guards_is_only_a_maybe():
    rs = _rules('{id: swap, pattern: "add(x, y)", replacement: "add(y, x)", when: x.ndim == 2}')
    report = check_termination(rs)
    assert report.verdict == "MAYBE"
    assert report.loop.conditional == ("swap",) and "if the guards of swap hold" in report.reason


# --- YES: certificates ------------------------------------------------------------------------------------

def test_std_terminates_with_a_certificate_naming_every_rule():
    rs = load("std:std")
    report = check_termination(rs)
    assert report.verdict == "YES", report.reason
    for r in rs.enabled():
        assert f"\n{r.id}: [lhs] = " in report.certificate
    assert report.certificate.startswith("[neg](x) = x + 1\n")
    assert json.loads(json.dumps(report.to_json())) == {"verdict": "YES", "certificate": report.certificate}


def test_a_duplicating_rule_needs_a_coefficient_and_gets_one():
    report = check_termination(_rules('{id: double, pattern: "mul(x, 2)", replacement: "add(x, x)"}'))
    assert report.verdict == "YES"
    assert "[mul](x, y) = 2x + 2y + 2" in report.certificate


def test_a_chain_of_ops_is_ordered_by_weights():
    report = check_termination(_rules('{id: a, pattern: neg(x), replacement: relu(x)}',
                                      '{id: b, pattern: relu(x), replacement: exp(x)}',
                                      '{id: c, pattern: exp(x), replacement: sigmoid(x)}'))
    assert report.verdict == "YES"
    weights = {sym[0]: w for sym, (w, _) in report.interpretation.weights}
    assert weights["neg"] > weights["relu"] > weights["exp"] > weights["sigmoid"]


def test_moving_an_op_outward_is_proved_by_a_coefficient():
    report = check_termination(_rules('{id: out, pattern: exp(neg(x)), replacement: neg(exp(x))}'))
    assert report.verdict == "YES" and "[exp](x) = 2x + 1" in report.certificate


def test_a_python_replacement_is_maybe_unless_it_declares_its_result():
    opaque = ruleset("py", rule("fold", ops.relu(ops.relu(X)), compute(lambda x: ("relu", x))))
    report = check_termination(opaque)
    assert report.verdict == "MAYBE"
    assert "fold" in report.reason and "compute(fn, result=term)" in report.reason
    declared = ruleset("py", rule("fold", ops.relu(ops.relu(X)),
                                  compute(lambda x: ("relu", x), result=ops.relu(X))))
    assert check_termination(declared).verdict == "YES"


def test_a_declared_result_with_new_constants_counts_them_as_nothing():
    w, new = var("w"), var("new")
    rs = ruleset("py", rule("fold", ops.mul(ops.mul(X, w), 2.0), compute(lambda x, w: None, result=ops.mul(X, new))))
    report = check_termination(rs)
    assert report.verdict == "YES" and "new constants new are worth 0" in report.certificate


def test_distributivity_is_beyond_linear_interpretations_and_says_so():
    report = check_termination(_rules('{id: dist, pattern: "mul(x, add(y, z))", '
                                      'replacement: "add(mul(x, y), mul(x, z))"}'))
    assert report.verdict == "MAYBE" and report.loop is None
    assert "no linear interpretation found" in report.reason and "x weighs 2 on the right" in report.reason
    assert report.to_json() == {"verdict": "MAYBE", "reason": report.reason}


def test_disabled_rules_do_not_count():
    rs = _rules('{id: nn, pattern: neg(neg(x)), replacement: x}',
                '{id: swap, pattern: "add(x, y)", replacement: "add(y, x)"}')
    assert check_termination(rs).verdict == "NO"
    assert check_termination(rs.disable("swap")).verdict == "YES"


def test_a_set_without_enabled_rules_terminates():
    rs = _rules('{id: nn, pattern: neg(neg(x)), replacement: x}').disable("nn")
    assert check_termination(rs).to_json() == {"verdict": "YES",
                                               "certificate": "no rules to prove: every term is a normal form"}


def test_lists_of_operands_count_their_elements():
    rs = _rules('{id: cat-relu, pattern: "cat([relu(x), relu(y)], 0)", replacement: "relu(cat([x, y], 0))"}',
                '{id: relu-cat, pattern: "relu(cat([x, y], 0))", replacement: "cat([relu(x), relu(y)], 0)"}')
    assert check_termination(rs.disable("relu-cat")).verdict == "YES"
    report = check_termination(rs)
    assert report.verdict == "NO" and report.loop.rules == ("cat-relu", "relu-cat")


def test_a_bad_budget_is_a_clear_error():
    with pytest.raises(ValueError, match="budget must be a positive int"):
        check_termination(_rules('{id: nn, pattern: neg(neg(x)), replacement: x}'), budget=0)


def test_the_report_is_deterministic_whatever_the_hash_seed():
    code = ("import json; from rewrite.lang.loader import loads; from rewrite.check import check_termination; "
            "rs = loads(open(0).read()); print(json.dumps([check_termination(rs).to_json(), "
            "check_termination(rs.disable('swap')).to_json()]))")
    text = "rules:\n" + "".join(f"  - {{id: r{i}, pattern: 'mul({op}(x), {i})', replacement: '{op}(x)'}}\n"
                                for i, op in enumerate(["neg", "relu", "exp", "tanh"])) + \
        "  - {id: swap, pattern: 'maximum(x, y)', replacement: 'maximum(y, x)'}\n"
    outs = {subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1")}
    assert len(outs) == 1
    yes = json.loads(outs.pop())
    assert yes[0]["verdict"] == "NO" and yes[1]["verdict"] == "YES"


# --- properties ---------------------------------------------------------------------------------------------

UNARY, BINARY = ["neg", "relu", "exp", "sigmoid"], ["add", "mul", "sub", "maximum"]


@st.composite
def terms(draw, variables, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(variables + [2, 0.5]))
    if draw(st.booleans()):
        return (draw(st.sampled_from(UNARY)), draw(terms(variables, depth - 1)))
    op = draw(st.sampled_from(BINARY))
    return ops.__getattr__(op)(draw(terms(variables, depth - 1)), draw(terms(variables, depth - 1)))


@st.composite
def rule_sets(draw):
    rules = []
    for i in range(draw(st.integers(1, 4))):
        lhs = draw(terms([X, Y]).filter(lambda t: isinstance(t, tuple) and t and isinstance(t[0], str)))
        names = list(term_variables(lhs))
        kind = draw(st.sampled_from(["random", "random", "wrap", "swap", "back"]))
        if kind == "wrap":  # grows
            rhs = (draw(st.sampled_from(UNARY)), lhs)
        elif kind == "swap":  # loops when both variables occur
            rhs = substitute(lhs, {X: Y, Y: X})
        else:
            rhs = draw(terms(names or [X], depth=2))
        if not set(term_variables(rhs)) <= set(names):
            rhs = names[0] if names else 1.0
        rules.append(Rule(f"r{i}", lhs, rhs))
        if kind == "back" and isinstance(rhs, tuple) and set(term_variables(lhs)) <= set(term_variables(rhs)):
            rules.append(Rule(f"r{i}-back", rhs, lhs))  # a two-rule loop
    return ruleset("random", *rules)


def _weights(report):
    return dict(report.interpretation.weights)


def _ground_value(term, weights) -> int:
    p = _value(term, weights)
    assert not p.coefs, "a ground term has no variables"
    return p.const


@settings(max_examples=60)
@given(rule_sets(), st.data())
def test_a_yes_certificate_decreases_on_ground_instances(rs, data):
    report = check_termination(rs, budget=500)
    if report.verdict != "YES":
        return
    weights = _weights(report)
    for r in rs.enabled():
        lhs, rhs = rule_sides(r)
        values = {v: data.draw(terms([1.0, 3], depth=2)) for v in term_variables(lhs)}
        for v in term_variables(rhs):
            values.setdefault(v, 0.0)  # a declared result's new constant
        ground_l, ground_r = substitute(lhs, values), substitute(rhs, values)
        for t in (ground_l, ground_r):  # ground instances may use ops the rules do not: size for them
            for head, n in _symbols(t):
                weights.setdefault((head, n), (1, (1,) * n))
        assert _ground_value(ground_l, weights) > _ground_value(ground_r, weights), r.id


@settings(max_examples=40)
@given(rule_sets())
def test_a_no_witness_is_a_real_derivation(rs):
    report = check_termination(rs, budget=500)
    if report.verdict != "NO":
        return
    search, loop = _Search(rs, None, conditional=False), report.loop
    for before, rule_id, after in zip(loop.chain, loop.rules, loop.chain[1:]):
        assert (rule_id, after) in [(r, t) for r, t, _ in search.successors(before)]
    assert search.matches(loop.term, loop.chain[0])
    from rewrite.check.loops import _op_positions
    assert any(search.matches(loop.term, sub) for _, sub in _op_positions(loop.chain[-1]))


@settings(max_examples=30)
@given(rule_sets())
def test_verdicts_never_contradict(rs):
    # a proof and a witness cannot both exist: the loop search finds nothing where the proof holds
    report = check_termination(rs, budget=500)
    if report.verdict == "YES":
        assert find_loop(rs, budget=300) is None


def _symbols(term):
    from rewrite.check.interpretation import symbols_of
    return symbols_of(term)


def test_find_interpretation_leaves_out_opaque_python_rules():
    opaque = Rule("py", ("relu", X), lambda x: ("relu", x))
    assert find_interpretation([opaque]).proofs == ()


def test_folding_returns_the_result_it_declares():
    # the std proof trusts folding's declared result: check it against what the compute returns on tensors
    import torch
    from unify import unify
    r = load("std:std")["conv2d-batch_norm"]
    conv, bn = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4).eval()
    names = dict(x=var("input"), w=conv.weight, b=conv.bias, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1, gamma=bn.weight, beta=bn.bias, mean=bn.running_mean, var=bn.running_var,
                 momentum=0.1, eps=1e-5)
    bindings = {v: names[v.token] for v in r.variables}
    out = r.instantiate(bindings)
    s = unify(r.replacement.result, out, dict(bindings))
    assert s is not False
    fresh = [v for v in term_variables(r.replacement.result) if v not in bindings]
    assert fresh and all(isinstance(s[v], torch.Tensor) for v in fresh)  # new constants, as declared
