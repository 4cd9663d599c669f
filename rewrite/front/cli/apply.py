"""``apply``: a model, a rule set; the report, the code before and after, pictures, a saved module.

``--model`` takes a zoo name or ``package.module:factory`` (a function of no arguments returning
``(module, example_inputs)``); without it, the demo model is used and the command says so. Every
output path (``--dot``, ``--html``, ``--svg``, ``--output``) is checked before any work is done.
``--json`` prints the report as JSON (:mod:`rewrite.front.report_json`) and nothing else.

>>> from rewrite.front.cli import main
>>> lines = []
>>> main(["apply", "--model", "resnet_basic", "--rules", "std:algebraic", "--no-code"], out=lines.append)
0
>>> any("outputs match" in line for line in lines)
True

See Also:
    rewrite.front.demo.prepare, rewrite.front.demo.rewrite, rewrite.front.save.save_module
"""

from __future__ import annotations

import argparse

from rewrite.front import zoo
from rewrite.front.cli.common import (OK, Out, description, non_negative_int, output_file, output_folder, positive_int,
                                      write_json)
from rewrite.front.demo import DEMO_MODEL, MODEL_HELP, DemoResult, prepare, rewrite
from rewrite.front.picture import before_after_html, before_after_svg, snapshot, to_dot
from rewrite.front.report_json import report_to_json
from rewrite.front.save import save_module
from rewrite.lang.assumptions import ASSUMPTIONS, SHORTHANDS

__all__ = ["register", "run", "model_options", "execute"]

_ASSUMPTION_NAMES = (*ASSUMPTIONS, *SHORTHANDS)


def register(subparsers) -> None:
    """Add ``apply`` and its options."""
    p = subparsers.add_parser("apply", help="apply a rule set to a model: report, code, pictures, saved module",
                              description=description(__doc__) + " --model: " + MODEL_HELP + ".")
    model_options(p, model_default=None)
    p.set_defaults(run=run)


def model_options(p: argparse.ArgumentParser, *, model_default: str | None) -> None:
    """The options ``apply`` and ``demo`` share: the model, the rules, how to apply, what to write."""
    p.add_argument("--model", default=model_default, metavar="NAME|pkg.mod:factory",
                   help=MODEL_HELP + f" (default: the demo model, {DEMO_MODEL})")
    p.add_argument("--rules", default="std:std", metavar="FILE|std:NAME",
                   help="a rule file (.yaml/.py) or a standard set std:NAME (default: std:std)")
    p.add_argument("--tracer", default="symbolic_trace", choices=sorted(zoo.TRACERS))
    p.add_argument("--assume", action="append", default=[], metavar="NAME", choices=_ASSUMPTION_NAMES,
                   help="grant a named assumption to the rules (repeatable): " + ", ".join(_ASSUMPTION_NAMES))
    p.add_argument("--allow-python", action="store_true",
                   help="let YAML rule files include Python rule sets (.py files run as code)")
    p.add_argument("--dry-run", action="store_true", help="report the rewrites, change nothing")
    p.add_argument("--once", action="store_true", help="one sweep instead of a fixpoint")
    p.add_argument("--max-rewrites", type=positive_int, default=None, metavar="N",
                   help="the rewrite budget (a whole number >= 1; default: grows with the graph)")
    p.add_argument("--seed", type=non_negative_int, default=None, help="draw the rule and worklist order from N")
    p.add_argument("--no-code", action="store_true", help="do not print the code before and after")
    p.add_argument("--json", action="store_true", help="print the report as JSON, nothing else")
    p.add_argument("--dot", metavar="FILE", help="write a Graphviz picture of the result")
    p.add_argument("--html", metavar="FILE", help="write a before/after picture as a self-contained HTML page")
    p.add_argument("--svg", metavar="FILE", help="write the before/after picture as SVG")
    p.add_argument("--output", metavar="DIR",
                   help="save the rewritten module in DIR (module.py, state.pt, __init__.py; importable)")


def _outputs(args) -> dict:
    """The output paths, checked before any work (a missing folder is a usage error, not a traceback)."""
    paths = {k: output_file(getattr(args, k), f"--{k}") for k in ("dot", "html", "svg") if getattr(args, k)}
    if args.output:
        paths["output"] = output_folder(args.output, "--output")
    return paths


def _write(result: DemoResult, paths: dict, title: str, out: Out) -> list[str]:
    """Write the pictures and the saved module; one line each says where."""
    written = []
    after = snapshot(result.module)
    summary = result.report.format()
    if "dot" in paths:
        paths["dot"].write_text(to_dot(result.module), encoding="utf-8")
        out(f"wrote {paths['dot']} (render: dot -Tsvg {paths['dot']} -o graph.svg)")
    if "html" in paths:
        paths["html"].write_text(before_after_html(result.before, after, title, summary), encoding="utf-8")
        out(f"wrote {paths['html']} (open it in a browser: before and after side by side)")
    if "svg" in paths:
        paths["svg"].write_text(before_after_svg(result.before, after, title), encoding="utf-8")
        out(f"wrote {paths['svg']}")
    if "output" in paths:
        save_module(result.module, paths["output"], doc=f"{title}, rewritten by fx-rewrite.")
        out(f"saved the rewritten module in {paths['output']} (from {paths['output'].name} import "
            f"RewrittenModule; state.pt holds its weights)")
    written.extend(str(p) for p in paths.values())
    return written


def execute(args, out: Out, *, say_default_model: bool) -> int:
    """Prepare, rewrite, write what was asked; print text or (``--json``) one JSON document."""
    paths = _outputs(args)
    model = args.model or DEMO_MODEL
    text = (lambda *a: None) if args.json else out
    if args.model is None and say_default_model:
        text(f"note: no --model given: using the demo model {DEMO_MODEL!r} (pass --model NAME or "
             f"package.module:factory)")
    prepared = prepare(model, rules=args.rules, tracer=args.tracer, allow_python=args.allow_python)
    options = dict(dry_run=args.dry_run, once=args.once, max_rewrites=args.max_rewrites, assume=args.assume)
    if args.seed is not None:
        options["seed"] = args.seed
    result = rewrite(prepared, show_code=not args.no_code and not args.json, out=text, **options)
    written = _write(result, paths, f"{prepared.name}: rule set {prepared.ruleset.name!r} ({args.tracer})", text)
    if args.json:
        write_json({"model": prepared.name, "default_model": args.model is None, "tracer": args.tracer,
                    "ruleset": prepared.ruleset.name, "report": report_to_json(result.report),
                    "max_abs_diff": result.max_abs_diff, "written": written}, out)
    return OK


def run(args, out: Out) -> int:
    """Run ``apply``."""
    return execute(args, out, say_default_model=True)
