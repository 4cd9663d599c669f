"""Benchmark: the before/after picture of ``python -m rewrite apply --html`` on growing graphs.

A chain of ``neg(neg(x)) * sigmoid(x) + 1`` blocks is traced, snapshotted, rewritten with std:std (each block
loses its two negs; swish fuses to silu), and the page is drawn from both snapshots: the time is the
snapshot of the result plus the HTML page (layout, SVG text), medians of ``--repeat`` runs, in ms, with the
total node count of both graphs and the growth at 4x the blocks (4.0 = linear).

Run: PYTHONPATH=. .venv/bin/python bench/bench_picture.py [--blocks 125,500] [--repeat 7]
"""
import argparse
import statistics
import time

import torch
import torch.fx as fx

import rewrite
from rewrite.front.picture import before_after_html, snapshot


def _chain(blocks: int):
    def f(x):
        for _ in range(blocks):
            x = torch.neg(torch.neg(x)) * torch.sigmoid(x) + 1
        return x
    return fx.symbolic_trace(f)


def measure(blocks: int, repeat: int) -> tuple[int, float]:
    """(nodes before + after, median ms of snapshot + page)."""
    gm = _chain(blocks)
    before = snapshot(gm)
    rewrite.apply(gm, rewrite.load("std:std"))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        before_after_html(before, snapshot(gm))
        times.append(time.perf_counter() - start)
    return len(before.nodes) + len(gm.graph.nodes), statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", default="125,500")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = [(b, *measure(b, args.repeat)) for b in map(int, args.blocks.split(","))]
    for blocks, nodes, ms in rows:
        print(f"{blocks:>6} blocks  {nodes:>6} nodes (before + after)  {ms:8.1f} ms")
    if len(rows) > 1:
        (b0, _, t0), (b1, _, t1) = rows[0], rows[-1]
        print(f"growth at {b1 / b0:.0f}x the blocks: {t1 / t0:.2f}")


if __name__ == "__main__":
    main()
