"""The run ``check`` and ``test`` share: rule files in, text or JSON out, a SARIF log, an exit code CI relies on.

Every file is loaded and checked, whatever happened to the ones before: a file that does not load is
reported and the others still are (exit 3 at the end). The JSON is the assurance contract:
``{"rulesets": [{"name", "file", "confluence", "termination", "rules": [{"id", "soundness"}]}]}``, each
report's ``to_json()``; the part a command does not run is null (``check``: soundness; ``test``:
confluence and termination). Each ruleset entry also carries ``overlaps`` and ``examples`` (what ``check``
reports besides), and ``error`` (null, or the load error with its ``file``, ``line``, ``col``).

>>> from rewrite.front.cli import main
>>> import json
>>> lines = []
>>> main(["check", "std:inference", "--json"], out=lines.append)
0
>>> entry = json.loads(lines[0])["rulesets"][0]
>>> entry["name"], entry["error"], entry["rules"][0]["soundness"]
('inference', None, None)

See Also:
    rewrite.front.cli.assurance, rewrite.front.cli.sarif
"""

from __future__ import annotations

import json

from rewrite.errors import SourcePos
from rewrite.front.cli.assurance import (FileOutcome, Finding, NotRun, assess, collect, exit_code, file_of,
                                         findings)
from rewrite.front.cli.common import FAILED, OK, USAGE, Out, UsageError, non_negative_int, output_file, write_json
from rewrite.front.cli.sarif import to_sarif

__all__ = ["ci_options", "run_ci", "outcome_json", "outcome_text"]


def ci_options(p) -> None:
    """The options ``check`` and ``test`` share."""
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="rule files (.yaml/.yml/.py), folders (searched for .yaml/.yml, and .py with "
                        "--allow-python) or std:NAME")
    p.add_argument("--json", action="store_true", help="print the results as JSON (the assurance contract)")
    p.add_argument("--sarif", metavar="FILE", help="write a SARIF 2.1.0 log (for code scanning) to FILE")
    p.add_argument("--seed", type=non_negative_int, default=0, help="the seed of the random checks (default 0)")
    p.add_argument("--strict", action="store_true",
                   help="fail on warnings too: any NO or MAYBE verdict, any overlap")
    p.add_argument("--allow-python", action="store_true",
                   help="let YAML rule files include Python rule sets, and folders give their .py files "
                        "(.py files run as code)")
    p.add_argument("--skip-other-files", action="store_true",
                   help="skip files that are not rule sets (a YAML file without a top-level rules: key, a .py "
                        "file without RULESET): for pre-commit hooks")
    p.add_argument("--verbose", "-v", action="store_true", help="print every report in full")


def _json_or_none(report):
    return None if report is None else report.to_json()


def _pos_json(pos: SourcePos | None) -> dict:
    return {"file": pos.file if pos else None, "line": pos.line if pos else None, "col": pos.col if pos else None}


def outcome_json(outcome: FileOutcome) -> dict:
    """One ruleset entry of the contract (plus ``overlaps``, ``examples`` and ``error``)."""
    entry = {"name": outcome.name, "file": outcome.file, "confluence": _json_or_none(outcome.confluence),
             "termination": _json_or_none(outcome.termination), "rules": [], "overlaps": [], "examples": [],
             "error": None}
    if outcome.error is not None:
        entry["error"] = dict(_pos_json(outcome.error.pos), message=str(outcome.error))
        return entry
    soundness = outcome.soundness
    by_rule = {} if soundness is None or isinstance(soundness, NotRun) else {r.rule_id: r for r in soundness}
    for rule in outcome.ruleset.enabled():
        verdict = soundness.to_json() if isinstance(soundness, NotRun) else \
            (by_rule[rule.id].to_json() if rule.id in by_rule else None)
        entry["rules"].append({"id": rule.id, "soundness": verdict})
    entry["overlaps"] = [dict(_pos_json(a.first.pos), rules=[a.first.id, a.second.id], message=a.message())
                         for a in outcome.overlaps]
    entry["examples"] = [dict(_pos_json(r.pos), rule=r.rule_id, index=r.index, status=r.status, reason=r.reason,
                              front_end=getattr(r, "front_end", None)) for r in outcome.examples or ()]
    return entry


