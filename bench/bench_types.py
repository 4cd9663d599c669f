"""Benchmark: fxcore.types' GraphTypeChecker vs torch's, refinement and symbolic inference, and linear growth.

The graph is a chain of ops torch's checker supports (nn.ReLU, nn.Linear, torch.add, torch.transpose,
torch.reshape), so both checkers do the same work. Each check starts from the same state for both:
every ``node.type`` reset to None, then the placeholder's type set (what torch's checker reads);
the reset is not timed.
Runs alternate ours/torch (the first of a pair alternates too); each pair gives a same-run ratio,
and the report shows medians: time per run, the median of the pair ratios, and growth from 10k to
40k nodes (4.0 = linear). ``--distinct`` also times a chain whose every block has its own
Linear module of its own width (no two calls share a call shape and input types, so the checker's
per-run memo never hits: the cold path).

Times are this process's CPU time by default (``--clock wall`` for elapsed time): both checkers are
single-threaded Python, and CPU time is steadier when other jobs share the cores.

Run: PYTHONPATH=. .venv/bin/python bench/bench_types.py [--repeat 9] [--growth-repeat 7] [--distinct] [--profile]
"""
import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time

import torch
import torch.fx.tensor_type as ttt
from torch.fx.experimental.graph_gradual_typechecker import GraphTypeChecker as TorchChecker
from torch.fx.experimental.unify_refinements import infer_symbolic_types as torch_infer_symbolic_types

from fxcore.types import Dyn, GraphTypeChecker, Refine, TensorType, infer_symbolic_types
from fxcore.types.infer import infer_types


def chain(n_nodes: int, distinct: bool = False) -> torch.fx.GraphModule:
    """~n_nodes nodes: relu module, linear module, add, transpose, reshape, repeated (distinct: a Linear per block)."""
    root = torch.nn.Module()
    root.relu, root.fc = torch.nn.ReLU(), torch.nn.Linear(8, 8)
    g = torch.fx.Graph()
    x = g.placeholder("x")
    width = 8
    for i in range(n_nodes // 5):
        x = g.call_module("relu", (x,))
        if distinct:
            out = 8 + (i % 50)
            root.add_module(f"fc{i}", torch.nn.Linear(width, out))
            x, width = g.call_module(f"fc{i}", (x,)), out
        else:
            x = g.call_module("fc", (x,))
        x = g.call_function(torch.add, (x, x))
        x = g.call_function(torch.transpose, (x, 0, 1))
        x = g.call_function(torch.reshape, (x, [4, width] if distinct else [4, 8]))
    g.output(x)
    return torch.fx.GraphModule(root, g)


def _reset(gm, t) -> None:
    for n in gm.graph.nodes:
        n.type = None
    next(iter(gm.graph.nodes)).type = t


def run_ours(gm, shape):
    _reset(gm, TensorType(shape))
    GraphTypeChecker({}, gm).type_check()


def run_torch(gm, shape):
    _reset(gm, ttt.TensorType(shape))
    TorchChecker({}, gm).type_check()


def check_only(gm, checker, t):
    """(setup, timed): the reset of node.type (FX's slow __setattr__, 10k times) stays out of the timed region."""
    return (lambda: _reset(gm, t)), (lambda: checker({}, gm).type_check())


def _checked(gm):
    """Setup of the refinement measures: node.type reset, then our check (what torch's flow runs first)."""
    return lambda: run_ours(gm, (Dyn, 8))


def run_refine(gm):
    """The drop-in ``Refine(gm).refine()`` after a check: ours (symbolic inference) and torch's pass on node.type."""
    return _checked(gm), lambda: Refine(gm).refine()


def run_infer_symbolic(gm):
    """The drop-in ``infer_symbolic_types`` after a check (ours, and torch's algorithm on node.type)."""
    return _checked(gm), lambda: infer_symbolic_types(gm)


def run_ours_symbolic(gm):
    """Our symbolic inference alone (no node.type work)."""
    return (lambda: _reset(gm, TensorType((Dyn, 8)))), lambda: infer_types(gm, symbolic=True, annotate=False)


def run_torch_infer_symbolic(gm):
    """torch's infer_symbolic_types after torch's check (for scale: ours does more in the same call)."""
    return (lambda: run_torch(gm, (ttt.Dyn, 8))), lambda: torch_infer_symbolic_types(gm)


CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}
_clock = CLOCK["cpu"]


