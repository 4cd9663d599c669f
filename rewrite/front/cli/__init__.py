"""``python -m rewrite``: the command line, one module per command, for daily use and for CI.

Commands: ``demo``, ``apply`` (a model, a rule set: report, code, pictures, a saved module), ``explain``
(why a rule does or does not fire), ``check`` and ``test`` (rule sets in CI: JSON, SARIF, exit codes),
``list`` (rule sets, their rules, zoo models), ``ops`` (the op vocabulary). Each command module has
``register(subparsers)`` and ``run(args, out) -> exit code``; :func:`main` parses, dispatches and turns
every error into one ``error: ...`` line and an exit code (``common.OK`` 0, ``FAILED`` 1, ``USAGE`` 3):
never a traceback (``--traceback`` shows one for a bug report).

>>> main(["list"], out=lambda *a: None)
0
>>> main(["apply", "--max-rewrites", "-1"], out=lambda *a: None, err=lambda *a: None)
3

See Also:
    rewrite.front.cli.common : exit codes, UsageError, option checks.
"""

from __future__ import annotations

import sys
from typing import Sequence

from rewrite.errors import ApplyError, NonTerminationError, RuleError
from rewrite.front.cli import apply, check, demo, explain, listing, ops, test
from rewrite.front.cli.common import FAILED, USAGE, ArgumentParser, HelpExit, Out, UsageError, version
from rewrite.front.demo import ModelSpecError, NumbersChangedError
from rewrite.front.save import SaveError

__all__ = ["main", "parser", "COMMANDS"]

COMMANDS = (demo, apply, explain, check, test, listing, ops)
"""The command modules, in the order ``--help`` lists them."""

_FAILURES = (ApplyError, NonTerminationError, NumbersChangedError)  # the rules ran and did something wrong: 1
_USAGE = (UsageError, RuleError, ModelSpecError, SaveError, OSError)  # the command could not run: 3


def parser(out: Out = print) -> ArgumentParser:
    """The argument parser: one sub-command per module of :data:`COMMANDS`."""
    top = ArgumentParser(prog="python -m rewrite", out=out,
                         description="Declarative pattern rewriting of torch.fx graphs.",
                         epilog="exit codes: 0 nothing wrong, 1 something is wrong (a failed check, a rewrite "
                                "that failed), 3 a usage or load error")
    top.add_argument("--version", action="version", version=f"fx-rewrite {version()}")
    top.add_argument("--traceback", action="store_true", help="on an unexpected error, show the traceback")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return top


def _stderr(*parts) -> None:
    print(*parts, file=sys.stderr)


def main(argv: Sequence[str] | None = None, out: Out = print, err: Out | None = None) -> int:
    """Run the command line; returns the exit status. Results go to ``out``, errors to ``err`` (stderr)."""
    err = err or (_stderr if out is print else out)
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser(out).parse_args(argv)
        return args.run(args, out)
    except HelpExit as done:
        return done.status
    except _FAILURES as exc:
        err(f"error: {exc}")
        return FAILED
    except _USAGE as exc:
        err(f"error: {exc}")
        return USAGE
    except Exception as exc:  # a bug of ours: one line, not a traceback, unless asked for
        if "--traceback" in argv:
            raise
        err(f"error: internal error: {type(exc).__name__}: {exc} (please report it with the output of the same "
            f"command run with --traceback)")
        return USAGE
