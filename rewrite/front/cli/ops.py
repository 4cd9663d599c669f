"""``ops``: the op vocabulary rules are written in (``fxcore.ops``), or one op's schema and facts.

Without a name, the ops written out in the table (with their schemas); ``--all`` adds every aten op read
from torch's registry. With a name: its schema, commutativity, effects and the aten overload it stands for.

>>> from rewrite.front.cli import main
>>> lines = []
>>> main(["ops", "add"], out=lines.append)
0
>>> lines[0]
'add(Tensor self, Tensor other, *, Scalar alpha=1)'

See Also:
    fxcore.ops.table.OpTable, fxcore.ops.model.OpDef
"""

from __future__ import annotations

from fxcore.ops import default_table
from fxcore.ops.model import UnknownOpError
from rewrite.front.cli.common import OK, Out, UsageError, description, write_json

__all__ = ["register", "run", "op_facts"]


def register(subparsers) -> None:
    """Add ``ops``."""
    p = subparsers.add_parser("ops", help="list the op vocabulary, or show one op's schema",
                              description=description(__doc__))
    p.add_argument("name", nargs="?", help="an op name (add, conv2d, native_layer_norm, ...)")
    p.add_argument("--all", action="store_true", help="list every op, those read from torch's registry too")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run)


def op_facts(d) -> dict:
    """What a rule author needs to know of one `OpDef`, as JSON-able data.

    >>> op_facts(default_table().op("add"))["commutative"]
    [0, 1]
    """
    return {"name": d.name, "schema": d.schema(), "params": list(d.param_names),
            "commutative": list(d.commutative),
            "commutative_if": {name: value for name, value in d.commutative_if},
            "impure": d.impure, "impure_if": list(d.impure_if), "inplace_of": d.inplace_of,
            "aten": str(d.overload) if d.overload is not None else None, "doc": d.doc}


def _show(facts: dict, out: Out) -> None:
    out(facts["schema"])
    if facts["commutative"]:
        cond = ", ".join(f"{k} == {v!r}" for k, v in facts["commutative_if"].items())
        out(f"  commutative in operands {facts['commutative']}" + (f" when {cond}" if cond else "")
            + ": patterns match either order")
    if facts["impure"] or facts["impure_if"]:
        out("  impure" + (f" when {', '.join(facts['impure_if'])} is set" if facts["impure_if"] else "")
            + ": never matched as an inner node, never dropped")
    if facts["inplace_of"]:
        out(f"  in-place form of {facts['inplace_of']}")
    if facts["aten"]:
        out(f"  aten overload: {facts['aten']}")
    if facts["doc"]:
        out(f"  {facts['doc']}")


def run(args, out: Out) -> int:
    """Run ``ops``."""
    table = default_table()
    if args.name:
        try:
            facts = op_facts(table.op(args.name))
        except UnknownOpError as exc:
            raise UsageError(str(exc)) from None
        write_json(facts, out) if args.json else _show(facts, out)
        return OK
    names = table.names() if args.all else table.listed()
    if args.json:
        write_json({"ops": [{"name": n, "schema": table.op(n).schema()} for n in names]}, out)
        return OK
    for name in names:
        out(table.op(name).schema())
    if not args.all:
        out(f"({len(names)} ops written out; --all lists all {len(table.names())}, the aten ops read from torch "
            f"too; python -m rewrite ops NAME shows one)")
    return OK
