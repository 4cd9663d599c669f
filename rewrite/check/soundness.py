"""Numerical soundness of each rule: does the rewrite keep the numbers, on inputs where the engine makes it?

For a rule, Hypothesis draws inputs for its pattern's variables (`rewrite.check.inputs`: float32, float64,
float16, bfloat16, int32, int64 and bool tensors, ranks 0-4, broadcastable, non-contiguous, with ±0.0,
±inf, nan, subnormals and integer extremes; literals that fit). Each draw becomes the pattern as a runnable
GraphModule (`rewrite.check.term_graph.graph_of`, its result copied by a ``clone`` so that an identity
rewrite does not return an input), which is run eagerly for the expected result; then the real engine,
``rewrite.apply`` with a rule set of just this rule, the draw as ``example_inputs`` and the rule's
assumptions granted, decides the guards and makes the rewrite (Python-computed replacements included). A
draw on which the rule did not fire is discarded, and so is one torch rejects before any rewrite (the
original raises: there is no program to keep the numbers of). What is compared (`rewrite.check.compare`):
shape, dtype, integers and bool exactly, floats within a normwise `~rewrite.check.compare.ULPS`-ulp
tolerance, nan where nan, ±inf, and the sign of zero unless no-signed-zeros waives it; under no-infs /
no-nans the draws whose inputs, intermediate values or result hold one are discarded (and the rewrite may
not make one). The rewritten module raising, or apply refusing the replacement (another shape or dtype,
`ReplacementTypeError`) where the original ran, is a counterexample.

A counterexample is shrunk by Hypothesis and shows every input (dtype, shape, strides, values) and both
results. Runs are seeded (``seed``) and use no example database: the same call in the same program gives
the same answer (Hypothesis also mixes in constants from the source of the modules a program has loaded, so
another program may draw other inputs).

>>> from rewrite.lang.rule import Rule
>>> from unify import var
>>> x = var('x')
>>> check_rule_soundness(Rule('neg-neg', ('neg', ('neg', x)), x), examples=20).verdict
'sound'
>>> r = check_rule_soundness(Rule('add-zero', ('add', x, 0.0, 1), x, guards=('x.dtype.is_floating_point',)))
>>> r.verdict, r.counterexample.why.split(' (')[-1]
('unsound', 'the sign of zero differs)')

See Also
--------
rewrite.check.compare, rewrite.check.inputs, rewrite.check.operands
"""
from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass, field

import torch
from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings

from rewrite.check.compare import ULPS, compare
from rewrite.check.inputs import case_of, cases, describe_value
from rewrite.check.operands import operand_kinds, skeletons
from rewrite.check.term_graph import graph_of
from rewrite.engine.apply import apply
from rewrite.engine.report import report_of
from rewrite.errors import ApplyError, NonTerminationError, ReplacementTypeError, SourcePos
from rewrite.lang.assumptions import assumption_names
from rewrite.lang.rule import Compute, substitute
from rewrite.lang.ruleset import RuleSet

__all__ = ["DEFAULT_EXAMPLES", "SHRINK_BUDGET", "Counterexample", "SoundnessResult", "check_rule_soundness", "check_soundness"]

#: draws per rule when ``examples`` is not given
DEFAULT_EXAMPLES = 100
#: runs spent shrinking a counterexample (each is a graph built, run and rewritten)
SHRINK_BUDGET = 150


@dataclass(frozen=True)
class Counterexample:
    """Inputs on which the rule fired and changed the result: ``inputs`` ((name, description) pairs, every
    variable of the pattern), ``expected`` (the original's result), ``got`` (the rewritten module's, or what
    apply said), ``why`` (what differs)."""

    inputs: tuple
    expected: object
    got: object
    why: str

    def to_json(self) -> dict:
        """``{"inputs": {name: value}, "expected": value, "got": value, "why": str}`` (tensors as dtype,
        shape, strides when not contiguous, and values; nan and ±inf as strings)."""
        return {"inputs": dict(self.inputs), "expected": self.expected, "got": self.got, "why": self.why}

    def format(self) -> str:
        """Every input and both results, one per line."""
        lines = [f"    {name} = {_show(value)}" for name, value in self.inputs]
        return "\n".join([f"  why: {self.why}", "  inputs:", *lines,
                          f"  expected: {_show(self.expected)}", f"  got:      {_show(self.got)}"])


