"""``check PATH...``: rule files in CI: load, overlaps, embedded examples, critical pairs, termination.

Exit 0 when nothing is wrong; 1 for a numerically different critical pair, a loop, a failing example
(with ``--strict`` also any NO or MAYBE verdict and any overlap); 3 when a file does not load or the
command line is wrong. ``--json`` prints the assurance contract, ``--sarif FILE`` writes a SARIF 2.1.0 log.

>>> from rewrite.front.cli import main
>>> main(["check", "std:algebraic"], out=lambda *a: None)
0

See Also:
    rewrite.front.cli.test : embedded examples and soundness; rewrite.front.cli.ci : the shared run.
"""

from __future__ import annotations

from rewrite.front.cli.ci import ci_options, run_ci
from rewrite.front.cli.common import Out, description

__all__ = ["register", "run", "PARTS"]

PARTS = ("load", "overlaps", "examples", "confluence", "termination")


def register(subparsers) -> None:
    """Add ``check``."""
    p = subparsers.add_parser("check", help="check rule files: load, overlaps, examples, critical pairs, "
                                            "termination", description=description(__doc__))
    ci_options(p)
    p.set_defaults(run=run)


def run(args, out: Out) -> int:
    """Run ``check``."""
    return run_ci(args, out, parts=PARTS)
