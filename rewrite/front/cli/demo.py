"""``demo``: the main job: the demo model traced, the standard rule set applied, code, report and check shown.

The same options as ``apply`` (``--model``, ``--rules``, ``--tracer``, ``--html`` ...); the demo model is
simply its default.

>>> from rewrite.front.cli import main
>>> main(["demo", "--model", "resnet_basic", "--rules", "std:algebraic", "--no-code"], out=lambda *a: None)
0

See Also:
    rewrite.front.demo : the job itself; rewrite.front.cli.apply : the shared options.
"""

from __future__ import annotations

from rewrite.front.cli.apply import execute, model_options
from rewrite.front.cli.common import Out, description
from rewrite.front.demo import DEMO_MODEL

__all__ = ["register", "run"]


def register(subparsers) -> None:
    """Add ``demo`` and its options."""
    p = subparsers.add_parser("demo", help="trace a model, apply the standard rules, show before/after and stats",
                              description=description(__doc__))
    model_options(p, model_default=DEMO_MODEL)
    p.set_defaults(run=run)


def run(args, out: Out) -> int:
    """Run ``demo``."""
    return execute(args, out, say_default_model=False)
