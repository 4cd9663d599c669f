"""``explain``: why a rule does or does not fire on a model, node by node.

For each node of the rule's root op (or the one ``--node`` names): the best partial match and its first
mismatch, or the guard and the facts it read, or the check that refused the rewrite. The model's example
inputs give a symbolic_trace graph the shapes and dtypes guards read.

>>> from rewrite.front.cli import main
>>> lines = []
>>> main(["explain", "neg-neg", "--model", "resnet_basic", "--rules", "std:algebraic"], out=lines.append)
0
>>> print(lines[0])
rule 'neg-neg': neg(neg(~x))
  no node of its root op 'neg' in the graph

See Also:
    rewrite.engine.explain.explain, rewrite.engine.report.Report.why_not
"""

from __future__ import annotations

from rewrite.engine.apply import example_vals
from rewrite.engine.explain import explain
from rewrite.front import zoo
from rewrite.front.cli.common import OK, Out, description, write_json
from rewrite.front.demo import DEMO_MODEL, MODEL_HELP, prepare

__all__ = ["register", "run"]


def register(subparsers) -> None:
    """Add ``explain``."""
    p = subparsers.add_parser("explain", help="why a rule does or does not fire on a model",
                              description=description(__doc__))
    p.add_argument("rule", help="the rule id")
    p.add_argument("--model", default=DEMO_MODEL, metavar="NAME|pkg.mod:factory", help=MODEL_HELP)
    p.add_argument("--rules", default="std:std", metavar="FILE|std:NAME", help="the rule set (default: std:std)")
    p.add_argument("--tracer", default="symbolic_trace", choices=sorted(zoo.TRACERS))
    p.add_argument("--node", help="only this node (its name in the traced graph)")
    p.add_argument("--allow-python", action="store_true",
                   help="let YAML rule files include Python rule sets (.py files run as code)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def run(args, out: Out) -> int:
    """Run ``explain``."""
    prepared = prepare(args.model, rules=args.rules, tracer=args.tracer, allow_python=args.allow_python)
    if args.tracer == "symbolic_trace":
        example_vals(prepared.gm, prepared.inputs)
    found = explain(prepared.gm, prepared.ruleset, args.rule, node=args.node)
    if args.json:
        write_json({"rule": found.rule_id, "pattern": found.pattern, "nodes": list(found.lines)}, out)
    else:
        out(str(found))
    return OK
