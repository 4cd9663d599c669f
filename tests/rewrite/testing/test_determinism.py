"""The strategies draw the same values whatever PYTHONHASHSEED (no set or hash order leaks into a draw)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

DRAW = textwrap.dedent("""
    from hypothesis import given, settings
    from rewrite.lang import load
    from rewrite.testing import fx_graphs, rule_instances, terms

    STD = load("std:std")
    out = []

    def collect(strategy, show):
        @settings(max_examples=15, database=None, deadline=None, derandomize=True)
        @given(strategy)
        def run(value):
            out.append(show(value))
        run()

    collect(fx_graphs(inplace=True), lambda gm: gm.code)
    collect(terms(STD), repr)
    collect(rule_instances(STD["permute-inverse"]), repr)
    print("\\n".join(out))
""")


def _start(hash_seed: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen([sys.executable, "-c", DRAW], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_draws_do_not_depend_on_the_hash_seed():
    runs = [_start(seed) for seed in ("0", "12345")]  # side by side: most of each run is importing torch
    (first, err), (second, _) = (run.communicate(timeout=600) for run in runs)
    assert all(run.returncode == 0 for run in runs), err[-3000:]
    assert first.count("def forward") >= 30 and first == second
