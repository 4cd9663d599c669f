"""Benchmark: loading and checking large rule files, and how the time grows with the number of rules.

Rule files are generated deterministically (``--seed``): ``mixed`` rules over two dozen ops, patterns one
to three calls deep with variables and small literals, as a big hand-written library would be; and
``same-root`` rules, every one rooted at ``mul`` with a guard, the worst case for pairwise checks
(issue 19 part 6: 2,000 of them checked in under 10 s). Each file is loaded with `rewrite.load` (parse,
schema normalization, rule order by specificity, and the ambiguity check that warns about
overlapping rules); "check" is the part of ``python -m rewrite check`` that compares rules pairwise
(`RuleSet.ambiguities`) timed alone. Medians of ``--repeat`` runs, in seconds; growth is the ratio of
the times at 10x the rules (10.0 = linear).

Run: PYTHONPATH=. .venv/bin/python bench/bench_load.py [--sizes 1000,10000] [--big 20000] [--repeat 3]
"""
import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import warnings

import rewrite

UNARY = ["neg", "relu", "sigmoid", "tanh", "exp", "abs", "sqrt", "log", "sin", "cos", "floor", "ceil"]
BINARY = ["add", "mul", "sub", "div", "maximum", "minimum", "pow", "atan2"]


def _operand(rng: random.Random, depth: int) -> str:
    """A variable, or a call over variables (never a literal: literals sit at fixed places)."""
    if depth == 0 or rng.random() < 0.6:
        return rng.choice(["x", "y", "z"])
    if rng.random() < 0.5:
        return f"{rng.choice(UNARY)}({_operand(rng, depth - 1)})"
    return f"{rng.choice(BINARY)}({_operand(rng, depth - 1)}, {_operand(rng, depth - 1)})"


def _pattern(rng: random.Random, i: int) -> str:
    """A pattern holding the rule's own literal ``i`` as the last operand of a call under the root, so
    rules overlap only where a variable of one covers a call of another (as in a real library)."""
    inner = f"{rng.choice(BINARY)}({_operand(rng, 1)}, {i})"
    root = rng.choice(UNARY + BINARY)
    if root in UNARY:
        return f"{root}({inner})"
    return f"{root}({inner}, {_operand(rng, 2)})"


_VAR = re.compile(r"\b[xyz]\b")


def mixed_rules(n: int, seed: int = 0) -> str:
    """YAML text of ``n`` rules over mixed root ops (deterministic in ``seed``); one in a hundred is generic
    (no literal: ``neg(neg(x))``-like), so some rules overlap."""
    rng = random.Random(seed)
    lines = ["ruleset: mixed", "rules:"]
    for i in range(n):
        if i % 100 == 99:
            p = f"{rng.choice(UNARY)}({rng.choice(UNARY)}(x))"
        else:
            p = _pattern(rng, i)
        lines += [f"  - id: r{i}", f"    pattern: {p}", "    replacement: " + _VAR.findall(p)[0]]
    return "\n".join(lines) + "\n"


def same_root_rules(n: int, seed: int = 0) -> str:
    """YAML text of ``n`` guarded rules all rooted at ``mul`` (deterministic in ``seed``): half are
    ``mul(relu(x), 7)``-like with their own literal, half ``mul(relu(x), y)``-like, so every rule overlaps
    the dozens of others with its inner op, and rules differ only by their guards."""
    rng = random.Random(seed)
    lines = ["ruleset: same-root", "rules:"]
    for i in range(n):
        inner = rng.choice(UNARY)
        k = rng.choice([1, 2, 3, 4])
        pattern = f"mul({inner}(x), {i})" if i % 2 else f"mul({inner}(x), y)"  # half share a pattern
        lines += [f"  - id: m{i}", f"    pattern: {pattern}", "    replacement: x", f"    when: x.ndim == {k}"]
    return "\n".join(lines) + "\n"


def _write(text: str, folder: str, name: str) -> str:
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def _time(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _load(path: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rewrite.load(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--big", type=int, default=20000, help="also load a file of this many rules once (0: skip)")
    ap.add_argument("--same-root", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'file':<22}{'rules':>7}{'MB':>7}{'load s':>9}{'check s':>9}{'ambiguities':>13}")
    loads, checks = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [("mixed", n, mixed_rules(n, args.seed)) for n in sizes]
        if args.big:
            jobs.append(("mixed", args.big, mixed_rules(args.big, args.seed)))
        if args.same_root:
            jobs.append(("same-root", args.same_root, same_root_rules(args.same_root, args.seed)))
        for kind, n, text in jobs:
            path = _write(text, tmp, f"{kind}-{n}.yaml")
            repeat = 1 if n >= 20000 else args.repeat
            load_s = _time(lambda: _load(path), repeat)
            rs = _load(path)
            found = []
            check_s = _time(lambda: found.append(len(rs.ambiguities())), repeat)
            loads[(kind, n)], checks[(kind, n)] = load_s, check_s
            print(f"{kind + '-' + str(n):<22}{n:>7}{len(text) / 1e6:>7.2f}{load_s:>9.2f}{check_s:>9.2f}{found[-1]:>13}")
            sys.stdout.flush()
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        print(f"growth {a} -> {b} rules ({b / a:.0f}x): load {loads[('mixed', b)] / loads[('mixed', a)]:.1f}x, "
              f"check {checks[('mixed', b)] / max(checks[('mixed', a)], 1e-9):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
