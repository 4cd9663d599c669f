"""The vocabulary read from torch's registry: every core ATen op and every op the issue listed can be named in a
rule; schemas, effects and in-place-ness come from the schema; custom torch.library ops through an explicit table."""
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch.fx.experimental.proxy_tensor import make_fx
from torch.fx.passes.shape_prop import ShapeProp

import rewrite
from fxcore import ops
from fxcore.ops.registry import _MEMORY_FORMATS, enum_value, is_out_overload, overload_params
from fxcore.ops.torch_ops import namespace_ops, sample_call
from rewrite.errors import UnknownOpError

T = ops.default_table()

ISSUE_NAMES = ("to", "float", "half", "_to_copy", "zeros_like", "ones_like", "full_like", "scatter", "topk", "asinh",
               "index", "constant_pad_nd", "upsample_nearest2d", "split_with_sizes", "native_layer_norm", "empty")


def _core_overloads():
    for p in namespace_ops("aten"):
        packet = getattr(torch.ops.aten, p)
        for o in packet.overloads():
            ov = getattr(packet, o)
            if torch.Tag.core in ov.tags and not is_out_overload(ov):
                yield ov


def test_every_core_aten_op_resolves_to_a_name_a_rule_can_write():
    core = list(_core_overloads())
    assert len({ov.overloadpacket for ov in core}) >= 156
    unnamed = []
    for ov in core:
        found = T.resolve_call(ov, *sample_call(ov))
        if found is None or found[0] not in T:
            unnamed.append(str(ov))
    assert unnamed == []


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_the_issues_unknown_ops_load_in_yaml(name):
    args = {"to": "x, dtype=torch.float16", "_to_copy": "x, dtype=torch.float16", "full_like": "x, 2.0",
            "scatter": "x, 0, i, y", "topk": "x, 3", "index": "x, [i]", "constant_pad_nd": "x, [1, 1]",
            "upsample_nearest2d": "x, [4, 4]", "split_with_sizes": "x, [1, 2]",
            "native_layer_norm": "x, [4], w, b, 1e-5",
            "empty": "[2, 3]"}.get(name, "x")
    text = f"ruleset: t\nrules:\n  - id: r\n    pattern: neg({name}({args}))\n    replacement: neg({name}({args}))\n"
    rs = rewrite.loads(text, warn=False)
    op = rs.rules[0].pattern[1][0]
    assert op in T, op


def test_a_double_cast_rule_in_yaml_fires_on_x_float_half():
    rs = rewrite.loads("""
ruleset: casts
rules:
  - id: half-float-half
    pattern: half(float(x))
    replacement: x
    when: x.dtype == torch.float16
""", warn=False)
    assert rs.rules[0].pattern[0] == "to" and rs.rules[0].pattern[2] == torch.float16
    gm = torch.fx.symbolic_trace(lambda x: x.float().half() * 2)
    ShapeProp(gm).propagate(torch.randn(3, dtype=torch.float16))  # the guard reads x's dtype
    rewrite.apply(gm, rs)
    assert [n.target for n in gm.graph.nodes if n.op.startswith("call")] == [__import__("operator").mul]
    x = torch.randn(3, dtype=torch.float16)
    gm = make_fx(lambda x: x.float().half() * 2)(x)  # make_fx records _to_copy: to's decomposed form
    rewrite.apply(gm, rs)
    assert [str(n.target) for n in gm.graph.nodes if n.op.startswith("call")] == ["aten.mul.Tensor"]
    torch.testing.assert_close(gm(x), x * 2)


def test_unknown_ops_are_still_load_errors_with_a_did_you_mean():
    with pytest.raises(UnknownOpError, match="tpok") as info:
        rewrite.loads("ruleset: t\nrules:\n  - id: r\n    pattern: tpok(x, 3)\n    replacement: x\n", warn=False)
    assert "topk" in str(info.value)


def test_overloads_the_canonical_schema_cannot_take_are_their_own_ops_and_nameable():
    rs = rewrite.loads("ruleset: t\nrules:\n  - id: r\n    pattern: scatter.value(x, 0, i, 1.0)\n"
                       "    replacement: scatter.value(x, 0, i, 2.0)\n", warn=False)
    assert rs.rules[0].pattern == ("scatter.value", *rs.rules[0].pattern[1:])
    g = torch.fx.Graph()
    x, i = g.placeholder("x"), g.placeholder("i")
    assert T.resolve_node(g.call_function(torch.ops.aten.scatter.value, (x, 0, i, 1.0)))[0] == "scatter.value"
    assert T.resolve_node(g.call_function(torch.ops.aten.scatter.src, (x, 0, i, x)))[0] == "scatter"


# ---- schemas and effects from torch -------------------------------------------------------------------
def test_schemas_are_torchs_own():
    for name in ("topk", "_to_copy", "native_layer_norm", "constant_pad_nd", "asinh", "index"):
        d = T.op(name)
        assert d.overload is not None and d.params == overload_params(d.overload), name


