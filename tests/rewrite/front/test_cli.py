"""The command line for daily use: demo, apply (zoo names and module:factory specs, --json, pictures, --output),
explain, list, ops, --version; every user error a message with exit code 3, never a traceback."""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import torch

from rewrite.front import cli
from rewrite.front.cli import main
from rewrite.front.cli.common import FAILED, OK, USAGE

ROOT = Path(__file__).resolve().parents[3]


def _run(*argv):
    lines = []
    status = main(list(argv), out=lines.append, err=lines.append)
    return status, "\n".join(map(str, lines))


def small_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout()), (torch.randn(2, 4),)


def relu_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()), (torch.randn(8, 4),)


def raising_model():
    raise RuntimeError("weights not found")


def wrong_model():
    return torch.nn.ReLU()


SMALL = "tests.rewrite.front.test_cli:small_model"


# ---- apply and demo --------------------------------------------------------------------------------------------------

def test_apply_a_factory_spec_and_write_a_picture(tmp_path):
    dot = tmp_path / "g.dot"
    status, text = _run("apply", "--model", SMALL, "--rules", "std:inference", "--dot", str(dot))
    assert status == OK
    assert "dropout-eval" in text and "outputs match" in text
    picture = dot.read_text()
    assert '"_0" -> "output";' in picture  # the dropout module node is gone
    assert '"_1"' not in picture
    assert 'label="_0\\n0"' in picture  # one DOT line break between name and target


def test_apply_writes_before_after_html_and_svg_with_the_changes_marked(tmp_path):
    html, svg = tmp_path / "diff.html", tmp_path / "diff.svg"
    status, text = _run("apply", "--model", SMALL, "--rules", "std:inference", "--html", str(html),
                        "--svg", str(svg), "--no-code")
    assert status == OK and f"wrote {html}" in text and f"wrote {svg}" in text
    page, picture = html.read_text(), svg.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "dropout-eval" in page
    assert picture.startswith("<svg") and picture.rstrip().endswith("</svg>")
    assert picture.count('fill="#f8d0d0"') >= 1  # the dropout call, removed, is red on the left
    assert "before: 4 nodes" in picture and "after: 3 nodes" in picture


def test_apply_json_is_the_report_and_nothing_else():
    status, text = _run("apply", "--model", SMALL, "--rules", "std:inference", "--json")
    assert status == OK
    data = json.loads(text)  # the whole output parses: no text around it
    assert data["model"] == SMALL and data["ruleset"] == "inference" and data["default_model"] is False
    report = data["report"]
    assert [r["rule"] for r in report["rewrites"]] == ["dropout-eval"]
    fired = {r["id"]: r["fired"] for r in report["rules"]}
    assert fired["dropout-eval"] == 1 and report["nodes_before"] == 4 and report["nodes_after"] == 3
    assert next(r for r in report["rules"] if r["id"] == "identity")["why_not"].startswith("never tried")


def test_apply_without_model_says_it_uses_the_demo_model():
    status, text = _run("apply", "--rules", "std:inference", "--no-code")
    assert status == OK
    assert text.splitlines()[0].startswith("note: no --model given: using the demo model 'mbconv_gpt'")
    status, text = _run("demo", "--rules", "std:inference", "--no-code")
    assert status == OK and "note:" not in text  # the demo model is the demo's point, not a fallback


def test_demo_shows_code_before_and_after():
    status, text = _run("demo", "--model", "resnet_basic", "--rules", "std:algebraic")
    assert status == OK and "-- before" in text and "-- after" in text and "outputs match" in text


