"""Benchmark: type-check and refine a 10k-node graph; ratio to torch's GraphTypeChecker on the same graph.

The graph is a chain of ops torch's checker supports (nn.Linear, nn.ReLU, torch.add, torch.transpose,
torch.reshape), so both checkers do the same work. Also checks 100k nodes run without RecursionError
and that time grows linearly (10k vs 40k).

Run: .venv/bin/python bench/bench_types.py
"""
import statistics
import sys
import time

import torch
import torch.fx.tensor_type as ttt
from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker as TorchChecker

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.dirname(__file__)))
from fxcore.types import GraphTypeChecker, TensorType, infer_symbolic_types, Dyn  # noqa: E402


def chain(n_nodes: int) -> torch.fx.GraphModule:
    """A chain of ~n_nodes nodes: relu module, linear module, add, transpose, reshape, repeated."""
    root = torch.nn.Module()
    root.relu, root.fc = torch.nn.ReLU(), torch.nn.Linear(8, 8)
    g = torch.fx.Graph()
    x = g.placeholder("x")
    for _ in range(n_nodes // 5):
        x = g.call_module("relu", (x,))
        x = g.call_module("fc", (x,))
        x = g.call_function(torch.add, (x, x))
        x = g.call_function(torch.transpose, (x, 0, 1))
        x = g.call_function(torch.reshape, (x, [4, 8]))
    g.output(x)
    return torch.fx.GraphModule(root, g)


def timed(fn, repeat=5):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def run_ours(gm, shape):
    next(iter(gm.graph.nodes)).type = TensorType(shape)
    GraphTypeChecker({}, gm).type_check()


def run_torch(gm, shape):
    for n in gm.graph.nodes:
        n.type = None
    next(iter(gm.graph.nodes)).type = ttt.TensorType(shape)
    TorchChecker({}, gm).type_check()


def run_refine(gm):
    next(iter(gm.graph.nodes)).type = TensorType((Dyn, 8))
    infer_symbolic_types(gm)


def main():
    gm = chain(10_000)
    n = len(gm.graph.nodes)
    ours = timed(lambda: run_ours(gm, (4, 8)))
    theirs = timed(lambda: run_torch(gm, (4, 8)))
    refine = timed(lambda: run_refine(gm), repeat=3)
    print(f"nodes={n}")
    print(f"type_check  ours={ours * 1e3:.1f} ms  torch={theirs * 1e3:.1f} ms  ratio ours/torch={ours / theirs:.2f}")
    print(f"refine (Dyn batch -> variable) ours={refine * 1e3:.1f} ms")
    big = chain(40_000)
    ours_big = timed(lambda: run_ours(big, (4, 8)), repeat=3)
    print(f"linearity: 40k/10k time ratio={ours_big / ours:.2f} (4.0 = linear)")
    deep = chain(100_000)
    t = time.perf_counter()
    run_ours(deep, (4, 8))
    run_refine(deep)
    print(f"100k nodes: check+refine ok in {time.perf_counter() - t:.1f} s (no RecursionError)")


if __name__ == "__main__":
    main()
