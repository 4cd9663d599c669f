"""``check`` and ``test`` with the real checks of rewrite.check: a loop, a numerically different pair and an unsound
rule each fail the run (exit 1) at the offending rule's file:line:col, in text, JSON and SARIF; the standard library
passes."""

import json


from rewrite.front.cli import main
from rewrite.front.cli.common import FAILED, OK
from rewrite.lang.loader import load

from tests.rewrite.front.test_cli_check import _assert_valid_sarif


def _run(*argv):
    lines = []
    status = main(list(argv), out=lines.append, err=lines.append)
    return status, "\n".join(map(str, lines))


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _results(sarif):
    log = json.loads(sarif.read_text())
    _assert_valid_sarif(log)
    return log["runs"][0]["results"]


def test_a_loop_fails_check_at_the_rule(tmp_path):
    path = _write(tmp_path, "swap.yaml", "ruleset: swap\nrules:\n  - {id: swap, pattern: 'sub(x, y)', "
                                         "replacement: 'sub(y, x)'}\n  - {id: neg-neg, pattern: 'neg(neg(x))', "
                                         "replacement: x}\n")
    sarif = tmp_path / "out.sarif"
    status, text = _run("check", str(path), "--sarif", str(sarif))
    assert status == FAILED and "termination: NO" in text
    (loop,) = [r for r in _results(sarif) if r["ruleId"] == "termination-loop"]
    pos = load(str(path), warn=False)["swap"].pos
    assert loop["locations"][0]["physicalLocation"]["region"] == {"startLine": pos.line, "startColumn": pos.col}
    status, text = _run("check", str(path), "--json")
    assert json.loads(text)["rulesets"][0]["termination"]["verdict"] == "NO"


def test_a_numerically_different_pair_fails_check_and_names_both_rules(tmp_path):
    path = _write(tmp_path, "pair.yaml", "ruleset: pair\nrules:\n  - {id: good, pattern: 'neg(neg(x))', "
                                         "replacement: x}\n  - {id: bad, pattern: 'neg(neg(x))', "
                                         "replacement: 'neg(x)', priority: 1}\n")
    sarif = tmp_path / "out.sarif"
    status, text = _run("check", str(path), "--sarif", str(sarif))
    assert status == FAILED
    pairs = [r for r in _results(sarif) if r["ruleId"] == "pair-numerically-different"]
    assert pairs and set(pairs[0]["properties"]["rules"]) == {"good", "bad"}
    status, text = _run("check", str(path), "--json")
    confluence = json.loads(text)["rulesets"][0]["confluence"]
    assert confluence["verdict"] == "NO" and any(p["numerically"] == "different" for p in confluence["pairs"])


def test_an_unsound_rule_fails_test_with_its_counterexample(tmp_path):
    path = _write(tmp_path, "zero.yaml", "ruleset: zero\nrules:\n  - {id: add-zero, pattern: 'add(x, 0.0)', "
                                         "replacement: x}\n")
    sarif = tmp_path / "out.sarif"
    status, text = _run("test", str(path), "--sarif", str(sarif))
    assert status == FAILED and "is unsound" in text
    (unsound,) = [r for r in _results(sarif) if r["ruleId"] == "unsound-rule"]
    assert unsound["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    status, text = _run("test", str(path), "--json")
    (rule,) = json.loads(text)["rulesets"][0]["rules"]
    assert rule["id"] == "add-zero" and rule["soundness"]["verdict"] == "unsound"
    assert rule["soundness"]["counterexample"] is not None


def test_the_standard_library_passes_check(tmp_path):
    status, text = _run("check", "std:std", "--json")
    assert status == OK
    entry = json.loads(text)["rulesets"][0]
    assert entry["termination"]["verdict"] == "YES"
    assert entry["confluence"]["verdict"] in ("YES", "NO")
    assert not [p for p in entry["confluence"]["pairs"] if p["numerically"] == "different"]
    assert not [e for e in entry["examples"] if e["status"] == "failed"]
