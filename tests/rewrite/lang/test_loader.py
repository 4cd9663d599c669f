"""Loading YAML rule files: the model built, includes, enable/disable, and every error with its position."""
import textwrap
import warnings
from pathlib import Path

import pytest

from unify import var
from unify.conflict import AmbiguityWarning
from rewrite import errors as E
from rewrite.lang.loader import load, loads, resolve, std_names

DATA = Path(__file__).parents[1] / "data"
x, a, b, d = var("x"), var("a"), var("b"), var("d")


def write(tmp_path, text, name="r.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def error_of(tmp_path, text, cls):
    path = write(tmp_path, text)
    with pytest.raises(cls) as info:
        load(path)
    return str(info.value), path


def test_algebra_file_builds_the_model():
    rs = load(DATA / "algebra.yaml")
    assert rs.name == "algebra" and rs.description == "test algebra rules"
    assert rs.ids() == ("neg-neg", "relu-relu", "transpose-transpose", "mul-one", "mul-zero",
                        "sum-keepdim")
    assert rs.disabled == ("relu-relu",)
    assert rs["transpose-transpose"].pattern == ("transpose", ("transpose", x, a, b), a, b)
    assert rs["sum-keepdim"].pattern == ("sum", x, d, True, None)
    assert rs["mul-zero"].replacement == 0 and rs["mul-zero"].priority == 5
    assert [g.source for g in rs["sum-keepdim"].guards] == ["d in (-1, 3)", "x.ndim == 4"]
    assert str(rs["mul-one"].pos) == f"{DATA / 'algebra.yaml'}:13:9"
    assert rs["mul-one"].examples[0].facts()["t"].shape == (2, 3)


def test_ordered_priority_then_specificity_then_file_order():
    rs = load(DATA / "algebra.yaml")
    assert [r.id for r in rs.ordered()] == ["mul-zero", "neg-neg", "transpose-transpose",
                                            "mul-one", "sum-keepdim"]


def test_rule_sets_are_hashable_values():
    one, two = load(DATA / "algebra.yaml"), load(DATA / "algebra.yaml")
    assert one == two and hash(one) == hash(two)
    assert {one: 1}[two] == 1


def test_diamond_include_and_enable():
    rs = load(DATA / "diamond.yaml")
    assert rs.ids() == ("neg-neg", "relu-relu", "exp-log")
    assert rs.disabled == ()  # base2 disabled it, diamond enables it again


def test_include_cycle_is_reported():
    with pytest.raises(E.IncludeCycleError, match=r"include cycle: .*cycle_a.yaml -> .*cycle_b.yaml -> .*cycle_a.yaml"):
        load(DATA / "cycle_a.yaml")


def test_missing_include_has_position(tmp_path):
    msg, path = error_of(tmp_path, """
        include: [./nope.yaml]
        rules: []
        """, E.RuleSetNotFoundError)
    assert msg.startswith(f"{path}:1:11: ") and "nope.yaml" in msg


def test_std_names_resolve_or_suggest():
    assert isinstance(std_names(), tuple)
    with pytest.raises(E.RuleSetNotFoundError, match="no standard rule set 'std:zzz'"):
        resolve("std:zzz")
    for name in std_names():
        assert resolve("std:" + name).is_file()


def test_python_rule_set_file():
    rs = load(DATA / "pyset.py")
    assert rs.name == "pyset" and rs.ids() == ("silu", "neg-neg")


def test_yaml_syntax_error_position(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: a
            pattern: [neg(x)
        """, E.RuleSyntaxError)
    assert msg.startswith(f"{path}:4:1: YAML syntax error")


def test_unknown_top_key_did_you_mean(tmp_path):
    msg, path = error_of(tmp_path, """
        ruleset: s
        rule: []
        """, E.UnknownKeyError)
    assert msg.startswith(f"{path}:2:1: unknown key 'rule'") and "did you mean 'rules'" in msg


def test_unknown_rule_key_did_you_mean(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: neg-neg
            pattern: neg(neg(x))
            replacment: x
        """, E.UnknownKeyError)
    assert msg.startswith(f"{path}:4:5: rule 'neg-neg': unknown key 'replacment'")
    assert "did you mean 'replacement'?" in msg


def test_unknown_op_did_you_mean(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: s
            pattern: mul(x, sigmod(x))
            replacement: x
        """, E.UnknownOpError)
    assert msg.startswith(f"{path}:3:21: rule 's': unknown op 'sigmod'")
    assert "did you mean 'sigmoid'" in msg


def test_bad_argument_name(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: s
            pattern: sum(x, dims=1)
            replacement: x
        """, E.ArgumentError)
    assert msg.startswith(f"{path}:3:14: rule 's': sum(...)") and "'dim'" in msg


def test_replacement_with_unbound_variable(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: m
            pattern: mul(x, 1)
            replacement: add(x, y)
        """, E.UnboundVariableError)
    assert msg.startswith(f"{path}:4:25: rule 'm': replacement uses 'y', which the pattern does not bind")


def test_quoted_expression_positions(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: m
            pattern: "mul(x, 1)"
            replacement: "add(x,  y)"
        """, E.UnboundVariableError)
    assert msg.startswith(f"{path}:4:27: ")


def test_bare_variable_pattern(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: any
            pattern: x
            replacement: x
        """, E.RuleValidationError)
    assert msg.startswith(f"{path}:3:14: rule 'any': the pattern 'x' is not an op call")


def test_duplicate_ids_name_both_positions(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - {id: r, pattern: neg(neg(x)), replacement: x}
          - {id: r, pattern: exp(log(x)), replacement: x}
        """, E.DuplicateRuleError)
    assert msg.startswith(f"{path}:3:10: rule 'r': duplicate rule id 'r'")
    assert f"first defined at {path}:2:10" in msg


def test_bad_guard_syntax(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: g
            pattern: neg(x)
            replacement: x
            when: x.ndim ==
        """, E.GuardSyntaxError.__mro__[1])
    assert msg.startswith(f"{path}:5:") and "rule 'g': invalid guard syntax" in msg


def test_malicious_guard_rejected_at_load(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: evil
            pattern: neg(x)
            replacement: x
            when: __import__('os').system('touch /tmp/pwned')
        """, E.UnsafeGuardError)
    assert msg.startswith(f"{path}:5:11: rule 'evil': '__import__' cannot be called in a guard")


def test_guard_with_unbound_name(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: g
            pattern: neg(x)
            replacement: x
            when: [x.ndim == 4, y.ndim == 4]
        """, E.UnboundVariableError)
    assert msg.startswith(f"{path}:5:25: rule 'g': guard uses 'y'")


def test_wrong_value_kinds(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          id: a
        """, E.RuleSyntaxError)
    assert msg.startswith(f"{path}:2:3: 'rules' must be a list")
    msg, path = error_of(tmp_path, """
        rules:
          - {id: a, pattern: neg(x), replacement: x, priority: high}
        """, E.RuleValidationError)
    col = path.read_text().splitlines()[1].index("high") + 1
    assert msg.startswith(f"{path}:2:{col}: rule 'a': priority must be an integer")


def test_missing_keys(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - pattern: neg(x)
        """, E.RuleValidationError)
    assert msg.startswith(f"{path}:2:5: a rule without an 'id'")
    msg, path = error_of(tmp_path, """
        rules:
          - id: r
            pattern: neg(x)
        """, E.RuleValidationError)
    assert msg.startswith(f"{path}:2:5: rule 'r': missing required key 'replacement'")


def test_unknown_disable_id(tmp_path):
    msg, path = error_of(tmp_path, """
        disable: [neg-ngo]
        rules:
          - {id: neg-neg, pattern: neg(neg(x)), replacement: x}
        """, E.RuleValidationError)
    assert msg.startswith(f"{path}:1:11: disable: no rule with id 'neg-ngo'")
    assert "did you mean 'neg-neg'?" in msg


def test_unsafe_yaml_tags_rejected(tmp_path):
    msg, path = error_of(tmp_path, """
        ruleset: !!python/object/apply:os.system ["true"]
        """, E.RuleSyntaxError)
    assert msg.startswith(f"{path}:1:10: YAML")


def test_bad_type_hint(tmp_path):
    msg, path = error_of(tmp_path, """
        rules:
          - id: m
            pattern: "mul(x, 1)"
            replacement: x
            examples:
              - {before: "mul(t, 1)", after: t, types: {t: "floaty[2]"}}
        """, E.RuleValidationError)
    assert msg.startswith(f"{path}:6:52: rule 'm': bad type hint 'floaty[2]'")


def test_ambiguity_warning_names_rules_and_tie(tmp_path):
    path = write(tmp_path, """
        rules:
          - {id: left, pattern: "add(x, 0, 1)", replacement: x}
          - {id: right, pattern: "add(0, y, 1)", replacement: y}
        """)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rs = load(path, table=False) if False else load(path)
    texts = [str(w.message) for w in caught if issubclass(w.category, AmbiguityWarning)]
    assert len(texts) == 1
    assert "'left'" in texts[0] and "'right'" in texts[0] and "('add', 0, 0, 1)" in texts[0]
    assert len(rs.ambiguities()) == 1
    # distinct priorities break the tie: no warning
    assert not rs._replace(rules=(rs["left"], rs["right"].__class__(
        "right", rs["right"].pattern, rs["right"].replacement, priority=1))).ambiguities()


def test_loads_and_flow_style_comma_hint():
    with pytest.raises(E.UnknownKeyError, match="must be quoted"):
        loads("rules: [{id: m, pattern: mul(x, 1), replacement: x}]")
