"""Rule files are data: a YAML file never makes Python code run; a .py rule set runs only when named or opted in."""
import textwrap

import pytest

from rewrite import errors as E
from rewrite.lang.loader import load, loads

PY_RULES = """
import pathlib
pathlib.Path(__file__).with_name("ran.txt").write_text("python ran")
from rewrite.pyrules import rule, ruleset
RULESET = ruleset("py", rule("neg-neg", "neg(neg(x))", "x"))
"""


@pytest.fixture
def rules_dir(tmp_path):
    (tmp_path / "x.py").write_text(textwrap.dedent(PY_RULES))
    (tmp_path / "main.yaml").write_text("ruleset: main\ninclude: [./x.py]\nrules: []\n")
    return tmp_path


def test_a_yaml_include_of_a_python_file_is_an_error_and_runs_nothing(rules_dir):
    with pytest.raises(E.IncludeError) as info:
        load(rules_dir / "main.yaml")
    text = str(info.value)
    assert f"{rules_dir / 'main.yaml'}:2:" in text  # file:line:col of the include entry
    assert "does not run Python code" in text and "allow_python=True" in text and "--allow-python" in text
    assert not (rules_dir / "ran.txt").exists()


def test_loads_refuses_it_too(rules_dir):
    with pytest.raises(E.IncludeError):
        loads("include: [./x.py]\nrules: []\n", base_dir=rules_dir)
    assert not (rules_dir / "ran.txt").exists()


def test_opting_in_loads_it(rules_dir):
    rs = load(rules_dir / "main.yaml", allow_python=True)
    assert rs.ids() == ("neg-neg",) and (rules_dir / "ran.txt").read_text() == "python ran"


def test_a_python_rule_set_named_directly_is_loaded(rules_dir):
    assert load(rules_dir / "x.py").ids() == ("neg-neg",)


def test_the_standard_library_s_own_python_sets_still_load_through_yaml():
    rs = load("std:std")
    assert "permute-inverse" in rs and "conv2d-batch_norm" in rs  # from std:layout and std:folding (.py)


def test_yaml_tags_that_would_build_python_objects_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("ruleset: !!python/object/apply:os.system ['touch pwned']\nrules: []\n")
    with pytest.raises(E.RuleError):
        load(path)
    assert not (tmp_path / "pwned").exists()
