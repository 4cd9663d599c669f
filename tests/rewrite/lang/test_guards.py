"""Guards: the allowlist (malicious guards rejected), three-valued semantics, FX metadata, and a
Hypothesis differential test: on plain values a guard evaluates exactly like Python does."""
import math
import warnings

import pytest
import torch
from hypothesis import given, strategies as st

from rewrite import errors as E
from rewrite.lang.facts import UNKNOWN, TensorFacts, describe_node, parse_facts
from rewrite.lang.guards import compile_guard, python_guard

# ---------------------------------------------------------------- differential against Python
ENV = {"a": 2, "b": -3, "c": (1, 0, 2), "e": (), "n": None, "t": True}
FUNCS = {"len": len, "abs": abs, "min": min, "max": max, "all": all, "any": any, "sum": sum,
         "int": int, "float": float, "bool": bool}

leaves = st.one_of(
    st.integers(-3, 3).map(str), st.sampled_from(["True", "False", "None", "()", "(1, 2)", "[0, 1]"]),
    st.sampled_from(sorted(ENV)))


def _extend(children):
    binary = st.sampled_from(["+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=",
                              "and", "or", "in", "not in", "&", "|", "^"])
    unary = st.sampled_from(["-", "not ", "+"])
    func = st.sampled_from(sorted(FUNCS))
    return st.one_of(
        st.tuples(children, binary, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(unary, children).map(lambda t: f"({t[0]}{t[1]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})"),
        st.tuples(func, st.lists(children, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.lists(children, max_size=3).map(lambda xs: "(" + "".join(x + ", " for x in xs) + ")"),
    )


expressions = st.recursive(leaves, _extend, max_leaves=10)


def python_value(src):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(src, {"__builtins__": {}, **FUNCS}, dict(ENV))  # the reference, in the TEST only


@given(expressions)
def test_guards_evaluate_like_python_on_plain_values(src):
    guard = compile_guard(src, names=tuple(ENV))
    ours = guard.fn(dict(ENV), None)  # never raises
    try:
        expected = python_value(src)
    except Exception:
        return  # Python raises: ours must not (it is UNKNOWN or a value decided without the error)
    assert ours is not UNKNOWN, src
    assert type(ours) is type(expected) and (ours == expected or (
        isinstance(ours, float) and math.isnan(ours) and math.isnan(expected))), (src, ours, expected)


@given(expressions)
def test_truth_of_a_guard_matches_python_bool(src):
    guard = compile_guard(src, names=tuple(ENV))
    try:
        expected = bool(python_value(src))
    except Exception:
        return
    assert guard.evaluate(dict(ENV)) is expected


# ---------------------------------------------------------------- the allowlist
@pytest.mark.parametrize("src, message", [
    ("__import__('os').system('true')", "'__import__' cannot be called"),
    ("x.__class__", "attribute '__class__' is not allowed"),
    ("x.shape.__class__.__bases__", "attribute '__bases__' is not allowed"),
    ("(lambda: 1)()", "'lambda: 1' cannot be called"),
    ("lambda: 1", "Lambda is not allowed"),
    ("[i for i in x.shape]", "ListComp is not allowed"),
    ("open('/etc/passwd')", "'open' cannot be called"),
    ("eval('1')", "'eval' cannot be called"),
    ("torch.load('f')", "torch.load(...) cannot be called"),
    ("torch.nn", "torch.nn is not allowed"),
    ("x.shape.count(1)", "method 'count' cannot be called"),
    ("(y := 1)", "NamedExpr is not allowed"),
    ("f'{x}'", "JoinedStr is not allowed"),
    ("{1: 2}", "Dict is not allowed"),
    ("len(*x.shape)", "keyword or starred"),
    ("b'bytes'", "literal b'bytes' is not allowed"),
    ("len", "'len' can only be used as"),
])
def test_unsafe_guards_are_rejected_at_compile_time(src, message):
    with pytest.raises(E.UnsafeGuardError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("*", r"\*").replace(".", r"\.")):
        compile_guard(src, names=("x",))


def test_deep_guard_is_a_syntax_error_not_a_recursion_error():
    with pytest.raises(E.RuleSyntaxError, match="nested deeper"):
        compile_guard(" + ".join(["1"] * 500))
    with pytest.raises(E.RuleSyntaxError):
        compile_guard("(" * 300 + "1" + ")" * 300)


def test_huge_results_are_refused_not_computed():
    assert compile_guard("10 ** 10 ** 10 > 0").evaluate({}) is UNKNOWN
    assert compile_guard("len('a' * 10 ** 12) > 0").evaluate({}) is UNKNOWN
    assert compile_guard("1 << 10 ** 9").evaluate({}) is UNKNOWN
    assert compile_guard("2 ** 10 == 1024").evaluate({}) is True


# ---------------------------------------------------------------- three-valued semantics
def test_unknown_metadata_never_holds_and_never_raises():
    g = compile_guard("x.shape[1] == 64", names=("x",))
    assert g.evaluate({"x": TensorFacts()}) is UNKNOWN
    assert g.evaluate({"x": TensorFacts((2, None))}) is UNKNOWN
    assert g.evaluate({"x": TensorFacts((2, 64))}) is True
    assert g.evaluate({"x": 3}) is UNKNOWN  # a literal has no shape
    ne = compile_guard("x.shape[1] != 64", names=("x",))
    assert ne.evaluate({"x": TensorFacts((2, None))}) is UNKNOWN  # not True: unknown stays unknown


def test_kleene_logic():
    env = {"x": TensorFacts(), "d": 3}
    assert compile_guard("x.ndim == 4 and d == 2").evaluate(env) is False
    assert compile_guard("x.ndim == 4 or d == 3").evaluate(env) is True
    assert compile_guard("not (x.ndim == 4)").evaluate(env) is UNKNOWN
    assert compile_guard("all((d == 3, x.ndim == 4))").evaluate(env) is UNKNOWN
    assert compile_guard("any((d == 3, x.ndim == 4))").evaluate(env) is True


def test_tensor_attributes_and_methods():
    env = {"x": torch.zeros(2, 3, dtype=torch.float16), "i": torch.zeros(4, dtype=torch.int64)}
    for src in ["x.dtype.is_floating_point", "x.is_floating_point", "x.is_floating_point()",
                "x.ndim == 2", "x.dim() == 2", "x.numel == 6", "x.numel() == 6",
                "x.size(1) == 3", "x.size() == (2, 3)", "x.shape[-1] == 3", "x.shape[1:] == (3,)",
                "x.dtype == torch.float16", "x.dtype.itemsize == 2", "not i.is_floating_point",
                "i.dtype.is_signed", "max(x.shape) == 3", "min(x.shape) == 2", "len(x.shape) == 2"]:
        assert compile_guard(src).evaluate(env) is True, src


def test_python_guards():
    g = python_guard(lambda x: x.shape[1] == 64)
    assert g.evaluate({"x": TensorFacts((1, 64))}) is True
    assert g.evaluate({"x": TensorFacts()}) is UNKNOWN  # TypeError on None shape: unknown
    assert g.evaluate({}) is UNKNOWN


def test_parse_facts():
    assert parse_facts("float32[2,3]") == TensorFacts((2, 3), torch.float32)
    assert parse_facts("int64[]").shape == ()
    assert parse_facts("bool").shape is None
    with pytest.raises(ValueError, match="dtype\\[dims\\]"):
        parse_facts("floaty[2]")


# ---------------------------------------------------------------- FX metadata
def test_symbolic_shapes_are_decided_without_adding_guards():
    from torch.fx.experimental.proxy_tensor import make_fx
    gm = make_fx(lambda x: x.relu() * 2, tracing_mode="symbolic")(torch.randn(3, 4))
    x, relu, mul = [n for n in gm.graph.nodes if n.op != "output"]
    s0 = x.meta["val"].shape[0]
    env = s0.node.shape_env
    before = len(env.guards)
    facts = describe_node(x)
    assert isinstance(facts.shape[0], torch.SymInt)
    cases = {"x.shape[0] == 3": UNKNOWN, "x.shape[0] >= 0": True, "x.shape == result.shape": True,
             "x.shape[0] < 0": False, "x.ndim == 2": True, "x.shape[0] * 2 == x.shape[0] + x.shape[0]": True,
             "max(x.shape[0], 0) >= 0": True, "x.shape[0] in (1, 2)": UNKNOWN, "x.numel > -1": True,
             "x.shape != result.shape": False}
    for src, want in cases.items():
        assert compile_guard(src).evaluate({"x": x, "result": mul}, describe_node) is want, src
    assert len(env.guards) == before  # statically_known_true only: no guard was added


def test_tensor_meta_and_gradual_types():
    from torch.fx.passes.shape_prop import ShapeProp
    from torch.fx.tensor_type import Dyn, TensorType
    gm = torch.fx.symbolic_trace(lambda x: torch.relu(x))
    ShapeProp(gm).propagate(torch.zeros(2, 5))
    node = [n for n in gm.graph.nodes if n.op == "call_function"][0]
    assert describe_node(node) == TensorFacts((2, 5), torch.float32, None, False)
    g = torch.fx.Graph()
    p = g.placeholder("p")
    p.meta["type"] = TensorType((2, Dyn))
    assert describe_node(p).shape == (2, None)
    q = g.placeholder("q")
    assert describe_node(q) == TensorFacts()
    assert compile_guard("q.ndim == 2").evaluate({"q": q}, describe_node) is UNKNOWN


def test_facts_are_frozen_hashable_values():
    f = TensorFacts((2, 3), torch.float32)
    assert {f: 1}[TensorFacts((2, 3), torch.float32)] == 1
    with pytest.raises(AttributeError):
        f.shape = (1,)


def test_node_facts_from_gradual_types_and_dynamo_example_values():
    from fxcore.types import Dyn as GDyn, TensorType as GTensorType
    from rewrite.lang.facts import describe_node
    from unify import var

    graph = torch.fx.Graph()
    typed, dynamo = graph.placeholder("typed"), graph.placeholder("dynamo")
    typed.meta["type"] = GTensorType((var("b"), 3, GDyn), torch.float16)
    dynamo.meta["example_value"] = torch.empty(4, 5)
    facts = describe_node(typed)
    assert facts.shape == (None, 3, None) and facts.dtype == torch.float16
    assert describe_node(dynamo).shape == (4, 5)