def _summary(outcome: FileOutcome) -> list[str]:
    lines = []
    if outcome.examples is not None:
        counts = {s: sum(r.status == s for r in outcome.examples) for s in ("passed", "failed", "skipped")}
        lines.append("examples: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for part in ("confluence", "termination"):
        report = getattr(outcome, part)
        if report is not None:
            text = report.format()
            lines.append(text if text.startswith(part) else f"{part}: {text}")
    if isinstance(outcome.soundness, NotRun):
        lines.append(outcome.soundness.format())
    elif outcome.soundness is not None:
        verdicts = [r.verdict for r in outcome.soundness]
        lines.append("soundness: " + ", ".join(f"{verdicts.count(v)} {v}" for v in ("sound", "unsound", "unknown")))
    return lines


def outcome_text(outcome: FileOutcome, found: list[Finding], *, verbose: bool) -> list[str]:
    """The human-readable lines for one file: a header, one line per part, then the findings."""
    if outcome.error is not None:
        return [f"{outcome.file}: does not load", f"  error: {outcome.error}"]
    lines = [f"{outcome.file}: rule set {outcome.name!r}, {len(outcome.ruleset.enabled())} rules"]
    lines.append(f"  overlaps: {len(outcome.overlaps)}")
    for line in _summary(outcome):
        parts = line.splitlines() if verbose else line.splitlines()[:1]
        lines.extend("  " + p for p in parts)
    for f in found:
        if f.kind.endswith("-not-run") and not f.fails or f.kind == "example-skipped" and not verbose:
            continue  # the part's line above says so (skipped examples are counted there; --verbose lists them)
        where = f"{f.pos}: " if f.pos else ""
        lines.append(f"  {f.level}: {where}{f.message}")
    return lines


def run_ci(args, out: Out, *, parts: tuple) -> int:
    """Collect the files, assess each, print text or JSON, write SARIF; the exit code (0, 1 or 3)."""
    sarif = output_file(args.sarif, "--sarif") if args.sarif else None
    files = collect(args.paths, allow_python=args.allow_python, skip_other_files=args.skip_other_files)
    if not files and not args.skip_other_files:
        raise UsageError(f"no rule files in {', '.join(args.paths)}: name .yaml/.yml files, folders holding them, "
                         f"or std:NAME")
    outcomes = [assess(name, parts=parts, seed=args.seed, allow_python=args.allow_python) for name in files]
    found = [findings(o) for o in outcomes]
    code = exit_code(outcomes, strict=args.strict)
    if sarif is not None:
        sarif.write_text(json.dumps(to_sarif([(file_of(o.file), f) for o, f in zip(outcomes, found)]), indent=2),
                         encoding="utf-8")
    if args.json:
        write_json({"rulesets": [outcome_json(o) for o in outcomes]}, out)
        return code
    for outcome, f in zip(outcomes, found):
        out("\n".join(outcome_text(outcome, f, verbose=args.verbose)))
    bad = sum(o.error is not None for o in outcomes)
    failing = sum(any(x.fails or (args.strict and x.strict) for x in f) for o, f in zip(outcomes, found)
                  if o.error is None)
    verdict = {OK: "ok", FAILED: "FAILED", USAGE: "ERROR"}[code]
    out(f"{verdict}: {len(outcomes)} rule file{'s' if len(outcomes) != 1 else ''}, {failing} with failures, "
        f"{bad} that do not load" + (" (--strict: warnings count)" if args.strict else "")
        + (f"; SARIF log in {sarif}" if sarif else ""))
    return code
