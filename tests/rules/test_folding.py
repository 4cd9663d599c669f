"""rules/folding.py: conv + eval-mode batch norm folding on real models, and when it must not fold."""

import pytest
import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F

from rewrite import ApplyError, apply, load, normalize, report_of
from rewrite.front import zoo
from rewrite.pyrules import compute, ops, rule, ruleset
from tests.rewrite.util import fingerprint
from unify import var

RTOL, ATOL = 1e-4, 1e-5
FOLD = "conv2d-batch_norm"


@pytest.fixture(scope="module")
def folding():
    return load("std:folding")


def _conv_bn_pairs(gm: fx.GraphModule) -> int:
    """Batch-norm modules whose input is a conv module used only by that batch norm."""
    mods = dict(gm.named_modules())

    def is_a(node, kind):
        return node.op == "call_module" and isinstance(mods[node.target], kind)

    return sum(1 for n in gm.graph.nodes
               if is_a(n, nn.BatchNorm2d) and is_a(n.args[0], nn.Conv2d) and len(n.args[0].users) == 1)


def _batch_norms(gm: fx.GraphModule) -> int:
    mods = dict(gm.named_modules())
    return sum(1 for n in gm.graph.nodes if n.op == "call_module"
               and isinstance(mods[n.target], nn.modules.batchnorm._BatchNorm))


def _fold_and_check(module, gm, inputs, rs, **tol):
    expected = module(*inputs)
    apply(gm, rs)
    gm.graph.lint()
    torch.testing.assert_close(gm(*inputs), expected, rtol=RTOL, atol=ATOL, **tol)
    return report_of(gm)


@pytest.mark.parametrize("name,pairs", [("resnet_basic", 3), ("resnet_bottleneck", 3), ("unet_block", 6)])
def test_zoo_every_conv_bn_pair_folds(folding, name, pairs):
    entry = zoo.get(name)
    gm = zoo.trace(name, "symbolic_trace")
    assert _conv_bn_pairs(gm) == pairs
    report = _fold_and_check(entry.build(), gm, entry.inputs(), folding)
    assert report.fired(FOLD) == pairs
    assert report.counts == {FOLD: pairs}
    assert _batch_norms(gm) == 0
    new = sorted(n for n, _ in gm.named_buffers() if n.startswith("_rewrite_"))
    assert len(new) == 2 * pairs  # one weight and one bias per fold
    assert apply(gm, folding) is gm and report_of(gm).counts == {}  # a fixpoint: nothing left to fold


@pytest.mark.parametrize("name,pairs", [("resnet_basic", 3), ("unet_block", 6)])
def test_export_graphs_fold_too(folding, name, pairs):
    """torch.export(...).module() keeps parameters as get_attr nodes: they arrive as tensors and fold."""
    entry = zoo.get(name)
    report = _fold_and_check(entry.build(), zoo.trace(name, "export"), entry.inputs(), folding)
    assert report.fired(FOLD) == pairs


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch's run_decompositions, about its own pytree use
@pytest.mark.parametrize("name,pairs", [("resnet_basic", 3), ("resnet_bottleneck", 3), ("unet_block", 6)])
def test_aten_graphs_fold_their_native_batch_norms(folding, name, pairs):
    """make_fx writes ``getitem(native_batch_norm(convolution(...)), 0)`` plus two unread getitems, core ATen
    ``_native_batch_norm_legit_no_training``: both fold, the unread getitems go too, and the graph stays aten."""
    entry = zoo.get(name)
    module, inputs = entry.build(), entry.inputs()
    core = torch.export.export(module, inputs).run_decompositions().module()
    for gm, rule_id in ((zoo.trace(name, "make_fx"), "conv2d-native_batch_norm"),
                        (core, "conv2d-native_batch_norm_no_training")):
        report = _fold_and_check(module, gm, inputs, folding)
        assert report.counts == {rule_id: pairs}
        calls = [n for n in gm.graph.nodes if n.op == "call_function"]
        assert not [n for n in calls if "batch_norm" in str(n.target)]
        assert [n.target for n in calls if not isinstance(n.target, torch._ops.OpOverload)
                and n.target.__name__ != "getitem"] == []
        assert apply(gm, folding) is gm and report_of(gm).counts == {}


def test_a_read_statistic_keeps_the_native_batch_norm():
    """A getitem of the saved mean that something reads is a use outside the match: no fold."""
    from torch.fx.experimental.proxy_tensor import make_fx

    def model(a, w, mean, var):
        out, saved_mean, _ = torch.native_batch_norm(F.conv2d(a, w), None, None, mean, var, False, 0.1, 1e-5)
        return out, saved_mean

    inputs = (torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3), torch.randn(3), torch.rand(3) + 0.5)
    gm = make_fx(model)(*inputs)
    code = gm.code
    apply(gm, load("std:folding"))
    assert report_of(gm).counts == {} and gm.code == code


