"""What ``check`` and ``test`` do to each rule file: load it, run the checks, and list the findings.

A :class:`FileOutcome` holds one file's results (its load error, overlaps, examples, confluence,
termination and soundness reports); :func:`findings` turns them into :class:`Finding` values, one per
thing to tell (located at the offending rule's file:line:col), from which the text, the SARIF log and
the exit code are made. The checks themselves live in :mod:`rewrite.check`; each is called from one
function here (``confluence_of``, ``termination_of``, ``soundness_of``, ``examples_of``), so the
wiring is in one place.

Exit policy (issue 18): ``FAILED`` for a numerically different pair, a loop, an unsound rule, a failing
example (and, with ``--strict``, any NO or MAYBE, any overlap); ``USAGE`` for a file that does not load.

>>> outcome = assess("std:inference", parts=("examples",))
>>> outcome.name, outcome.error, exit_code([outcome], strict=False)
('inference', None, 0)

See Also:
    rewrite.front.cli.check, rewrite.front.cli.test, rewrite.front.cli.sarif
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rewrite.check.confluence import check_confluence
from rewrite.check.examples import check_examples
from rewrite.check.graph_examples import check_graph_examples
from rewrite.check.soundness import check_soundness
from rewrite.check.termination import check_termination
from rewrite.errors import RuleError, SourcePos
from rewrite.front.cli.common import FAILED, OK, USAGE
from rewrite.lang.loader import load, resolve
from rewrite.lang.ruleset import RuleSet

__all__ = ["NotRun", "FileOutcome", "Finding", "collect", "assess", "findings", "exit_code",
           "confluence_of", "termination_of", "soundness_of", "examples_of", "graph_examples_of", "PARTS"]

PARTS = ("load", "overlaps", "examples", "confluence", "termination", "soundness")
"""Every part a file can be checked for; ``check`` runs all but soundness, ``test`` examples and soundness."""

_RULE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class NotRun:
    """A check that did not run (not available, or it raised): its verdict is MAYBE, with the reason.

    >>> NotRun("confluence", "no module").to_json()
    {'verdict': 'MAYBE', 'reason': 'not run: no module'}
    """

    part: str
    reason: str
    crashed: bool = False

    @property
    def verdict(self) -> str:
        return "MAYBE"

    def to_json(self) -> dict:
        return {"verdict": "MAYBE", "reason": f"not run: {self.reason}"}

    def format(self) -> str:
        return f"{self.part}: MAYBE (not run: {self.reason})"


@dataclass(frozen=True)
class Finding:
    """One thing to tell about a rule file: what (``kind``, ``message``), where (``pos``, the rules), how bad.

    ``level`` is SARIF's: "error", "warning" or "note". ``fails``: the run fails (exit 1);
    ``strict``: it fails under ``--strict`` (a NO or MAYBE verdict, an overlap).
    """

    kind: str
    level: str
    message: str
    pos: SourcePos | None = None
    rules: tuple[str, ...] = ()
    related: tuple[SourcePos, ...] = ()
    fails: bool = False
    strict: bool = False


@dataclass(frozen=True)
class FileOutcome:
    """One rule file's results; a part that was not asked for is None."""

    file: str
    name: str | None = None
    ruleset: RuleSet | None = field(default=None, compare=False, repr=False)
    error: RuleError | None = None
    overlaps: tuple = ()
    examples: tuple | None = None
    confluence: object = None
    termination: object = None
    soundness: tuple | None = None


# ---- the wiring: one function per check of rewrite.check -------------------------------------------------------

def _guarded(part: str, check, *args, **kwargs):
    """Run one check; a check that raises is reported (MAYBE, and the run fails) instead of ending the run."""
    try:
        return check(*args, **kwargs)
    except Exception as exc:  # a check's own bug must not hide the other files' results
        return NotRun(part, f"the {part} check raised {type(exc).__name__}: {exc}", crashed=True)


def examples_of(ruleset: RuleSet, *, seed: int = 0) -> tuple:
    """Each rule's embedded examples: on terms (rewrite.check.examples.check_examples), then those with inputs or
    a model snippet on each front end's graph (rewrite.check.graph_examples.check_graph_examples)."""
    return check_examples(ruleset) + graph_examples_of(ruleset, seed=seed)


def graph_examples_of(ruleset: RuleSet, *, seed: int) -> tuple:
    """The examples that run on FX graphs (rewrite.check.graph_examples.check_graph_examples)."""
    return check_graph_examples(ruleset, seed=seed)


def confluence_of(ruleset: RuleSet, *, seed: int):
    """Critical pairs and the confluence verdict (rewrite.check.confluence.check_confluence)."""
    return _guarded("confluence", check_confluence, ruleset, seed=seed)


def termination_of(ruleset: RuleSet):
    """The termination proof or loop (rewrite.check.termination.check_termination)."""
    return _guarded("termination", check_termination, ruleset)


