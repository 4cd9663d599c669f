"""Decomposition variants: a coarse match is checked at the matched shapes; a transpose is never permute(w, [0, 1]);
addmm only with beta == alpha == 1; a smaller form inside a larger one is refused; no meta, no size-dependent form."""
import warnings

import pytest
import torch
import torch.nn as nn
from torch.fx.experimental.proxy_tensor import make_fx

from fxcore.match import find_matches
from fxcore.match.variants import compile_variants, op_forms
from fxcore.ops import default_table, normalize_term
from unify import var

T = default_table()
x, w, b = var("x"), var("w"), var("b")
LINEAR = normalize_term("linear", (x, w, b))


def _sites(gm, pattern=LINEAR):
    """Roots of every match of the pattern and its variants, and the matches."""
    found = [m for cp in compile_variants(pattern, T) for m in find_matches(gm.graph, cp)]
    return sorted(str(m.root.target).split(".")[1] for m in found), found


def _aten_graph(build, *shapes, meta=True):
    """A graph of aten calls made by ``build(graph, *placeholders)``, with FakeTensor meta when ``meta``."""
    g = torch.fx.Graph()
    ins = [g.placeholder(f"in{i}") for i in range(len(shapes))]
    g.output(build(g, *ins))
    gm = torch.fx.GraphModule(nn.Module(), g)
    if meta:
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.passes.fake_tensor_prop import FakeTensorProp
        mode = FakeTensorMode()
        FakeTensorProp(gm, mode).propagate(*[mode.from_tensor(torch.randn(*s)) for s in shapes])
    return gm


aten = torch.ops.aten


@pytest.mark.parametrize("dims,expect", [([1, 0], ["addmm"]), ([0, 1], [])])
def test_a_transpose_is_permute_1_0_never_0_1(dims, expect):
    gm = _aten_graph(lambda g, xx, ww, bb: g.call_function(aten.addmm.default, (
        bb, xx, g.call_function(aten.permute.default, (ww, dims)))), (4, 5), (5, 5), (5,))
    assert _sites(gm)[0] == expect


@pytest.mark.parametrize("beta,alpha,expect", [(1, 1, ["addmm"]), (2, 1, []), (1, 0.5, [])])
def test_addmm_is_linear_only_with_beta_and_alpha_1(beta, alpha, expect):
    gm = _aten_graph(lambda g, xx, ww, bb: g.call_function(aten.addmm.default, (
        bb, xx, g.call_function(aten.t.default, (ww,))), {"beta": beta, "alpha": alpha}), (4, 5), (6, 5), (6,))
    assert _sites(gm)[0] == expect


@pytest.mark.parametrize("out_shape,expect", [([2, 3, 11], ["view"]), ([3, 2, 11], ["addmm"])])
def test_the_sizes_of_a_3d_form_are_checked_at_the_matched_shapes(out_shape, expect):
    """view(addmm(b, view(x, [6, 7]), t(w)), [3, 2, 11]) is a valid graph, but not linear(x) (x is [2, 3, 7]): only
    its addmm is a linear, of the flattened x."""
    def build(g, xx, ww, bb):
        flat = g.call_function(aten.view.default, (xx, [6, 7]))
        mm = g.call_function(aten.addmm.default, (bb, flat, g.call_function(aten.t.default, (ww,))))
        return g.call_function(aten.view.default, (mm, out_shape))
    gm = _aten_graph(build, (2, 3, 7), (11, 7), (11,))
    assert _sites(gm)[0] == expect


def test_without_meta_only_forms_without_size_dependent_literals_match():
    def build3(g, xx, ww, bb):
        flat = g.call_function(aten.view.default, (xx, [6, 7]))
        mm = g.call_function(aten.addmm.default, (bb, flat, g.call_function(aten.t.default, (ww,))))
        return g.call_function(aten.view.default, (mm, [2, 3, 11]))
    assert _sites(_aten_graph(build3, (2, 3, 7), (11, 7), (11,), meta=False))[0] == ["addmm"]  # the 2-D form
    gm2 = _aten_graph(lambda g, xx, ww, bb: g.call_function(aten.addmm.default, (
        bb, xx, g.call_function(aten.t.default, (ww,)))), (4, 5), (6, 5), (6,), meta=False)
    assert _sites(gm2)[0] == ["addmm"]


