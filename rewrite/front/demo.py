"""The main job: a model traced, the standard rule set applied, before/after code and stats shown.

The default model is an EfficientNet-style MBConv block followed by a GPT-2
MLP, written the way real code often writes them: swish as ``x * sigmoid(x)``,
the tanh-GELU formula spelled out, dropout modules left in, conv + batch norm
pairs unfused. The standard rule set turns each into the op torch provides and
folds the batch norms away, and the demo checks the numbers are unchanged.

>>> result = run("resnet_basic", rules="std:algebraic", show_code=False, out=lambda *a: None)
>>> result.max_abs_diff < 1e-4
True

See Also:
    rewrite.front.zoo: the models; rewrite.front.cli: ``python -m rewrite demo``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import torch

from rewrite.front import zoo
from rewrite.engine.apply import apply
from rewrite.lang.loader import load
from rewrite.engine.report import Report, report_of

__all__ = ["DEMO_MODEL", "run", "build_model", "DemoResult", "ModelSpecError"]


DEMO_MODEL = "mbconv_gpt"
"""The zoo entry the demo runs by default."""


@dataclass(frozen=True)
class DemoResult:
    """What the demo did: the rewritten module, its report, and the numbers check."""

    module: torch.fx.GraphModule
    report: Report
    max_abs_diff: float


class ModelSpecError(ValueError):
    """A ``--model`` that names no zoo entry or no importable ``package.module:factory``."""


def build_model(spec: str) -> tuple[str, str, torch.nn.Module, tuple]:
    """(name, description, module in eval mode, example inputs) for a zoo name or ``package.module:factory``.

    A factory returns ``(module, example_inputs)``.

    >>> build_model("resnet_basic")[0]
    'resnet_basic'
    """
    if ":" not in spec:
        chosen = zoo.get(spec)
        return chosen.name, chosen.description, chosen.build(), chosen.inputs()
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ModelSpecError(f"cannot load model {spec!r}: {exc}; write a zoo name ({', '.join(zoo.names())}) "
                             f"or package.module:factory with the package importable") from None
    made = factory()
    if not (isinstance(made, tuple) and len(made) == 2):
        raise ModelSpecError(f"{spec} must return (module, example_inputs), got {type(made).__name__}")
    module, inputs = made
    return spec, "", module.eval(), tuple(inputs)


def run(model: str = DEMO_MODEL, *, rules: str = "std:std", tracer: str = "symbolic_trace",
        show_code: bool = True, out: Callable = print, allow_python: bool = False, **apply_options) -> DemoResult:
    """Trace ``model``, apply ``rules``, print before/after code and the report; check the numbers.

    ``model`` is a zoo name or ``package.module:factory``; ``apply_options`` go to
    :func:`rewrite.engine.apply.apply` (``once``, ``dry_run``, ``max_rewrites``, ``assume``);
    ``allow_python`` lets a YAML rule file include Python rule sets.
    """
    name, description, module, inputs = build_model(model)
    gm = zoo.TRACERS[tracer](module, inputs)
    ruleset = load(rules, allow_python=allow_python)
    out(f"== {name}: {description}")
    out(f"== traced with {tracer}: {len(gm.graph.nodes)} nodes; rule set {ruleset.name!r} ({len(ruleset)} rules)")
    if show_code:
        out("\n-- before " + "-" * 60 + gm.code)
    with torch.no_grad():
        expected = gm(*inputs)
    if tracer == "symbolic_trace":  # no meta['val']: the guards read shapes and dtypes from the inputs
        apply_options.setdefault("example_inputs", inputs)
    apply(gm, ruleset, **apply_options)
    report = report_of(gm)
    if show_code:
        out("-- after " + "-" * 61 + gm.code)
    out("-- report " + "-" * 60)
    out(report.format())
    with torch.no_grad():
        got = gm(*inputs)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    diff = float((got - expected).abs().max())
    out("-- check " + "-" * 61)
    out(f"outputs match the original on the example inputs (max abs diff {diff:.2e}); "
        f"graph.lint() passed")
    return DemoResult(gm, report, diff)
