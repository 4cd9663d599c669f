"""ordering / ambiguities / unify results are identical under any PYTHONHASHSEED."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import random
from unify import var, unify
from unify.match import ordering
from unify.conflict import ambiguities, overlap
rng = random.Random(7)
vs = [var(n) for n in ("a", "b", "c", "d")]
def gen(d):
    if d == 0 or rng.random() < 0.3:
        return rng.choice(vs + [0, 1, "k"])
    return (rng.choice(["add", "mul", "neg"]), *(gen(d - 1) for _ in range(rng.choice([1, 2]))))
pats = [gen(3) for _ in range(150)]
print(ordering(pats))
pairs = ambiguities(pats)
print(pairs)
print([overlap(a, b) for a, b in pairs[:20]])
print([unify(a, b) for a, b in zip(pats, reversed(pats))])
"""


def run(seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return out.stdout


def test_outputs_do_not_depend_on_hash_seed():
    first, second = run("1"), run("4242")
    assert first == second
    assert first.count("\n") == 4 and "~" in first
