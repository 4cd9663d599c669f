"""The model zoo: deterministic, traceable by every tracer, traced graphs compute what the module computes."""
import pytest
import torch

from rewrite.front import zoo

NAMES = zoo.names()


def test_names_are_unique_and_cover_the_architectures():
    assert len(set(NAMES)) == len(NAMES)
    for wanted in ("resnet_basic", "resnet_bottleneck", "bert_layer", "gpt2_block", "vit_block", "mlp_mixer",
                   "unet_block"):
        assert wanted in NAMES


def test_unknown_names_list_the_known_ones():
    with pytest.raises(zoo.UnknownZooEntryError, match="resnet_basic"):
        zoo.get("alexnet")
    with pytest.raises(zoo.UnknownZooEntryError, match="symbolic_trace"):
        zoo.trace("mlp_mixer", "jit")


@pytest.mark.parametrize("name", NAMES)
def test_build_is_deterministic_and_in_eval_mode(name):
    entry = zoo.get(name)
    a, b = entry.build(), entry.build()
    assert not a.training
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert all(torch.equal(x, y) for x, y in zip(entry.inputs(), entry.inputs()))


@pytest.mark.parametrize("how", list(zoo.TRACERS))
@pytest.mark.parametrize("name", NAMES)
def test_traced_graph_matches_eager(name, how):
    entry = zoo.get(name)
    gm = zoo.trace(entry, how)
    inputs = entry.inputs()
    with torch.no_grad():
        expected, got = entry.build()(*inputs), gm(*inputs)
    assert isinstance(gm, torch.fx.GraphModule)
    torch.testing.assert_close(got, expected)