def _show(value) -> str:
    if isinstance(value, dict) and "dtype" in value:
        strides = f" strides {value['strides']}" if "strides" in value else ""
        return f"{value['dtype']}{value['shape']}{strides} {value['values']}"
    return str(value)


@dataclass(frozen=True)
class SoundnessResult:
    """The verdict on one rule: "sound" (no counterexample in ``tried`` draws, ``fired`` of which the rule
    fired on), "unsound" (with a shrunk `Counterexample`), or "unknown" (with a ``reason``: e.g. no draw made
    the rule fire). ``max_ulps``: the largest float difference seen where it fired (0.0: bit-exact)."""

    rule_id: str
    verdict: str
    reason: str = ""
    counterexample: Counterexample | None = None
    pos: SourcePos | None = field(default=None, compare=False)
    tried: int = 0
    fired: int = 0
    max_ulps: float = 0.0
    tolerance: bool = False
    closer: bool = False

    def to_json(self) -> dict:
        """``{"verdict": ..., "counterexample": {...} | None}``, and ``"reason"`` when the verdict is unknown.

        >>> SoundnessResult('r', 'sound').to_json()
        {'verdict': 'sound', 'counterexample': None}
        """
        out = {"verdict": self.verdict,
               "counterexample": self.counterexample.to_json() if self.counterexample else None}
        if self.verdict == "unknown":
            out["reason"] = self.reason
        return out

    def format(self) -> str:
        """One line with the verdict (and where the rule is); the counterexample below it.

        >>> print(SoundnessResult('r', 'unknown', reason='no draw made it fire').format())
        rule 'r': unknown: no draw made it fire
        """
        where = f"{self.pos}: " if self.pos else ""
        if self.verdict == "sound":
            exact = "bit-exact" if self.max_ulps == 0 else f"within {self.max_ulps:.2g} ulps (tolerance {ULPS})"
            if self.tolerance:
                exact = f"up to float tolerance: {ULPS} ulps, zeros of either sign equal, subnormals may round to zero; seen {self.max_ulps:.2g}"
            if self.closer:
                exact += "; further apart only where closer to the float64 value than the original"
            return f"{where}rule {self.rule_id!r}: sound ({exact} on {self.fired} of {self.tried} draws)"
        if self.verdict == "unknown":
            return f"{where}rule {self.rule_id!r}: unknown: {self.reason}"
        return f"{where}rule {self.rule_id!r}: unsound\n{self.counterexample.format()}"


class _Found(Exception):
    """Raised inside the Hypothesis property when a draw is a counterexample (so that it shrinks)."""


@dataclass
class _Tally:
    tried: int = 0
    fired: int = 0
    rejected: int = 0
    max_ulps: float = 0.0
    closer: bool = False
    last: Counterexample | None = None
    shrinks: int = 0


