"""SARIF 2.1.0 logs of ``check``/``test`` findings, so code scanning annotates the rule files in a pull request.

Each finding becomes a result located at the offending rule's file:line:col (``rule.pos``); the other
rule of a pair or an overlap is a related location. File locations are URIs relative to the current
folder when the file is under it (what GitHub code scanning expects when run from the repository root),
absolute ``file://`` URIs otherwise. A finding with no position is located at line 1 of its file.

>>> from rewrite.errors import SourcePos
>>> from rewrite.front.cli.assurance import Finding
>>> log = to_sarif([("r.yaml", [Finding("overlap", "warning", "rules 'a' and 'b' overlap",
...                                     SourcePos("r.yaml", 3, 5), ("a", "b"))])])
>>> log["version"], log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
('2.1.0', {'startLine': 3, 'startColumn': 5})

See Also:
    https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

from pathlib import Path

from rewrite.errors import SourcePos
from rewrite.front.cli.common import version

__all__ = ["to_sarif", "RULES", "SCHEMA_URI"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

RULES = {
    "load-error": "The rule file does not load (syntax, unknown op, unbound variable, bad include, ...).",
    "overlap": "Two rules of equal priority match the same terms and neither is more specific.",
    "example-failed": "An embedded example does not rewrite to its 'after'.",
    "example-skipped": "An embedded example could not be decided (a guard lacked facts): add 'types:'.",
    "pair-numerically-different": "A critical pair whose normal forms compute different numbers: a rule is "
                                  "unsound.",
    "pair-not-joinable": "A critical pair that does not join: rule order changes the graph.",
    "pair-unknown": "A critical pair not decided within the budget.",
    "confluence-maybe": "Confluence neither proved nor refuted.",
    "confluence-not-run": "The confluence check did not run.",
    "termination-loop": "The rules loop or grow a term without bound.",
    "termination-maybe": "Termination neither proved nor refuted.",
    "termination-not-run": "The termination check did not run.",
    "unsound-rule": "A rule changes the numbers on some inputs (counterexample given).",
    "soundness-unknown": "A rule's soundness could not be decided.",
    "soundness-not-run": "The soundness check did not run.",
}
"""The SARIF rules (kinds of finding) and what each means."""


def _uri(file: str) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def _location(pos: SourcePos | None, file: str) -> dict:
    region = {"startLine": pos.line if pos is not None and pos.line else 1}
    if pos is not None and pos.line and pos.col:
        region["startColumn"] = pos.col
    uri = _uri(pos.file if pos is not None and pos.file not in ("<unknown>", "<string>") else file)
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


def _result(finding, file: str, index: dict) -> dict:
    result = {"ruleId": finding.kind, "ruleIndex": index[finding.kind], "level": finding.level,
              "message": {"text": finding.message}, "locations": [_location(finding.pos, file)]}
    if finding.related:
        result["relatedLocations"] = [dict(_location(p, file), id=i, message={"text": "the other rule"})
                                      for i, p in enumerate(finding.related)]
    if finding.rules:
        result["properties"] = {"rules": list(finding.rules)}
    return result


def to_sarif(files) -> dict:
    """A SARIF 2.1.0 log (a JSON-able dict) of ``files``: pairs (rule file, its findings)."""
    files = [(file, list(found)) for file, found in files]
    kinds = sorted({f.kind for _, found in files for f in found} | {"load-error"})
    index = {kind: i for i, kind in enumerate(kinds)}
    rules = [{"id": kind, "name": kind.title().replace("-", ""),
              "shortDescription": {"text": RULES.get(kind, kind)}} for kind in kinds]
    results = [_result(f, file, index) for file, found in files for f in found]
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "fx-rewrite", "version": version(),
                                          "rules": rules}},
                      "columnKind": "unicodeCodePoints",
                      "results": results}]}
