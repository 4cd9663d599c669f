"""The canonical view's caches (per-node cache, call-shape memo, positional plans) never change an answer:
every node resolves exactly as the uncached op table resolves it, whatever order nodes are seen in."""
import operator

import pytest
import torch
import torch.fx as fx
from hypothesis import given, strategies as st

from fxcore.view.canonical import CanonicalView, TargetFacts
from fxcore.ops import default_table
from rewrite.front import zoo
from tests.graphs import random_graph_strategy

TRACERS = ("symbolic_trace", "make_fx", "export")


def _same(a, b) -> bool:
    """Resolutions equal, nodes compared by identity."""
    if isinstance(a, fx.Node) or isinstance(b, fx.Node):
        return a is b
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _check(graph: fx.Graph, order) -> None:
    table, view = default_table(), CanonicalView()
    for n in order(list(graph.nodes)):
        if n.op in ("placeholder", "get_attr", "output"):  # leaves of a pattern: their op, no operands
            assert view.resolve(n) == (n.op, ())
        else:
            assert _same(view.resolve(n), table.resolve(n)), n.format_node()


@pytest.mark.parametrize("order", [list, lambda ns: ns[::-1]], ids=["forward", "reverse"])
@pytest.mark.parametrize("how", TRACERS)
@pytest.mark.parametrize("name", zoo.names())
def test_view_agrees_with_the_table_on_every_zoo_node(name, how, order):
    _check(zoo.trace(zoo.get(name), how).graph, order)


@given(random_graph_strategy(max_nodes=15, unary=(torch.relu, torch.neg, torch.sigmoid, torch.sum),
                             binary=(torch.add, torch.mul, operator.sub, torch.max, torch.sub)),
       st.randoms(use_true_random=False))
def test_view_agrees_with_the_table_on_random_graphs(gm, rnd):
    nodes = list(gm.graph.nodes)
    rnd.shuffle(nodes)
    _check(gm.graph, lambda _: nodes)


def test_a_positional_plan_is_per_target_and_argument_count():
    g = fx.Graph()
    a, b = g.placeholder("a"), g.placeholder("b")
    calls = [g.call_function(torch.add, (a, b)), g.call_function(torch.add, (b, a)),
             g.call_function(torch.add, (a, a)), g.call_function(torch.max, (a,)),
             g.call_function(torch.max, (a, b)), g.call_method("add", (b, a)),
             g.call_function(torch.ops.aten.add.Tensor, (a, b)), g.call_function(torch.sub, (b, a))]
    view = CanonicalView()
    got = [view.resolve(n) for n in calls]
    assert got[0] == ("add", (a, b, 1)) and got[1] == ("add", (b, a, 1)) and got[2] == ("add", (a, a, 1))
    assert got[3][0] == "max" and got[4] == ("maximum", (a, b))
    assert got[5] == ("add", (b, a, 1)) and got[6] == ("add", (a, b, 1)) and got[7] == ("sub", (b, a, 1))


def test_the_cache_follows_argument_changes():
    g = fx.Graph()
    a, b = g.placeholder("a"), g.placeholder("b")
    n = g.call_function(torch.add, (a, b))
    view = CanonicalView()
    assert view.resolve(n) == ("add", (a, b, 1))
    n.args = (b, a)
    n.kwargs = {"alpha": 2}
    assert view.resolve(n) == ("add", (b, a, 2))
    n.target = torch.sub
    assert view.resolve(n) == ("sub", (b, a, 2))


def test_match_without_a_view_sees_a_module_switched_to_eval():
    """``CompiledPattern.match(node)`` keeps a view per graph between calls; a module call's resolution reads
    the module, so it must not be cached there: Dropout's training flag changes with ``model.eval()``."""
    from fxcore.match import compile_pattern
    from unify import var

    gm = fx.symbolic_trace(torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.1)))
    dropout = [n for n in gm.graph.nodes if n.op == "call_module"][1]
    in_eval = compile_pattern(("dropout", var("x"), var("p"), False))
    assert not in_eval.match(dropout)
    gm.eval()
    assert in_eval.match(dropout)
    gm.train()
    assert not in_eval.match(dropout)
    apply_view = CanonicalView()  # a view for one pass (apply, find_matches) still caches module calls
    assert apply_view.resolve(dropout) is apply_view.resolve(dropout)


