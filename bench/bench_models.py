"""Benchmark ``rewrite.apply(gm, "std:std")`` on real architectures, against one FakeTensorProp of the same graph.

Six architectures built from ``transformers`` configs with random weights (no downloads): ResNet,
MobileNetV2, EfficientNet, ViT, BERT and Llama, each traced by ``torch.export`` (``.module()``) and by
``make_fx`` (Llama: ``make_fx`` of its exported module, since its mask code reads tensor values, which
``make_fx`` refuses). Per graph: the rewrites made, apply's time (with its recompile), ms per rewrite, the
share of apply spent computing ``meta['val']`` of new nodes (fake-tensor evaluation), and apply's time
divided by one ``FakeTensorProp`` of the same graph (what any pass that keeps ``meta['val']`` exact would pay
at most). Every result is checked: the same outputs as before the rewrite, and every new node's
``meta['val']`` equal (shape, dtype, stride) to a fresh FakeTensorProp's.

Target: apply <= 0.3x one FakeTensorProp, median over the graphs; also printed: the median over the
graphs that have rewrites only (transformer graphs with few rewrites make the overall median easy).

Needs ``pip install transformers`` (not a test dependency).
Run:  PYTHONPATH=. .venv/bin/python bench/bench_models.py [--repeat 5] [--only resnet,bert]
"""
from __future__ import annotations

import argparse
import copy
import gc
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch
from torch.fx.experimental.proxy_tensor import make_fx
from torch.fx.passes.fake_tensor_prop import FakeTensorProp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rewrite  # noqa: E402

try:
    from fxcore.edit import surgery  # noqa: E402
except ImportError:  # a checkout from before the layout of issue 16, for A/B runs
    from fxcore import surgery  # noqa: E402

TARGET = 0.3


def architectures():
    """(name, module in eval mode, example inputs, output getter) per architecture, small configs."""
    import transformers as T
    image, tokens = (torch.randn(1, 3, 64, 64),), (torch.randint(0, 1000, (1, 16)),)
    text = dict(vocab_size=1000, hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128)
    return [
        ("resnet", T.ResNetModel(T.ResNetConfig(embedding_size=32, hidden_sizes=[32, 64, 128, 256],
                                                 depths=[2, 2, 2, 2], layer_type="basic")), image),
        ("mobilenet_v2", T.MobileNetV2Model(T.MobileNetV2Config(image_size=64, depth_multiplier=0.5)), image),
        ("efficientnet", T.EfficientNetModel(T.EfficientNetConfig(image_size=64, width_coefficient=1.0,
                                                                  depth_coefficient=1.0, hidden_dim=1280)), image),
        ("vit", T.ViTModel(T.ViTConfig(image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=4,
                                       num_attention_heads=4, intermediate_size=128)), (torch.randn(1, 3, 32, 32),)),
        ("bert", T.BertModel(T.BertConfig(**text)), tokens),
        ("llama", T.LlamaModel(T.LlamaConfig(**text, num_key_value_heads=2, use_cache=False)), tokens),
    ]


def trace(name, module, inputs, how):
    module.eval()
    exported = torch.export.export(module, inputs).module()
    if how == "export":
        return exported
    source = exported if name == "llama" else module
    with torch.no_grad():
        return make_fx(lambda *a: _first(source(*a)))(*inputs)


def _first(out):
    return getattr(out, "last_hidden_state", out)


