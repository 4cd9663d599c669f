"""Bad input gets a rule error that says what, where and how to fix it; never a raw exception from inside."""
import textwrap

import pytest
import torch

import rewrite
from rewrite import errors as E


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def error(cls, fn):
    with pytest.raises(cls) as info:
        fn()
    return str(info.value)


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes("ruleset: x\nrules: []\n".encode("utf-16"))
    text = error(E.RuleSyntaxError, lambda: rewrite.load(path))
    assert f"{path}:1:1: the file is not UTF-8 text" in text and "save the rule file as UTF-8" in text


@pytest.mark.parametrize("depth,message", [(150, "YAML nested more than 100 levels deep"),
                                           (1000, "exceeded maximum nesting depth")])  # (libyaml's own limit)
def test_yaml_nested_too_deep(tmp_path, depth, message):
    path = write(tmp_path, "r.yaml", "ruleset: deep\nrules: " + "[" * depth + "]" * depth + "\n")
    text = error(E.RuleSyntaxError, lambda: rewrite.load(path))
    assert message in text and f"{path}:2:" in text


@pytest.mark.parametrize("source,cls,message", [
    ("def f(:\n", E.RuleSyntaxError, "r.py:1:7: Python syntax error: invalid syntax"),
    ("import no_such_module_here\n", E.RuleValidationError,
     "r.py:1:1: the Python rule-set file failed to load: ModuleNotFoundError"),
    ("from rewrite.pyrules import rule, ruleset\n", E.RuleValidationError, "this one defines no RULESET"),
    ("RULESET = 3\n", E.RuleValidationError, "this one defines RULESET as a int"),
])
def test_python_rule_set_files_name_the_file_and_line(tmp_path, source, cls, message):
    path = write(tmp_path, "r.py", source)
    assert message in error(cls, lambda: rewrite.load(path))


def test_ruleset_yes_is_read_as_a_boolean_and_says_so(tmp_path):
    path = write(tmp_path, "r.yaml", "ruleset: yes\nrules: []\n")
    text = error(E.RuleValidationError, lambda: rewrite.load(path))
    assert "YAML reads this one as True" in text and 'quote it: ruleset: "yes"' in text


def test_a_guard_syntax_error_gets_a_guard_hint(tmp_path):
    path = write(tmp_path, "r.yaml", """
        rules:
          - id: r
            pattern: relu(x)
            replacement: x
            when: "x.ndim ==="
    """)
    text = error(E.RuleSyntaxError, lambda: rewrite.load(path))
    assert "invalid guard syntax" in text and "x.ndim == 4" in text and "neg(x)" not in text


def test_including_a_directory(tmp_path):
    (tmp_path / "more").mkdir()
    path = write(tmp_path, "r.yaml", "include: [./more]\nrules: []\n")
    text = error(E.RuleSetNotFoundError, lambda: rewrite.load(path))
    assert "is a directory, not a rule set file" in text and f"{path}:1:" in text


def test_loads_of_something_that_is_not_text():
    assert "use rewrite.load(path)" in error(TypeError, lambda: rewrite.loads(None))


@pytest.mark.parametrize("value", ["10", -1, 2.5, True])
def test_max_rewrites_is_validated(value):
    gm = torch.fx.symbolic_trace(lambda x: torch.relu(torch.relu(x)).exp())
    code = gm.code
    assert "max_rewrites must be a non-negative int" in error(TypeError, lambda: rewrite.apply(
        gm, "std:std", max_rewrites=value))
    assert gm.code == code


def test_a_growing_loop_names_both_rules():
    rs = rewrite.loads("""
rules:
  - {id: grow, pattern: relu(x), replacement: 'add(relu(x), 0)'}
  - {id: add0, pattern: 'add(x, 0)', replacement: x}
""", warn=False)
    text = error(E.NonTerminationError, lambda: rewrite.apply(torch.fx.symbolic_trace(
        lambda a: torch.relu(a).exp()), rs))
    assert "'grow'" in text and "'add0'" in text


def test_a_duplicate_id_from_an_include_says_how_to_override(tmp_path):
    path = write(tmp_path, "r.yaml", """
        include: [std:algebraic]
        rules:
          - id: mul-one
            pattern: mul(x, 1)
            replacement: x
    """)
    text = error(E.DuplicateRuleError, lambda: rewrite.load(path))
    assert f"{path}:3:" in text and "override: true" in text


def test_override_replaces_the_included_rule_in_its_place(tmp_path):
    path = write(tmp_path, "r.yaml", """
        include: [std:algebraic]
        rules:
          - id: mul-one
            override: true
            pattern: mul(x, 1)
            replacement: x
            when: x.dtype == torch.float32
    """)
    rs = rewrite.load(path)
    std = rewrite.load("std:algebraic")
    assert rs.ids() == std.ids() and [g.source for g in rs["mul-one"].guards] == ["x.dtype == torch.float32"]
    path = write(tmp_path, "r2.yaml", "rules:\n  - {id: nope, override: true, pattern: neg(x), replacement: x}\n")
    assert "no included rule has its id" in error(E.RuleValidationError, lambda: rewrite.load(path))


def test_a_python_pattern_nested_600_deep_is_built_without_recursion_error():
    from rewrite.pyrules import ops, rule
    from unify import var
    x = var("x")
    term = x
    for _ in range(600):
        term = ops.neg(term)
    deep = rule("deep", term, x)
    assert deep.pattern[0] == "neg"
    graph = torch.fx.symbolic_trace(lambda a: torch.neg(torch.neg(torch.neg(a))).exp())
    rewrite.apply(graph, rewrite.pyrules.ruleset("deep", deep))  # compiles and runs; nothing that deep to match
    assert rewrite.report_of(graph).counts == {}