# --------------------------------------------------------------------------- facts shared between views

@pytest.mark.parametrize("how", TRACERS)
def test_views_sharing_facts_agree_with_the_table_on_every_zoo_graph(how):
    """One `TargetFacts` serves views of every zoo graph in turn (as `rewrite.apply` shares one per rule
    plan): each node still resolves as the uncached table resolves it."""
    table = default_table()
    facts = TargetFacts(table)
    for name in zoo.names():
        graph = zoo.trace(zoo.get(name), how).graph
        view = CanonicalView(table, facts=facts)
        for n in graph.nodes:
            if n.op not in ("placeholder", "get_attr", "output"):
                assert _same(view.resolve(n), table.resolve(n)), (name, n.format_node())
    assert facts.memo.size() > 0


@given(st.lists(random_graph_strategy(max_nodes=10, unary=(torch.relu, torch.neg, torch.sum),
                                      binary=(torch.add, torch.mul, operator.sub, torch.max)),
                min_size=2, max_size=4))
def test_shared_facts_never_change_an_answer_on_random_graphs(gms):
    table = default_table()
    facts = TargetFacts(table)
    for gm in gms:
        view = CanonicalView(table, facts=facts)
        for n in gm.graph.nodes:
            if n.op not in ("placeholder", "get_attr", "output"):
                assert _same(view.resolve(n), table.resolve(n)), n.format_node()


def test_a_module_call_is_never_resolved_from_another_graphs_module():
    """Two graphs call a module at the same path, ``m``: a Dropout in training, then one in eval. Shared facts
    must not hand the second the first's resolution (module calls stay out of the shared memo)."""
    table = default_table()
    facts = TargetFacts(table)
    training = fx.symbolic_trace(torch.nn.Sequential(torch.nn.Dropout(0.1)))
    evaluating = fx.symbolic_trace(torch.nn.Sequential(torch.nn.Dropout(0.1)).eval())
    keys = []
    for gm in (training, evaluating, training):
        node = next(n for n in gm.graph.nodes if n.op == "call_module")
        found = CanonicalView(table, facts=facts).resolve(node)
        assert _same(found, table.resolve(node))
        keys.append(found[1][-1])  # the training flag
    assert keys == [True, False, True]


def test_facts_belong_to_one_table():
    from fxcore.ops.model import opdef

    other = default_table().extended(opdef("my_op(Tensor self)"))
    with pytest.raises(ValueError, match="another op table"):
        CanonicalView(other, facts=TargetFacts(default_table()))


def test_the_shared_maps_start_over_at_their_limits(monkeypatch):
    """Shapes with ever new literals, or ever new targets, cannot grow shared facts without bound; answers stay
    right."""
    from fxcore.view.memo import ResolutionMemo

    monkeypatch.setattr(ResolutionMemo, "LIMIT", 8)
    monkeypatch.setattr(TargetFacts, "LIMIT", 2)
    table = default_table()
    facts = TargetFacts(table)
    g = fx.Graph()
    x = g.placeholder("x")
    shapes = [g.call_function(torch.add, (x, float(k))) for k in range(40)]
    targets = [g.call_function(f, (x,)) for f in (torch.relu, torch.neg, torch.sigmoid, torch.tanh, torch.sin)]
    targets += [g.call_method(m, (x,)) for m in ("relu", "neg", "sigmoid")]
    for n in shapes + targets * 2:
        view = CanonicalView(table, facts=facts)
        assert _same(view.resolve(n), table.resolve(n)) and view.possible_ops(n) == table.possible_ops(n)
        assert facts.memo.size() <= 8 and len(facts.possible_calls) <= 2 and len(facts.possible) <= 2
