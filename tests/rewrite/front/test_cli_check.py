"""``check`` and ``test`` in CI: every file reported past a bad one, the JSON contract, SARIF 2.1.0 located at the
offending rule, exit codes 0 / 1 / 3 with --strict, folders, the pre-commit hook.

The exit policy and the SARIF mapping are tested against reports that follow the assurance contract
(CONTRACT.md) exactly, built here, so each verdict and pair kind is covered whatever rule sets the real checks
happen to flag; tests/rewrite/front/test_cli_checks_wired.py runs the real checks.
"""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from rewrite.errors import SourcePos
from rewrite.front.cli import assurance, main
from rewrite.front.cli.common import FAILED, OK, USAGE
from rewrite.lang.loader import load

ROOT = Path(__file__).resolve().parents[3]

TWO_RULES = """\
ruleset: two
rules:
  - id: first
    pattern: sub(x, 0)
    replacement: x
  - id: second
    pattern: sub(y, y)
    replacement: mul(y, 0)
"""


def _run(*argv):
    lines = []
    status = main(list(argv), out=lines.append, err=lines.append)
    return status, "\n".join(map(str, lines))


def _json(*argv):
    lines = []
    status = main([*argv, "--json"], out=lines.append, err=lines.append)
    return status, json.loads("\n".join(lines))


@pytest.fixture
def one(tmp_path):
    """Two rules that do not overlap."""
    path = tmp_path / "one.yaml"
    path.write_text(TWO_RULES.replace("sub(y, y)", "mul(y, 2)"))
    return path


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_RULES)
    return path


# ---- reports following the contract -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Confluence:
    verdict: str
    pairs: tuple = ()

    def to_json(self):
        return {"verdict": self.verdict, "infeasible": 0, "pairs": list(self.pairs)}

    def format(self):
        return f"confluence: {self.verdict}"


@dataclass(frozen=True)
class Termination:
    verdict: str
    loop: dict | None = None

    def to_json(self):
        if self.verdict == "YES":
            return {"verdict": "YES", "certificate": "[sub](x, y) = x + y + 1"}
        if self.verdict == "NO":
            return {"verdict": "NO", "loop": self.loop}
        return {"verdict": "MAYBE", "reason": "no proof, no loop within the budget"}

    def format(self):
        return f"termination: {self.verdict}"


@dataclass(frozen=True)
class Soundness:
    rule_id: str
    verdict: str
    pos: SourcePos | None = None

    def to_json(self):
        counterexample = {"inputs": "x = -0.0", "expected": "-0.0", "got": "0.0"} if self.verdict == "unsound" \
            else None
        return {"verdict": self.verdict, "counterexample": counterexample}


def _pair(verdict, numerically):
    return {"rules": ["first", "second"], "position": "root", "witness": "sub(0, 0)",
            "normal_forms": ["0", "mul(0, 0)"], "verdict": verdict, "numerically": numerically}


def _fake(monkeypatch, confluence=None, termination=None, soundness=None):
    monkeypatch.setattr(assurance, "confluence_of", lambda rs, seed: confluence or Confluence("YES"))
    monkeypatch.setattr(assurance, "termination_of", lambda rs: termination or Termination("YES"))
    monkeypatch.setattr(assurance, "soundness_of",
                        lambda rs, seed: soundness if soundness is not None else
                        tuple(Soundness(r.id, "sound") for r in rs.enabled()))


# ---- exit codes and --strict ---------------------------------------------------------------------------------------

def test_an_overlap_is_a_warning_and_fails_only_with_strict(monkeypatch, two):
    _fake(monkeypatch)
    status, text = _run("check", str(two))
    assert status == OK and "overlaps: 1" in text and f"warning: {two}:3:" in text
    assert _run("check", str(two), "--strict")[0] == FAILED


@pytest.mark.parametrize("pair, plain, strict", [
    (_pair("not joinable", "different"), FAILED, FAILED),
    (_pair("not joinable", "equal"), OK, FAILED),
    (_pair("not joinable", None), OK, FAILED),
    (_pair("unknown", None), OK, FAILED),
    (_pair("joinable", None), OK, OK),
    (_pair("infeasible", None), OK, OK),
])
def test_pair_verdicts_and_exit_codes(monkeypatch, one, pair, plain, strict):
    path = one
    verdict = {"joinable": "YES", "infeasible": "YES", "unknown": "MAYBE"}.get(pair["verdict"], "NO")
    _fake(monkeypatch, confluence=Confluence(verdict, (pair,)))
    assert _run("check", str(path))[0] == plain
    assert _run("check", str(path), "--strict")[0] == strict


