"""The main job: a model traced, the standard rule set applied, before/after code and stats shown.

The default model is an EfficientNet-style MBConv block followed by a GPT-2
MLP, written the way real code often writes them: swish as ``x * sigmoid(x)``,
the tanh-GELU formula spelled out, dropout modules left in, conv + batch norm
pairs unfused. The standard rule set turns each into the op torch provides and
folds the batch norms away, and the demo checks the numbers are unchanged.

Two steps, so the CLI's ``apply`` can add its own around them: :func:`prepare` (build the model,
trace it, load the rules: every user error surfaces here, before any work) and :func:`rewrite`
(apply, report, compare with the original's outputs). :func:`run` is both.

>>> result = run("resnet_basic", rules="std:algebraic", show_code=False, out=lambda *a: None)
>>> result.max_abs_diff < 1e-4
True

See Also:
    rewrite.front.zoo: the models; rewrite.front.cli: ``python -m rewrite demo`` and ``apply``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from dataclasses import dataclass
from typing import Callable

import torch

from rewrite.engine.apply import apply
from rewrite.engine.report import Report, report_of
from rewrite.front import zoo
from rewrite.front.picture import GraphSnapshot, snapshot
from rewrite.lang.loader import load
from rewrite.lang.ruleset import RuleSet

__all__ = ["DEMO_MODEL", "MODEL_HELP", "run", "prepare", "rewrite", "build_model", "Prepared", "DemoResult",
           "ModelSpecError", "NumbersChangedError"]


DEMO_MODEL = "mbconv_gpt"
"""The zoo entry the demo runs by default."""

MODEL_HELP = ("a zoo name (" + ", ".join(zoo.names()) + ") or package.module:factory, where factory() "
              "takes no arguments and returns (module, example_inputs): an nn.Module and a tuple of tensors "
              "to call it with (the package must be importable: run from its folder or set PYTHONPATH)")
"""What ``--model`` takes, in the words the CLI's help shows."""


class ModelSpecError(ValueError):
    """A ``--model`` that names no zoo entry or no importable ``package.module:factory``, or cannot be traced."""


class NumbersChangedError(AssertionError):
    """The rewritten module's outputs differ from the original's on the example inputs."""


@dataclass(frozen=True)
class Prepared:
    """A model ready to rewrite: its name and description, the module and inputs, the traced graph, the rules."""

    name: str
    description: str
    module: torch.nn.Module
    inputs: tuple
    gm: torch.fx.GraphModule
    tracer: str
    ruleset: RuleSet


@dataclass(frozen=True)
class DemoResult:
    """What the demo did: the rewritten module, its report, the numbers check, and the graph before."""

    module: torch.fx.GraphModule
    report: Report
    max_abs_diff: float
    before: GraphSnapshot | None = None
    inputs: tuple = ()


@contextlib.contextmanager
def _current_folder_importable():
    """The current folder on ``sys.path`` while a ``--model`` factory is imported and called."""
    here = os.getcwd()
    added = here not in sys.path and "" not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        yield
    finally:
        if added and here in sys.path:
            sys.path.remove(here)


def build_model(spec: str) -> tuple[str, str, torch.nn.Module, tuple]:
    """(name, description, module in eval mode, example inputs) for a zoo name or ``package.module:factory``.

    A factory takes no arguments and returns ``(module, example_inputs)``.

    >>> build_model("resnet_basic")[0]
    'resnet_basic'
    >>> build_model("no_such_pkg.models:make")
    Traceback (most recent call last):
    ...
    rewrite.front.demo.ModelSpecError: cannot load model 'no_such_pkg.models:make': No module named 'no_such_pkg'; ...
    """
    if ":" not in spec:
        try:
            chosen = zoo.get(spec)
        except zoo.UnknownZooEntryError as exc:
            raise ModelSpecError(f"{exc.args[0]}; or write package.module:factory") from None
        return chosen.name, chosen.description, chosen.build(), chosen.inputs()
    module_name, _, attr = spec.partition(":")
    with _current_folder_importable():  # as under ``python -m``, also for the fx-rewrite console script
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ModelSpecError(f"cannot load model {spec!r}: {exc}; write a zoo name ({', '.join(zoo.names())}) "
                                 f"or package.module:factory with the package importable") from None
        try:
            made = factory()
        except Exception as exc:  # the user's code: its error, said in one line
            raise ModelSpecError(f"model factory {spec} raised {type(exc).__name__}: {exc}") from None
    if not (isinstance(made, tuple) and len(made) == 2 and isinstance(made[0], torch.nn.Module)):
        raise ModelSpecError(f"{spec} must return (module, example_inputs), an nn.Module and a tuple of "
                             f"tensors; it returned {type(made).__name__}")
    module, inputs = made
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    return spec, "", module.eval(), inputs


