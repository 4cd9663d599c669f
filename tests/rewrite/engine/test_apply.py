"""rewrite.apply: numbers kept, fixpoint, order, termination, all-or-nothing, reports, scale."""

import itertools
import math
import operator
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.fx as fx
import torch.nn as nn
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rewrite.engine.apply import ApplyError, apply
from rewrite.errors import NonTerminationError
from rewrite.lang.loader import load, loads
from rewrite.pyrules import compute, ops, rule, ruleset
from rewrite.engine.report import report_of
from tests.rewrite.util import assert_fixpoint, dag_program, feeding_rules, fingerprint
from unify import var

x, y = var("x"), var("y")


class Cleanups(nn.Module):
    """A model with something for most standard rules to do."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.drop = nn.Dropout(0.1)
        self.ident = nn.Identity()

    def forward(self, inp):
        h = self.ident(self.drop(self.lin(inp)))
        h = h * torch.sigmoid(h)
        h = torch.neg(torch.neg(h))
        g = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))
        g = g.transpose(0, 1).transpose(0, 1)
        g = torch.relu(torch.relu(g)).permute(1, 0).permute(1, 0)
        return g.reshape(32).reshape(4, 8).unsqueeze(1).squeeze(1)


def _check_numbers(module: nn.Module, gm: fx.GraphModule, *inputs):
    torch.testing.assert_close(gm(*inputs), module(*inputs))
    gm.graph.lint()


def test_standard_rules_keep_numbers_and_fire():
    module = Cleanups().eval()
    gm = fx.symbolic_trace(module)
    apply(gm, load("std:std"), example_inputs=(torch.randn(4, 8),))  # shapes: silu and gelu-tanh need float x
    _check_numbers(module, gm, torch.randn(4, 8))
    report = report_of(gm)
    for rule_id in ("dropout-eval", "identity", "silu", "neg-neg", "gelu-tanh", "transpose-transpose",
                    "relu-relu", "permute-inverse", "reshape-reshape", "squeeze-unsqueeze"):
        assert report.fired(rule_id) == 1, (rule_id, report.format())
    targets = [n.target for n in gm.graph.nodes if n.op == "call_function"]
    assert torch.nn.functional.silu in targets
    assert not any(n.op == "call_module" and "drop" in str(n.target) for n in gm.graph.nodes)


def test_new_nodes_carry_rule_and_stack_trace():
    gm = fx.symbolic_trace(Cleanups().eval(), )
    for node in gm.graph.nodes:
        node.meta["stack_trace"] = f"File model.py, line {len(node.name)}"
    apply(gm, load("std:activations"), example_inputs=(torch.randn(4, 8),))
    silu = next(n for n in gm.graph.nodes if n.target is torch.nn.functional.silu)
    assert silu.meta["rewrite_rule"] == "silu"
    assert silu.meta["stack_trace"].startswith("File model.py")
    first = report_of(gm).rewrites[0]
    assert first.rule_id == "silu" and first.node == "mul" and first.stack_trace


def test_fixpoint_revisits_users_after_inner_rewrites():
    # neg^6: every rewrite exposes a new neg(neg(.)) one level up.
    gm = fx.symbolic_trace(lambda a: a.neg().neg().neg().neg().neg().neg().relu())
    apply(gm, load("std:algebraic"))
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "call_method", "output"]
    assert report_of(gm).fired("neg-neg") == 3


def test_deeper_pattern_is_retried_when_a_grandchild_changes():
    # silu's pattern is two deep; dropout removal two levels below its root must re-enable it.
    class DropThenSilu(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(nn.Dropout(), nn.Identity())

        def forward(self, a):
            return self.inner(a) * torch.sigmoid(a)

    gm = fx.symbolic_trace(DropThenSilu().eval())
    apply(gm, load("std:std"), example_inputs=(torch.randn(3),))
    assert report_of(gm).fired("silu") == 1


CHAIN = feeding_rules()


def test_a_rewrite_from_the_worklist_revisits_the_users_of_its_new_value():
    """exp(sin(a)): sin becomes neg(neg(cos(a))) and exp is visited (nothing to do); only then is the new
    neg(neg(.)) rewritten, from the worklist, which makes exp(cos(a)): exp must be visited again."""
    gm = fx.symbolic_trace(lambda a: torch.exp(torch.sin(a)))
    apply(gm, CHAIN)
    assert [r.rule_id for r in report_of(gm).rewrites] == ["sin-to-negneg-cos", "neg-neg", "exp-cos"]
    assert [n.target for n in gm.graph.nodes if n.op == "call_function"] == [torch.tan]


@given(st.lists(st.sampled_from(["sin", "cos", "exp", "neg", "relu", "tanh", "mul_sig"]), min_size=1, max_size=10))
def test_apply_reaches_a_fixpoint(kinds):
    """Whatever order the rewrites come in, a second apply finds nothing left to do."""
    assert_fixpoint(fx.symbolic_trace(dag_program([(kind, 0) for kind in kinds])), CHAIN)


DEEP = ruleset("deep",
               rule("sin-to-negneg-cos", ops.sin(x), ops.neg(ops.neg(ops.cos(x)))),
               rule("neg-neg", ops.neg(ops.neg(x)), x),
               rule("exp-cos-cos", ops.exp(ops.cos(ops.cos(x))), ops.tan(x)),  # two levels below its root
               rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)),
               rule("mul-neg", ops.mul(ops.neg(x), y), ops.neg(ops.mul(x, y))),
               rule("tanh-silu", ops.tanh(ops.silu(x)), ops.sigmoid(x)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["sin", "cos", "exp", "neg", "tanh", "sigmoid", "mul", "mul_sig"]),
                          st.integers(0, 4)), min_size=1, max_size=14))
def test_apply_reaches_a_fixpoint_on_dags(steps):
    """Values used several times, commutative operands, a pattern two levels deep: still nothing left."""
    assert_fixpoint(fx.symbolic_trace(dag_program(steps)), DEEP)


def test_once_makes_a_single_sweep():
    gm = fx.symbolic_trace(lambda a: a.neg().neg().neg().neg().exp())
    apply(gm, load("std:algebraic"), once=True)
    assert report_of(gm).fired("neg-neg") >= 1
    full = fx.symbolic_trace(lambda a: a.neg().neg().neg().neg().exp())
    apply(full, load("std:algebraic"))
    assert len(full.graph.nodes) == 3  # placeholder, exp, output


def test_dry_run_reports_and_leaves_the_module():
    gm = fx.symbolic_trace(Cleanups().eval())
    before, code = fingerprint(gm), gm.code
    apply(gm, load("std:std"), dry_run=True, example_inputs=(torch.randn(4, 8),))
    assert fingerprint(gm) == before and gm.code == code
    report = report_of(gm)
    assert report.dry_run and report.fired("silu") == 1


def test_swap_cycle_is_named_and_module_untouched():
    swap = loads("ruleset: swap\nrules:\n  - {id: add-swap, pattern: 'add(x, y)', replacement: 'add(y, x)'}\n",
                 warn=False)
    gm = fx.symbolic_trace(lambda a, b: torch.add(a, b).relu())
    before, code = fingerprint(gm), gm.code
    with pytest.raises(NonTerminationError, match="add-swap") as info:
        apply(gm, swap)
    assert "cycle" in str(info.value)
    assert fingerprint(gm) == before and gm.code == code


def test_two_rule_cycle_names_both_rules():
    rs = ruleset("pingpong",
                 rule("to-sigmoid-neg", ops.neg(ops.relu(x)), ops.relu(ops.neg(x))),
                 rule("to-neg-relu", ops.relu(ops.neg(x)), ops.neg(ops.relu(x))))
    gm = fx.symbolic_trace(lambda a: torch.neg(torch.relu(a)) + 1)
    with pytest.raises(NonTerminationError) as info:
        apply(gm, rs)
    assert "to-sigmoid-neg" in str(info.value) and "to-neg-relu" in str(info.value)


def test_budget_stops_growth_without_a_cycle():
    grow = ruleset("grow", rule("grow", ops.relu(x), compute(lambda x: ("relu", ("neg", ("neg", x))))))
    gm = fx.symbolic_trace(lambda a: torch.relu(a))
    code = gm.code
    with pytest.raises(NonTerminationError, match="budget of 50"):
        apply(gm, grow, max_rewrites=50)
    assert gm.code == code


def test_failing_replacement_rolls_back_everything():
    calls = []

    def explode_third(x):
        calls.append(x)
        if len(calls) == 3:
            raise ZeroDivisionError("boom")
        return ("silu", x)

    rs = ruleset("explodes", rule("silu-then-boom", ops.mul(x, ops.sigmoid(x)), compute(explode_third)))
    gm = fx.symbolic_trace(lambda a: [a := a * torch.sigmoid(a) for _ in range(4)][-1])
    before, code = fingerprint(gm), gm.code
    inputs = torch.randn(3)
    expected = gm(inputs)
    with pytest.raises(ApplyError, match="silu-then-boom") as info:
        apply(gm, rs)
    assert "left unchanged" in str(info.value)
    assert fingerprint(gm) == before and gm.code == code
    torch.testing.assert_close(gm(inputs), expected)


def test_rules_with_absent_root_ops_are_never_tried():
    gm = fx.symbolic_trace(lambda a: a.neg().neg().exp())
    apply(gm, load("std:std"))
    report = report_of(gm)
    attempted = {s.rule_id for s in report.stats if s.attempts}
    assert attempted == {"neg-neg"}
    assert "silu" in report.never_matched
    rs = load("std:std")
    # every rule, in rule-set order, but those that assume what was not granted (listed apart)
    assert [s.rule_id for s in report.stats] == [r.id for r in rs.ordered() if not r.assumes]
    assert report.skipped == tuple((r.id, r.assumes) for r in rs.ordered() if r.assumes)
    neg_neg = next(s for s in report.stats if s.rule_id == "neg-neg")
    assert (neg_neg.fired, neg_neg.attempts) == (1, 2) and neg_neg.seconds > 0  # both negs tried
    assert all((s.fired, s.attempts, s.seconds) == (0, 0, 0.0) for s in report.stats if s.rule_id != "neg-neg")
    assert 0 < report.seconds < 60 and report.nodes_before == 5 and report.nodes_after == 3
    again = fx.symbolic_trace(lambda a: a.relu().relu())
    apply(again, rs)  # the same plan: one apply's counts never show in another's report
    assert {s.rule_id: s.fired for s in report_of(again).stats if s.fired} == {"relu-relu": 1}
    assert next(s for s in report_of(again).stats if s.rule_id == "neg-neg").attempts == 0


def test_priority_beats_specificity_and_file_order():
    general = rule("general", ops.mul(x, y), compute(lambda x, y: ("add", x, y, 1)))
    specific = rule("specific", ops.mul(x, 2), compute(lambda x: ("sub", x, x, 1)))
    low = ruleset("a", general, specific)
    gm = fx.symbolic_trace(lambda a: a * 2)
    apply(gm, low)
    assert report_of(gm).counts == {"specific": 1}  # more specific first
    boosted = ruleset("b", rule("general", ops.mul(x, y), compute(lambda x, y: ("add", x, y, 1)), priority=1), specific)
    gm = fx.symbolic_trace(lambda a: a * 2)
    apply(gm, boosted)
    assert report_of(gm).counts == {"general": 1}


def test_make_fx_and_export_graphs():
    module = Cleanups().eval()
    inputs = (torch.randn(4, 8),)
    from torch.fx.experimental.proxy_tensor import make_fx

    for gm in (make_fx(module)(*inputs), torch.export.export(module, inputs).module()):
        apply(gm, load("std:std"))
        _check_numbers(module, gm, *inputs)
        assert report_of(gm).rewrites


def test_same_output_under_any_hash_seed():
    script = textwrap.dedent("""
        import torch, torch.fx as fx
        from tests.rewrite.engine.test_apply import Cleanups
        from rewrite.engine.apply import apply
        from rewrite.lang.loader import load
        gm = fx.symbolic_trace(Cleanups().eval())
        apply(gm, load("std:std"))
        print(gm.code)
        print([(r.rule_id, r.node) for r in gm.meta["rewrite_report"].rewrites])
    """)
    outs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("0", "12345")}
    assert len(outs) == 1


def test_100k_node_graph_without_recursion_error():
    graph = fx.Graph()
    cur = graph.placeholder("a")
    for _ in range(100_000):
        cur = graph.call_function(torch.neg, (cur,))
    graph.output(graph.call_function(torch.exp, (cur,)))
    gm = fx.GraphModule(nn.Module(), graph)
    apply(gm, load("std:algebraic"))
    assert len(gm.graph.nodes) == 3
    assert report_of(gm).fired("neg-neg") == 50_000


unary = st.sampled_from([torch.neg, torch.relu, torch.sigmoid, torch.tanh])


@given(st.lists(st.tuples(st.sampled_from(["unary", "mul_sig", "add0", "double_t", "neg2"]), unary),
                min_size=1, max_size=12))
def test_random_graphs_keep_numbers(steps):
    def program(a):
        for kind, fn in steps:
            if kind == "unary":
                a = fn(a)
            elif kind == "mul_sig":
                a = a * torch.sigmoid(a)
            elif kind == "add0":
                a = a + 0
            elif kind == "double_t":
                a = a.t().t()
            else:
                a = torch.neg(torch.neg(a))
        return a

    gm = fx.symbolic_trace(program)
    inputs = torch.randn(3, 3)
    apply(gm, load("std:std"))
    gm.graph.lint()
    torch.testing.assert_close(gm(inputs), program(inputs))


def test_rule_set_by_name_and_a_clear_error_for_modules():
    gm = fx.symbolic_trace(lambda a: a.neg().neg().exp())
    apply(gm, "std:algebraic")
    assert report_of(gm).fired("neg-neg") == 1
    with pytest.raises(TypeError, match="symbolic_trace"):
        apply(nn.ReLU(), "std:algebraic")


def test_the_garbage_collector_is_paused_during_apply_and_restored_after_it_whatever_happens():
    import gc
    seen = []
    spy = ruleset("spy", rule("spy", ops.relu(x), compute(lambda x: seen.append(gc.isenabled()) or None)))
    swap = ruleset("swap", rule("swap", ops.add(x, y), ops.add(y, x)))
    gm = fx.symbolic_trace(lambda a, b: torch.relu(a + b))
    assert gc.isenabled()
    apply(gm, spy)
    assert seen == [False] and gc.isenabled()  # paused inside, back on after
    with pytest.raises(NonTerminationError):
        apply(gm, swap)
    assert gc.isenabled()
    gc.disable()
    try:
        apply(gm, spy)
        assert not gc.isenabled()  # a collector the caller disabled stays disabled
    finally:
        gc.enable()


def test_an_error_after_a_root_was_reused_in_place_leaves_the_module_exactly_as_it_was():
    """silu turns the mul into a silu call in place (no new node); then a rule fails: all of it is undone."""
    rs = ruleset("reuse-then-fail",
                 rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)),
                 rule("boom", ops.tanh(x), compute(lambda x: 1 // 0)))
    gm = fx.symbolic_trace(lambda a: torch.tanh(a * torch.sigmoid(a)))
    before, code = fingerprint(gm), gm.code
    with pytest.raises(ApplyError, match="boom"):
        apply(gm, rs)
    assert fingerprint(gm) == before and gm.code == code
    assert [n.name for n in gm.graph.find_nodes(op="call_function", target=operator.mul)] == ["mul"]


def test_rewrites_that_reuse_one_root_in_turn_terminate_or_name_their_cycle():
    chain = ruleset("chain", rule("sin-cos", ops.sin(x), ops.cos(x)), rule("cos-tan", ops.cos(x), ops.tan(x)))
    gm = fx.symbolic_trace(lambda a: torch.sin(a).neg())
    (root,) = [n for n in gm.graph.nodes if n.target is torch.sin]
    apply(gm, chain)  # sin -> cos -> tan, all in the one node: not a cycle
    assert root.target is torch.tan and [r.rule_id for r in report_of(gm).rewrites] == ["sin-cos", "cos-tan"]
    loop = ruleset("loop", rule("sin-cos", ops.sin(x), ops.cos(x)), rule("cos-sin", ops.cos(x), ops.sin(x)))
    gm = fx.symbolic_trace(lambda a: torch.sin(a).neg())
    code = gm.code
    with pytest.raises(NonTerminationError, match=r"sin-cos.*cos-sin|cos-sin.*sin-cos"):
        apply(gm, loop)
    assert gm.code == code


# --- what a rewrite changes, and what must be looked at again --------------------------------------------------
# A match that a rewrite makes possible contains a node the rewrite changed: a new node, a reused root, a user
# whose arguments now read another value (as its root or an inner node), or a node that lost a user (as an inner
# node, whose users must all be in the match). These rules (for the driver, not the numbers) reach each.
REVISITS = ruleset("revisits",
                   rule("sub-to-add-neg", ops.sub(x, y), ops.add(x, ops.neg(y))),
                   rule("neg-neg", ops.neg(ops.neg(x)), x),
                   # a repeated variable whose second use sits under an inner node: mul is two levels above x
                   rule("add-sigmoid", ops.mul(ops.add(y, x), ops.sigmoid(x)), ops.tan(x)),
                   rule("drop-cos", ops.add(x, ops.cos(y)), ops.exp(x)))


def test_a_rewired_user_is_looked_at_as_an_inner_node():
    """sub(a, neg(z)) becomes add(a, neg(neg(z))) and, from the worklist, add(a, z): mul(add(a, z), sigmoid(z))
    now matches, two levels above z, one above the rewired add."""
    gm = fx.symbolic_trace(lambda a, z: (a - (-z)) * torch.sigmoid(z))
    apply(gm, REVISITS)
    assert [r.rule_id for r in report_of(gm).rewrites] == ["sub-to-add-neg", "neg-neg", "add-sigmoid"]
    assert_fixpoint(gm, REVISITS)


def test_a_node_that_lost_a_user_is_looked_at_as_an_inner_node():
    """neg(neg(z)) fails while the inner neg has a second user, the cos of sin(z) + cos(s); once drop-cos erases
    that cos, the neg-neg above it (behind the sweep, and touched by no rewrite) matches."""
    def program(z):
        s = -z
        p = -s
        return (torch.sin(z) + torch.cos(s)) * p
    gm = fx.symbolic_trace(program)
    apply(gm, REVISITS)
    assert sorted(r.rule_id for r in report_of(gm).rewrites) == ["drop-cos", "neg-neg"]
    assert_fixpoint(gm, REVISITS)


_COMPOUND = {"sub_neg": lambda u, v: u - (-v), "mul_sigmoid": lambda u, v: u * torch.sigmoid(v),
             "add_cos": lambda u, v: u + torch.cos(v)}


def _binary_dag(steps):
    """A function of two tensors from ``(kind, i, j)`` steps, each on the values ``i`` and ``j`` steps back (modulo
    their count): unary torch ops on the first, binary ones and the `_COMPOUND` shapes on both."""
    def program(a, b):
        seen = [a, b]
        for kind, i, j in steps:
            u, v = seen[-1 - i % len(seen)], seen[-1 - j % len(seen)]
            if kind in _COMPOUND:
                seen.append(_COMPOUND[kind](u, v))
            else:
                seen.append(getattr(torch, kind)(u, v) if kind in ("add", "sub", "mul") else getattr(torch, kind)(u))
        return seen[-1]
    return program


@settings(max_examples=250, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["neg", "sigmoid", "cos", "sin", "add", "sub", "mul", *_COMPOUND]),
                          st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=14))
@example([("sub_neg", 1, 0), ("mul_sigmoid", 0, 1)])  # a rewired user as an inner node (found at ~1,500 examples)
@example([("neg", 0, 0), ("neg", 0, 0), ("add_cos", 2, 1), ("mul", 0, 1)])  # a node that lost a user
def test_apply_reaches_a_fixpoint_when_rewrites_rewire_and_orphan(steps):
    """Random DAGs (values used several times, some unused) under REVISITS: nothing left for a second apply."""
    assert_fixpoint(fx.symbolic_trace(_binary_dag(steps)), REVISITS)


def test_every_two_step_program_of_the_compound_shapes_reaches_a_fixpoint():
    """Exhaustive where the random property is thin: the cases that need a revisit are rare (on the driver
    before this test, 4 of the 3,969 two-step programs over eight kinds failed, all sub_neg then
    mul_sigmoid), so every pair over neg and the compound shapes, at every operand choice, is tried."""
    kinds = ["neg", *_COMPOUND]
    for k1, k2 in itertools.product(kinds, repeat=2):
        for i1, j1, i2, j2 in itertools.product(range(3), repeat=4):
            assert_fixpoint(fx.symbolic_trace(_binary_dag([(k1, i1, j1), (k2, i2, j2)])), REVISITS)