@pytest.mark.parametrize("report, plain, strict", [
    (Termination("YES"), OK, OK),
    (Termination("NO", {"term": "sub(x, 0)", "rules": ["second", "first"], "kind": "loop"}), FAILED, FAILED),
    (Termination("MAYBE"), OK, FAILED),
])
def test_termination_verdicts_and_exit_codes(monkeypatch, one, report, plain, strict):
    _fake(monkeypatch, termination=report)
    assert _run("check", str(one))[0] == plain
    assert _run("check", str(one), "--strict", "--json")[0] == strict


@pytest.mark.parametrize("verdict, plain, strict", [("sound", OK, OK), ("unsound", FAILED, FAILED),
                                                    ("unknown", OK, FAILED)])
def test_soundness_verdicts_and_exit_codes(monkeypatch, one, verdict, plain, strict):
    path = one
    _fake(monkeypatch, soundness=(Soundness("first", verdict), Soundness("second", "sound")))
    assert _run("test", str(path))[0] == plain
    assert _run("test", str(path), "--strict")[0] == strict


def test_a_failing_example_fails_check_and_test(tmp_path, monkeypatch):
    _fake(monkeypatch)
    bad = tmp_path / "bad.yaml"
    bad.write_text("ruleset: bad\nrules:\n  - id: r\n    pattern: neg(neg(x))\n    replacement: x\n"
                   "    examples:\n      - {before: 'neg(neg(t))', after: 'neg(t)'}\n")
    for command in ("check", "test"):
        status, text = _run(command, str(bad))
        assert status == FAILED and f"error: {bad}:7:" in text and "example 0: failed" in text


def test_a_check_that_raises_is_reported_and_the_other_parts_still_run(monkeypatch, two):
    def broken(rs, seed):
        raise ZeroDivisionError("division by zero")
    _fake(monkeypatch)
    monkeypatch.setattr(assurance, "confluence_of",
                        lambda rs, seed: assurance._guarded("confluence", broken, rs, seed=seed))
    status, data = _json("check", str(two))
    assert status == FAILED
    entry = data["rulesets"][0]
    assert entry["confluence"] == {"verdict": "MAYBE", "reason": "not run: the confluence check raised "
                                   "ZeroDivisionError: division by zero"}
    assert entry["termination"]["verdict"] == "YES"


# ---- going on past a bad file --------------------------------------------------------------------------------------

def test_check_goes_on_past_a_bad_file_and_reports_every_file(monkeypatch, tmp_path, two):
    _fake(monkeypatch)
    bad = tmp_path / "a_bad.yaml"
    bad.write_text("rules:\n  - id: r\n    pattern: nope(x)\n    replacement: x\n")
    status, text = _run("check", str(bad), str(two), str(tmp_path / "missing.yaml"))
    assert status == USAGE
    assert f"{bad}: does not load" in text and "unknown op 'nope'" in text
    assert f"{two}: rule set 'two', 2 rules" in text and "missing.yaml: does not load" in text
    assert "ERROR: 3 rule files, 0 with failures, 2 that do not load" in text
    status, data = _json("check", str(bad), str(two))
    assert status == USAGE
    first, second = data["rulesets"]
    assert first["error"]["file"] == str(bad) and first["error"]["line"] == 3 and "nope" in first["error"]["message"]
    assert second["error"] is None and second["name"] == "two"


# ---- the JSON contract ---------------------------------------------------------------------------------------------

