"""Embedded examples checked on real graphs: each front end's FX graph of the example, rewritten by the rule set.

An example runs on graphs when it says how (`rewrite.lang.example.Example`): a term example with ``inputs``
(its ``before`` term as a module of torch calls, `rewrite.check.snippet`), or a Python ``model`` snippet. For
each front end it asks for (default: ``symbolic_trace``, ``make_fx``, ``export``, ``export+run_decompositions``)
the snippet is traced, the whole rule set applied with the inputs as ``example_inputs``, and checked:

- the rule fired (``fires`` times when the example says so, else at least once); when it did not and the
  front end's graph has no call of one of the pattern's ops at all (make_fx drops an eval-mode ``dropout``, core
  ATen spells ``transpose`` as ``permute``), the front end is *skipped* with that reason, not failed (the
  numbers are still checked);
- the rewritten graph computes ``after``: its canonical op sequence equals that of ``after`` as written, or
  as the same front end traces it (names and spellings do not matter);
- its outputs equal eager's (``torch.testing.assert_close``), and the inputs are left as eager leaves them;
- the graph passes ``graph.lint()``.

A front end that cannot trace the snippet (``torch.export`` on data-dependent control flow, say) is skipped
with torch's reason. Results are per example and per front end, in declaration order; a failure names the
example's file:line and what differed.

>>> from rewrite.lang.loader import loads
>>> rs = loads('''
... rules:
...   - id: mul-one
...     pattern: "mul(x, 1)"
...     replacement: x
...     when: result.dtype == x.dtype and result.shape == x.shape
...     examples:
...       - before: mul(t, 1)
...         after: t
...         inputs: {t: "float32[2,3]"}
...         front_ends: [symbolic_trace, make_fx]
... ''', filename='r.yaml')
>>> for result in check_graph_examples(rs):
...     print(result)
r.yaml:8:9: rule 'mul-one' example 0 on symbolic_trace: passed
r.yaml:8:9: rule 'mul-one' example 0 on make_fx: passed

See Also
--------
rewrite.check.examples : the same examples on terms; rewrite.check.snippet : snippets, tracing, op sequences.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from fxcore.view.pattern import is_op_term
from rewrite.check.snippet import Snippet, op_sequence, snippet_of, trace
from rewrite.check.term_graph import graph_of
from rewrite.engine.apply import apply
from rewrite.engine.report import report_of
from rewrite.errors import ExampleError, SourcePos

__all__ = ["GraphExampleResult", "check_graph_examples", "assert_graph_examples"]


@dataclass(frozen=True)
class GraphExampleResult:
    """One example on one front end: ``status`` is 'passed', 'failed' or 'skipped', ``reason`` says what differed
    or why it was skipped; ``fired`` is how often the rule fired (None if apply did not run)."""

    rule_id: str
    index: int
    front_end: str
    status: str
    reason: str = ""
    fired: int | None = None
    pos: SourcePos | None = None

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        tail = f": {self.reason}" if self.reason else ""
        return f"{where}rule {self.rule_id!r} example {self.index} on {self.front_end}: {self.status}{tail}"

    def format(self) -> str:
        """The result in one line of text, as ``str``."""
        return str(self)

    def to_json(self) -> dict:
        """A plain JSON-able dict.

        >>> GraphExampleResult("r", 0, "make_fx", "passed", fired=1, pos=SourcePos("f.yaml", 3, 7)).to_json()
        {'rule': 'r', 'example': 0, 'front_end': 'make_fx', 'status': 'passed', 'reason': '', 'fired': 1, 'file': 'f.yaml', 'line': 3}
        """
        return {"rule": self.rule_id, "example": self.index, "front_end": self.front_end, "status": self.status,
                "reason": self.reason, "fired": self.fired, "file": self.pos.file if self.pos else None,
                "line": self.pos.line if self.pos else None}


def check_graph_examples(ruleset, *, front_ends=None, table=None, seed: int = 0) -> tuple:
    """Check every example of the rule set's enabled rules that runs on graphs, on each of its front ends
    (``front_ends``, if given, narrows them for every example); examples without ``inputs`` or a ``model``
    are left to :func:`rewrite.check.examples.check_examples`. ``seed`` draws the input values.

    See Also
    --------
    assert_graph_examples, GraphExampleResult
    """
    return tuple(result for rule in ruleset.enabled() for index, example in enumerate(rule.examples)
                 if example.on_graphs
                 for result in _check_example(rule, index, example, ruleset, front_ends, table, seed))


def assert_graph_examples(ruleset, *, front_ends=None, table=None, seed: int = 0) -> tuple:
    """`check_graph_examples`; raise :class:`ExampleError` listing every failure (skips are returned).

    >>> from rewrite.lang.loader import loads
    >>> rs = loads('rules: [{id: neg-id, pattern: neg(x), replacement: x, examples: [{before: neg(t), '
    ...            'after: t, inputs: {t: "float32[3]"}, front_ends: make_fx}]}]', filename='r.yaml')
    >>> assert_graph_examples(rs)
    Traceback (most recent call last):
    ...
    rewrite.errors.ExampleError: r.yaml:1:... rule 'neg-id': 1 graph example(s) failed:
      r.yaml:1:...: rule 'neg-id' example 0 on make_fx: failed: outputs differ from eager: Tensor-likes are not close!...
    ...

    See Also
    --------
    check_graph_examples
    """
    results = check_graph_examples(ruleset, front_ends=front_ends, table=table, seed=seed)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise ExampleError(f"{len(failed)} graph example(s) failed:\n" + "\n".join("  " + str(r) for r in failed),
                           pos=failed[0].pos, rule_id=failed[0].rule_id,
                           hint="fix the rule, or the example's after:, inputs: or fires:")
    return results


def _check_example(rule, index, example, ruleset, front_ends, table, seed) -> list:
    chosen = [f for f in example.checked_front_ends() if front_ends is None or f in front_ends]
    base = dict(rule_id=rule.id, index=index, pos=example.pos or rule.pos)
    try:
        snippet = snippet_of(example, table=table, seed=seed)
        inputs = snippet.make_inputs()
        expected = (snippet.module(*inputs), inputs)  # eager's outputs and the inputs as the call leaves them
    except Exception as exc:
        return [GraphExampleResult(front_end=f, status="failed", reason=f"the snippet does not run eagerly: "
                                   f"{_first_line(exc)}", **base) for f in chosen]
    exported: dict = {}  # one torch.export per example serves export and export+run_decompositions
    return [_check_on(f, snippet, expected, rule, example, ruleset, table, exported, base) for f in chosen]


def _check_on(front_end, snippet, expected, rule, example, ruleset, table, exported, base) -> GraphExampleResult:
    def result(status, reason="", fired=None):
        return GraphExampleResult(front_end=front_end, status=status, reason=reason, fired=fired, **base)

    try:
        gm = trace(front_end, snippet.module, snippet.make_inputs(), exported=exported)
    except Exception as exc:
        return result("skipped", f"{front_end} cannot trace it: {_first_line(exc)}")
    traced_ops = op_sequence(gm, table)
    try:
        apply(gm, ruleset, example_inputs=snippet.make_inputs(), assume=rule.assumes, table=table)
    except Exception as exc:
        return result("failed", f"apply raised {_first_line(exc)}")
    fired = report_of(gm).fired(rule.id)
    problem, skip = _firing(front_end, rule, example, fired, traced_ops, gm)
    structure = "" if skip else _structure(front_end, gm, snippet, table)  # (a rule that cannot match: no after)
    problems = [p for p in (problem, structure, _numbers(gm, snippet, expected), _lint(gm)) if p]
    if problems:
        return result("failed", "; ".join(problems), fired)
    return result("skipped", skip, fired) if skip else result("passed", "", fired)


def _firing(front_end, rule, example, fired, traced_ops, gm) -> tuple:
    """(what is wrong with how often the rule fired, or why the front end is skipped); '' when all is well."""
    want = example.fires
    if (fired >= 1) if want is None else (fired == want):
        return "", ""
    absent = [op for op in pattern_ops(rule.pattern) if op not in traced_ops]
    if fired == 0 and absent:
        return "", (f"{front_end}'s graph has no {absent[0]!r} call for the rule to match (it traced: "
                    f"{', '.join(traced_ops) or 'no calls'})")
    if fired == 0:
        return f"the rule did not fire: {report_of(gm).why_not(rule.id)}", ""
    return f"the rule fired {fired} time(s), the example says fires: {want}", ""


def pattern_ops(pattern) -> tuple:
    """The op names of a pattern, each once, outermost first.

    >>> from unify import var
    >>> pattern_ops(('getitem', ('native_batch_norm', var('x'), (1, 2)), 0))
    ('getitem', 'native_batch_norm')
    """
    found: dict = {}
    todo = [pattern]
    while todo:
        t = todo.pop(0)
        if type(t) in (tuple, list):
            if t and type(t) is tuple and is_op_term(t):
                found.setdefault(t[0] if isinstance(t[0], str) else getattr(t[0], "__name__", str(t[0])), None)
                todo.extend(t[1:])
            else:
                todo.extend(t)
    return tuple(found)


def _structure(front_end, gm, snippet: Snippet, table) -> str:
    """'' if the rewritten graph has after's op sequence, as written or as ``front_end`` traces it."""
    if snippet.after is None:
        return ""
    got = op_sequence(gm, table)
    try:
        after = graph_of(snippet.after, snippet.variables, table=table)
    except Exception as exc:
        return f"after cannot be built as a graph: {_first_line(exc)}"
    written = op_sequence(after, table)
    if got == written:
        return ""
    traced = None
    inputs = snippet.make_inputs()
    if len(inputs) == len(snippet.variables):
        try:
            traced = op_sequence(trace(front_end, after, inputs), table)
        except Exception:
            traced = None  # (after as written is the reference then)
    if got == traced:
        return ""
    also = f" (as {front_end} traces it: {_ops(traced)})" if traced is not None and traced != written else ""
    note = f"; {snippet.note}" if snippet.note else ""
    return f"the rewritten graph computes {_ops(got)}, not after's {_ops(written)}{also}{note}"


def _numbers(gm, snippet: Snippet, expected) -> str:
    """'' if the rewritten graph's outputs, and the inputs after the call, are eager's."""
    inputs = snippet.make_inputs()
    try:
        got = gm(*inputs)
    except Exception as exc:
        return f"the rewritten graph raises {_first_line(exc)}"
    out, state = expected
    tensors = [(a, b) for a, b in zip(inputs, state) if isinstance(b, torch.Tensor)]
    for what, actual, wanted in (("outputs", got, out), ("the inputs after the call", [a for a, _ in tensors],
                                                         [b for _, b in tensors])):
        try:
            torch.testing.assert_close(actual, wanted, equal_nan=True)
        except AssertionError as exc:
            return f"{what} differ from eager: " + "; ".join(line.strip() for line in str(exc).splitlines()
                                                                if line.strip())
    return ""


def _lint(gm) -> str:
    try:
        gm.graph.lint()
    except Exception as exc:
        return f"the rewritten graph fails graph.lint(): {_first_line(exc)}"
    return ""


def _ops(ops) -> str:
    return "[" + ", ".join(ops) + "]"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    line = line if len(line) <= 300 else line[:297] + "..."
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__
