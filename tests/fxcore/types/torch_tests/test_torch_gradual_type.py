"""torch's own test/fx/test_gradual_type.py: unmodified against torch 2.13, imports switched against fxcore.types.

Both variants run in subprocesses (see `upstream`); the comparison is per test: every test that
passes against torch passes against fxcore.types, and the swapped tests provably call our code.
"""
import ast
import json
import os
import pathlib
import subprocess
import sys

import pytest

from tests.fxcore.types.torch_tests import upstream

ROOT = pathlib.Path(__file__).resolve().parents[4]
COUNTED = {"GraphTypeChecker", "Refine", "infer_symbolic_types", "broadcast_types", "is_consistent",
           "is_more_precise"}


def _text():
    if not upstream.UPSTREAM.exists():
        pytest.skip(f"torch's test file is not at {upstream.UPSTREAM}: put pytorch/pytorch "
                    f"test/fx/test_gradual_type.py at commit {upstream.UPSTREAM_COMMIT} there (see upstream.py)")
    return upstream.upstream_text()


@pytest.fixture(scope="module")
def outcomes():
    """{'torch': report, 'fxcore': report}, both variants run at once in their own processes."""
    _text()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
    procs = {v: subprocess.Popen([sys.executable, "-m", "tests.fxcore.types.torch_tests.upstream", v], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for v in ("torch", "fxcore")}
    reports = {}
    for v, p in procs.items():
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"the {v} run failed:\n{err[-3000:]}"
        reports[v] = json.loads(out.strip().splitlines()[-1])
    return reports


def test_the_swap_changes_exactly_the_three_import_lines():
    text = _text()
    swapped = upstream.swapped_source(text)
    assert upstream.changed_lines(text, swapped) == [6, 8, 10]
    for s in upstream.SWAPS:
        assert swapped.splitlines()[s.line - 1].startswith("from fxcore.types import ")
        assert s.old.split(" import ")[1] == s.new.split(" import ")[1]  # the same names, another module
    with pytest.raises(upstream.UpstreamMismatch, match="line 8 should read"):
        upstream.swapped_source(text.replace("from torch.fx.tensor_type", "from torch.fx.tensor_types"))


def test_torch_itself_passes_37_and_skips_only_resnet50(outcomes):
    tests = outcomes["torch"]["tests"]
    assert len(tests) == 38
    assert {k for k, v in tests.items() if v["outcome"] == "skipped"} == {"TypeCheckerTest.test_resnet50"}
    failing = {k: v["message"] for k, v in tests.items() if v["outcome"] not in ("passed", "skipped")}
    assert not failing and sum(v["outcome"] == "passed" for v in tests.values()) == 37


def test_every_test_passing_against_torch_passes_against_fxcore(outcomes):
    theirs, ours = outcomes["torch"]["tests"], outcomes["fxcore"]["tests"]
    assert sorted(theirs) == sorted(ours)
    differ = {k: f"{ours[k]['outcome']}: {ours[k]['message']}" for k in theirs
              if ours[k]["outcome"] != theirs[k]["outcome"]}
    assert not differ, "\n\n".join(f"{k} -> {m}" for k, m in differ.items())


def _names_used_by_each_test(source: str) -> dict:
    out = {}
    for cls in ast.parse(source).body:
        if isinstance(cls, ast.ClassDef):
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name.startswith("test_"):
                    out[f"{cls.name}.{fn.name}"] = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
    return out


def test_the_swapped_tests_use_and_call_fxcore(outcomes):
    report = outcomes["fxcore"]
    assert all(m.startswith("fxcore.types") for m in report["names"].values()), report["names"]
    assert not report["torch_checker_imported"]  # torch's checker is never even imported
    used = _names_used_by_each_test(upstream.swapped_source(_text()))
    expected = {k for k, names in used.items() if names & COUNTED and report["tests"][k]["outcome"] != "skipped"}
    assert len(expected) >= 30
    silent = sorted(k for k in expected if report["tests"][k]["calls"] == 0)
    assert not silent, f"these tests never called fxcore.types: {silent}"
