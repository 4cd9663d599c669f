"""The assertions: pass on what their check accepts, raise AssertionError with the witness otherwise.

Two layers: the verdict-to-outcome logic against stand-in checks (any verdict, any witness text), and the
real checks of `rewrite.check` on the issue's examples.
"""
import types
from dataclasses import dataclass

import pytest
import torch
import torch.fx as fx

import rewrite.check
from rewrite.lang import loads
from rewrite.testing import assert_confluent, assert_order_independent, assert_sound, assert_terminates


@dataclass(frozen=True)
class Verdict:
    """A stand-in result: a verdict and a witness text its format() shows."""

    verdict: str
    witness: str = ""
    independent: bool = True
    numerically: str | None = None

    def format(self):
        return f"[{self.verdict}] {self.witness}"


def _check(monkeypatch, module, function, result):
    fake = types.ModuleType(f"rewrite.check.{module}")
    setattr(fake, function, lambda *args, **kwargs: result)
    monkeypatch.setitem(__import__("sys").modules, f"rewrite.check.{module}", fake)
    monkeypatch.setattr(rewrite.check, module, fake, raising=False)


NN = "rules: [{id: neg-neg, pattern: 'neg(neg(x))', replacement: x}]"


@pytest.mark.parametrize("verdicts,strict,fails", [
    (("sound", "sound"), False, False),
    (("sound", "unsound"), False, True),
    (("sound", "unknown"), False, False),
    (("sound", "unknown"), True, True),
])
def test_assert_sound_fails_on_unsound_rules_with_their_counterexamples(monkeypatch, verdicts, strict, fails):
    results = tuple(Verdict(v, f"witness of rule {i}") for i, v in enumerate(verdicts))
    _check(monkeypatch, "soundness", "check_soundness", results)
    if not fails:
        assert_sound(loads(NN), strict=strict)
        return
    with pytest.raises(AssertionError, match="1 of 2 rules") as info:
        assert_sound(loads(NN), strict=strict)
    assert "witness of rule 1" in str(info.value) and "witness of rule 0" not in str(info.value)


@dataclass(frozen=True)
class Report:
    verdict: str
    pairs: tuple = ()

    def format(self):
        return f"report {self.verdict}"


@pytest.mark.parametrize("verdict,strict,fails", [
    ("YES", False, False), ("MAYBE", False, False), ("MAYBE", True, True), ("NO", False, True)])
def test_assert_confluent_fails_on_non_joinable_pairs_with_their_witnesses(monkeypatch, verdict, strict, fails):
    pairs = (Verdict("joinable", "pair A"), Verdict("not joinable" if verdict == "NO" else "unknown", "pair B"))
    _check(monkeypatch, "confluence", "check_confluence", Report(verdict, pairs))
    if not fails:
        assert_confluent(loads(NN), strict=strict)
        return
    with pytest.raises(AssertionError, match=f"not confluent \\(verdict {verdict}\\)") as info:
        assert_confluent(loads(NN), strict=strict)
    assert "pair B" in str(info.value) and "pair A" not in str(info.value)


def test_assert_confluent_may_accept_pairs_whose_numbers_agree(monkeypatch):
    pairs = (Verdict("not joinable", "pair A", numerically="equal"), Verdict("joinable", "pair B"))
    _check(monkeypatch, "confluence", "check_confluence", Report("NO", pairs))
    assert assert_confluent(loads(NN), allow_equal_numbers=True).pairs == pairs
    with pytest.raises(AssertionError, match="pair A"):
        assert_confluent(loads(NN))
    pairs += (Verdict("not joinable", "pair C", numerically="different"),)
    _check(monkeypatch, "confluence", "check_confluence", Report("NO", pairs))
    with pytest.raises(AssertionError, match="1 critical pair:") as info:
        assert_confluent(loads(NN), allow_equal_numbers=True)
    assert "pair C" in str(info.value) and "pair A" not in str(info.value)


@pytest.mark.parametrize("verdict,strict,fails", [
    ("YES", False, False), ("MAYBE", False, False), ("MAYBE", True, True), ("NO", False, True)])
def test_assert_terminates_fails_on_a_loop_with_it(monkeypatch, verdict, strict, fails):
    _check(monkeypatch, "termination", "check_termination", Verdict(verdict, "add(x, y) -> add(y, x) -> ..."))
    if not fails:
        assert_terminates(loads(NN), strict=strict)
        return
    with pytest.raises(AssertionError, match="may not terminate") as info:
        assert_terminates(loads(NN), strict=strict)
    assert "add(x, y) -> add(y, x)" in str(info.value)


@pytest.mark.parametrize("independent", [True, False])
def test_assert_order_independent_fails_with_both_graphs(monkeypatch, independent):
    report = types.SimpleNamespace(independent=independent, witness=Verdict("differ", "seed 0: A / seed 3: B"))
    _check(monkeypatch, "order", "order_independence", report)
    gm = fx.symbolic_trace(lambda a: torch.relu(a))
    if independent:
        assert_order_independent(gm, loads(NN))
        return
    with pytest.raises(AssertionError, match="depends on the order") as info:
        assert_order_independent(gm, loads(NN))
    assert "seed 0: A / seed 3: B" in str(info.value)


def test_a_bad_rule_set_argument_is_invalid():
    from hypothesis.errors import InvalidArgument
    with pytest.raises(InvalidArgument, match="expected a RuleSet"):
        assert_terminates(42)


# The real checks, on the examples
MUL_ONE_UNGUARDED = "rules: [{id: mul-one, pattern: 'mul(x, 1.0)', replacement: x}]"
COMMUTE = "rules: [{id: add-commute, pattern: 'add(x, y)', replacement: 'add(y, x)'}]"
RIVALS = ("rules: [{id: relu-relu, pattern: 'relu(relu(x))', replacement: 'relu(x)'},"
          " {id: relu-clamp, pattern: 'relu(relu(x))', replacement: 'clamp_min(x, 0)'}]")


def test_assert_sound_catches_mul_one_without_a_dtype_guard():
    assert_sound(loads(NN))
    with pytest.raises(AssertionError, match="mul-one"):
        assert_sound(loads(MUL_ONE_UNGUARDED))


def test_assert_terminates_catches_a_commuting_loop():
    assert_terminates(loads(NN))
    with pytest.raises(AssertionError, match="add-commute"):
        assert_terminates(loads(COMMUTE))


def test_assert_confluent_catches_two_rules_for_one_left_side():
    assert_confluent(loads(NN))
    with pytest.raises(AssertionError, match="relu-clamp"):
        assert_confluent(loads(RIVALS))


def test_assert_order_independent_catches_rivals_and_passes_std():
    def graph():
        return fx.symbolic_trace(lambda a: torch.relu(torch.relu(a)).exp())
    assert_order_independent(graph(), loads(NN))
    with pytest.raises(AssertionError, match="seed"):
        assert_order_independent(graph(), loads(RIVALS))
