"""terms(ruleset) draws well-formed terms that nest and overlap left sides and repeat subterms."""
import pytest
from hypothesis import given, settings
from hypothesis.errors import InvalidArgument

from fxcore.ops import default_table
from rewrite.check.term_graph import graph_of, term_variables
from rewrite.engine import normalize_full
from rewrite.lang import load, loads
from rewrite.testing import terms
from rewrite.testing.kinds import op_terms
from rewrite.testing.rule_terms import LEAVES
from unify.match import match

STD = load("std:std")
TABLE = default_table()


def _collect(ruleset, n=150, **kwargs):
    drawn = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True)
    @given(terms(ruleset, **kwargs))
    def collect(term):
        drawn.append(term)

    collect()
    return drawn


@settings(max_examples=100, deadline=None)
@given(terms(STD))
def test_terms_are_schema_normal_op_terms_over_the_leaves(term):
    for t in op_terms(term):
        assert len(t) - 1 == len(TABLE.op(t[0]).params), t
    assert set(term_variables(term)) <= set(LEAVES)
    graph_of(term).graph.lint()  # every op is one the emitter can build


def _rule_sites(term, ruleset):
    """(rule id, subterm) for each subterm some rule's left side matches (syntactically)."""
    return [(r.id, t) for t in op_terms(term) for r in ruleset.enabled() if match(r.pattern, t) is not False]


def test_left_sides_are_nested_and_subterms_repeated():
    drawn = _collect(STD)
    nested = [t for t in drawn if len(_rule_sites(t, STD)) >= 2]
    repeated = [t for t in drawn if any(op_terms(t).count(s) >= 2 for s in op_terms(t))]
    assert len(nested) > len(drawn) // 4 and len(repeated) > len(drawn) // 10


def test_non_linear_rules_find_equal_operands_that_are_terms():
    rs = loads("rules: [{id: silu, pattern: 'x * sigmoid(x)', replacement: 'silu(x)'}, "
               "{id: relu-relu, pattern: 'relu(relu(x))', replacement: 'relu(x)'}]")
    fired_on_terms = [t for t in _collect(rs) if "silu" in normalize_full(t, rs).fired
                      and any(s[0] == "mul" and s[1] == s[2][1] and isinstance(s[1], tuple)
                              for s in op_terms(t) if len(s) == 3 and isinstance(s[2], tuple))]
    assert fired_on_terms


def test_overlaps_unify_one_left_side_into_another():
    rs = loads("rules: [{id: a, pattern: 'relu(neg(x))', replacement: x}, {id: b, pattern: 'neg(exp(y))', "
               "replacement: y}]")
    overlapped = [t for t in _collect(rs, max_depth=0)
                  if t[0] == "relu" and isinstance(t[1][1], tuple) and t[1][1][0] == "exp"]
    assert overlapped  # relu(neg(exp(.))): b unified at a's subterm neg(x)


def test_literals_come_from_the_guards():
    rs = loads("rules: [{id: p, pattern: 'permute(permute(x, p), p)', replacement: x, when: 'p == (2, 0, 1)'}]")
    assert any(t[2] == (2, 0, 1) for t in _collect(rs, n=60))


def test_the_same_settings_draw_the_same_terms():
    assert _collect(STD, n=20) == _collect(STD, n=20)


@pytest.mark.parametrize("args,kwargs,message", [
    (("std:nope",), {}, "terms\\(ruleset='std:nope'\\)"),
    ((42,), {}, "expected a RuleSet"),
    ((STD.disable(*[r.id for r in STD.enabled()]),), {}, "no enabled rule"),
    ((STD,), {"max_depth": -1}, "max_depth must be an int >= 0"),
])
def test_bad_arguments_are_invalid_when_built(args, kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        terms(*args, **kwargs)
