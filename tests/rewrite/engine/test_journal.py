"""The undo journal restores a module exactly, whatever sequence of edits was made."""

import operator

import pytest
import torch
import torch.fx as fx
from hypothesis import given
from hypothesis import strategies as st

from rewrite.engine.journal import GraphJournal, JournalError
from tests.rewrite.util import fingerprint


def _chain(n: int) -> fx.GraphModule:
    graph = fx.Graph()
    x = graph.placeholder("x")
    y = graph.placeholder("y")
    cur = x
    for i in range(n):
        op = (torch.neg, torch.sigmoid, torch.relu)[i % 3]
        cur = graph.call_function(op, (cur,))
        if i % 4 == 3:
            cur = graph.call_function(operator.add, (cur, y))
    graph.output(cur)
    return fx.GraphModule(torch.nn.Module(), graph)


edit = st.tuples(st.sampled_from(["insert", "redirect", "erase", "attr", "set_args", "move", "reuse"]),
                 st.integers(0, 10**6))


def _apply_edit(gm: fx.GraphModule, journal: GraphJournal, kind: str, pick: int, serial: int) -> None:
    nodes = [n for n in gm.graph.nodes if n.op == "call_function"]
    if not nodes:
        return
    node = nodes[pick % len(nodes)]
    if kind == "insert":
        with gm.graph.inserting_after(node):
            new = gm.graph.call_function(torch.tanh, (node,))
        node.replace_all_uses_with(new, delete_user_cb=lambda u: u is not new)
    elif kind == "redirect":
        source = node.args[0]
        node.replace_all_uses_with(source)
    elif kind == "erase":
        for candidate in reversed(nodes):
            if not candidate.users:
                gm.graph.erase_node(candidate)
                return
    elif kind == "move":  # as surgery hoists a late input: earlier, still after its own inputs
        last_input = max(node.all_input_nodes, default=None)
        if last_input is not None and last_input.next is not node:
            last_input.append(node)
    elif kind == "reuse":  # as surgery turns a root into the replacement's call in place
        if node.target is not torch.tanh and node.users:
            journal.before_reuse(node)
            node.target = torch.tanh
            node._update_args_kwargs((node.args[0],), {})
            node.meta.clear()
            node.meta["rewrite_rule"] = "edit"
            node._rename("tanh")
    elif kind == "set_args":
        if isinstance(node.args[0], fx.Node) and node.args[0].op == "call_function":
            node.replace_input_with(node.args[0], node.args[0].args[0])
    else:
        journal.add_attr(f"folded_{serial}", torch.nn.Parameter(torch.randn(2)))


@given(st.integers(2, 12), st.lists(edit, max_size=25))
def test_rollback_restores_exactly(length, edits):
    gm = _chain(length)
    before, code = fingerprint(gm), gm.code
    inputs = (torch.randn(3), torch.randn(3))
    expected = gm(*inputs)
    with GraphJournal(gm) as journal:
        for serial, (kind, pick) in enumerate(edits):
            _apply_edit(gm, journal, kind, pick, serial)
        journal.rollback()
    gm.graph.lint()
    assert fingerprint(gm) == before
    assert gm.recompile().src == code
    torch.testing.assert_close(gm(*inputs), expected)
    for node in gm.graph.nodes:  # FX's per-target table agrees (a reused node was moved in it and back)
        found = gm.graph.find_nodes(op=node.op, target=node.target) if node.op == "call_function" else [node]
        assert node in found


def test_hooks_removed_after_exit():
    gm = _chain(3)
    with GraphJournal(gm) as journal:
        pass
    node = next(n for n in gm.graph.nodes if n.op == "call_function")
    with gm.graph.inserting_after(node):
        gm.graph.call_function(torch.tanh, (node,))
    assert journal.events == []
    assert not gm._create_node_hooks and not gm._replace_hooks and not gm._erase_node_hooks


def test_nested_journal_is_refused_with_a_fix():
    gm = _chain(3)
    with GraphJournal(gm):
        with pytest.raises(JournalError, match="already open"):
            GraphJournal(gm).__enter__()


def test_add_attr_refuses_to_overwrite():
    gm = _chain(3)
    with GraphJournal(gm) as journal:
        journal.add_attr("w", torch.zeros(1))
        with pytest.raises(JournalError, match="fresh name"):
            journal.add_attr("w", torch.zeros(1))
        journal.rollback()
    assert not hasattr(gm, "w")
