"""What every command shares: exit codes, usage errors, an argparse that raises, option checks, JSON output.

Exit codes are a contract CI relies on: ``OK`` (0) nothing wrong, ``FAILED`` (1) a check found something
wrong, ``USAGE`` (3) a usage or load error (a bad option, a missing file or folder, a rule file that does
not load). A command never lets a traceback out: it raises :class:`UsageError` (or a library error the
dispatcher turns into one line), and the dispatcher prints ``error: ...`` and returns ``USAGE``.

>>> non_negative_int("10"), OK, FAILED, USAGE
(10, 0, 1, 3)
>>> non_negative_int("ten")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: 'ten' is not a whole number: write a count such as 100
>>> ArgumentParser(prog="x").parse_args(["--nope"])
Traceback (most recent call last):
...
rewrite.front.cli.common.UsageError: x: unrecognized arguments: --nope (see: x --help)

See Also:
    rewrite.front.cli.main : the dispatcher that maps errors to exit codes.
"""

from __future__ import annotations

import argparse
import functools
import json
from importlib import metadata
from pathlib import Path
from typing import Callable

__all__ = ["OK", "FAILED", "USAGE", "UsageError", "HelpExit", "ArgumentParser", "non_negative_int",
           "positive_int", "description", "write_json", "output_file", "output_folder", "version", "Out"]

OK, FAILED, USAGE = 0, 1, 3

Out = Callable[..., None]
"""Where a command writes its lines (``print`` on the command line; a list's ``append`` in tests)."""


class UsageError(Exception):
    """A bad command line, file or folder: the message says what and how to fix it (exit code 3)."""


class HelpExit(Exception):
    """``--help`` or ``--version`` printed what was asked; the command ends with ``status``."""

    def __init__(self, status: int = OK):
        super().__init__(status)
        self.status = status


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`UsageError` instead of printing usage and exiting with 2,
    and writes ``--help`` / ``--version`` text through ``out`` (its sub-command parsers too)."""

    def __init__(self, *args, out: Out = print, **kwargs):
        super().__init__(*args, **kwargs)
        self.out = out

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", functools.partial(type(self), out=self.out))
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message} (see: {self.prog} --help)")

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            raise UsageError(message.strip())
        raise HelpExit(status)

    def _print_message(self, message: str, file=None) -> None:
        if message:
            self.out(message.rstrip("\n"))


def non_negative_int(text: str) -> int:
    """An argparse ``type=`` for ``--seed``: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number: write a count such as 100") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative: write a whole number >= 0")
    return value


def positive_int(text: str) -> int:
    """An argparse ``type=`` for ``--max-rewrites``: a whole number >= 1 (a budget of 0 would fail at once).

    >>> positive_int("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 0 rewrites would fail at the first rewrite: write a budget >= 1, or use --dry-run to rewrite nothing
    """
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 rewrites would fail at the first rewrite: write a budget >= 1, or use "
                                         "--dry-run to rewrite nothing")
    return value


def description(doc: str) -> str:
    """A command's ``--help`` description: its module docstring's first paragraph, without RST markup.

    >>> description("``list``: the sets.\\n\\nMore.")
    'list: the sets.'
    """
    return " ".join(doc.split("\n\n")[0].replace("``", "").split())


def write_json(data, out: Out) -> None:
    """Print ``data`` as JSON (sorted keys, two-space indent: stable for diffs and tests)."""
    out(json.dumps(data, indent=2, sort_keys=True, default=str))


def output_file(path: str, what: str) -> Path:
    """``path`` checked as a file to write: its folder must exist and it must not be a folder.

    Checked before any work is done, so a typo costs nothing.

    >>> output_file("/nonexistent-dir/g.dot", "--dot")
    Traceback (most recent call last):
    ...
    rewrite.front.cli.common.UsageError: --dot /nonexistent-dir/g.dot: the folder /nonexistent-dir does not exist; create it or write to an existing folder
    """
    target = Path(path).expanduser()
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{what} {path}: the folder {folder} does not exist; create it or write to an existing "
                         f"folder")
    if target.is_dir():
        raise UsageError(f"{what} {path} is a folder; name a file in it, e.g. {target / 'out'}")
    return target


def output_folder(path: str, what: str) -> Path:
    """``path`` checked as a folder to write into: it may not exist yet, but its parent must; not a file."""
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{what} {path} is a file, not a folder; name a folder (it is created if missing)")
    if not target.exists() and not target.parent.is_dir():
        raise UsageError(f"{what} {path}: the folder {target.parent} does not exist; create it first "
                         f"(only the last folder of the path is created)")
    return target


def version() -> str:
    """The installed fx-rewrite's version (from the package metadata), or ``unknown`` when not installed.

    >>> version() != ""
    True
    """
    try:
        return metadata.version("fx-rewrite")
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"