def prepare(model: str = DEMO_MODEL, *, rules="std:std", tracer: str = "symbolic_trace",
            allow_python: bool = False) -> Prepared:
    """Build ``model``, trace it with ``tracer``, load ``rules``: everything a user can get wrong, checked.

    >>> p = prepare("resnet_basic", rules="std:algebraic")
    >>> p.name, p.ruleset.name, p.tracer
    ('resnet_basic', 'algebraic', 'symbolic_trace')
    """
    if tracer not in zoo.TRACERS:
        raise ModelSpecError(f"unknown tracer {tracer!r}; use one of {', '.join(zoo.TRACERS)}")
    ruleset = load(rules, allow_python=allow_python)
    name, description, module, inputs = build_model(model)
    try:
        gm = zoo.TRACERS[tracer](module, inputs)
    except Exception as exc:  # a model the tracer cannot follow: say which and what to try
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ModelSpecError(f"{tracer} cannot trace model {name!r}: {type(exc).__name__}: {first}; try "
                             f"another --tracer ({', '.join(t for t in zoo.TRACERS if t != tracer)})") from None
    return Prepared(name, description, module, inputs, gm, tracer, ruleset)


def rewrite(prepared: Prepared, *, show_code: bool = True, out: Callable = print, **apply_options) -> DemoResult:
    """Apply the prepared rules, print before/after code and the report, and check the numbers.

    ``apply_options`` go to :func:`rewrite.engine.apply.apply` (``once``, ``dry_run``, ``max_rewrites``,
    ``assume``, ``seed``). Raises :class:`NumbersChangedError` if the outputs differ from the original's.

    >>> p = prepare("resnet_basic", rules="std:algebraic")
    >>> rewrite(p, show_code=False, out=lambda *a: None).report.ruleset
    'algebraic'
    """
    gm, inputs, ruleset = prepared.gm, prepared.inputs, prepared.ruleset
    out(f"== {prepared.name}: {prepared.description}" if prepared.description else f"== {prepared.name}")
    out(f"== traced with {prepared.tracer}: {len(gm.graph.nodes)} nodes; rule set {ruleset.name!r} "
        f"({len(ruleset)} rules)")
    if show_code:
        out("\n-- before " + "-" * 60 + gm.code)
    before = snapshot(gm)
    with torch.no_grad():
        expected = gm(*inputs)
    if prepared.tracer == "symbolic_trace":  # no meta['val']: the guards read shapes and dtypes from the inputs
        apply_options.setdefault("example_inputs", inputs)
    apply(gm, ruleset, **apply_options)
    report = report_of(gm)
    if show_code:
        out("-- after " + "-" * 61 + gm.code)
    out("-- report " + "-" * 60)
    out(report.format())
    with torch.no_grad():
        got = gm(*inputs)
    try:
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    except AssertionError as exc:
        raise NumbersChangedError(f"the rewritten module's outputs differ from the original's on the example "
                                  f"inputs: {exc}") from None
    diff = _max_abs_diff(got, expected)
    out("-- check " + "-" * 61)
    out(f"outputs match the original on the example inputs (max abs diff {diff:.2e}); graph.lint() passed")
    return DemoResult(gm, report, diff, before, inputs)


def _max_abs_diff(got, expected) -> float:
    """The largest absolute difference over every tensor of (possibly nested) outputs."""
    pairs = zip(torch.utils._pytree.tree_leaves(got), torch.utils._pytree.tree_leaves(expected))
    diffs = [float((a.double() - b.double()).abs().max()) for a, b in pairs
             if isinstance(a, torch.Tensor) and a.numel()]
    return max(diffs, default=0.0)


def run(model: str = DEMO_MODEL, *, rules="std:std", tracer: str = "symbolic_trace", show_code: bool = True,
        out: Callable = print, allow_python: bool = False, **apply_options) -> DemoResult:
    """Trace ``model``, apply ``rules``, print before/after code and the report; check the numbers.

    ``model`` is a zoo name or ``package.module:factory``; ``apply_options`` go to
    :func:`rewrite.engine.apply.apply` (``once``, ``dry_run``, ``max_rewrites``, ``assume``);
    ``allow_python`` lets a YAML rule file include Python rule sets.

    See Also:
        prepare, rewrite
    """
    prepared = prepare(model, rules=rules, tracer=tracer, allow_python=allow_python)
    return rewrite(prepared, show_code=show_code, out=out, **apply_options)
