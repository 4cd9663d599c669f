"""The comparison behind soundness checks: dtype-aware, IEEE special values, the float64 reference."""
import torch
from hypothesis import given, settings, strategies as st

from rewrite.check.compare import ULPS, compare
from rewrite.check.inputs import DTYPES, special_values
from rewrite.check.operands import evaluate_term, operand_kinds, skeletons
from unify import var


@settings(max_examples=60, deadline=None, database=None)
@given(st.sampled_from(DTYPES), st.data())
def test_a_tensor_equals_its_copy_specials_included(dtype, data):
    elems = data.draw(st.lists(st.sampled_from(special_values(dtype)), min_size=1, max_size=6))
    t = torch.tensor(elems, dtype=torch.float64 if dtype.is_floating_point else None).to(dtype)
    result = compare(t, t.clone())
    assert result.equal and result.max_ulps == 0


def test_integers_compare_exactly_and_dtypes_must_match():
    assert not compare(torch.tensor([1, 2]), torch.tensor([1, 3])).equal
    assert "dtype" in compare(torch.tensor([1]), torch.tensor([1], dtype=torch.int32)).why
    assert "shape" in compare(torch.ones(2), torch.ones(1, 2)).why


def test_nan_where_nan_and_signed_zeros_unless_waived():
    nan, zero = torch.tensor([float("nan")]), torch.tensor([0.0])
    assert not compare(nan, zero).equal and compare(nan, zero, nans=False).equal
    assert not compare(torch.tensor([-0.0]), zero).equal
    assert compare(torch.tensor([-0.0]), zero, signed_zeros=False).equal


def test_the_tolerance_is_in_ulps_of_the_dtype():
    eps16 = torch.finfo(torch.float16).eps
    one = torch.tensor([1.0], dtype=torch.float16)
    assert compare(one, one + eps16 * 2).equal
    assert not compare(one, one + eps16 * (ULPS + 4)).equal


def test_a_result_closer_to_the_float64_value_is_accepted():
    expected, got, ref = torch.tensor([float("nan")]), torch.tensor([0.0]), torch.tensor([0.0], dtype=torch.float64)
    assert not compare(expected, got).equal
    result = compare(expected, got, reference=ref)
    assert result.equal and result.closer
    assert not compare(expected, got, reference=torch.tensor([float("nan")], dtype=torch.float64)).equal


def test_tuples_compare_element_by_element():
    assert compare((torch.ones(1), torch.zeros(1)), (torch.ones(1), torch.zeros(1))).equal
    assert "[1]" in compare((torch.ones(1), torch.zeros(1)), (torch.ones(1), torch.ones(1))).why


def test_skeletons_run_the_pattern():
    x, w, b = var("x"), var("w"), var("b")
    pattern = ("linear", x, w, b)
    kinds = operand_kinds(pattern)
    for sk in skeletons(pattern, kinds):
        env = {v: (torch.ones((2,) * r) if r is not None else None) for v, r in sk.items()}
        evaluate_term(pattern, env)