class ConvBN(nn.Module):
    def __init__(self, conv, bn, act=None):
        super().__init__()
        self.conv, self.bn = conv, bn

    def forward(self, x):
        return self.bn(self.conv(x))


CASES = {
    "bias": (ConvBN(nn.Conv2d(3, 6, 3, bias=True), nn.BatchNorm2d(6)), (2, 3, 9, 9), FOLD),
    "no-affine": (ConvBN(nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6, affine=False)), (2, 3, 9, 9), FOLD),
    "grouped-strided-dilated": (ConvBN(nn.Conv2d(4, 8, 3, stride=2, padding=2, dilation=2, groups=2),
                                       nn.BatchNorm2d(8, eps=1e-3)), (2, 4, 11, 11), FOLD),
    "depthwise-same": (ConvBN(nn.Conv2d(5, 5, 3, padding="same", groups=5, bias=False), nn.BatchNorm2d(5)),
                       (1, 5, 7, 7), FOLD),
    "conv1d": (ConvBN(nn.Conv1d(3, 4, 3, padding=1), nn.BatchNorm1d(4)), (2, 3, 10), "conv1d-batch_norm"),
    "conv3d": (ConvBN(nn.Conv3d(2, 3, 3), nn.BatchNorm3d(3)), (1, 2, 5, 5, 5), "conv3d-batch_norm"),
    "cumulative-momentum": (ConvBN(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4, momentum=None)), (1, 3, 4, 4), FOLD),
}


def _randomized(module):
    torch.manual_seed(0)
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            if m.affine:
                nn.init.uniform_(m.weight, 0.5, 1.5)
                nn.init.uniform_(m.bias, -0.5, 0.5)
    return module.eval()


@pytest.mark.parametrize("case", sorted(CASES))
def test_conv_variants_fold(folding, case):
    module, shape, rule_id = CASES[case]
    module = _randomized(module)
    torch.manual_seed(1)
    report = _fold_and_check(module, fx.symbolic_trace(module), (torch.randn(shape),), folding)
    assert report.counts == {rule_id: 1}


def test_reflect_padded_conv_is_not_folded(folding):
    """padding_mode='reflect' has no conv2d canonical form: the module stays unknown, nothing folds."""
    module = _randomized(ConvBN(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), nn.BatchNorm2d(4)))
    report = _fold_and_check(module, fx.symbolic_trace(module), (torch.randn(1, 3, 6, 6),), folding)
    assert report.counts == {}


def test_float64_model_keeps_its_dtype(folding):
    module = _randomized(ConvBN(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))).double()
    gm = fx.symbolic_trace(module)
    _fold_and_check(module, gm, (torch.randn(1, 3, 6, 6, dtype=torch.float64),), folding)
    assert {t.dtype for n, t in gm.named_buffers() if n.startswith("_rewrite_")} == {torch.float64}


