"""Benchmark unify/reify/ordering against torch.fx.experimental.unification (same terms, same run).

Run:  .venv/bin/python bench/bench_unify.py [--repeat N]
Prints medians (seconds) and the ratio torch / ours (> 1 means we are faster).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import unify as ours  # noqa: E402
from unify.conflict import ambiguities as our_ambiguities  # noqa: E402
from unify.match import ordering as our_ordering  # noqa: E402
from torch.fx.experimental.unification import core as torch_core  # noqa: E402
from torch.fx.experimental.unification import match as torch_match  # noqa: E402
from torch.fx.experimental.unification import variable as torch_variable  # noqa: E402

LEAVES = 100_000


def flat_pair(mkvar, n=LEAVES, seed=0):
    """Two flat tuples of n leaves; ~10% of the left side are variables."""
    rng = random.Random(seed)
    right = tuple(rng.randrange(1000) for _ in range(n))
    left = tuple(mkvar(f"v{i}") if rng.random() < 0.1 else c for i, c in enumerate(right))
    return left, right


def tree_pair(mkvar, n=LEAVES, fan=4, seed=1):
    """Two balanced trees ('node', *children) with n leaves; ~10% variables on the left."""
    rng = random.Random(seed)
    leaves = [rng.randrange(1000) for _ in range(n)]
    left = [mkvar(f"v{i}") if rng.random() < 0.1 else c for i, c in enumerate(leaves)]
    right = list(leaves)
    while len(left) > 1:
        left = [("node", *left[i:i + fan]) for i in range(0, len(left), fan)]
        right = [("node", *right[i:i + fan]) for i in range(0, len(right), fan)]
    return left[0], right[0]


def deep_pair(mkvar, depth=LEAVES):
    """Two terms nested `depth` deep: ('f', ('f', ... x)) against ('f', ('f', ... 1))."""
    left, right = mkvar("x"), 1
    for _ in range(depth):
        left, right = ("f", left), ("f", right)
    return left, right


def timed(fn, repeat):
    """Median wall time of fn() over `repeat` runs, or the exception type name if it raises."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            fn()
        except (RecursionError, NotImplementedError, AssertionError) as exc:
            return type(exc).__name__
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def torch_var(name):
    return torch_variable.Var(name)


def row(name, ours_t, torch_t):
    fmt = lambda t: f"{t:10.4f}" if isinstance(t, float) else f"{t:>10}"
    ratio = f"{torch_t / ours_t:7.2f}x" if isinstance(ours_t, float) and isinstance(torch_t, float) else "      -"
    print(f"{name:42s} {fmt(ours_t)} {fmt(torch_t)} {ratio}")


def bench_terms(repeat):
    for label, make in [("flat tuple", flat_pair), ("balanced tree fan 4", tree_pair), ("deep chain", deep_pair)]:
        ou, ov = make(ours.var)
        tu, tv = make(torch_var)
        s_ours = ours.unify(ou, ov)
        assert s_ours is not False
        row(f"unify {label} ({LEAVES} leaves)", timed(lambda: ours.unify(ou, ov), repeat),
            timed(lambda: torch_core.unify(tu, tv), repeat))
        s_torch = None
        try:
            s_torch = torch_core.unify(tu, tv)
        except RecursionError:
            pass
        row(f"reify {label}", timed(lambda: ours.reify(ou, s_ours), repeat),
            timed(lambda: torch_core.reify(tu, s_torch), repeat) if s_torch else "RecursionError")


def op_patterns(mkvar, n=1000, seed=2, linear=False):
    """n random rewrite-rule-like patterns over 20 ops, arities 1-3, depth <= 3, constants and variables.

    linear=True makes every variable occurrence a distinct variable (so patterns are linear and
    renamed apart): torch's supercedes does not rename apart and has no occurs check, so on
    anything else it builds cyclic substitutions and dies of RecursionError.
    """
    rng = random.Random(seed)
    ops = [f"op{k}" for k in range(20)]
    fresh = iter(range(10**9))

    def leaf():
        if rng.random() < 0.7:
            return mkvar(f"v{next(fresh)}") if linear else mkvar(rng.choice("abcd"))
        return rng.choice((0, 1, 2))

    def gen(depth):
        if depth == 0 or rng.random() < 0.3:
            return leaf()
        op = rng.choice(ops)
        return (op, *(gen(depth - 1) for _ in range(1 + ops.index(op) % 3)))

    out, seen = [], set()
    while len(out) < n:
        p = gen(3)
        if isinstance(p, tuple) and repr(p) not in seen:  # torch's toposort asserts on duplicates
            seen.add(repr(p))
            out.append(p)
    return out


def patch_torch_unify():
    """Register torch's missing catch-all ``_unify(object, object, dict) -> False`` (bench process only).

    Unpatched, torch's unify raises NotImplementedError on two unequal constants, so its ordering
    crashes on any realistic pattern list.
    """
    from torch.fx.experimental.unification.dispatch import dispatch as torch_dispatch

    @torch_dispatch(object, object, dict)
    def _unify(u, v, s):
        return False


def bench_ordering(repeat, n=1000):
    shared = op_patterns(ours.var, n)
    torch_shared = op_patterns(torch_var, n)
    unpatched = timed(lambda: torch_match.ordering(torch_shared[:100]), 1)
    patch_torch_unify()
    patched = timed(lambda: torch_match.ordering(torch_shared[:100]), 1)
    row(f"ordering {n} patterns, shared var names", timed(lambda: our_ordering(shared), repeat),
        f"{unpatched[:14]}" if isinstance(unpatched, str) else unpatched)
    print(f"{'  (torch, patched catch-all, 100 patterns)':42s} {'':>10} {patched if isinstance(patched, str) else round(patched, 4):>10}")
    for size in (200, n):
        apart = op_patterns(ours.var, size, linear=True)
        torch_apart = op_patterns(torch_var, size, linear=True)
        row(f"ordering {size} linear patterns*", timed(lambda: our_ordering(apart), repeat),
            timed(lambda: torch_match.ordering(torch_apart), 1 if size > 200 else 3))
    print("* torch patched with the catch-all _unify(object, object, dict) -> False")
    row(f"ambiguities {n} patterns (no torch equivalent)", timed(lambda: our_ambiguities(shared), max(1, repeat // 2)), "-")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'case':42s} {'ours (s)':>10} {'torch (s)':>10} {'torch/ours':>8}")
    bench_terms(args.repeat)
    bench_ordering(args.repeat)


if __name__ == "__main__":
    main()
