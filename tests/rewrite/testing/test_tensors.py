"""tensors_for reads the placeholders' metadata (or shapes=) and draws matching inputs."""
import pytest
import torch
import torch.fx as fx
from hypothesis import given, settings, strategies as st
from hypothesis.errors import InvalidArgument
from torch.fx.experimental.proxy_tensor import make_fx

from rewrite.testing import tensors_for


def _add(x, y):
    return x + y


@pytest.mark.parametrize("front_end", ["make_fx", "export", "shape_prop"])
def test_inputs_follow_the_recorded_shapes_and_dtypes(front_end):
    example = (torch.randn(2, 3), torch.arange(3))
    if front_end == "make_fx":
        gm = make_fx(_add)(*example)
    elif front_end == "export":
        class M(torch.nn.Module):
            def forward(self, x, y):
                return x + y
        gm = torch.export.export(M(), example).module()
    else:
        gm = fx.symbolic_trace(_add)
        from torch.fx.passes.shape_prop import ShapeProp
        ShapeProp(gm).propagate(*example)

    @settings(max_examples=10, deadline=None, database=None)
    @given(tensors_for(gm))
    def check(inputs):
        assert [(tuple(x.shape), x.dtype) for x in inputs] == [((2, 3), torch.float32), ((3,), torch.int64)]
        torch.testing.assert_close(gm(*inputs), inputs[0] + inputs[1])

    check()


def test_shapes_and_dtypes_given_by_name():
    gm = fx.symbolic_trace(_add)

    @settings(max_examples=5, deadline=None, database=None)
    @given(tensors_for(gm, shapes={"x": (4,), "y": ()}, dtypes={"y": torch.int32}))
    def check(inputs):
        assert [(tuple(x.shape), x.dtype) for x in inputs] == [((4,), torch.float32), ((), torch.int32)]

    check()


def test_elements_strategy_reaches_special_values():
    gm = fx.symbolic_trace(lambda x: x.neg())
    seen = []

    @settings(max_examples=50, deadline=None, database=None)
    @given(tensors_for(gm, shapes={"x": (3,)}, elements=st.sampled_from([float("nan"), -0.0])))
    def check(inputs):
        seen.append(inputs[0])

    check()
    assert any(t.isnan().any() for t in seen)


@pytest.mark.parametrize("call,message", [
    (lambda gm: tensors_for(gm), "placeholder 'x' has no meta"),
    (lambda gm: tensors_for(gm, shapes={"z": (1,)}), "'z' is not a placeholder"),
    (lambda gm: tensors_for(gm.graph), "must be a torch.fx.GraphModule"),
    (lambda gm: tensors_for(gm, shapes={"x": (1,), "y": (1,)}, elements=[1.0]), "elements must be a strategy"),
])
def test_what_it_cannot_read_is_invalid_with_the_fix(call, message):
    with pytest.raises(InvalidArgument, match=message):
        call(fx.symbolic_trace(_add))