def soundness_of(ruleset: RuleSet, *, seed: int):
    """Each enabled rule's numerical soundness (rewrite.check.soundness.check_soundness)."""
    return _guarded("soundness", check_soundness, ruleset, seed=seed)


# ---- files ---------------------------------------------------------------------------------------------------------

def _is_rule_file(path: Path) -> bool:
    """A cheap sniff for --skip-other-files: a YAML file with a top-level ``rules:`` key, a .py with RULESET."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # let the load report it
    if path.suffix == ".py":
        return "RULESET" in text
    return any(line.startswith(("rules:", "ruleset:")) for line in text.splitlines())


def collect(paths, *, allow_python: bool = False, skip_other_files: bool = False) -> list[str]:
    """The rule files named by ``paths``: files and ``std:NAME`` as given, folders searched (sorted).

    A folder gives its ``.yaml``/``.yml`` files (with ``allow_python``, its ``.py`` files that define
    ``RULESET`` too: they run as code), hidden folders excepted. A path that does not exist is kept, so its load error is reported with the rest.

    >>> collect(["std:algebraic"])
    ['std:algebraic']
    """
    found: list[str] = []
    suffixes = _RULE_SUFFIXES + ((".py",) if allow_python else ())
    for text in paths:
        path = Path(text)
        if text.startswith("std:") or not path.is_dir():
            if not (skip_other_files and path.is_file() and not _is_rule_file(path)):
                found.append(text)
            continue
        inside = sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file()
                        and not any(part.startswith(".") or part == "__pycache__"
                                    for part in p.relative_to(path).parts))
        for p in inside:  # a folder's .py files are often not rule sets (__init__.py, helpers): sniffed always
            if not (skip_other_files or p.suffix == ".py") or _is_rule_file(p):
                found.append(str(p))
    return list(dict.fromkeys(found))  # a file named twice (itself and its folder) is checked once


def file_of(name: str) -> str:
    """The file a name refers to (``std:NAME`` resolved to its package file), for locations."""
    try:
        return str(resolve(name)) if name.startswith("std:") else name
    except RuleError:
        return name


def assess(name: str, *, parts=PARTS, seed: int = 0, allow_python: bool = False) -> FileOutcome:
    """Load one rule file and run the ``parts`` asked for; a load error is recorded, not raised."""
    try:
        rs = load(name, allow_python=allow_python, warn=False)
    except RuleError as exc:
        return FileOutcome(name, error=exc)
    except Exception as exc:  # a loader bug must not hide the other files: reported as this file's load error
        return FileOutcome(name, error=RuleError(f"the rule file could not be loaded: {type(exc).__name__}: {exc}",
                                                 pos=SourcePos(file_of(name)),
                                                 hint="please report this with the file"))
    return FileOutcome(
        name, rs.name, rs,
        overlaps=rs.ambiguities() if "overlaps" in parts else (),
        examples=examples_of(rs, seed=seed) if "examples" in parts else None,
        confluence=confluence_of(rs, seed=seed) if "confluence" in parts else None,
        termination=termination_of(rs) if "termination" in parts else None,
        soundness=soundness_of(rs, seed=seed) if "soundness" in parts else None)


# ---- findings and the exit code ------------------------------------------------------------------------------------

def _pos_of(outcome: FileOutcome, rule_id: str) -> SourcePos | None:
    rs = outcome.ruleset
    return rs[rule_id].pos if rs is not None and rule_id in rs else None


def _not_run(outcome: FileOutcome, report: NotRun) -> Finding:
    return Finding(f"{report.part}-not-run", "error" if report.crashed else "note",
                   f"rule set {outcome.name!r}: {report.part}: MAYBE (not run: {report.reason})",
                   fails=report.crashed, strict=True)


def _pair(outcome: FileOutcome, pair: dict) -> Finding | None:
    """The finding for one critical pair of the contract's JSON (None for a joinable or infeasible pair)."""
    verdict, numerically, rules = pair.get("verdict"), pair.get("numerically"), tuple(pair.get("rules", ()))
    if verdict not in ("not joinable", "unknown"):
        return None
    where = [_pos_of(outcome, r) for r in rules]
    first, others = (where[0] if where else None), tuple(p for p in where[1:] if p)
    names = " and ".join(repr(r) for r in rules)
    if verdict == "unknown":
        return Finding("pair-unknown", "note", f"rules {names}: the critical pair at {pair.get('witness')} was not "
                       f"decided within the budget", first, rules, others, strict=True)
    what = (f"rules {names} overlap at {pair.get('witness')} (position {pair.get('position')}) and do not join: "
            f"normal forms {' vs '.join(map(str, pair.get('normal_forms', ())))}")
    if numerically == "different":
        return Finding("pair-numerically-different", "error", what + "; the numbers differ, so one of the two "
                       "rules is unsound", first, rules, others, fails=True, strict=True)
    tail = "; numerically equal (rule order changes the graph, not the numbers)" if numerically == "equal" \
        else "; numerically not compared"
    return Finding("pair-not-joinable", "warning", what + tail, first, rules, others, strict=True)