class Functional(nn.Module):
    """F.conv2d / F.batch_norm on the module's own tensors: get_attr nodes, which arrive as tensors."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 3, 3, 3))
        self.register_buffer("mean", torch.randn(4) * 0.1)
        self.register_buffer("var", torch.rand(4) + 0.5)
        self.gamma = nn.Parameter(torch.rand(4) + 0.5)

    def forward(self, x):
        y = F.conv2d(x, self.w, None, 1, 1)
        return F.batch_norm(y, self.mean, self.var, self.gamma, None, False, 0.1, 1e-5)


def test_functional_calls_on_get_attr_tensors_fold(folding):
    module = Functional().eval()
    report = _fold_and_check(module, fx.symbolic_trace(module), (torch.randn(2, 3, 8, 8),), folding)
    assert report.counts == {FOLD: 1}


def test_tensors_given_as_inputs_are_not_folded(folding):
    """Parameters as placeholders (as make_fx / dynamo lift them): the compute declines."""
    def fn(x, w, g, b, m, v):
        return F.batch_norm(F.conv2d(x, w), m, v, g, b, False, 0.1, 1e-5)

    gm = fx.symbolic_trace(fn)
    code = gm.code
    apply(gm, folding)
    assert report_of(gm).counts == {} and gm.code == code


class Escaping(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y.relu()


def test_conv_used_elsewhere_is_not_folded(folding):
    """Folding would need the unfolded conv too: the conv escapes the match, so the matcher refuses."""
    module = _randomized(Escaping())
    gm = fx.symbolic_trace(module)
    before = fingerprint(gm)
    report = _fold_and_check(module, gm, (torch.randn(2, 3, 7, 7),), folding)
    assert report.counts == {}
    assert fingerprint(gm) == before


def test_training_mode_batch_norm_is_not_folded(folding):
    module = _randomized(ConvBN(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))).train()
    gm = fx.symbolic_trace(module)
    code = gm.code
    apply(gm, folding)
    assert report_of(gm).counts == {} and gm.code == code


def test_functional_training_batch_norm_is_not_folded(folding):
    module = Functional().eval()
    gm = fx.symbolic_trace(module)
    for node in gm.graph.nodes:
        if node.target is F.batch_norm:
            node.args = node.args[:5] + (True,) + node.args[6:]
    gm.recompile()
    code = gm.code
    apply(gm, folding)
    assert report_of(gm).counts == {} and gm.code == code


def test_batch_norm_without_running_stats_is_not_folded(folding):
    module = ConvBN(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False)).eval()
    gm = fx.symbolic_trace(module)
    code = gm.code
    _fold_and_check(module, gm, (torch.randn(2, 3, 6, 6),), folding)
    assert report_of(gm).counts == {} and gm.code == code


def test_all_or_nothing_when_a_rule_of_the_set_fails(folding):
    """Folds happen first (bn1 comes before relu); then a rule raises: everything is undone."""
    def boom(x):
        raise RuntimeError("boom")

    rs = ruleset("fold-then-boom", rule("boom", ops.relu(var("x")), compute(boom)), include=[folding])
    entry = zoo.get("resnet_basic")
    gm = zoo.trace("resnet_basic")
    before, code, keys = fingerprint(gm), gm.code, list(gm.state_dict())
    inputs = entry.inputs()
    expected = gm(*inputs)
    with pytest.raises(ApplyError, match="'boom'"):
        apply(gm, rs)
    assert gm.code == code and fingerprint(gm) == before
    assert list(gm.state_dict()) == keys
    assert not any(n.startswith("_rewrite_") for n, _ in (*gm.named_buffers(), *gm.named_parameters()))
    assert not any(n.startswith("_rewrite_") for n in vars(gm))
    torch.testing.assert_close(gm(*inputs), expected)
    apply(gm, folding)  # the module still folds afterwards
    assert report_of(gm).fired(FOLD) == 3


def test_terms_do_not_fold(folding):
    """Term-level normalize binds terms, not tensors: the compute declines (why the rules have no examples)."""
    t, w, g, b, m, v = (var(n) for n in "twgbmv")
    term = ops.batch_norm(ops.conv2d(t, w), g, b, m, v, False, 0.1, 1e-5)
    assert normalize(term, folding) == term


def test_std_includes_folding():
    assert {FOLD, "conv1d-batch_norm"} <= set(load("std:std").ids())


class SharedConv(nn.Module):
    """One conv module called twice, each call followed by its own batch norm; and a conv feeding two norms."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn_a, self.bn_b = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.BatchNorm2d(4)
        self.fork, self.bn_c, self.bn_d = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.BatchNorm2d(4)

    def forward(self, x, y):
        shared = self.bn_a(self.conv(x)) + self.bn_b(self.conv(y))
        forked = self.fork(x)
        return shared, self.bn_c(forked) - self.bn_d(forked)


def test_shared_conv_module_folds_per_call_and_a_forked_conv_does_not(folding):
    module = _randomized(SharedConv())
    gm = fx.symbolic_trace(module)
    torch.manual_seed(2)
    report = _fold_and_check(module, gm, (torch.randn(2, 3, 6, 6), torch.randn(2, 3, 6, 6)), folding)
    assert report.counts == {FOLD: 2}
    assert [n.target for n in gm.graph.nodes if n.op == "call_module"] == ["fork", "bn_c", "bn_d"]


def test_dry_run_adds_no_buffers(folding):
    gm = zoo.trace("resnet_basic")
    before, code, keys = fingerprint(gm), gm.code, list(gm.state_dict())
    apply(gm, folding, dry_run=True)
    assert report_of(gm).fired(FOLD) == 3 and report_of(gm).dry_run
    assert gm.code == code and fingerprint(gm) == before and list(gm.state_dict()) == keys


@pytest.mark.filterwarnings("ignore:The TorchScript type system:UserWarning")
def test_folded_module_copies_saves_and_scripts(folding):
    import copy

    entry = zoo.get("resnet_basic")
    inputs = entry.inputs()
    gm = apply(zoo.trace("resnet_basic"), folding)
    expected = gm(*inputs)
    torch.testing.assert_close(copy.deepcopy(gm)(*inputs), expected)
    other = apply(zoo.trace("resnet_basic"), folding)
    other.load_state_dict(gm.state_dict())
    torch.testing.assert_close(other(*inputs), expected)
    torch.testing.assert_close(torch.jit.script(gm)(*inputs), expected)
    gm.delete_all_unused_submodules()  # the folded conv/bn modules are no longer referenced
    assert [n for n, _ in gm.named_modules()] == ["", "relu"]
    torch.testing.assert_close(gm(*inputs), expected)
