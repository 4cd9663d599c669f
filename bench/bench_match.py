"""Benchmark: finding all matches of a pattern, against torch's SubgraphMatcher and a bare loop, in one run.

Graph: ``x = x * sigmoid(x)`` repeated (one match every two nodes), at 1k / 8k / 10k / 50k nodes.
Prints medians (seconds) and same-run ratios:

- ``bare``: a loop over ``graph.nodes`` reading each node's args;
- ``hand-written matcher``: this one pattern matched by hand-specialized Python (target checks, sharing,
  one result per match): the floor of any Python matcher that returns matches;
- ``find_matches``: ``fxcore.match.find_matches`` including the index pass (canonical ops);
- ``find_matches (index reused)``: matching only, with the index built beforehand;
- ``ours SubgraphMatcher`` / ``torch SubgraphMatcher``: the torch API on both engines
  (torch's only up to 8k nodes: it is quadratic).

Run: ``.venv/bin/python bench/bench_match.py [--repeat N] [--sizes 1000,8000,10000,50000]``
"""
from __future__ import annotations

import argparse
import operator
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch.fx import symbolic_trace  # noqa: E402
from torch.fx.passes.utils import matcher_utils as torch_mu  # noqa: E402

from fxcore.match import OpIndex, compile_pattern, find_matches  # noqa: E402
from fxcore.matcher_utils import SubgraphMatcher  # noqa: E402
from tests.graphs import swish_chain  # noqa: E402
from unify import var  # noqa: E402

X = var("x")
PATTERN = ("mul", X, ("sigmoid", X))
TORCH_LIMIT = 8000


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()   # same collector state for every engine
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bare_loop(graph):
    n = 0
    for node in graph.nodes:
        n += len(node.args)
    return n


_MUL = (torch.mul, operator.mul)
_SIGMOID = (torch.sigmoid,)


def hand_written(graph):
    """The pattern specialized by hand: a Python matcher's floor (checks targets and sharing, one object per match)."""
    out = []
    for node in graph.nodes:
        if node.op == "call_function" and node.target in _MUL and not node.kwargs and len(node.args) == 2:
            for a, b in (node.args, node.args[::-1]):
                if isinstance(b, torch.fx.Node) and b.target in _SIGMOID and b.args[0] is a and not b.kwargs:
                    out.append((node, {X: a}, (b, node)))
                    break
    return out


def run(size: int, repeat: int) -> dict:
    gm = swish_chain(size)
    g = gm.graph
    cp = compile_pattern(PATTERN)
    pattern_graph = symbolic_trace(lambda x: x * torch.sigmoid(x)).graph
    res = {"nodes": len(g.nodes)}
    res["bare"], _ = median_time(lambda: bare_loop(g), repeat)
    res["hand-written matcher"], hand = median_time(lambda: hand_written(g), repeat)
    res["find_matches"], found = median_time(lambda: find_matches(g, cp), repeat)
    index = OpIndex(g)
    res["find_matches (index reused)"], _ = median_time(lambda: find_matches(g, cp, index=index), repeat)
    res["ours SubgraphMatcher"], ours = median_time(lambda: SubgraphMatcher(pattern_graph).match(g), repeat)
    res["matches"] = len(found)
    assert len(ours) == len(found) == len(hand) == size // 2, (len(ours), len(found), len(hand))
    if size <= TORCH_LIMIT:
        res["torch SubgraphMatcher"], theirs = median_time(
            lambda: torch_mu.SubgraphMatcher(pattern_graph).match(g), max(1, min(repeat, 3)))
        assert len(theirs) == len(ours)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", default="1000,8000,10000,50000")
    args = ap.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, args.repeat)
        print(f"\n== {r['nodes']} nodes, {r['matches']} matches (medians of {args.repeat}) ==")
        for k in ("bare", "hand-written matcher", "find_matches", "find_matches (index reused)", "ours SubgraphMatcher",
                  "torch SubgraphMatcher"):
            if k in r:
                print(f"  {k:30s} {r[k]:10.4f} s   {r[k] / r['bare']:8.1f} x bare")
        if "torch SubgraphMatcher" in r:
            t = r["torch SubgraphMatcher"]
            print(f"  speedup vs torch: find_matches {t / r['find_matches']:.1f}x, "
                  f"SubgraphMatcher {t / r['ours SubgraphMatcher']:.1f}x")


if __name__ == "__main__":
    main()