def check_rule_soundness(rule, *, ruleset=None, examples=None, seed=0, assume=None, table=None) -> SoundnessResult:
    """Check one rule on ``examples`` draws (default `DEFAULT_EXAMPLES`), seeded by ``seed``.

    The rule fires under its own assumptions plus ``assume`` and ``ruleset``'s ``assume:``: no-signed-zeros
    waives the sign of zero, no-infs / no-nans discard the draws that hold one.

    >>> from rewrite.lang.rule import Rule
    >>> from unify import var
    >>> x = var('x')
    >>> r = check_rule_soundness(Rule('mul-one', ('mul', x, 1.0), x), examples=60)
    >>> r.verdict, r.counterexample.why.split(':')[0]
    ('unsound', 'apply refused the replacement (ReplacementTypeError)')

    See Also
    --------
    check_soundness
    """
    examples = DEFAULT_EXAMPLES if examples is None else examples
    granted = assumption_names(tuple(rule.assumes) + tuple(getattr(ruleset, "assume", ()) or ())
                               + assumption_names(assume))
    kinds = operand_kinds(rule.pattern, table)
    unsupported = [str(v) for v, k in kinds.items() if k.kind == "unsupported"]
    base = dict(rule_id=rule.id, pos=rule.pos)
    if unsupported:
        return SoundnessResult(verdict="unknown", reason=f"cannot draw values for {', '.join(unsupported)} "
                               "(a position whose type is not a tensor or a literal)", **base)
    as_attrs = _attr_variables(rule, kinds)
    one = RuleSet(f"soundness:{rule.id}", (rule,))

    def fires(env) -> bool:  # a skeleton the rule does not fire on is of little use
        probe = _Tally()
        with _quiet_fake_tensors():
            _run(case_of(rule.pattern, kinds, env, as_attrs), rule, one, granted, table, probe)
        return probe.fired > 0

    skels = skeletons(rule.pattern, kinds, table, accept=fires) or skeletons(rule.pattern, kinds, table, limit=1)
    tally = _Tally()

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(cases(rule.pattern, kinds, skels, as_attrs=as_attrs, table=table))
    def holds(case):
        if tally.last is not None:
            tally.shrinks += 1
            if tally.shrinks > SHRINK_BUDGET:
                return  # the budget is spent: keep the smallest counterexample so far
        cx = _run(case, rule, one, granted, table, tally)
        if cx is not None:
            tally.last = cx
            raise _Found()

    try:
        with _quiet_fake_tensors():
            holds()
    except Exception:  # _Found, or Hypothesis's Flaky when the shrink budget ran out before its replay
        if tally.last is None:
            raise
        return SoundnessResult(verdict="unsound", counterexample=tally.last, tried=tally.tried,
                               fired=tally.fired, max_ulps=tally.max_ulps, **base)
    if tally.fired == 0:
        hint = "" if skels else " (no assignment of ranks and literals runs the pattern in torch)"
        return SoundnessResult(verdict="unknown", reason=(
            f"the rule fired on none of {tally.tried} draws ({tally.rejected} rejected by torch before any "
            f"rewrite){hint}: its guards may need inputs these strategies do not draw"), tried=tally.tried, **base)
    return SoundnessResult(verdict="sound", tried=tally.tried, fired=tally.fired, max_ulps=tally.max_ulps,
                           tolerance=_approximate(rule), closer=tally.closer, **base)


@contextlib.contextmanager
def _quiet_fake_tensors():
    """Fake-tensor propagation logs an error (with a traceback) for each op it cannot run; here that only
    means a draw is discarded. And one intra-op thread: the tensors are tiny, and on a busy machine torch's
    thread pool costs ten times the op (both sides of every comparison run under the same setting)."""
    logger = logging.getLogger("torch._subclasses.fake_tensor")
    level, threads = logger.level, torch.get_num_threads()
    logger.setLevel(logging.CRITICAL)
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():  # torch's deprecation notes about the drawn programs, not the user's
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        logger.setLevel(level)
        torch.set_num_threads(threads)


def _attr_variables(rule, kinds) -> tuple:
    """A Python-computed replacement folds parameters: its tensor variables after the first are module buffers."""
    if not isinstance(rule.replacement, Compute):
        return ()
    tensors = [v for v, k in kinds.items() if k.kind == "tensor"]
    return tuple(tensors[1:])


def _run(case, rule, one, granted, table, tally) -> Counterexample | None:
    """Run one draw; a counterexample, or None (it held, or the draw was discarded)."""
    tally.tried += 1
    try:
        gm = graph_of(("clone", case.term), case.variables, table=table, attrs=case.attrs)
        values, expected = _node_values(gm, case.inputs)
    except Exception:  # torch rejects these inputs: nothing to keep
        tally.rejected += 1
        return None
    if _excluded(case, values, granted):
        return None
    try:
        _give_vals(gm, values)
        apply(gm, one, assume=granted, table=table)
    except ReplacementTypeError as exc:
        tally.fired += 1
        return _counterexample(case, expected, _replacement_value(rule, case, table, exc),
                               f"apply refused the replacement (ReplacementTypeError): {exc}".splitlines()[0])
    except NonTerminationError:
        return None  # the termination check's business, not this one's
    except ApplyError as exc:
        tally.fired += 1
        return _counterexample(case, expected, str(exc).splitlines()[0], "apply failed where the original ran")
    if not report_of(gm).counts.get(rule.id):
        return None
    tally.fired += 1
    try:
        with torch.no_grad():
            got = gm.forward(*case.inputs)
    except Exception as exc:
        return _counterexample(case, expected, f"raised {type(exc).__name__}: {exc}".splitlines()[0],
                               "the rewritten module raised where the original ran")
    # (no-infs / no-nans: the draws whose original holds one were discarded; the rewrite may not make one)
    approximate = _approximate(rule)  # a Python-computed replacement: judged up to float tolerance
    flags = dict(signed_zeros="no-signed-zeros" not in granted and not approximate, underflow=approximate)
    result = compare(expected, got, **flags)
    if not result.equal and "element" in result.why and "sign of zero" not in result.why:
        result = compare(expected, got, reference=_float64_reference(case, table), **flags)
    if not result.equal:
        return _counterexample(case, expected, describe_value(got), result.why)
    tally.max_ulps = max(tally.max_ulps, result.max_ulps)
    tally.closer = tally.closer or result.closer
    return None


