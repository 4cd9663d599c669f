"""Term-level normalize: innermost-first rewriting, cycles and budgets, deep terms, embedded examples."""
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from unify import var
from rewrite import errors as E
from rewrite.check.examples import assert_examples, check_examples
from rewrite.lang.facts import TensorFacts
from rewrite.lang.loader import load, loads
from rewrite.engine.normalize import normalize, normalize_full, term_view
from rewrite.pyrules import ops, rule, ruleset

DATA = Path(__file__).parents[1] / "data"
t, u = var("t"), var("u")
NEG = loads("""
rules:
  - {id: neg-neg, pattern: neg(neg(x)), replacement: x}
  - {id: add-zero, pattern: "add(x, 0)", replacement: x}
  - {id: mul-one, pattern: "mul(x, 1)", replacement: x}
""", warn=False)


def test_innermost_first_to_a_fixpoint():
    term = ("neg", ("mul", ("neg", ("neg", ("neg", t))), 1))
    assert normalize(term, NEG) == t
    nf = normalize_full(term, NEG)
    # neg(neg(t)) was normalized once already: hash-consing reuses its normal form
    assert nf.fired == ("neg-neg", "mul-one") and nf.undecided == ()


def test_commutative_operands_are_tried_both_ways():
    assert normalize(ops.add(0, t), NEG) == t             # alpha=1: commutative
    assert normalize(("add", 0, t, 2), NEG) == ("add", 0, t, 2)  # alpha=2: not commutative


def test_input_variables_are_constants():
    pattern_var_rs = ruleset("r", rule("same", "sub(x, x)", "0"))
    assert normalize(ops.sub(t, t), pattern_var_rs) == 0
    assert normalize(ops.sub(t, u), pattern_var_rs) == ops.sub(t, u)


def test_cycle_is_detected_and_named():
    rs = ruleset("comm", rule("add-comm", "add(x, y)", "add(y, x)"))
    with pytest.raises(E.NonTerminationError) as info:
        normalize(ops.add(t, u), rs)
    assert info.value.rules == ("add-comm", "add-comm")
    assert "comes back after rules add-comm -> add-comm" in str(info.value)


def test_two_rule_cycle_names_both():
    rs = ruleset("ping", rule("to-exp", "relu(x)", "exp(x)"), rule("to-relu", "exp(x)", "relu(x)"))
    with pytest.raises(E.NonTerminationError) as info:
        normalize(ops.relu(t), rs)
    assert set(info.value.rules) == {"to-exp", "to-relu"}


def test_growing_rule_exhausts_the_budget():
    rs = ruleset("grow", rule("grow", "relu(x)", "relu(exp(x))"))
    with pytest.raises(E.NonTerminationError, match=r"did not finish within 50 rewrites.*grow \(51x\)"):
        normalize(ops.relu(t), rs, budget=50)


def test_deep_terms_do_not_recurse():
    term = t
    for _ in range(100_001):
        term = ("neg", term)
    assert normalize(term, NEG) == ("neg", t)


def test_guards_on_terms_use_hints():
    rs = ruleset("g", rule("mul-one", "mul(x, 1)", "x", when="x.dtype.is_floating_point"))
    assert normalize(ops.mul(t, 1), rs) == ops.mul(t, 1)
    assert normalize_full(ops.mul(t, 1), rs).undecided == ("mul-one",)
    view = term_view({t: TensorFacts((2,), __import__("torch").float32)})
    assert normalize(ops.mul(t, 1), rs, view=view) == t
    literal = ruleset("lit", rule("pos", "add(x, y)", "y", when="x > 0"))
    assert normalize(ops.add(1, t), literal) == t  # guard on a literal: decided


def test_compute_replacement_folds_constants():
    x, y = var("x"), var("y")
    fold = ruleset("fold", rule("fold-add", ops.add(x, y), lambda x, y: x + y
                                if isinstance(x, int) and isinstance(y, int) else None))
    assert normalize(ops.add(ops.add(1, 2), 3), fold) == 6
    assert normalize(ops.add(t, 2), fold) == ops.add(t, 2)  # declined


def test_embedded_examples_of_the_fixture():
    results = check_examples(load(DATA / "algebra.yaml", warn=False))
    assert [(r.rule_id, r.status) for r in results] == [
        ("neg-neg", "passed"), ("transpose-transpose", "passed"), ("mul-one", "passed"),
        ("mul-one", "skipped"), ("mul-zero", "passed")]
    assert "add types:" in results[3].reason


def test_failing_example_is_reported_with_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - id: nn\n    pattern: neg(neg(x))\n    replacement: x\n"
                    "    examples:\n      - {before: neg(neg(t)), after: neg(t)}\n")
    with pytest.raises(E.ExampleError) as info:
        assert_examples(load(path))
    assert str(info.value).startswith(f"{path}:6:9: rule 'nn': 1 example(s) failed")
    assert "expected ('neg', ~t), got ~t" in str(info.value)


terms = st.recursive(st.sampled_from([t, u, 0, 1]),
                     lambda kids: st.one_of(st.tuples(st.just("neg"), kids),
                                            st.tuples(st.just("add"), kids, kids, st.just(1)),
                                            st.tuples(st.just("mul"), kids, kids)),
                     max_leaves=12)


@given(terms)
def test_normal_forms_are_normal_and_idempotent(term):
    nf = normalize(term, NEG)
    assert normalize(nf, NEG) == nf
    assert normalize_full(nf, NEG).fired == ()
