"""OpTable: normalize_call and its errors, extension, immutability, commutativity, impurity, unknown ops, determinism."""
import builtins
import contextlib
import io
import operator
import os
import subprocess
import sys

import pytest
import torch

from fxcore import ops
from fxcore.ops import OpSignatureError, Spelling, UnknownOpError, opdef

T = ops.default_table()


# ---- normalize_call --------------------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs", [
    (("x", 1, True), {}), (("x",), {"dim": 1, "keepdim": True}), (("x", [1]), {"keepdim": True}),
    (("x", (1,), True, None), {}), ((), {"input": "x", "dim": (1,), "keepdim": True}),
    ((), {"self": "x", "dim": 1, "keepdim": True, "dtype": None}),
])
def test_normalize_call_forms_agree(args, kwargs):
    assert ops.normalize_call("sum", args, kwargs) == ("x", (1,), True, None)


def test_normalize_call_fills_defaults_and_broadcasts_int_lists():
    assert ops.normalize_call("add", ("x", "y")) == ("x", "y", 1)
    assert ops.normalize_call("conv2d", ("x", "w"), {"stride": 2}) == ("x", "w", None, (2, 2), (0, 0), (1, 1), 1)
    assert ops.normalize_call("permute", ("x", [2, 0, 1])) == ("x", (2, 0, 1))
    assert ops.normalize_call("permute", ("x", 2, 0, 1)) == ("x", (2, 0, 1))
    assert ops.normalize_call("view", ("x", -1)) == ops.normalize_call("view", ("x", [-1])) == ("x", (-1,))
    assert ops.normalize_call("cat", ([["a", "b"]]), {"dim": 1}) == (("a", "b"), 1)


def test_unknown_op_error_suggests_and_says_how_to_fix():
    with pytest.raises(UnknownOpError) as info:
        ops.normalize_call("tranpose", ("x", 0, 1))
    msg = str(info.value)
    assert "unknown op 'tranpose'" in msg and "Did you mean 'transpose'" in msg and "table.extended" in msg


def test_unknown_op_error_is_a_key_error_with_a_readable_message():
    with pytest.raises(KeyError):
        T.op("nope")


@pytest.mark.parametrize("name,args,kwargs,pattern", [
    ("sum", ("x",), {"keepdims": True}, r"unexpected keyword argument 'keepdims'\. Did you mean 'keepdim'\?.*schema is sum\("),
    ("relu", ("x", "y"), {}, r"relu\(\) takes at most 1 positional arguments \(self\) but 2 were given"),
    ("transpose", ("x", 0), {}, r"missing required argument 'dim1'"),
    ("add", ("x", "y"), {"other": "z"}, r"multiple values for argument 'other'"),
    ("view", ("x", torch.float16), {}, r"'size' takes SymInt\[\], got torch.float16"),
])
def test_normalize_call_signature_errors(name, args, kwargs, pattern):
    with pytest.raises(OpSignatureError, match=pattern):
        ops.normalize_call(name, args, kwargs)


def test_opdef_schema_round_trips():
    d = T.op("sum")
    assert opdef(d.schema()) == d
    assert d.schema() == "sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)"


def test_every_op_schema_round_trips():
    for name in T.names():
        d = T.op(name)
        assert opdef(d.schema()).params == d.params, name


# ---- extension and immutability -----------------------------------------------------------------
def test_extended_returns_a_new_table_and_leaves_the_default_alone():
    def my_act(x):
        return x * torch.sigmoid(x)

    t2 = T.extended(opdef("my_act(Tensor self)"), functions=[(my_act, Spelling("my_act"))])
    g = torch.fx.Graph()
    n = g.call_function(my_act, (g.placeholder("x"),))
    assert ops.canonical_op(n, t2) == "my_act" and ops.canonical_op(n) is my_act
    assert "my_act" not in T.names() and "my_act" in t2.names()


def test_extended_overrides_a_spelling():
    t2 = T.extended(functions=[(torch.relu, Spelling("silu"))])
    g = torch.fx.Graph()
    n = g.call_function(torch.relu, (g.placeholder("x"),))
    assert ops.canonical_op(n, t2) == "silu" and ops.canonical_op(n) == "relu"


def test_extended_rejects_non_opdefs():
    with pytest.raises(TypeError, match="opdef"):
        T.extended("my_op(Tensor self)")


def test_default_table_is_cached_and_read_only():
    assert ops.default_table() is T
    with pytest.raises(TypeError):
        T._defs["x"] = None
    assert T.op("add") is T.op("add")


# ---- commutativity and impurity -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "mul", "maximum", "minimum", "eq", "ne", "logical_and", "logical_or",
                                  "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor"])
def test_commutative(name):
    assert ops.is_commutative(name)


@pytest.mark.parametrize("name", ["sub", "div", "matmul", "lt", "pow", "add_", "cat", "nope"])
def test_not_commutative(name):
    assert not ops.is_commutative(name)


def test_add_commutes_only_with_default_alpha():
    assert ops.is_commutative("add", ("x", "y", 1))
    assert not ops.is_commutative("add", ("x", "y", 2))


def _graph_node(target, *args, op="call_function", **kwargs):
    g = torch.fx.Graph()
    x = g.placeholder("x")
    args = tuple(x if a == "X" else a for a in args)
    return getattr(g, op)(target, args, kwargs)