def _float64_reference(case, table):
    """The original on the same inputs widened to float64 (floats only), or None if that does not run."""
    def wide(t):
        return t.to(torch.float64) if isinstance(t, torch.Tensor) and t.dtype.is_floating_point else t
    try:
        gm = graph_of(("clone", case.term), case.variables, table=table,
                      attrs={k: wide(v) for k, v in case.attrs.items()})
        with torch.no_grad():
            return gm.forward(*(wide(t) for t in case.inputs))
    except Exception:
        return None


def _replacement_value(rule, case, table, exc):
    """What the replacement computes on the case (a term replacement, evaluated directly), else apply's message."""
    if isinstance(rule.replacement, Compute):
        return str(exc).splitlines()[0]
    try:
        gm = graph_of(("clone", substitute(rule.replacement, dict(case.bindings))), case.variables, table=table,
                      attrs=case.attrs)
        with torch.no_grad():
            return describe_value(gm.forward(*case.inputs))
    except Exception as err:
        return f"raised {type(err).__name__}: {err}".splitlines()[0]


def _approximate(rule) -> bool:
    """A Python-computed replacement precomputes values (folded parameters, rounded once in their dtype): it is
    judged up to float tolerance, zeros of either sign equal and subnormals rounded to zero allowed; a term replacement keeps IEEE values exactly."""
    return isinstance(rule.replacement, Compute)


def _counterexample(case, expected, got, why) -> Counterexample:
    return Counterexample(tuple((name, describe_value(v)) for name, v in case.values), describe_value(expected),
                          got, why)


def _excluded(case, values: dict, granted) -> bool:
    """Under no-infs / no-nans, whether an input, an intermediate value or the result holds one."""
    checks = [f for name, f in (("no-infs", torch.isinf), ("no-nans", torch.isnan)) if name in granted]
    if not checks:
        return False
    tensors = [t for v in values.values() for t in (v if isinstance(v, (tuple, list)) else (v,))]
    return any(isinstance(t, torch.Tensor) and t.dtype.is_floating_point and bool(f(t).any())
               for t in tensors for f in checks)


def _node_values(gm, inputs) -> tuple:
    """Every node's value on ``inputs`` (run eagerly, node by node) and the module's result."""
    values: dict = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            values[n] = super().run_node(n)
            return values[n]

    with torch.no_grad():
        result = Recorder(gm).run(*inputs)
    return values, result


def _give_vals(gm, values: dict) -> None:
    """``meta['val']``: fake tensors of the real values (what ``example_inputs`` would give the engine by fake
    propagation, here without running the ops a second time)."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    mode = FakeTensorMode(allow_non_fake_inputs=True)

    def fake(v):
        if isinstance(v, torch.Tensor):
            return mode.from_tensor(v)
        if isinstance(v, (tuple, list)):
            return type(v)(fake(e) for e in v)
        return v

    for node, value in values.items():
        if node.op != "output":
            node.meta["val"] = fake(value)


def check_soundness(ruleset, *, examples=None, seed=0, assume=None) -> tuple:
    """`check_rule_soundness` for every enabled rule of ``ruleset`` (a RuleSet or a name such as ``"std:std"``),
    in the set's declaration order.

    >>> [r.verdict for r in check_soundness("std:inference", examples=10)]
    ['sound', 'sound', 'sound']

    See Also
    --------
    check_rule_soundness
    """
    if not isinstance(ruleset, RuleSet):
        from rewrite.lang.loader import load
        ruleset = load(ruleset)
    return tuple(check_rule_soundness(r, ruleset=ruleset, examples=examples, seed=seed, assume=assume)
                 for r in ruleset.enabled())