class MetaClock:
    """Time spent in surgery's ``propagate_val`` (fake-tensor evaluation of new nodes)."""

    def __init__(self):
        self.seconds, self._real = 0.0, surgery.propagate_val

    def __enter__(self):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self._real(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        surgery.propagate_val = timed
        return self

    def __exit__(self, *exc):
        surgery.propagate_val = self._real


def fake_prop_seconds(gm, inputs) -> float:
    graph = copy.deepcopy(gm)
    gc.collect()
    start = time.perf_counter()
    FakeTensorProp(graph, _mode()).propagate(*inputs)
    return time.perf_counter() - start


def _mode():
    """A fake mode that takes the module's real parameters as they are (get_attr nodes hand them over)."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    return FakeTensorMode(allow_non_fake_inputs=True)


def check_vals(gm, inputs) -> int:
    """Every rewritten node's meta['val'] equals a fresh FakeTensorProp's; returns how many were checked."""
    made = [n for n in gm.graph.nodes if "rewrite_rule" in n.meta]
    fresh = copy.deepcopy(gm)
    FakeTensorProp(fresh, _mode()).propagate(*inputs)
    by_name = {n.name: n for n in fresh.graph.nodes}
    for node in made:
        want, got = by_name[node.name].meta.get("val"), node.meta.get("val")
        if isinstance(want, torch.Tensor):
            assert isinstance(got, torch.Tensor), (node.name, got)
            assert (tuple(got.shape), got.dtype, got.stride()) == (tuple(want.shape), want.dtype, want.stride()), \
                (node.name, got, want)
    return len(made)


def measure(name, module, inputs, how, repeat, rules):
    base = trace(name, module, inputs, how)
    with torch.no_grad():
        expected = base(*inputs)
    applies, metas, props = [], [], []
    for _ in range(repeat):
        gm = copy.deepcopy(base)
        gc.collect()
        with MetaClock() as clock:
            start = time.perf_counter()
            rewrite.apply(gm, rules)
            applies.append(time.perf_counter() - start)
        metas.append(clock.seconds)
        props.append(fake_prop_seconds(base, inputs))
    with torch.no_grad():
        torch.testing.assert_close(_first(gm(*inputs)), _first(expected), rtol=1e-3, atol=1e-3)
    checked = check_vals(gm, inputs)
    report = rewrite.report_of(gm)
    apply_s, meta_s, prop_s = (statistics.median(v) for v in (applies, metas, props))
    return dict(name=name, how=how, nodes=len(base.graph.nodes), rewrites=len(report.rewrites), apply_ms=apply_s * 1e3,
                per_rewrite_ms=apply_s * 1e3 / max(len(report.rewrites), 1), meta_share=meta_s / apply_s,
                prop_ms=prop_s * 1e3, ratio=apply_s / prop_s, checked=checked, counts=report.counts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated architecture names")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads (default 1: on a shared machine, waking OpenMP threads for the "
                             "folding's tensor ops costs milliseconds per op under contention, 4-5x apply's time)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    rules = rewrite.load("std:std")
    wanted = set(filter(None, args.only.split(",")))
    rows = []
    print(f"{'graph':<22}{'nodes':>6}{'rewrites':>9}{'apply ms':>10}{'ms/rewrite':>11}{'meta %':>8}"
          f"{'FTP ms':>9}{'apply/FTP':>10}")
    for name, module, inputs in architectures():
        if wanted and name not in wanted:
            continue
        for how in ("export", "make_fx"):
            row = measure(name, module, inputs, how, args.repeat, rules)
            rows.append(row)
            print(f"{name + ' ' + how:<22}{row['nodes']:>6}{row['rewrites']:>9}{row['apply_ms']:>10.1f}"
                  f"{row['per_rewrite_ms']:>11.2f}{row['meta_share'] * 100:>7.0f}%{row['prop_ms']:>9.1f}"
                  f"{row['ratio']:>10.2f}   {row['counts']}")
    median = statistics.median(r["ratio"] for r in rows)
    busy = [r for r in rows if r["rewrites"] >= 10]
    verdict = "PASS" if median <= TARGET else "FAIL"
    print(f"\n{verdict}  apply / one FakeTensorProp, median over {len(rows)} graphs = {median:.2f} "
          f"(target <= {TARGET}); over the {len(busy)} graphs with 10+ rewrites: "
          f"{statistics.median(r['ratio'] for r in busy):.2f}; meta share median "
          f"{statistics.median(r['meta_share'] for r in busy) * 100:.0f}%; new nodes' meta['val'] checked against "
          f"FakeTensorProp: {sum(r['checked'] for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
