"""lint_changed: torch's lint checks on the nodes an apply changed; a failure rolls the apply back."""
import importlib

import pytest
import torch
import torch.fx as fx

from rewrite.engine.apply import apply
from rewrite.engine.lint import lint_changed
from rewrite.lang.loader import load
from tests.rewrite.util import fingerprint


def _neg_relu():
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.neg(a)) + 1)
    nodes = {n.name: n for n in gm.graph.nodes}
    return gm, nodes


def test_valid_changes_pass():
    gm, nodes = _neg_relu()
    with gm.graph.inserting_before(nodes["relu"]):
        new = gm.graph.call_function(torch.sigmoid, (nodes["neg"],))
    nodes["relu"].replace_input_with(nodes["neg"], new)
    lint_changed(gm.graph, [new, nodes["relu"]])
    gm.graph.lint()


def test_use_before_definition_is_caught_for_new_nodes_and_their_users():
    gm, nodes = _neg_relu()
    with gm.graph.inserting_before(nodes["add"]):
        late = gm.graph.call_function(torch.sigmoid, (nodes["neg"],))
    nodes["relu"].replace_input_with(nodes["neg"], late)  # relu now uses a node defined after it
    with pytest.raises(RuntimeError, match="'sigmoid' of node 'relu' is used before it is defined"):
        lint_changed(gm.graph, [late])
    with pytest.raises(RuntimeError, match="used before it is defined"):
        lint_changed(gm.graph, [nodes["relu"]])
    with pytest.raises(RuntimeError):
        gm.graph.lint()  # torch agrees


def test_missing_attribute_and_foreign_nodes_are_caught():
    gm, nodes = _neg_relu()
    with gm.graph.inserting_before(nodes["add"]), pytest.warns(UserWarning, match="no underlying reference"):
        attr = gm.graph.get_attr("no_such_weight")
    with pytest.raises(RuntimeError, match="no_such_weight"):
        lint_changed(gm.graph, [attr])
    other = fx.Graph().placeholder("z")
    with gm.graph.inserting_before(nodes["add"]):
        foreign = gm.graph.call_function(torch.neg, (other,))
    with pytest.raises(RuntimeError, match="not in this graph"):
        lint_changed(gm.graph, [foreign])


def test_erased_nodes_are_skipped():
    gm, nodes = _neg_relu()
    with gm.graph.inserting_before(nodes["add"]):
        tmp = gm.graph.call_function(torch.neg, (nodes["relu"],))
    gm.graph.erase_node(tmp)
    lint_changed(gm.graph, [tmp])


def test_apply_rolls_back_when_the_changed_nodes_do_not_lint(monkeypatch):
    apply_module = importlib.import_module("rewrite.engine.driver")  # (where apply's driver calls surgery)
    real = apply_module.rewrite_match

    def misplacing(gm, match, term, **kwargs):
        done = real(gm, match, term, **kwargs)
        if done.new_nodes:
            first_op = next(n for n in gm.graph.nodes if n.op != "placeholder")
            with gm.graph.inserting_before(first_op):  # a node that uses one defined after it: invalid
                gm.graph.call_function(torch.neg, (done.new_nodes[-1],))
        return done

    monkeypatch.setattr(apply_module, "rewrite_match", misplacing)
    gm = fx.symbolic_trace(lambda a: (a * torch.sigmoid(a)).relu())
    before, code = fingerprint(gm), gm.code
    with pytest.raises(RuntimeError, match="'silu' of node 'neg' is used before it is defined"):
        apply(gm, load("std:activations"), example_inputs=(torch.randn(3),))
    assert fingerprint(gm) == before and gm.code == code
    gm.graph.lint()
