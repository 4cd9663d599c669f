"""Type values and relations: hashing, torch interop, consistency/precision laws (Hypothesis), meet, broadcasting."""
import pickle

import pytest
import torch
import torch.fx.tensor_type as ttt
from hypothesis import given, strategies as st

from fxcore.types import (Dyn, GradualTypeError, ScalarType, TensorType, as_type, broadcast_shape,
                          broadcast_types, is_consistent, is_more_precise, meet)
from unify import var

dims = st.one_of(st.integers(1, 4), st.just(Dyn))
types = st.one_of(st.just(Dyn), st.lists(dims, max_size=3).map(lambda d: TensorType(tuple(d))))


def test_values_are_frozen_and_hashable():
    t = TensorType((Dyn, 3))
    assert hash(t) == hash(TensorType((Dyn, 3))) and {t: 1}[TensorType((Dyn, 3))] == 1
    with pytest.raises(Exception):
        t.dims = (1,)
    assert pickle.loads(pickle.dumps(t)) == t and pickle.loads(pickle.dumps(Dyn)) is Dyn


def test_torch_annotations_are_accepted():
    assert as_type(ttt.TensorType((1, ttt.Dyn))) == TensorType((1, Dyn))
    assert as_type(ttt.Dyn) == Dyn and Dyn == ttt.Dyn
    assert TensorType[1, 2] == TensorType((1, 2)) and TensorType((torch.Size([3])[0],)) == TensorType((3,))
    assert as_type(int) == ScalarType(int)


def test_is_more_precise_says_what_its_name_says():
    assert is_more_precise(TensorType((1, 2, 3)), TensorType((1, Dyn, 3)))
    assert not is_more_precise(TensorType((1, Dyn, 3)), TensorType((1, 2, 3)))
    assert is_more_precise(TensorType((2,)), Dyn) and not is_more_precise(Dyn, TensorType((2,)))
    assert is_more_precise(TensorType((2,)), TensorType((var('b'),)))


@given(types, types)
def test_consistency_is_symmetric_and_meet_is_a_lower_bound(a, b):
    assert is_consistent(a, b) == is_consistent(b, a)
    if is_consistent(a, b):
        m = meet(a, b)
        assert is_more_precise(m, a) and is_more_precise(m, b) and meet(b, a) == m
    else:
        with pytest.raises(GradualTypeError, match="not consistent"):
            meet(a, b)


@given(types, types, types)
def test_precision_is_a_partial_order(a, b, c):
    assert is_more_precise(a, a) and is_consistent(a, a)
    if is_more_precise(a, b) and is_more_precise(b, c):
        assert is_more_precise(a, c)
    if is_more_precise(a, b) and is_more_precise(b, a):
        assert a == b


@given(st.lists(st.integers(1, 3), max_size=3), st.lists(st.integers(1, 3), max_size=3))
def test_broadcast_shape_agrees_with_torch(s1, s2):
    try:
        expected = torch.broadcast_shapes(tuple(s1), tuple(s2))
    except RuntimeError:
        with pytest.raises(GradualTypeError):
            broadcast_shape(TensorType(tuple(s1)), TensorType(tuple(s2)))
        return
    assert broadcast_shape(TensorType(tuple(s1)), TensorType(tuple(s2))).dims == tuple(expected)


def test_broadcast_types_follows_torch_reference():
    from torch.fx.experimental.graph_gradual_typechecker import broadcast_types as torch_bt
    for a, b in [((1, 2, 3), (3,)), ((2, 1), (1, 4)), ((1, ttt.Dyn), (5, 1))]:
        ours = broadcast_types(TensorType(a), TensorType(b))
        theirs = torch_bt(ttt.TensorType(a), ttt.TensorType(b))
        assert ours == tuple(as_type(t) for t in theirs)


def test_equality_and_hash_ignore_dtype_as_torch_does_but_relations_do_not():
    f16, f32 = TensorType((2, 3), torch.float16), TensorType((2, 3), torch.float32)
    assert f16 == f32 and hash(f16) == hash(f32) and f16 == TensorType((2, 3)) and f16.dtype != f32.dtype
    assert not is_consistent(f16, f32) and not is_more_precise(f16, f32) and is_more_precise(f16, TensorType((2, 3)))
    with pytest.raises(GradualTypeError, match="not consistent"):
        meet(f16, f32)
    assert meet(TensorType((2, Dyn)), f16).dtype == torch.float16
    assert f16.__args__ == (2, 3) and TensorType[Dyn, 3, Dyn].dims == (Dyn, 3, Dyn)


def test_sympy_dimensions_are_symbolic_sizes():
    import sympy
    s = sympy.symbols("~0")
    t = TensorType((2, s, sympy.Integer(4), sympy.floor(s) - 4))
    assert t.dims[2] == 4 and type(t.dims[2]) is int and t.dims[1] == s
    assert is_consistent(t, TensorType((2, 7, 4, 3))) and is_more_precise(TensorType((2, 7, 4, 3)), t)
    assert not is_consistent(t, TensorType((3, 7, 4, 3)))
    with pytest.raises(GradualTypeError, match="bad dimension"):
        TensorType(("3",))
