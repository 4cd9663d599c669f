"""An apply's :class:`~rewrite.engine.report.Report` as plain JSON data (what ``apply --json`` prints).

Keys are stable (CI scripts read them): ``ruleset``, ``rewrites`` (``rule``, ``node``, ``new_nodes``,
``assumes``, ``stack_trace``), ``rules`` (per rule, in rule-set order: ``id``, ``fired``, ``attempts``,
``matched``, ``seconds``, ``guard_false``, ``guard_undecided``, ``guard_raised``, ``refused``, ``why_not``
(null when it fired every time it matched)), ``refused`` (``rule``, ``node``, ``reason``), ``skipped``
(``rule``, ``assumes``), ``removed``, ``nodes_before``, ``nodes_after``, ``seconds``, ``dry_run``.

>>> from rewrite.engine.report import Report, Rewrite, RuleStats
>>> r = Report("demo", (Rewrite("neg-neg", "neg_1", None, ()),), (RuleStats("neg-neg", 1, 2, 0.001),), 5, 3, 0.002)
>>> data = report_to_json(r)
>>> data["rewrites"][0]["rule"], data["rules"][0]["fired"], data["rules"][0]["why_not"]
('neg-neg', 1, None)

See Also:
    rewrite.engine.report.Report, rewrite.front.cli.apply
"""

from __future__ import annotations

from rewrite.engine.report import Report

__all__ = ["report_to_json"]


def _rule(report: Report, s) -> dict:
    return {"id": s.rule_id, "fired": s.fired, "attempts": s.attempts, "matched": s.matched,
            "seconds": round(s.seconds, 6), "guard_false": s.guard_false, "guard_undecided": s.guard_undecided,
            "guard_raised": s.guard_raised, "refused": s.refused,
            "why_not": None if s.fired and s.fired == s.matched else report.why_not(s.rule_id)}


def report_to_json(report: Report) -> dict:
    """The report as JSON-able data (plain dicts, lists, strings and numbers)."""
    return {
        "ruleset": report.ruleset,
        "rewrites": [{"rule": r.rule_id, "node": r.node, "new_nodes": list(r.new_nodes), "assumes": list(r.assumes),
                      "stack_trace": r.stack_trace} for r in report.rewrites],
        "rules": [_rule(report, s) for s in report.stats],
        "refused": [{"rule": r.rule_id, "node": r.node, "reason": r.reason} for r in report.refused],
        "skipped": [{"rule": rule_id, "assumes": list(needs)} for rule_id, needs in report.skipped],
        "removed": list(report.removed),
        "nodes_before": report.nodes_before,
        "nodes_after": report.nodes_after,
        "seconds": round(report.seconds, 6),
        "dry_run": report.dry_run,
    }
