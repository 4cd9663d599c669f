"""``list``: the standard rule sets and zoo models, or the rules of the sets named (ids and descriptions).

>>> from rewrite.front.cli import main
>>> lines = []
>>> main(["list", "std:algebraic"], out=lines.append)
0
>>> lines[0].startswith("std:algebraic")
True

See Also:
    rewrite.lang.loader.std_names, rewrite.front.zoo.entries
"""

from __future__ import annotations

from fxcore.match.diagnose import show_term
from rewrite.front import zoo
from rewrite.front.cli.common import OK, Out, description, write_json
from rewrite.lang.loader import load, std_names
from rewrite.lang.rule import Compute

__all__ = ["register", "run", "describe_rule"]


def register(subparsers) -> None:
    """Add ``list``."""
    p = subparsers.add_parser("list", help="list the standard rule sets and zoo models, or a rule set's rules",
                              description=description(__doc__))
    p.add_argument("rulesets", nargs="*", metavar="FILE|std:NAME", help="show these sets' rules")
    p.add_argument("--allow-python", action="store_true",
                   help="let YAML rule files include Python rule sets (.py files run as code)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def describe_rule(rule) -> str:
    """The rule's description, or ``pattern -> replacement`` when it has none.

    >>> from unify import var
    >>> from rewrite.lang.rule import Rule
    >>> describe_rule(Rule("nn", ("neg", ("neg", var("x"))), var("x")))
    'neg(neg(~x)) -> ~x'
    >>> describe_rule(Rule("nn", ("neg", ("neg", var("x"))), var("x"), description="-(-x) is x."))
    '-(-x) is x.'
    """
    if rule.description:
        return " ".join(rule.description.split())
    replacement = "compute(...)" if isinstance(rule.replacement, Compute) else show_term(rule.replacement)
    return f"{show_term(rule.pattern)} -> {replacement}"


def _rules(names, allow_python) -> list[dict]:
    sets = []
    for name in names:
        rs = load(name, allow_python=allow_python, warn=False)
        rules = [{"id": r.id, "description": describe_rule(r), "enabled": r.id not in rs.disabled,
                  "assumes": list(r.assumes), "where": str(r.pos) if r.pos else None} for r in rs.ordered()]
        sets.append({"name": rs.name, "file": name, "description": rs.description, "rules": rules})
    return sets


def _std_description(name: str) -> str:
    return " ".join(load(f"std:{name}", warn=False).description.split())


def run(args, out: Out) -> int:
    """Run ``list``."""
    if args.rulesets:
        sets = _rules(args.rulesets, args.allow_python)
        if args.json:
            write_json({"rulesets": sets}, out)
            return OK
        for s in sets:
            out(f"{s['file']} ({s['name']}, {len(s['rules'])} rules)" + (f": {s['description']}" if s["description"]
                                                                       else ""))
            width = max((len(r["id"]) for r in s["rules"]), default=0)
            for r in s["rules"]:
                flags = ("" if r["enabled"] else "  [disabled]") + \
                    (f"  [assumes {', '.join(r['assumes'])}]" if r["assumes"] else "")
                out(f"  {r['id']:<{width}}  {r['description']}{flags}")
        return OK
    sets = [{"name": f"std:{n}", "description": _std_description(n)} for n in std_names()]
    models = [{"name": e.name, "description": e.description} for e in zoo.entries()]
    if args.json:
        write_json({"rulesets": sets, "models": models}, out)
        return OK
    out("standard rule sets (python -m rewrite list std:NAME shows the rules):")
    for s in sets:
        out(f"  {s['name']:<18} {s['description']}")
    out("models (--model NAME, or package.module:factory returning (module, example_inputs)):")
    for m in models:
        out(f"  {m['name']:<18} {m['description']}")
    return OK
