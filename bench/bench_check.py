"""Benchmark the rule-set checks: critical pairs and confluence, termination, and soundness per rule.

Run:  PYTHONPATH=. .venv/bin/python bench/bench_check.py [--repeat N] [--sizes 50,100,200] [--same-root 2000]

Prints medians (seconds, wall clock) of:
- std:std: critical pairs alone, and critical pairs + verdicts (check_confluence, numbers compared);
- generated rule sets of 50/100/200 rules over a dozen ops (random patterns up to depth 3, each
  replacement a proper subterm so every normalization terminates; one rule in four guarded), with the
  growth ratio per doubling (2.0 is linear in rules, 4.0 quadratic);
- 2,000 guarded rules with the same root op, ``mul(x, c)`` with ``c == k and x.ndim == r`` for 500 values
  of k and 4 ranks: every pair is infeasible, found by the facts index without unifying 2M pairs;
- termination (check_termination) of std:std and of the same generated sets (targets with critical pairs:
  std < 2 s, 200 rules < 30 s; ``bench/bench_termination.py`` times harder sets: proofs needing weights,
  loops, the MAYBE worst case);
- soundness: check_rule_soundness of each std rule at the default example count, median and max (target:
  one rule < 1 s); ``--soundness-rules 0`` skips it.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewrite import load  # noqa: E402
from rewrite.check import check_confluence, check_rule_soundness, check_termination, critical_pairs  # noqa: E402
from rewrite.lang.rule import Rule  # noqa: E402
from rewrite.lang.ruleset import RuleSet  # noqa: E402
from unify import var  # noqa: E402

UNARY = ("neg", "relu", "exp", "abs", "sigmoid", "tanh", "sin", "cos")
BINARY = ("mul", "add", "sub", "maximum")  # add carries alpha=1: commutative like mul and maximum
VARS = tuple(var(n) for n in "xyz")
GUARDS = ("x.ndim == 2", "x.dtype.is_floating_point", "not x.dtype.is_floating_point", "x.ndim in (3, 4)")


def _random_term(rng: random.Random, depth: int):
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(VARS) if rng.random() < 0.85 else rng.choice((0, 1, 2.0))
    if rng.random() < 0.5:
        return (rng.choice(UNARY), _random_term(rng, depth - 1))
    op = rng.choice(BINARY)
    args = (_random_term(rng, depth - 1), _random_term(rng, depth - 1))
    return (op, *args, 1) if op in ("add", "sub") else (op, *args)


def _subterms(t):
    out = [t]
    if isinstance(t, tuple) and t and isinstance(t[0], str):
        for a in t[1:]:
            out += _subterms(a)
    return out


def _vars(t) -> set:
    return {s for s in _subterms(t) if s in VARS}


def generated(n: int, seed: int = 0) -> RuleSet:
    """``n`` random terminating rules (replacement: a proper subterm holding a pattern variable)."""
    rng = random.Random(seed)
    rules = []
    while len(rules) < n:
        pattern = _random_term(rng, 3)
        if not (isinstance(pattern, tuple) and _vars(pattern)):
            continue
        options = [s for s in _subterms(pattern)[1:] if s in VARS or (isinstance(s, tuple) and _vars(s))]
        replacement = rng.choice(options)
        guards = (rng.choice(GUARDS),) if "x" in {str(v.token) for v in _vars(pattern)} and rng.random() < 0.25 \
            else ()
        rules.append(Rule(f"g{len(rules)}", pattern, replacement, guards=guards))
    return RuleSet(f"generated-{n}", tuple(rules))


def same_root(n: int = 2000) -> RuleSet:
    """``n`` rules ``mul(x, c) -> x`` guarded by ``c == k and x.ndim == r`` (n/4 values of k, 4 ranks)."""
    x, c = var("x"), var("c")
    return RuleSet(f"same-root-{n}", tuple(
        Rule(f"m{i}", ("mul", x, c), x, guards=(f"c == {i // 4} and x.ndim == {i % 4}",)) for i in range(n)))


def timed(fn, repeat: int) -> tuple:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="50,100,200")
    ap.add_argument("--same-root", type=int, default=2000)
    ap.add_argument("--soundness-rules", type=int, default=-1, help="how many std rules to check (-1: all)")
    args = ap.parse_args(argv)

    std = load("std:std")
    t, found = timed(lambda: critical_pairs(std), args.repeat)
    print(f"std:std ({len(std)} rules): critical pairs {t:.3f} s "
          f"({len(found.pairs)} feasible, {found.infeasible} infeasible)")
    t, report = timed(lambda: check_confluence(std), args.repeat)
    print(f"std:std: critical pairs + verdicts {t:.3f} s  verdict {report.verdict} {report.counts()}  "
          f"(budget 2 s)")

    previous = None
    for n in map(int, args.sizes.split(",")):
        rs = generated(n)
        t_cp, found = timed(lambda: critical_pairs(rs), args.repeat)
        t_all, report = timed(lambda: check_confluence(rs), max(1, args.repeat // 2))
        growth = "" if previous is None else f"  growth x{t_all / previous:.2f} per x{n / prev_n:.0f} rules"
        print(f"generated {n} rules: critical pairs {t_cp:.3f} s ({len(found.pairs)} feasible, "
              f"{found.infeasible} infeasible, {found.candidates} unifiers); + verdicts {t_all:.3f} s "
              f"{report.verdict} {report.counts()}{growth}")
        previous, prev_n = t_all, n

    if args.same_root:
        rs = same_root(args.same_root)
        t, report = timed(lambda: check_confluence(rs), args.repeat)
        print(f"same root, {args.same_root} guarded rules: critical pairs + verdicts {t:.3f} s  "
              f"verdict {report.verdict}, {len(report.pairs)} feasible, {report.infeasible} infeasible "
              f"(budget 10 s)")

    t, verdict = timed(lambda: check_termination(std), args.repeat)
    print(f"std:std: termination {t:.3f} s  verdict {verdict.verdict} (budget 2 s, with critical pairs)")
    previous = None
    for n in map(int, args.sizes.split(",")):
        rs = generated(n)
        t, verdict = timed(lambda: check_termination(rs), args.repeat)
        growth = "" if previous is None else f"  growth x{t / previous:.2f} per x{n / prev_n:.0f} rules"
        print(f"generated {n} rules: termination {t:.3f} s  verdict {verdict.verdict}{growth}")
        previous, prev_n = t, n

    if args.soundness_rules:
        rules = list(std.enabled())
        rules = rules if args.soundness_rules < 0 else rules[:args.soundness_rules]
        check_rule_soundness(rules[0], ruleset=std, examples=5)  # warm-up: torch._dynamo's first import (~2 s)
        times = {}
        for rule in rules:
            t0 = time.perf_counter()
            result = check_rule_soundness(rule, ruleset=std)
            times[rule.id] = (time.perf_counter() - t0, result.verdict)
        slowest = max(times, key=lambda k: times[k][0])
        verdicts = sorted({v for _, v in times.values()})
        print(f"soundness, {len(rules)} std rules at the default example count: median "
              f"{statistics.median(t for t, _ in times.values()):.2f} s per rule (budget 1 s), max "
              f"{times[slowest][0]:.2f} s ({slowest}); verdicts {verdicts}")


if __name__ == "__main__":
    main()