def _confluence(outcome: FileOutcome) -> list[Finding]:
    report = outcome.confluence
    if isinstance(report, NotRun):
        return [_not_run(outcome, report)]
    found = [f for f in (_pair(outcome, pair) for pair in report.to_json().get("pairs", [])) if f is not None]
    if report.verdict == "MAYBE" and not found:
        found.append(Finding("confluence-maybe", "note", f"rule set {outcome.name!r}: confluence MAYBE",
                             strict=True))
    return found


def _termination(outcome: FileOutcome) -> list[Finding]:
    report = outcome.termination
    if isinstance(report, NotRun):
        return [_not_run(outcome, report)]
    data = report.to_json()
    if report.verdict == "NO":
        loop = data.get("loop") or {}
        rules = tuple(str(r) for r in loop.get("rules", ()))
        where = [p for p in (_pos_of(outcome, r) for r in rules) if p]
        return [Finding("termination-loop", "error", f"rule set {outcome.name!r} does not terminate: "
                        f"{loop.get('kind', 'loop')} from {loop.get('term')} through rules "
                        f"{', '.join(rules) or '?'}", where[0] if where else None, rules, tuple(where[1:]),
                        fails=True, strict=True)]
    if report.verdict == "MAYBE":
        return [Finding("termination-maybe", "note", f"rule set {outcome.name!r}: termination MAYBE: "
                        f"{data.get('reason', 'neither a proof nor a loop found')}", strict=True)]
    return []


def _soundness(outcome: FileOutcome) -> list[Finding]:
    if isinstance(outcome.soundness, NotRun):
        return [_not_run(outcome, outcome.soundness)]
    found = []
    for result in outcome.soundness:
        data = result.to_json()
        pos = getattr(result, "pos", None) or _pos_of(outcome, result.rule_id)
        if result.verdict == "unsound":
            found.append(Finding("unsound-rule", "error", f"rule {result.rule_id!r} is unsound: "
                                 f"{_counterexample(result, data.get('counterexample'))}", pos, (result.rule_id,),
                                 fails=True, strict=True))
        elif result.verdict == "unknown":
            found.append(Finding("soundness-unknown", "note", f"rule {result.rule_id!r}: soundness unknown: "
                                 f"{data.get('reason') or getattr(result, 'reason', '')}", pos, (result.rule_id,),
                                 strict=True))
    return found


def _counterexample(result, data) -> str:
    """The counterexample in words: its own ``format()`` when it has one, else its JSON fields."""
    shown = getattr(getattr(result, "counterexample", None), "format", None)
    if shown is not None:
        return "\n" + shown()
    if not isinstance(data, dict):
        return "no counterexample given"
    return "; ".join(f"{k}: {v}" for k, v in data.items())


def findings(outcome: FileOutcome) -> list[Finding]:
    """Everything to tell about one file, in a fixed order: load, overlaps, examples, confluence,
    termination, soundness."""
    if outcome.error is not None:
        return [Finding("load-error", "error", str(outcome.error), outcome.error.pos, fails=True)]
    found = [Finding("overlap", "warning", f"rule set {outcome.name!r}: {amb.message()}", amb.first.pos,
                     (amb.first.id, amb.second.id), tuple(p for p in (amb.second.pos,) if p), strict=True)
             for amb in outcome.overlaps]
    for result in outcome.examples or ():
        front_end = getattr(result, "front_end", None)
        what = f"rule {result.rule_id!r} example {result.index}" + (f" on {front_end}" if front_end else "") + \
            f": {result.status}" + (f": {result.reason}" if result.reason else "")
        if result.status == "failed":
            found.append(Finding("example-failed", "error", what, result.pos, (result.rule_id,), fails=True))
        elif result.status == "skipped":
            found.append(Finding("example-skipped", "note", what, result.pos, (result.rule_id,)))
    if outcome.confluence is not None:
        found.extend(_confluence(outcome))
    if outcome.termination is not None:
        found.extend(_termination(outcome))
    if outcome.soundness is not None:
        found.extend(_soundness(outcome))
    return found


def exit_code(outcomes, *, strict: bool) -> int:
    """``USAGE`` if a file did not load; else ``FAILED`` if some finding fails (or, with ``strict``, counts
    under --strict); else ``OK``."""
    if any(o.error is not None for o in outcomes):
        return USAGE
    every = [f for o in outcomes for f in findings(o)]
    return FAILED if any(f.fails or (strict and f.strict) for f in every) else OK