@pytest.mark.parametrize("node", [
    _graph_node(operator.iadd, "X", "X"), _graph_node("add_", "X", "X", op="call_method"),
    _graph_node(torch.relu_, "X"), _graph_node(torch.nn.functional.relu, "X", inplace=True),
    _graph_node(torch.nn.functional.dropout, "X", 0.5), _graph_node(torch.dropout, "X", 0.5, "X"),
    _graph_node(torch.rand, 2, 3), _graph_node(torch.randn_like, "X"), _graph_node(torch.bernoulli, "X"),
    _graph_node(builtins.print, "X", "hello"), _graph_node(operator.setitem, "X", 0, 1.0),
    _graph_node(torch._assert, "X", "msg"), _graph_node("copy_", "X", "X", op="call_method"),
    _graph_node("my_weird_", "X", op="call_method"), _graph_node(torch.ops.aten.add_.Tensor, "X", "X"),
    _graph_node(torch.ops.aten._assert_async.msg, "X", "m"), _graph_node(torch.randint, 5, (2,)),
    _graph_node(torch.add, "X", "X", out="X"), _graph_node(torch.nn.functional.threshold, "X", 0.1, 0.0, inplace=True),
], ids=lambda n: str(n.target))
def test_impure(node):
    assert ops.is_impure(node)


@pytest.mark.parametrize("node", [
    _graph_node(operator.add, "X", "X"), _graph_node(torch.relu, "X"),
    _graph_node(torch.nn.functional.dropout, "X", 0.5, training=False), _graph_node("sum", "X", op="call_method"),
    _graph_node(torch.logit, "X"), _graph_node("foo", "X", op="call_method"),
], ids=lambda n: str(n.target))
def test_pure(node):
    assert not ops.is_impure(node)


def test_placeholder_and_output_are_impure():
    g = torch.fx.Graph()
    x = g.placeholder("x")
    out = g.output(x)
    assert ops.is_impure(x) and ops.is_impure(out)


# ---- unknown ops --------------------------------------------------------------------------------
def test_unknown_call_method_keeps_its_name_and_raw_operands():
    n = _graph_node("my_method", "X", op="call_method")
    assert ops.canonical_op(n) == "my_method"
    assert ops.node_operands(n) == n.args


def test_aten_overload_not_written_out_is_read_from_torch():
    n = _graph_node(torch.ops.aten.native_layer_norm.default, "X", [4], None, None, 1e-5)
    assert ops.canonical_op(n) == "native_layer_norm"
    assert ops.node_operands(n)[1:] == ((4,), None, None, 1e-5)


def test_out_overloads_are_not_canonicalized():
    n = _graph_node(torch.ops.aten.add.out, "X", "X", out="X")
    assert ops.canonical_op(n) is torch.ops.aten.add.out


def test_raw_operands_sort_kwargs_by_key():
    n = _graph_node(torch.logit, "X", eps=0.1, zz=1, aa=[2])
    assert ops.node_operands(n)[1:] == (("aa", (2,)), ("eps", 0.1), ("zz", 1))


def test_non_call_nodes():
    g = torch.fx.Graph()
    x = g.placeholder("relu")
    w = g.get_attr("conv.weight")
    assert ops.canonical_op(x) == "placeholder" and ops.node_operands(x) == ()
    assert ops.canonical_op(w) == "get_attr" and ops.node_operands(w) == (ops.Attr("conv.weight"),)


# ---- determinism --------------------------------------------------------------------------------
_SNAPSHOT = """
import torch, operator
from fxcore import ops
t = ops.default_table()
g = torch.fx.Graph(); x = g.placeholder('x')
n = g.call_function(torch.logit, (x,), {'b': 1, 'a': 2, 'c': [3]})
print(t.names())
print([len(t._functions), len(t._methods), len(t._modules)])
print(ops.node_operands(n), list(t._methods))
try:
    ops.normalize_call('sum', ('x',), {'zzz': 1, 'aaa': 2})
except ops.OpSignatureError as e:
    print(e)
"""


def test_table_is_independent_of_hash_seed():
    """This process's snapshot equals one taken under another PYTHONHASHSEED."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(_SNAPSHOT, {})
    seed = "12345" if os.environ.get("PYTHONHASHSEED") != "12345" else "54321"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    res = subprocess.run([sys.executable, "-c", _SNAPSHOT], env={**os.environ, "PYTHONHASHSEED": seed}, cwd=root,
                         capture_output=True, text=True, check=True)
    assert res.stdout == buf.getvalue() and "aaa" in res.stdout


# ---- emission errors and value semantics ------------------------------------------------------------
def test_emit_args_checks_arity():
    with pytest.raises(OpSignatureError, match=r"add takes 3 operands \('self', 'other', 'alpha'\), got 2"):
        ops.emit_args("add", ("x", "y"))


def test_op_without_call_target_says_how_to_register_one():
    with pytest.raises(ops.OpsError, match=r"no call target.*EmitSpec\('print', target\)"):
        ops.call_target("print")
    with pytest.raises(UnknownOpError):
        ops.call_target("nope")


def test_opdefs_are_frozen_and_hashable():
    defs = [T.op(n) for n in T.names()]
    assert len(set(defs)) == len(defs)
    with pytest.raises(AttributeError):
        defs[0].name = "other"


def test_extended_emits_are_used():
    t2 = T.extended(emits=[ops.EmitSpec("relu", torch.nn.functional.relu)])
    assert t2.call_target("relu") is torch.nn.functional.relu and T.call_target("relu") is torch.relu
