"""``fxcore.edit.node_edits`` does what FX's own erase, rename and retarget do: the same graph, side table,
namespace, users (in order), arguments of erased nodes and hook calls, on twin graphs edited both ways."""
import copy
import warnings

import pytest
import torch
import torch.fx as fx
from hypothesis import given, strategies as st

from fxcore.edit.node_edits import deaf_to_renames, erase, fresh_name, rename, retarget
from tests.graphs import random_graph_strategy


def _state(gm):
    """Everything the edits may touch, by name (the twins hold different node objects)."""
    g = gm.graph
    table = {(op, getattr(t, "__name__", t)): sorted(n.name for n in nodes)
             for (op, t), nodes in g._find_nodes_lookup_table.table.items() if nodes}
    nodes = [(n.name, n.op, n.target, str(n.args), str(n.kwargs), [u.name for u in n.users]) for n in g.nodes]
    return nodes, len(g.nodes), table, sorted(g._graph_namespace._used_names), sorted(
        (name) for name in g._graph_namespace._obj_to_name.values())


def _twins(gm):
    """Two copies of ``gm`` made alike (a copy's namespace holds only the names in use)."""
    gm, twin = copy.deepcopy(gm), copy.deepcopy(gm)
    calls = ([], [])
    for module, log in zip((gm, twin), calls):
        module._register_erase_node_hook(lambda n, log=log: log.append(("erase", n.name, str(n.args))))
        module._register_replace_node_hook(
            lambda old, new, user, log=log: log.append(("replace", old.name, new, user.name)))
    return gm, twin, calls


def _by_name(gm, name):
    return next(n for n in gm.graph.nodes if n.name == name)


@given(random_graph_strategy(max_nodes=14), st.data())
def test_erase_does_what_erase_node_does(gm, data):
    ours, fxs, (our_calls, fx_calls) = _twins(gm)
    while True:
        dead = [n.name for n in ours.graph.nodes if not n.users and n.op not in ("output", "placeholder")]
        calls = [n.name for n in ours.graph.nodes if n.op == "call_function" and n.users]
        if not dead and not calls:
            break
        if dead and data.draw(st.booleans()):
            name = data.draw(st.sampled_from(dead))
            node, twin = _by_name(ours, name), _by_name(fxs, name)
            erase(ours.graph, node)
            fxs.graph.erase_node(twin)
            assert node._erased and twin._erased and node.args == twin.args  # inputs unlinked: all None
        elif calls:  # make a node dead: redirect its users to its first input
            name = data.draw(st.sampled_from(calls))
            for module in (ours, fxs):
                node = _by_name(module, name)
                if not node.all_input_nodes:
                    return
                node.replace_all_uses_with(node.all_input_nodes[0])
        else:
            break
        assert _state(ours) == _state(fxs)
    assert our_calls == fx_calls
    ours.graph.lint()


def test_erase_reports_what_erase_node_reports():
    gm = fx.symbolic_trace(lambda x: torch.relu(x).neg())
    relu = list(gm.graph.nodes)[1]
    with pytest.raises(RuntimeError, match="still had 1 users"):
        erase(gm.graph, relu)
    other = fx.symbolic_trace(lambda x: torch.relu(x))
    lone = list(other.graph.nodes)[1]
    _ = lone.replace_all_uses_with(list(other.graph.nodes)[0])
    with pytest.raises(RuntimeError, match="wrong graph"):
        erase(gm.graph, lone)
    erase(other.graph, lone)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        erase(other.graph, lone)
    assert any("already erased" in str(w.message) for w in caught)


def test_erase_calls_a_graph_classs_own_erase_node():
    seen = []

    class Tracked(fx.Graph):
        def erase_node(self, to_erase):
            seen.append(to_erase.name)
            super().erase_node(to_erase)

    g = Tracked()
    x = g.placeholder("x")
    neg = g.call_function(torch.neg, (x,))
    g.output(x)
    erase(g, neg)
    assert seen == ["neg"] and neg._erased


@given(random_graph_strategy(max_nodes=10), st.data())
def test_rename_does_what_setting_the_name_does(gm, data):
    ours, fxs, (our_calls, fx_calls) = _twins(gm)
    names = [n.name for n in ours.graph.nodes if n.op == "call_function"]
    for _ in range(data.draw(st.integers(1, 4))):
        name = data.draw(st.sampled_from(names))
        candidate = data.draw(st.sampled_from(["silu", "add", "add_1", "x0", "9lives", "a.b"]))
        node, twin = _by_name(ours, name), _by_name(fxs, name)
        rename(node, candidate)
        fresh = fxs.graph._graph_namespace.create_name(candidate, None)
        twin.name = fresh  # what Node._rename does, past its "same name" shortcut
        fxs.graph._graph_namespace._rename_object(twin, fresh)
        assert node.name == twin.name
        names[names.index(name)] = node.name
        assert _state(ours) == _state(fxs)
    assert our_calls == fx_calls
    for module in (ours, fxs):  # the namespaces agree on what comes next
        with module.graph.inserting_before(module.graph.output_node()):
            module.graph.call_function(torch.relu, (next(iter(module.graph.nodes)),))
    assert _state(ours) == _state(fxs)


def test_retarget_moves_the_node_in_fxs_side_table():
    gm = fx.symbolic_trace(lambda x: torch.neg(x).relu())
    neg = list(gm.graph.nodes)[1]
    retarget(neg, torch.tanh)
    assert neg.target is torch.tanh
    assert gm.graph.find_nodes(op="call_function", target=torch.tanh) == [neg]
    assert gm.graph.find_nodes(op="call_function", target=torch.neg) == []
    gm.graph.lint()
    gm.recompile()
    torch.testing.assert_close(gm(torch.ones(2)), torch.tanh(torch.ones(2)).relu())


def test_rename_spares_hooks_deaf_to_renames_and_tells_the_others():
    gm = fx.symbolic_trace(lambda x: torch.neg(x).relu() + torch.neg(x).sin())
    neg = next(n for n in gm.graph.nodes if n.name == "neg")
    heard, spared = [], []
    gm._register_replace_node_hook(lambda old, new, user: heard.append((old.name, new, user.name)))
    gm._register_replace_node_hook(deaf_to_renames(lambda old, new, user: spared.append(user)))
    rename(neg, "negated")
    assert heard == [("neg", "negated", "relu")] and spared == []
    neg.name = "by_fx"  # FX's own rename still calls every hook
    assert len(spared) == 1


_CANDIDATES = st.one_of(
    st.sampled_from(["silu", "silu_1", "silu_01", "add.Tensor", "if", "list", "None", "", "9x", "_", "a__3", "x_0"]),
    st.text(alphabet="ab_19.-", max_size=6))


@given(st.lists(_CANDIDATES, max_size=12))
def test_fresh_name_is_create_names_name(candidates):
    ours, fxs = fx.Graph()._graph_namespace, fx.Graph()._graph_namespace
    for candidate in candidates:
        assert fresh_name(ours, candidate) == fxs.create_name(candidate, None)
        assert ours._used_names == fxs._used_names and ours._base_count == fxs._base_count
