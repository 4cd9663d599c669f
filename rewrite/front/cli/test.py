"""``test PATH...``: rule files in CI: the embedded examples and each rule's numerical soundness.

Exit 0 when nothing is wrong; 1 for an unsound rule or a failing example (with ``--strict`` also a rule
whose soundness is unknown); 3 when a file does not load or the command line is wrong. ``--json`` prints
the assurance contract (each rule's ``soundness``), ``--sarif FILE`` writes a SARIF 2.1.0 log; ``--seed``
makes the random inputs reproducible.

>>> from rewrite.front.cli import main
>>> main(["test", "std:inference"], out=lambda *a: None) in (0, 1)
True

See Also:
    rewrite.front.cli.check : overlaps, critical pairs, termination; rewrite.front.cli.ci : the shared run.
"""

from __future__ import annotations

from rewrite.front.cli.ci import ci_options, run_ci
from rewrite.front.cli.common import Out, description

__all__ = ["register", "run", "PARTS"]

PARTS = ("load", "examples", "soundness")


def register(subparsers) -> None:
    """Add ``test``."""
    p = subparsers.add_parser("test", help="test rule files: embedded examples, numerical soundness",
                              description=description(__doc__))
    ci_options(p)
    p.set_defaults(run=run)


def run(args, out: Out) -> int:
    """Run ``test``."""
    return run_ci(args, out, parts=PARTS)
