"""The rule expression syntax: calls normalized by the op table, variables, literals, sugar, errors."""
import pytest
import torch

from unify import var
from rewrite import errors as E
from rewrite.errors import SourcePos
from rewrite.lang.syntax import parse_term, raw_normalizer, term_variables

x, d = var("x"), var("d")


@pytest.mark.parametrize("text, term", [
    ("neg(neg(x))", ("neg", ("neg", x))),
    ("sum(x, dim=d, keepdim=True)", ("sum", x, d, True, None)),
    ("sum(x, 1, True)", ("sum", x, (1,), True, None)),
    ("sum(x, dim=[1], keepdim=True)", ("sum", x, (1,), True, None)),
    ("x * sigmoid(x)", ("mul", x, ("sigmoid", x))),
    ("-x", ("neg", x)),
    ("add(x, -1.5)", ("add", x, -1.5, 1)),
    ("sum(x, 1, dtype=torch.float16)", ("sum", x, (1,), False, torch.float16)),
])
def test_parse_with_the_op_table(text, term):
    assert parse_term(text) == term


def test_raw_parsing_literals():
    assert parse_term("f(None, 'a', (1, [2]), True)", normalizer=raw_normalizer) == \
        ("f", None, "a", (1, (2,)), True)


@pytest.mark.parametrize("text, cls, message, col", [
    ("neg(x", E.RuleSyntaxError, "invalid pattern syntax", None),
    ("torch.neg(x)", E.RuleSyntaxError, "only plain op names can be called", 11),
    ("x.shape", E.RuleSyntaxError, "attribute access is not allowed", 11),
    ("neg(result)", E.RuleSyntaxError, "'result' is reserved", 15),
    ("neg(*x)", E.RuleSyntaxError, r"\*args", 11),
    ("sigmod(x)", E.UnknownOpError, "unknown op 'sigmod'", 11),
    ("neg(neg(x), bogus=1)", E.ArgumentError, "bogus", 11),
    ("x if x else x", E.RuleSyntaxError, "IfExp is not allowed", 11),
    ("x << 1", E.RuleSyntaxError, "operator LShift", 11),
    ("neg(" * 120 + "x" + ")" * 120, E.RuleSyntaxError, "nested deeper than 100", None),
])
def test_errors_have_positions(text, cls, message, col):
    with pytest.raises(cls, match=message) as info:
        parse_term(text, pos=SourcePos("f.yaml", 3, 11))
    if col is not None:
        assert str(info.value).startswith(f"f.yaml:3:{col}: ")


def test_unbound_names_against_the_pattern():
    with pytest.raises(E.UnboundVariableError, match="did you mean 'x'") as info:
        parse_term("add(xs, x2)", bound={"xs", "x"}, pos=SourcePos("f", 1, 1), what="replacement")
    assert str(info.value).startswith("f:1:9: replacement uses 'x2'")


def test_term_variables_first_occurrence_order_and_deep_terms():
    term = x
    for _ in range(100_000):
        term = ("neg", term, d)
    assert term_variables(term) == (x, d)  # depth-first, left to right