def test_a_torch_level_call_is_not_taken_for_a_decomposition():
    gm = torch.fx.symbolic_trace(lambda a, wt, bs: torch.addmm(bs, a, wt.t()))
    assert _sites(gm)[0] == []


@pytest.mark.parametrize("shape", [(4, 7), (2, 3, 7), (2, 3, 4, 7)])
def test_one_match_per_linear_the_largest_form(shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = make_fx(nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 3, bias=False)))(torch.randn(*shape))
    roots, found = _sites(gm)
    assert len(roots) == 2
    biases = [m.bindings[b] for m in sorted(found, key=lambda m: m.root)]
    assert isinstance(biases[0], torch.fx.Node) and biases[1] is None  # the no-bias form binds b to None
    assert all(set(m.bindings) == {x, w, b} for m in found)  # the pattern's variables, nothing else


def test_an_inner_node_used_outside_refuses_the_match():
    def build(g, xx, ww, bb):
        t = g.call_function(aten.t.default, (ww,))
        mm = g.call_function(aten.addmm.default, (bb, xx, t))
        return mm, t
    gm = _aten_graph(lambda g, *a: build(g, *a)[0], (4, 5), (6, 5), (6,))
    assert _sites(gm)[0] == ["addmm"]
    g = torch.fx.Graph()
    ins = [g.placeholder(n) for n in "xwb"]
    mm, t = build(g, *ins)
    g.output((mm, t))
    assert _sites(torch.fx.GraphModule(nn.Module(), g))[0] == []


@pytest.mark.parametrize("also_output", [False, True])
def test_a_captured_decomposed_node_is_an_inner_node_like_any_other(also_output):
    """relu(linear(...)) on relu(addmm(...)): the addmm (captured for its check) may not be used outside."""
    g = torch.fx.Graph()
    xx, ww, bb = (g.placeholder(n) for n in "xwb")
    mm = g.call_function(aten.addmm.default, (bb, xx, g.call_function(aten.t.default, (ww,))))
    r = g.call_function(aten.relu.default, (mm,))
    g.output((r, mm) if also_output else r)
    assert _sites(torch.fx.GraphModule(nn.Module(), g), ("relu", LINEAR))[0] == ([] if also_output else ["relu"])


def test_a_nested_pattern_matches_the_decomposed_op_inside():
    pattern = ("relu", LINEAR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = make_fx(nn.Sequential(nn.Linear(7, 5), nn.ReLU()))(torch.randn(2, 3, 7))
    roots, found = _sites(gm, pattern)
    assert roots == ["relu"] and found[0].bindings[x].name == "arg0_1"


def test_forms_are_traced_once_per_op_and_pattern_shape():
    before = op_forms.cache_info().hits
    compile_variants(LINEAR, T)
    compile_variants(normalize_term("linear", (var("a"), var("c"), var("d"))), T)
    assert op_forms.cache_info().hits >= before + 2


def test_dynamic_shapes_never_give_a_wrong_match():
    """Symbolic sizes cannot be checked by a trace: forms whose literals follow the sizes do not match; what does
    match (the 2-D addmm, a linear of the flattened input) is rewritten with the numbers kept at other sizes."""
    import rewrite
    from rewrite.pyrules import ops, rule, ruleset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = make_fx(torch.nn.functional.linear, tracing_mode="symbolic")(torch.randn(2, 3, 7), torch.randn(5, 7),
                                                                          torch.randn(5))
    assert [m.bindings[x].meta["val"].dim() for m in _sites(gm)[1]] == [2]
    rewrite.apply(gm, ruleset("fuse", rule("linear", LINEAR, ops.linear(x, w, b))), once=True)
    args = (torch.randn(4, 6, 7), torch.randn(5, 7), torch.randn(5))
    torch.testing.assert_close(gm(*args), torch.nn.functional.linear(*args))