@pytest.mark.parametrize("name,impure,inplace_of", [
    ("index_put_", True, "index_put"), ("normal_", True, "normal"), ("bernoulli", True, None), ("rand", True, None),
    ("_assert_tensor_metadata", True, None), ("topk", False, None), ("asinh", False, None), ("add_", True, "add"),
    ("native_dropout", False, None), ("uniform", True, None),
])
def test_impurity_and_inplace_come_from_the_schema(name, impure, inplace_of):
    d = T.op(name)
    assert (d.impure, d.inplace_of) == (impure, inplace_of)


def test_a_random_op_with_its_randomness_switched_off_is_pure():
    g = torch.fx.Graph()
    x = g.placeholder("x")
    off = g.call_function(torch.ops.aten.native_dropout.default, (x, 0.5, False))
    on = g.call_function(torch.ops.aten.native_dropout.default, (x, 0.5, True))
    q = g.call_function(torch.ops.aten.scaled_dot_product_attention.default, (x, x, x))
    assert (ops.is_impure(off), ops.is_impure(on), ops.is_impure(q)) == (False, True, False)


def test_enum_defaults_read_as_aten_reads_them():
    for i, fmt in enumerate(_MEMORY_FORMATS):
        if fmt is not torch.preserve_format:  # (empty takes no preserve_format)
            t = torch.ops.aten.empty.memory_format([2, 3, 4, 5, 6][:4 if i < 3 else 5], memory_format=i)
            assert t.is_contiguous(memory_format=fmt) and (i == 0 or not t.is_contiguous())
    assert enum_value("Optional[ScalarType]", 6) is torch.float32 and enum_value("Layout", 0) is torch.strided
    assert T.op("contiguous").params[1].default is torch.contiguous_format


def test_torch_functions_and_methods_of_ops_read_from_torch_resolve_by_overload():
    gm = torch.fx.symbolic_trace(lambda x: torch.topk(x, 2).values + x.topk(2, dim=0).values.sum() + torch.asinh(x))
    got = [(ops.canonical_op(n), ops.node_operands(n)[1:]) for n in gm.graph.nodes
           if ops.canonical_op(n) in ("topk", "asinh")]
    assert got == [("topk", (2, -1, True, True)), ("topk", (2, 0, True, True)), ("asinh", ())]


# ---- custom ops ------------------------------------------------------------------------------------------
@torch.library.custom_op("fxr_vocab::fused_gelu", mutates_args=())
def fused_gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x)


@fused_gelu.register_fake
def _(x):
    return torch.empty_like(x)


@torch.library.custom_op("fxr_vocab::scale_", mutates_args=("x",))
def scale_(x: torch.Tensor, k: float) -> None:
    x.mul_(k)


CUSTOM = ops.default_table().with_library("fxr_vocab")
GELU_RULES = "ruleset: c\nrules:\n  - id: fuse\n    pattern: gelu(x)\n    replacement: fxr_vocab.fused_gelu(x)\n"


def test_custom_ops_are_known_to_the_table_that_reads_their_namespace_only():
    assert "fxr_vocab.fused_gelu" in CUSTOM and "fxr_vocab.fused_gelu" not in T
    assert CUSTOM.op("fxr_vocab.fused_gelu").schema() == "fxr_vocab.fused_gelu(Tensor x)"
    assert CUSTOM.op("fxr_vocab.scale_").impure and not CUSTOM.op("fxr_vocab.fused_gelu").impure
    with pytest.raises(UnknownOpError):
        rewrite.loads(GELU_RULES, warn=False)


@pytest.mark.parametrize("front", ["symbolic_trace", "make_fx"])
def test_a_rule_emits_a_custom_op_and_matches_it(front):
    rs = rewrite.loads(GELU_RULES, table=CUSTOM, warn=False)
    x = torch.randn(3, 4)
    model = torch.nn.Sequential(torch.nn.GELU(), torch.nn.ReLU())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = torch.fx.symbolic_trace(model) if front == "symbolic_trace" else make_fx(model)(x)
    rewrite.apply(gm, rs, table=CUSTOM)
    assert [ops.canonical_op(n, CUSTOM) for n in gm.graph.nodes if n.op.startswith("call")][0] == "fxr_vocab.fused_gelu"
    torch.testing.assert_close(gm(x), model(x))
    back = rewrite.loads("ruleset: b\nrules:\n  - id: unfuse\n    pattern: fxr_vocab.fused_gelu(x)\n"
                         "    replacement: gelu(x)\n", table=CUSTOM, warn=False)
    rewrite.apply(gm, back, table=CUSTOM)
    assert "gelu" in [ops.canonical_op(n, CUSTOM) for n in gm.graph.nodes]
    torch.testing.assert_close(gm(x), model(x))
