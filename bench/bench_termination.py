"""Benchmark: static termination (`rewrite.check.check_termination`) of std and of generated rule sets.

Sets (deterministic in ``--seed``): ``std:std``; ``mixed`` (bench_load's generator: every rule shrinks its
term); ``ordered`` (rules that rename ops along a random order, move ops outward and duplicate variables:
the proof must find weights and coefficients); ``ordered+loop`` (the same with one two-rule loop at the
end: the proof fails, the loop search must find it); ``ordered+dist`` (with distributivity, which no linear
interpretation orients and which does not loop: the search runs to its budget, the MAYBE worst case).
Medians of ``--repeat`` runs in seconds; growth is the time at 2x the rules over the time at 1x.

Run: PYTHONPATH=. .venv/bin/python bench/bench_termination.py [--sizes 100,200] [--repeat 3]
"""
import argparse
import random
import statistics
import sys
import time

from rewrite.check import check_termination
from rewrite.lang import load
from rewrite.lang.loader import loads

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from bench_load import mixed_rules  # noqa: E402

UNARY = ["neg", "relu", "sigmoid", "tanh", "exp", "abs", "sqrt", "log", "sin", "cos", "floor", "ceil",
         "silu", "erf", "expm1", "log1p", "trunc", "round", "sign", "reciprocal"]


def ordered_rules(n: int, seed: int = 0, tail: str = "") -> str:
    """YAML text of ``n`` terminating rules that need weights and coefficients (see the module)."""
    rng = random.Random(seed)
    rank = UNARY[:]
    rng.shuffle(rank)  # ops earlier in rank are heavier: rules rewrite towards later ones
    lines = ["ruleset: ordered", "rules:"]
    for i in range(n):
        a, b = sorted(rng.sample(range(len(rank)), 2))
        f, g = rank[a], rank[b]
        kind = i % 4
        if kind == 0:
            p, r = f"{f}(x)", f"{g}(x)"
        elif kind == 1:
            p, r = f"{f}({g}(mul(x, {i})))", f"{g}({g}(x))"
        elif kind == 2:
            p, r = f"mul({f}(x), {i + 2})", f"add({g}(x), {g}(x))"
        else:
            p, r = f"{f}(add(x, y, alpha={i + 2}))", f"add({g}(x), y, alpha={i + 2})"
        lines += [f"  - id: r{i}", f"    pattern: '{p}'", f"    replacement: '{r}'"]
    return "\n".join(lines) + "\n" + tail


LOOP = ("  - {id: to-mul, pattern: 'neg(x)', replacement: 'mul(x, -1)'}\n"
        "  - {id: to-neg, pattern: 'mul(x, -1)', replacement: 'neg(x)'}\n")
DIST = "  - {id: dist, pattern: 'mul(x, add(y, z))', replacement: 'add(mul(x, y), mul(x, z))'}\n"


def _time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,200")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'set':<16}{'rules':>7}{'verdict':>9}{'seconds':>10}")
    t, report = _time(lambda: check_termination(load("std:std")), args.repeat)
    print(f"{'std:std':<16}{len(load('std:std')):>7}{report.verdict:>9}{t:>10.3f}")
    kinds = {"mixed": lambda n: mixed_rules(n, args.seed), "ordered": lambda n: ordered_rules(n, args.seed),
             "ordered+loop": lambda n: ordered_rules(n, args.seed, LOOP),
             "ordered+dist": lambda n: ordered_rules(n, args.seed, DIST)}
    for kind, make in kinds.items():
        times = []
        for n in sizes:
            rs = loads(make(n))
            t, report = _time(lambda: check_termination(rs), args.repeat)
            times.append(t)
            print(f"{kind:<16}{len(rs):>7}{report.verdict:>9}{t:>10.3f}")
        if len(sizes) > 1:
            print(f"{'':<16}growth {sizes[0]} -> {sizes[-1]} rules: {times[-1] / times[0]:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
