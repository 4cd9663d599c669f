"""Confluence verdicts: joinable pairs with derivations, witnesses that run, numbers compared, CoCo verdicts."""
import json

import torch
from hypothesis import given, settings, strategies as st

from rewrite import load
from rewrite.check import check_confluence, graph_of
from rewrite.check.confluence import canonical_term, join_pair
from rewrite.check.critical_pairs import commutative_of, critical_pairs
from rewrite.lang.loader import loads
from unify import var
from unify.commutative import c_variants

X, Y = var("x"), var("y")

NEG_MUL = '''
rules:
  - {id: neg-mul-left, pattern: "neg(mul(x, y))", replacement: "mul(neg(x), y)"}
  - {id: neg-mul-right, pattern: "neg(mul(x, y))", replacement: "mul(x, neg(y))"}
'''
WRONG = '''
rules:
  - {id: neg-mul-left, pattern: "neg(mul(x, y))", replacement: "mul(neg(x), y)"}
  - {id: neg-mul-drop, pattern: "neg(mul(x, y))", replacement: "mul(x, y)"}
'''


def run_witness(code: str):
    scope: dict = {}
    exec(compile(code, "<witness>", "exec"), scope)  # what a user does after pasting it into a test
    gm = scope["gm"]
    gm.graph.lint()
    return gm, scope["example_inputs"]


def test_a_joinable_pair_keeps_both_derivations():
    rs = loads("rules: [{id: neg-neg, pattern: neg(neg(x)), replacement: x}]")
    report = check_confluence(rs)
    (pair,) = report.pairs
    assert (report.verdict, pair.verdict, pair.numerically) == ("YES", "joinable", None)
    assert pair.witness == "neg(neg(neg(~x')))"
    assert pair.results == ("neg(~x')", "neg(~x')")
    assert pair.derivations == (("neg-neg",), ("neg-neg",))
    assert pair.normal_forms == ("neg(~x')", "neg(~x')")


def test_not_joinable_but_numerically_equal_and_the_pasted_module_runs():
    report = check_confluence(loads(NEG_MUL))
    assert report.verdict == "NO"
    pair = next(p for p in report.pairs if p.verdict == "not joinable")
    assert (pair.rules, pair.position, pair.numerically, pair.suspects) == (
        ("neg-mul-left", "neg-mul-right"), "root", "equal", ())
    assert pair.normal_forms == ("mul(neg(~x), ~y)", "mul(~x, neg(~y))")
    assert pair.results == pair.normal_forms
    gm, inputs = run_witness(pair.module)
    x, y = inputs
    torch.testing.assert_close(gm(x, y), torch.neg(torch.mul(x, y)))
    # the swapped unifier pairs x with y: joinable modulo commutative operand order
    assert [p.verdict for p in report.pairs].count("joinable") == 1


def test_not_joinable_and_numerically_different_names_both_rules():
    report = check_confluence(loads(WRONG))
    pair = next(p for p in report.pairs if p.verdict == "not joinable")
    assert pair.numerically == "different"
    assert pair.suspects == ("neg-mul-left", "neg-mul-drop")
    assert pair.reason.startswith("on float64[2, 3]: max abs difference")
    gm, inputs = run_witness(pair.module)
    assert gm(*inputs).shape == (2, 3)
    assert "suspects: neg-mul-left, neg-mul-drop" in report.format()


def test_numbers_are_compared_only_where_both_guards_hold():
    # floor(-x) is not -floor(x) on floats, but both rules hold only on integers, where they agree
    rs = loads('''
rules:
  - {id: int-floor, pattern: floor(x), replacement: x, when: "not x.dtype.is_floating_point"}
  - {id: floor-neg, pattern: floor(neg(x)), replacement: neg(floor(x)), when: "not x.dtype.is_floating_point"}
''')
    (pair,) = check_confluence(rs).pairs
    assert (pair.verdict, pair.numerically, pair.reason) == ("not joinable", "equal", "equal on int64[2, 3]")


def test_budget_exhaustion_is_unknown_and_the_set_maybe():
    rs = loads('''
rules:
  - {id: grow, pattern: relu(relu(x)), replacement: "relu(relu(relu(x)))"}
''')
    report = check_confluence(rs, budget=20)
    assert report.verdict == "MAYBE"
    assert {p.verdict for p in report.pairs} == {"unknown"}
    assert "ran out of budget" in report.pairs[0].reason or "does not terminate" in report.pairs[0].reason


def test_infeasible_pairs_are_counted_in_the_json():
    rs = loads('''
rules:
  - {id: a, pattern: "mul(x, 0)", replacement: x, when: "x.ndim == 2"}
  - {id: b, pattern: "mul(x, 0)", replacement: x, when: "x.ndim == 3"}
''')
    report = check_confluence(rs)
    assert report.to_json() == {"verdict": "YES", "infeasible": 1, "pairs": []}


def test_std_has_no_pair_that_changes_the_numbers():
    report = check_confluence(load("std:std"))
    assert report.verdict == "NO"
    bad = [p for p in report.pairs if p.verdict != "joinable"]
    assert bad and all(p.verdict == "not joinable" and p.numerically == "equal" for p in bad)
    assert sorted(p.rules for p in bad) == [
        ("permute-inverse", "permute-inverse"), ("reshape-reshape", "reshape-noop"),
        ("transpose-transpose", "transpose-transpose-swapped"),
        ("transpose-transpose-swapped", "transpose-transpose")]
    for p in bad:
        run_witness(p.module)


def test_json_contract_and_source_positions():
    report = check_confluence(load("std:std"))
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {"verdict", "infeasible", "pairs"}
    for p in data["pairs"]:
        assert {"rules", "position", "witness", "normal_forms", "verdict", "numerically"} <= set(p)
        assert p["verdict"] in ("joinable", "not joinable", "unknown", "infeasible")
        assert p["numerically"] in ("equal", "different", None)
    assert all(p.locations[0] is not None and ".yaml:" in str(p.locations[0]) for p in report.pairs
               if p.rules[0] == "neg-neg")


terms = st.recursive(st.sampled_from([X, Y, 1.0, 2]),
                     lambda inner: st.one_of(st.tuples(st.sampled_from(["mul", "sub"]), inner, inner),
                                             st.tuples(st.just("add"), inner, inner, st.sampled_from([1, 2])),
                                             st.tuples(st.sampled_from(["neg", "exp"]), inner)),
                     max_leaves=6)


@settings(max_examples=100, deadline=None)
@given(terms)
def test_normal_forms_are_compared_modulo_commutative_operand_order(term):
    c = commutative_of()
    variants = c_variants(term, c)
    assert len({canonical_term(v, c) for v in variants}) == 1
    if len(variants) > 1:  # and nothing else is identified: a non-commutative swap stays different
        assert canonical_term(("sub", term, ("neg", term)), c) != canonical_term(("sub", ("neg", term), term), c)


def test_a_pair_joins_the_same_way_for_every_seed():
    rs = loads(NEG_MUL)
    pairs = critical_pairs(rs).pairs
    assert len({tuple(join_pair(p, rs, seed=k).verdict for p in pairs) for k in range(3)}) == 1


def test_witness_graph_of_the_overlap_computes_the_overlap():
    pair = next(p for p in check_confluence(loads(WRONG)).pairs if p.verdict == "not joinable")
    gm, (x, y) = run_witness(pair.module)
    torch.testing.assert_close(gm(x, y), graph_of(("neg", ("mul", *map(__import__("unify").var, "xy"))))(x, y))