def test_apply_output_saves_a_module_that_loads_from_anywhere(tmp_path):
    saved = tmp_path / "fused"
    status, text = _run("apply", "--model", SMALL, "--rules", "std:inference", "--output", str(saved), "--no-code")
    assert status == OK and "saved the rewritten module" in text
    assert sorted(p.name for p in saved.iterdir()) == ["__init__.py", "module.py", "state.pt"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = ("import sys, torch; sys.path.insert(0, sys.argv[1]); from fused import RewrittenModule; "
              "m = RewrittenModule().eval(); torch.save(m(torch.load(sys.argv[2])), sys.argv[3])")
    x, result = tmp_path / "x.pt", tmp_path / "y.pt"
    torch.save(torch.randn(5, 4), x)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(x), str(result)], cwd=elsewhere,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    module, _ = small_model()
    with torch.no_grad():
        expected = module.eval()(torch.load(x))
    torch.testing.assert_close(torch.load(result), expected)
    assert "Dropout" not in (saved / "module.py").read_text()  # the rewritten code, not the original


@pytest.mark.parametrize("value, why", [("-1", "negative"), ("x", "not a whole number"), ("1.5", "not a whole"),
                                        ("0", "write a budget >= 1")])
def test_max_rewrites_is_validated(value, why):
    status, text = _run("apply", "--model", SMALL, "--max-rewrites", value)
    assert status == USAGE and why in text and "Traceback" not in text


def test_max_rewrites_is_the_budget():
    status, text = _run("apply", "--model", SMALL, "--rules", "std:inference", "--max-rewrites", "1", "--json")
    assert status == OK and len(json.loads(text)["report"]["rewrites"]) == 1