def test_check_json_follows_the_contract(monkeypatch, two):
    _fake(monkeypatch, confluence=Confluence("NO", (_pair("not joinable", "equal"),)))
    status, data = _json("check", str(two))
    assert status == OK and list(data) == ["rulesets"]
    entry = data["rulesets"][0]
    assert {"name", "file", "confluence", "termination", "rules"} <= set(entry)
    assert entry["name"] == "two" and entry["file"] == str(two)
    assert entry["confluence"] == Confluence("NO", (_pair("not joinable", "equal"),)).to_json()
    assert entry["termination"] == Termination("YES").to_json()
    assert entry["rules"] == [{"id": "first", "soundness": None}, {"id": "second", "soundness": None}]
    assert entry["overlaps"][0]["rules"] == ["first", "second"] and entry["overlaps"][0]["line"] == 3


def test_test_json_fills_each_rules_soundness(monkeypatch, two):
    _fake(monkeypatch, soundness=(Soundness("first", "unsound"), Soundness("second", "sound")))
    status, data = _json("test", str(two))
    assert status == FAILED
    entry = data["rulesets"][0]
    assert entry["confluence"] is None and entry["termination"] is None
    assert entry["rules"][0] == {"id": "first", "soundness": Soundness("first", "unsound").to_json()}
    assert entry["rules"][1]["soundness"] == {"verdict": "sound", "counterexample": None}


def test_set_verdict_strings_are_exactly_yes_no_maybe(monkeypatch, two):
    _fake(monkeypatch)
    for command in ("check", "test"):
        _, data = _json(command, str(two), "std:algebraic")
        for entry in data["rulesets"]:
            for part in ("confluence", "termination"):
                if entry[part] is not None:
                    assert entry[part]["verdict"] in ("YES", "NO", "MAYBE")


# ---- SARIF 2.1.0 ---------------------------------------------------------------------------------------------------

# The parts of the SARIF 2.1.0 schema (https://json.schemastore.org/sarif-2.1.0.json) a log of ours uses: the
# required properties, their types, the level enum and the 1-based region numbers, written out (no network).
SARIF_ESSENTIALS = {
    "type": "object", "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"}, "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "items": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"}, "version": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"],
                            "properties": {"id": {"type": "string"}, "shortDescription": {
                                "type": "object", "required": ["text"]}}}}}}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}]},
                        "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
                        "relatedLocations": {"type": "array", "items": {"$ref": "#/definitions/location"}}}}}}}}},
    "definitions": {"location": {"type": "object", "properties": {
        "id": {"type": "integer", "minimum": -1},
        "physicalLocation": {"type": "object", "anyOf": [{"required": ["artifactLocation"]}, {"required": ["address"]}],
                             "properties": {
                                 "artifactLocation": {"type": "object", "properties": {"uri": {"type": "string"}}},
                                 "region": {"type": "object", "properties": {
                                     "startLine": {"type": "integer", "minimum": 1},
                                     "startColumn": {"type": "integer", "minimum": 1}}}}}}}},
}


def _assert_valid_sarif(log):
    jsonschema.validate(log, SARIF_ESSENTIALS)
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]  # the index points at its own rule
            for loc in result["locations"] + result.get("relatedLocations", []):
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert "\\" not in uri and uri  # a URI, not a Windows path


