"""The README's 10-line pytest file, in which a user tests their own rule set, runs and passes as written.

The file is `data/user_tests.py.example` (not collected here: it loads ``rules/mine.yaml`` relative to the
user's repo); the test copies it, with `data/mine.yaml`, into a fresh directory and runs pytest on it. Once
README.md shows the file, its code block must be this file, line for line.
"""
import os
import re
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).parent / "data"
EXAMPLE = (DATA / "user_tests.py.example").read_text()


def test_the_example_is_ten_lines():
    assert len(EXAMPLE.splitlines()) == 10


def test_the_readme_shows_the_example_as_it_is_run():
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "rewrite.testing" in b]
    assert blocks, "the README shows the user's pytest file"
    for block in blocks:  # each must be the file that runs
        assert block.rstrip("\n").split("\n")[-10:] == EXAMPLE.rstrip("\n").split("\n")


def run_user_suite(tmp_path: Path, example: str = EXAMPLE, rules: str | None = None):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.yaml").write_text(rules or (DATA / "mine.yaml").read_text())
    (tmp_path / "test_my_rules.py").write_text(example)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_rules.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)


def test_the_users_pytest_file_passes_on_a_good_rule_set(tmp_path):
    run = run_user_suite(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout


def test_the_users_pytest_file_fails_with_the_witness_on_a_bad_rule(tmp_path):
    bad = (DATA / "mine.yaml").read_text() + "  - id: add-any\n    pattern: add(x, y)\n    replacement: x\n"
    run = run_user_suite(tmp_path, rules=bad)
    assert run.returncode == 1 and "add-any" in run.stdout, run.stdout[-3000:]
