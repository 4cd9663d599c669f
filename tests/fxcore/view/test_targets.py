"""``target_groups`` (read from FX's side table) holds exactly the nodes a pass over the graph groups, also
after rewrites erased, created and moved nodes; and the apply driver's candidates come out in graph order."""
import pytest
import torch
import torch.fx as fx
from hypothesis import given, strategies as st

from fxcore.view.targets import _groups_by_scan, target_groups, target_keys
from rewrite.front import zoo
from tests.graphs import random_graph_strategy


def _as_sets(groups):
    return {(op, target): set(nodes) for op, target, nodes in groups}


@pytest.mark.parametrize("how", ("symbolic_trace", "make_fx", "export"))
@pytest.mark.parametrize("name", zoo.names())
def test_groups_match_a_scan_on_every_zoo_graph(name, how):
    graph = zoo.trace(zoo.get(name), how).graph
    assert _as_sets(target_groups(graph)) == _as_sets(_groups_by_scan(graph))


@given(random_graph_strategy(max_nodes=16), st.data())
def test_groups_match_a_scan_after_random_edits(gm, data):
    graph = gm.graph
    for _ in range(data.draw(st.integers(0, 6))):
        calls = [n for n in graph.nodes if n.op == "call_function"]
        if not calls:
            break
        n = data.draw(st.sampled_from(calls))
        action = data.draw(st.sampled_from(["erase", "insert", "move"]))
        if action == "erase":
            n.replace_all_uses_with(n.all_input_nodes[0])
            graph.erase_node(n)
        elif action == "insert":
            with graph.inserting_before(n):
                new = graph.call_function(torch.neg, (n.all_input_nodes[0],))
            n.replace_input_with(n.all_input_nodes[0], new)
        else:
            first_call = calls[0]
            if n is not first_call and all(i.op == "placeholder" for i in n.all_input_nodes):
                first_call.prepend(n)
    graph.lint()
    assert _as_sets(target_groups(graph)) == _as_sets(_groups_by_scan(graph))
    found = [n for _, _, nodes in target_groups(graph) for n in nodes]
    assert sorted(found) == list(graph.nodes)  # every node once; Node sorts by graph position
    assert target_keys(graph) == [(op, target) for op, target, _ in target_groups(graph)]  # erased groups too


def test_fallback_scan_when_the_side_table_is_missing():
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.neg(a)))
    del gm.graph._find_nodes_lookup_table
    try:
        groups = target_groups(gm.graph)
        assert target_keys(gm.graph) == [(op, target) for op, target, _ in groups]
    finally:
        gm.graph._find_nodes_lookup_table = fx.graph._FindNodesLookupTable()
        for n in gm.graph.nodes:
            gm.graph._find_nodes_lookup_table.insert(n)
    assert [(op, [n.name for n in nodes]) for op, _, nodes in groups] == [
        ("placeholder", ["a"]), ("call_function", ["neg"]), ("call_function", ["relu"]), ("output", ["output"])]