def test_sarif_validates_and_locates_each_result_at_the_offending_rule(monkeypatch, tmp_path, two):
    _fake(monkeypatch, confluence=Confluence("NO", (_pair("not joinable", "different"),)),
          termination=Termination("NO", {"term": "sub(x, 0)", "rules": ["second", "first"], "kind": "loop"}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: r\n    pattern: nope(x)\n    replacement: x\n")
    sarif = tmp_path / "out.sarif"
    status, _ = _run("check", str(two), str(bad), "--sarif", str(sarif))
    assert status == USAGE
    log = json.loads(sarif.read_text())
    _assert_valid_sarif(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert set(results) == {"overlap", "pair-numerically-different", "termination-loop", "load-error"}

    def region(result):
        loc = result["locations"][0]["physicalLocation"]
        return loc["artifactLocation"]["uri"], loc["region"]

    uri = Path(two).resolve().as_uri()  # tmp_path is outside the current folder: an absolute file URI
    first, second = load(str(two), warn=False)["first"].pos, load(str(two), warn=False)["second"].pos
    assert (first.line, second.line) == (3, 6)
    assert region(results["pair-numerically-different"]) == (uri, {"startLine": 3, "startColumn": first.col})
    assert results["pair-numerically-different"]["level"] == "error"
    related = results["pair-numerically-different"]["relatedLocations"][0]["physicalLocation"]["region"]
    assert related == {"startLine": 6, "startColumn": second.col}
    # the loop is located at the first rule of its chain
    assert region(results["termination-loop"]) == (uri, {"startLine": 6, "startColumn": second.col})
    assert region(results["load-error"])[1]["startLine"] == 3
    assert results["overlap"]["level"] == "warning"


def test_sarif_uris_are_relative_under_the_current_folder(monkeypatch, tmp_path, two):
    _fake(monkeypatch, soundness=(Soundness("first", "unsound", SourcePos(str(two), 3, 5)),
                                  Soundness("second", "sound")))
    monkeypatch.chdir(tmp_path)
    status, _ = _run("test", "two.yaml", "--sarif", "out.sarif")
    assert status == FAILED
    log = json.loads((tmp_path / "out.sarif").read_text())
    _assert_valid_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "unsound-rule" and "x = -0.0" in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "two.yaml"},
                                                          "region": {"startLine": 3, "startColumn": 5}}


def test_sarif_into_a_missing_folder_is_a_usage_error(tmp_path, two):
    status, text = _run("check", str(two), "--sarif", str(tmp_path / "no" / "x.sarif"))
    assert status == USAGE and "does not exist" in text


# ---- folders, the pre-commit hook, determinism ---------------------------------------------------------------------

def test_folders_give_their_rule_files_sorted_and_python_only_when_allowed(tmp_path):
    (tmp_path / "b.yaml").write_text("rules: []\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yml").write_text("rules: []\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.yaml").write_text("rules: []\n")
    (tmp_path / "set.py").write_text("RULESET = None\n")
    (tmp_path / "__init__.py").write_text("")  # not a rule set: never imported
    (tmp_path / "workflow.yaml").write_text("on: push\n")
    found = assurance.collect([str(tmp_path)])
    assert found == [str(tmp_path / "b.yaml"), str(tmp_path / "sub" / "a.yml"), str(tmp_path / "workflow.yaml")]
    assert assurance.collect([str(tmp_path / "b.yaml"), str(tmp_path)])[:2] == [str(tmp_path / "b.yaml"),
                                                                                 str(tmp_path / "sub" / "a.yml")]
    with_python = assurance.collect([str(tmp_path)], allow_python=True)
    assert str(tmp_path / "set.py") in with_python and str(tmp_path / "__init__.py") not in with_python
    assert str(tmp_path / "workflow.yaml") not in assurance.collect([str(tmp_path)], skip_other_files=True)


def test_an_empty_folder_is_a_usage_error(tmp_path):
    status, text = _run("check", str(tmp_path))
    assert status == USAGE and "no rule files" in text


def test_the_pre_commit_hook_runs_check_on_changed_rule_files(monkeypatch, tmp_path, two):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "rewrite-check"]
    assert hook["entry"].startswith("python -m rewrite check")
    assert set(hook["types_or"]) == {"yaml", "python"}  # types_or: a file of either type (types: would need both)
    assert hook["language"] == "python"
    _fake(monkeypatch)
    other = tmp_path / "config.yaml"
    other.write_text("name: not a rule set\n")
    args = hook["entry"].split()[3:] + [str(two), str(other)]
    status, text = _run(*args)
    assert status == OK and str(two) in text and str(other) not in text


def test_json_output_is_the_same_whatever_the_hash_seed(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "rewrite", "check", "std:layout", "std:inference", "--json"],
                              cwd=ROOT, env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=600)
        assert done.returncode in (OK, FAILED), done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and json.loads(outputs[0])["rulesets"][0]["name"] == "layout"


def test_a_loader_crash_is_that_files_load_error_and_the_others_are_still_checked(monkeypatch, tmp_path, two):
    real = assurance.load

    def crashing(name, **kwargs):
        if name.endswith("crash.yaml"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(name, **kwargs)
    monkeypatch.setattr(assurance, "load", crashing)
    _fake(monkeypatch)
    crash = tmp_path / "crash.yaml"
    crash.write_text("rules: []\n")
    status, data = _json("check", str(crash), str(two))
    assert status == USAGE
    assert "RecursionError" in data["rulesets"][0]["error"]["message"] and data["rulesets"][1]["name"] == "two"