def timed(fn) -> float:
    """Seconds for fn() by the chosen clock; fn may be a (setup, timed) pair, whose setup runs untimed."""
    setup, fn = fn if isinstance(fn, tuple) else (None, fn)
    if setup is not None:
        setup()
    gc.collect()
    t = _clock()
    fn()
    return _clock() - t


def rotated(fns: dict, repeat: int) -> dict:
    """{name: [time per iteration]}: every iteration times each fn once, starting at a rotating position."""
    names, out = list(fns), {k: [] for k in fns}
    for i in range(repeat):
        for k in names[i % len(names):] + names[:i % len(names)]:
            out[k].append(timed(fns[k]))
    return out


def _med(xs) -> float:
    return statistics.median(xs)


def _ratios(a: list, b: list) -> float:
    """The median of the same-iteration ratios a[i] / b[i]."""
    return _med([x / y for x, y in zip(a, b)])


def check_section(sizes, repeat, distinct=False):
    """ours vs torch at each size, and each one's growth, all from the same iterations."""
    label = "distinct chain" if distinct else "chain"
    gms = {n: chain(n, distinct) for n in sizes}
    fns = {}
    for n, gm in gms.items():
        fns["ours", n] = check_only(gm, GraphTypeChecker, TensorType((4, 8)))
        fns["torch", n] = check_only(gm, TorchChecker, ttt.TensorType((4, 8)))
    t = rotated(fns, repeat)
    for n in sizes:
        ours, theirs = t["ours", n], t["torch", n]
        ratio = _ratios(ours, theirs)
        print(f"type_check {label} {len(gms[n].graph.nodes)} nodes: ours {_med(ours) * 1e3:.1f} ms, torch "
              f"{_med(theirs) * 1e3:.1f} ms; median same-iteration ratio ours/torch {ratio:.2f} "
              f"(ours {1 / ratio:.2f}x faster)")
    a, b = sizes
    print(f"  growth {b // 1000}k/{a // 1000}k (median same-iteration ratio): ours "
          f"{_ratios(t['ours', b], t['ours', a]):.2f}, torch {_ratios(t['torch', b], t['torch', a]):.2f} (4.0 = linear)")


def growth_section(name, fn, sizes, repeat):
    gms = {n: chain(n) for n in sizes}
    t = rotated({n: fn(gm) for n, gm in gms.items()}, repeat)
    a, b = sizes
    print(f"{name}: {a // 1000}k {_med(t[a]) * 1e3:.0f} ms, {b // 1000}k {_med(t[b]) * 1e3:.0f} ms; growth "
          f"{_ratios(t[b], t[a]):.2f} (4.0 = linear)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=9, help="iterations of the check comparison")
    p.add_argument("--growth-repeat", type=int, default=7, help="iterations of each refinement growth measure")
    p.add_argument("--clock", choices=sorted(CLOCK), default="cpu",
                   help="cpu: this process's CPU time (default: steadier on a shared machine); wall: elapsed time")
    p.add_argument("--distinct", action="store_true", help="also time the chain with no repeated call shapes")
    p.add_argument("--profile", action="store_true", help="cProfile one 10k check and print the top functions")
    p.add_argument("--deep", action="store_true", help="also check and refine 100k nodes (no RecursionError)")
    args = p.parse_args(argv)
    global _clock
    _clock = CLOCK[args.clock]
    print(f"clock: {args.clock}")
    sizes = (10_000, 40_000)
    check_section(sizes, args.repeat)
    if args.distinct:
        check_section(sizes, max(3, args.repeat // 2), distinct=True)
    r = args.growth_repeat
    growth_section("Refine.refine (after a check)", run_refine, sizes, r)
    growth_section("infer_symbolic_types (after a check)", run_infer_symbolic, sizes, r)
    growth_section("our symbolic inference alone", run_ours_symbolic, sizes, r)
    growth_section("torch check + infer_symbolic_types (scale)", run_torch_infer_symbolic, sizes, r)
    if args.deep:
        deep = chain(100_000)
        t = time.perf_counter()
        for step in run_infer_symbolic(deep):
            step()
        print(f"100k nodes: check + infer_symbolic_types in {time.perf_counter() - t:.1f} s (no RecursionError)")
    if args.profile:
        gm = chain(10_000)
        setup, check = check_only(gm, GraphTypeChecker, TensorType((4, 8)))
        setup()
        check()
        setup()
        cProfile.runctx("check()", globals(), {"check": check}, "/tmp/bench_types.prof")
        pstats.Stats("/tmp/bench_types.prof").sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    sys.exit(main())