def test_an_unsound_rule_that_changes_the_numbers_fails_with_exit_1(tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text("ruleset: bad\nrules:\n  - {id: drop-relu, pattern: 'relu(x)', replacement: x}\n")
    status, text = _run("apply", "--model", "tests.rewrite.front.test_cli:relu_model", "--rules", str(rules),
                        "--no-code")
    assert status == FAILED and "outputs differ from the original's" in text and "Traceback" not in text


# ---- errors: a message and exit 3, never a traceback ---------------------------------------------------------------

@pytest.mark.parametrize("option", ["--dot", "--html", "--svg"])
def test_a_picture_into_a_missing_folder_is_a_usage_error(tmp_path, option):
    status, text = _run("apply", "--model", SMALL, option, str(tmp_path / "missing" / "g.out"))
    assert status == USAGE and "does not exist" in text and "Traceback" not in text


def test_output_into_a_missing_folder_or_onto_a_file_is_a_usage_error(tmp_path):
    status, text = _run("apply", "--model", SMALL, "--output", str(tmp_path / "a" / "b"))
    assert status == USAGE and "does not exist" in text
    (tmp_path / "file").write_text("x")
    status, text = _run("apply", "--model", SMALL, "--output", str(tmp_path / "file"))
    assert status == USAGE and "is a file" in text


def test_unknown_model_spec_is_an_error_with_the_fix():
    status, text = _run("apply", "--model", "tests.rewrite.front.test_cli:nope")
    assert status == USAGE
    assert "cannot load model" in text and "package.module:factory" in text
    status, text = _run("apply", "--model", "no_such_zoo_entry")
    assert status == USAGE and "resnet_basic" in text


@pytest.mark.parametrize("factory, words", [("raising_model", "raised RuntimeError: weights not found"),
                                            ("wrong_model", "must return (module, example_inputs)")])
def test_a_factory_that_raises_or_returns_the_wrong_thing_is_explained(factory, words):
    status, text = _run("apply", "--model", f"tests.rewrite.front.test_cli:{factory}")
    assert status == USAGE and words in text and "Traceback" not in text


def test_a_bad_rule_file_is_a_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: r\n    pattern: mul(x, 1\n    replacement: x\n")
    for argv in (["apply", "--model", SMALL, "--rules", str(bad)], ["check", str(bad)], ["list", str(bad)]):
        status, text = _run(*argv)
        assert status == USAGE and f"{bad}:3:" in text and "Traceback" not in text, argv


def test_a_non_utf8_rule_file_is_a_located_error(tmp_path):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("rules: []\n# caf\xe9\n".encode("latin-1"))
    for argv in (["apply", "--model", SMALL, "--rules", str(bad)], ["check", str(bad)]):
        status, text = _run(*argv)
        assert status == USAGE and "not UTF-8" in text and f"{bad}:2:" in text, argv


def test_an_unknown_command_or_option_is_a_usage_error():
    assert _run("frobnicate")[0] == USAGE
    status, text = _run("check", "std:std", "--nope")
    assert status == USAGE and "unrecognized arguments: --nope" in text


def test_an_internal_error_is_one_line_unless_traceback_is_asked_for(monkeypatch):
    def broken(args, out):
        raise RuntimeError("boom")
    monkeypatch.setattr(cli.listing, "run", broken)
    status, text = _run("list")
    assert status == USAGE and "internal error: RuntimeError: boom" in text and "--traceback" in text
    with pytest.raises(RuntimeError):
        main(["--traceback", "list"], out=lambda *a: None)


# ---- version, help, list, ops, explain -----------------------------------------------------------------------------

def test_version_comes_from_the_package_metadata():
    status, text = _run("--version")
    assert status == OK and text == f"fx-rewrite {metadata.version('fx-rewrite')}"


def test_help_lists_the_commands_and_documents_model():
    status, text = _run("--help")
    assert status == OK
    for command in ("demo", "apply", "explain", "check", "test", "list", "ops"):
        assert command in text
    status, text = _run("apply", "--help")
    assert status == OK and "returns (module, example_inputs)" in " ".join(text.split())


def test_list_shows_sets_models_and_a_sets_rules_with_descriptions():
    status, text = _run("list")
    assert status == OK and "std:algebraic" in text and "Algebraic identities" in text and "resnet_basic" in text
    status, text = _run("list", "std:inference")
    assert status == OK and "dropout-eval" in text and "Dropout outside training is the identity." in text
    status, text = _run("list", "std:inference", "--json")
    rules = json.loads(text)["rulesets"][0]["rules"]
    assert rules[0]["id"] == "dropout-eval" and rules[0]["where"].endswith(".yaml:9:5") or rules[0]["where"]


def test_ops_lists_the_vocabulary_and_shows_a_schema():
    status, text = _run("ops")
    assert status == OK and "add(Tensor self, Tensor other, *, Scalar alpha=1)" in text
    listed = len(text.splitlines())
    status, every = _run("ops", "--all")
    assert status == OK and len(every.splitlines()) > listed
    status, text = _run("ops", "add", "--json")
    facts = json.loads(text)
    assert facts["commutative"] == [0, 1] and facts["commutative_if"] == {"alpha": 1}
    status, text = _run("ops", "dropout")
    assert status == OK and "impure when train is set" in text


def test_ops_unknown_name_is_a_usage_error_with_did_you_mean():
    status, text = _run("ops", "reluu")
    assert status == USAGE and "Did you mean 'relu'" in text


def test_explain_says_why_a_rule_does_not_fire(tmp_path):
    status, text = _run("explain", "dropout-eval", "--model", SMALL, "--rules", "std:inference", "--json")
    assert status == OK
    data = json.loads(text)
    assert data["rule"] == "dropout-eval" and data["nodes"]
    status, text = _run("explain", "no-such-rule", "--model", SMALL, "--rules", "std:inference")
    assert status == USAGE and "no rule 'no-such-rule'" in text


def test_a_factory_in_the_current_folder_is_found_without_python_dash_m(tmp_path, monkeypatch):
    (tmp_path / "my_models.py").write_text("import torch\n\ndef make():\n"
                                           "    return torch.nn.Sequential(torch.nn.Dropout()), (torch.ones(2),)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    status, text = _run("apply", "--model", "my_models:make", "--rules", "std:inference", "--no-code")
    assert status == OK and "dropout-eval" in text
    assert str(tmp_path) not in sys.path  # put back as it was
    sys.modules.pop("my_models", None)
