"""Surgery's root reuse: a one-call replacement turns the matched root into that call in place, journaled
first through ``before_reuse``; whenever that could change behaviour, a new node is built instead."""
import pytest
import torch
import torch.fx as fx

from fxcore.match import find_matches
from fxcore.ops.model import Attr
from fxcore.view.pattern import bind
from fxcore.edit.surgery import replace_match, rewrite_match
from tests.graphs import FRONT_ENDS, Swish, trace
from unify import var

x, y, h = var("x"), var("y"), var("h")


class _Spy:
    """A ``before_reuse`` that notes each node with the target it had when called."""

    def __init__(self):
        self.seen = []

    def __call__(self, node):
        self.seen.append((node, node.target, node.name))


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_one_call_replacement_turns_the_root_into_that_call(front_end):
    model = Swish()
    gm = trace(model, front_end)
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))
    root, users = m.root, list(m.root.users)
    root.meta["stack_trace"] = "File model.py, line 7"
    root.meta["stale"] = "about the mul"
    spy, renames = _Spy(), []
    gm._register_replace_node_hook(lambda old, new, user: renames.append((old, new, user)))
    done = rewrite_match(gm, m, ("silu", x), rule_id="swish", before_reuse=spy)
    assert done.new_nodes == [root] and done.values == (root,)
    assert renames == [(root, "silu", u) for u in users]  # FX's replace hooks hear of the rename, once per user
    assert [(n, name) for n, _, name in spy.seen] == [(root, "mul")] and spy.seen[0][1] is not root.target
    assert root.target is torch.nn.functional.silu and root.name == "silu" and list(root.users) == users
    assert root.meta["rewrite_rule"] == "swish" and root.meta["stack_trace"] == "File model.py, line 7"
    assert "stale" not in root.meta  # the meta of the new call, not of the mul
    if front_end != "symbolic_trace":  # a fresh val, computed on the inputs' fake values
        assert root.meta["val"].shape == (2, 4)
    assert root in gm.graph.find_nodes(op="call_function", target=torch.nn.functional.silu)
    assert not any("sigmoid" in str(n.target) for n in gm.graph.nodes)
    gm.graph.lint()
    gm.recompile()
    a = torch.randn(2, 4)
    torch.testing.assert_close(gm(a), model(a))


def test_without_before_reuse_a_new_node_replaces_the_root():
    gm = fx.symbolic_trace(lambda a, b: torch.sub(a, torch.neg(b)).relu())
    (m,) = find_matches(gm.graph, ("sub", x, ("neg", y), 1))
    (new,) = replace_match(gm, m, ("add", x, y), rule_id="sub-neg")
    assert new is not m.root and m.root._erased
    assert [n.name for n in gm.graph.nodes] == ["a", "b", "add", "relu", "output"]


def _impure_root():
    g = fx.Graph()
    a = g.placeholder("a")
    root = g.call_function(torch.relu_, (g.call_function(torch.neg, (a,)),))
    g.output(g.call_function(torch.tanh, (root,)))
    return fx.GraphModule(torch.nn.Module(), g), ("relu_", ("neg", x)), ("sigmoid", x)


def _unused_root():
    g = fx.Graph()
    a = g.placeholder("a")
    g.call_function(torch.relu, (g.call_function(torch.neg, (a,)),))
    g.output(a)
    return fx.GraphModule(torch.nn.Module(), g), ("relu", ("neg", x)), ("sigmoid", x)


def _reads_the_root():
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.neg(a)).tanh())
    return gm, bind(h, ("relu", ("neg", x))), ("add", x, h)


def _attr_operand():
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.neg(a)).tanh())
    gm.register_buffer("w", torch.ones(3))
    return gm, ("relu", ("neg", x)), ("add", x, Attr("w"))


def _nested():
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.neg(a)).tanh())
    return gm, ("relu", ("neg", x)), ("neg", ("clamp", x, None, 0.0))


@pytest.mark.parametrize("case", [_impure_root, _unused_root, _reads_the_root, _attr_operand, _nested],
                         ids=["impure root", "unused root", "replacement reads the root", "Attr operand",
                              "nested term"])
def test_the_root_is_kept_as_it_was_when_reusing_it_could_change_behaviour(case):
    gm, pattern, term = case()
    (m,) = find_matches(gm.graph, pattern)
    root, target = m.root, m.root.target
    spy = _Spy()
    done = rewrite_match(gm, m, term, rule_id="r", before_reuse=spy)
    assert spy.seen == [] and root not in done.new_nodes and root.target is target
    if case is not _reads_the_root:  # (a replacement reading the node it replaces is not a valid graph anyway)
        gm.graph.lint()
