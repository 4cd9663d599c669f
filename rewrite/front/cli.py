"""``python -m rewrite``: demo, apply, check and list, from the command line.

>>> main(["list"], out=lambda *a: None)
0
>>> main(["check", "std:algebraic"], out=lambda *a: None)
0

See Also:
    rewrite.front.demo.run, rewrite.engine.apply.apply, rewrite.check.examples.check_examples
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Callable, Sequence

from rewrite.front import zoo
from rewrite.engine.apply import ApplyError
from rewrite.front.demo import DEMO_MODEL, ModelSpecError, run
from rewrite.errors import NonTerminationError, RuleError
from rewrite.check.examples import check_examples
from rewrite.lang.assumptions import ASSUMPTIONS, SHORTHANDS
from rewrite.lang.loader import load, std_names
from rewrite.front.picture import to_dot

__all__ = ["main", "parser"]

_ASSUMPTION_NAMES = (*ASSUMPTIONS, *SHORTHANDS)


def parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per job)."""
    top = argparse.ArgumentParser(prog="python -m rewrite",
                                  description="Declarative pattern rewriting of torch.fx graphs.")
    sub = top.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="trace a model, apply the standard rules, show before/after and stats")
    _model_options(demo)
    demo.add_argument("--no-code", action="store_true", help="do not print the before/after code")
    rewrite = sub.add_parser("apply", help="apply a rule set to a model and show the result")
    _model_options(rewrite)
    rewrite.add_argument("--dry-run", action="store_true", help="report the rewrites, change nothing")
    rewrite.add_argument("--once", action="store_true", help="one sweep instead of a fixpoint")
    rewrite.add_argument("--max-rewrites", type=int, default=None, help="the rewrite budget")
    rewrite.add_argument("--dot", metavar="FILE", help="write a Graphviz picture of the result")
    check = sub.add_parser("check", help="validate rule sets: syntax, overlaps, embedded examples")
    check.add_argument("rulesets", nargs="+", help="rule files (.yaml/.py) or std:NAME")
    _allow_python(check)
    sub.add_parser("list", help="list the standard rule sets and the zoo models")
    return top


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEMO_MODEL,
                   help=f"a zoo name ({', '.join(zoo.names())}) or module:factory")
    p.add_argument("--rules", default="std:std", help="a rule file (.yaml/.py) or std:NAME")
    p.add_argument("--tracer", default="symbolic_trace", choices=sorted(zoo.TRACERS))
    p.add_argument("--assume", action="append", default=[], metavar="NAME", choices=_ASSUMPTION_NAMES,
                   help="grant a named assumption to the rules (repeatable): " + ", ".join(_ASSUMPTION_NAMES))
    _allow_python(p)


def _allow_python(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-python", action="store_true",
                   help="let YAML rule files include Python rule sets (.py files run as code)")


def _apply(args, out: Callable) -> int:
    result = run(args.model, rules=args.rules, tracer=args.tracer, out=out, dry_run=args.dry_run,
                 once=args.once, max_rewrites=args.max_rewrites, assume=args.assume,
                 allow_python=args.allow_python)
    if args.dot:
        with open(args.dot, "w", encoding="utf-8") as handle:
            handle.write(to_dot(result.module))
        out(f"wrote {args.dot} (render: dot -Tsvg {args.dot} -o graph.svg)")
    return 0


def _check(args, out: Callable) -> int:
    failed = 0
    for name in args.rulesets:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ruleset = load(name, allow_python=args.allow_python)
        for warning in caught:
            out(f"warning: {warning.message}")
        results = check_examples(ruleset)
        bad = [r for r in results if r.status == "failed"]
        for result in results:
            if result.status != "passed":
                out(str(result))
        out(f"{name}: {len(ruleset)} rules, {len(results)} examples, {len(bad)} failed, "
            f"{len(caught)} overlap warnings")
        failed += len(bad)
    return 1 if failed else 0


def _list(out: Callable) -> int:
    out("standard rule sets: " + ", ".join(f"std:{n}" for n in std_names()))
    out("models: " + ", ".join(zoo.names()))
    return 0


def main(argv: Sequence[str] | None = None, out: Callable = print) -> int:
    """Run the command line; returns the exit status (errors print what to fix, exit 2)."""
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "demo":
            run(args.model, rules=args.rules, tracer=args.tracer, show_code=not args.no_code, out=out,
                assume=args.assume, allow_python=args.allow_python)
            return 0
        if args.command == "apply":
            return _apply(args, out)
        if args.command == "check":
            return _check(args, out)
        return _list(out)
    except (RuleError, NonTerminationError, ApplyError, ModelSpecError, zoo.UnknownZooEntryError) as exc:
        out(f"error: {exc}")
        return 2
