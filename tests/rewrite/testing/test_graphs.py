"""fx_graphs draws graphs that lint, run, keep shapes consistent and write only what they made."""
import pytest
import torch
import torch.fx as fx
from hypothesis import given, settings, strategies as st
from hypothesis.errors import InvalidArgument

from rewrite.testing import fx_graphs, tensors_for
from rewrite.testing.graph_ops import GRAPH_OPS, INPLACE_OPS
from fxcore.ops import canonical_op

WITH_INPUTS = st.data()


def _inputs(data, gm):
    return data.draw(tensors_for(gm))


def _check_shapes_recorded(gm, inputs):
    """Every node's recorded tensor_meta is what eager execution gives (shapes, dtypes consistent)."""
    env = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            out = super().run_node(n)
            env[n] = out
            return out

    Recorder(gm).run(*(x.clone() for x in inputs))
    for n in gm.graph.nodes:
        if isinstance(env.get(n), torch.Tensor):
            tm = n.meta["tensor_meta"]
            assert (tuple(tm.shape), tm.dtype) == (tuple(env[n].shape), env[n].dtype), n.format_node()


@settings(max_examples=80, deadline=None)
@given(fx_graphs(dtypes=[torch.float32, torch.float64, torch.int64], max_nodes=10), WITH_INPUTS)
def test_graphs_lint_run_and_record_consistent_shapes(gm, data):
    gm.graph.lint()
    inputs = _inputs(data, gm)
    _check_shapes_recorded(gm, inputs)
    assert all(canonical_op(n) in GRAPH_OPS for n in gm.graph.nodes if n.op == "call_function")


@settings(max_examples=80, deadline=None)
@given(fx_graphs(inplace=True, max_nodes=10), WITH_INPUTS)
def test_in_place_graphs_run_and_never_write_their_inputs(gm, data):
    gm.graph.lint()
    inputs = _inputs(data, gm)
    kept = tuple(x.clone() for x in inputs)
    out = gm(*inputs)
    for x, k in zip(inputs, kept):
        torch.testing.assert_close(x, k, equal_nan=True)
    again = gm(*(k.clone() for k in kept))
    torch.testing.assert_close(again, out, equal_nan=True)  # deterministic: no state leaks between calls


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(INPLACE_OPS).flatmap(
    lambda op: st.tuples(st.just(op), fx_graphs(ops=["exp", "neg", op], inplace=True, min_nodes=6, max_nodes=8))))
def test_writes_come_only_after_a_value_the_graph_made(case):
    op, gm = case
    for n in gm.graph.nodes:
        if n.op == "call_function" and GRAPH_OPS[canonical_op(n)].writes:
            target = n.args[0]
            assert target.op != "placeholder"


def test_in_place_ops_are_drawn_when_asked():
    seen = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(fx_graphs(ops=["neg", "add_", "mul_", "setitem"], inplace=True, min_nodes=4))
    def collect(gm):
        seen.update(canonical_op(n) for n in gm.graph.nodes if n.op == "call_function")

    collect()
    assert {"add_", "mul_", "setitem"} <= seen


def test_the_same_seed_draws_the_same_graphs():
    def draw_codes():
        codes = []

        @settings(max_examples=10, deadline=None, database=None, derandomize=True)
        @given(fx_graphs(inplace=True))
        def collect(gm):
            codes.append(gm.code)

        collect()
        return codes

    assert draw_codes() == draw_codes()


@pytest.mark.parametrize("kwargs,message", [
    ({"ops": ["relux"]}, "Did you mean 'relu'?"),
    ({"ops": "neg"}, "must be a list of canonical op names"),
    ({"ops": []}, "at least one op"),
    ({"ops": ["neg", "add_"]}, "pass inplace=True"),
    ({"ops": ["add_"], "inplace": True}, "add an op that makes one"),
    ({"dtypes": [torch.complex64]}, "is not supported"),
    ({"max_nodes": 0}, "max_nodes must be >= min_nodes"),
    ({"min_nodes": 0}, "min_nodes must be an int >= 1"),
    ({"max_inputs": 1.5}, "max_inputs must be an int"),
    ({"inplace": "yes"}, "inplace must be True or False"),
    ({"spellings": 1}, "spellings must be True or False"),
])
def test_bad_arguments_are_invalid_when_the_strategy_is_built(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        fx_graphs(**kwargs)


def test_calls_are_spelled_as_traced_code_spells_them():
    spelled = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(fx_graphs(ops=["neg", "add", "transpose"], min_nodes=3))
    def collect(gm):
        spelled.update((n.op, str(n.target)) for n in gm.graph.nodes if n.op in ("call_function", "call_method"))

    collect()
    ops = {op for op, _ in spelled}
    assert ops == {"call_function", "call_method"} and ("call_function", "<built-in function add>") in spelled


@settings(max_examples=60, deadline=None)
@given(fx_graphs(inplace=True, max_nodes=12, dtypes=[torch.float32, torch.int64]), WITH_INPUTS)
def test_std_keeps_the_numbers_and_the_inputs_of_drawn_graphs(gm, data):
    import rewrite
    inputs = _inputs(data, gm)
    kept = [x.clone() for x in inputs]
    expected = gm(*inputs)
    rewrite.apply(gm, "std:std")
    torch.testing.assert_close(gm(*inputs), expected, equal_nan=True)
    for x, k in zip(inputs, kept):
        torch.testing.assert_close(x, k)
