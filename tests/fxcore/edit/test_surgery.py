"""Surgery: replacements keep the numbers, lint passes, meta is kept, dead nodes go, impure nodes stay."""
import pytest
import torch
import torch.fx as fx

from fxcore.match import find_matches
from fxcore.ops.model import Attr
from fxcore.edit.surgery import ReplacementError, instantiate, replace_match, rewrite_match
from tests.graphs import FRONT_ENDS, LinearRelu, Swish, trace
from unify import var

x, y, w, b = var("x"), var("y"), var("w"), var("b")


def _check(gm, model, *inputs):
    gm.graph.lint()
    gm.recompile()
    torch.testing.assert_close(gm(*inputs), model(*inputs))


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_swish_to_silu_keeps_numbers(front_end):
    model = Swish()
    gm = trace(model, front_end)
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))
    new = replace_match(gm, m, ("silu", x), rule_id="swish")
    assert [n.meta["rewrite_rule"] for n in new] == ["swish"]
    assert not any(n.op == "call_function" and "sigmoid" in str(n.target) for n in gm.graph.nodes)
    _check(gm, model, torch.randn(2, 4))


def test_meta_val_recomputed_with_fake_tensors():
    gm = trace(Swish(), "make_fx")
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))
    m.root.meta["stack_trace"] = "File model.py, line 7"
    (new,) = replace_match(gm, m, ("silu", x), rule_id="swish")
    assert new.meta["val"].shape == (2, 4) and new.meta["stack_trace"] == "File model.py, line 7"


def test_val_absent_without_fake_inputs():
    gm = fx.symbolic_trace(Swish())
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))
    (new,) = replace_match(gm, m, ("silu", x), rule_id="swish")
    assert "val" not in new.meta


def test_bare_variable_redirects_and_erases_dead_nodes():
    model = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)) * 3)
    gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)) * 3)
    (m,) = find_matches(gm.graph, ("neg", ("neg", x)))
    assert replace_match(gm, m, x, rule_id="neg-neg") == []
    assert [n.name for n in gm.graph.nodes] == ["a", "mul", "output"]
    _check(gm, model, torch.randn(3))


def test_attr_values_become_get_attr_nodes():
    model = LinearRelu()
    gm = trace(model, "symbolic_trace")
    (m,) = find_matches(gm.graph, ("relu", ("linear", x, w, b)))
    assert m.bindings[w] == Attr("fc.weight")
    new = replace_match(gm, m, ("relu", ("linear", x, w, b)), rule_id="same")
    assert sorted(n.op for n in new) == ["call_function", "call_function", "get_attr", "get_attr"]
    assert not any(n.op == "call_module" for n in gm.graph.nodes)  # the module call was dead and erased
    _check(gm, model, torch.randn(2, 4))


def test_callable_replacement():
    model = Swish()
    gm = fx.symbolic_trace(model)
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))

    def build(bindings, graph):
        return graph.call_function(torch.nn.functional.silu, (bindings[x],))

    (new,) = replace_match(gm, m, build, rule_id="py-swish")
    assert new.meta["rewrite_rule"] == "py-swish"
    _check(gm, model, torch.randn(5))


def test_a_bound_node_a_callable_replacement_leaves_unused_is_erased():
    """A bound node is normally reached from the matched node using it; one the replacement already cut
    loose (here by rewiring its only user) is erased too."""
    gm = fx.symbolic_trace(lambda a: torch.neg(torch.relu(a)))
    (m,) = find_matches(gm.graph, ("neg", x))
    relu = m.bindings[x]

    def build(bindings, graph):
        bindings[x].replace_all_uses_with(relu.args[0])  # neg(relu(a)) -> neg(a): relu is unused
        return graph.call_function(torch.abs, (relu.args[0],))

    replace_match(gm, m, build, rule_id="cut-loose")
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "call_function", "output"]
    a = torch.randn(4)
    gm.graph.lint()
    gm.recompile()
    torch.testing.assert_close(gm(a), torch.abs(a))


def test_a_term_the_match_already_computes_reuses_the_matched_node():
    """relu(relu(x)) -> relu(x): the inner relu is kept, the root's users move to it, nothing is built."""
    gm = fx.symbolic_trace(lambda a: torch.relu(torch.relu(a)).neg())
    (m,) = find_matches(gm.graph, ("relu", ("relu", x)))
    (inner,) = [n for n in m.nodes if n is not m.root]
    done = rewrite_match(gm, m, ("relu", x), rule_id="relu-relu")
    assert done.new_nodes == [] and done.values == (inner,)
    assert [n.name for n in gm.graph.nodes] == ["a", "relu", "neg", "output"]
    assert "rewrite_rule" not in inner.meta  # not a new node
    _check(gm, lambda a: torch.relu(a).neg(), torch.randn(4))


@pytest.mark.parametrize("term", [("relu", y), ("clamp", x, 0.0, None), ("clamp", x, 0, 1.0)])
def test_a_term_that_differs_from_every_matched_node_is_built(term):
    """Other operands, or equal literals of another type (0 is not 0.0): a new node."""
    gm = fx.symbolic_trace(lambda a, b: torch.relu(torch.clamp(a, 0, None)) + b)
    (m,) = find_matches(gm.graph, ("relu", ("clamp", x, 0, None)))
    (root,) = [n for n in gm.graph.nodes if n.name == "relu"]
    bindings = m.bindings.extend(y, root.args[0]) if term[1] is y else m.bindings
    m = m._replace(bindings=bindings)
    done = rewrite_match(gm, m, term, rule_id="other")
    assert len(done.new_nodes) == 1 and done.values == (done.new_nodes[0],)
    gm.graph.lint()


def test_unused_getitems_do_not_keep_a_matched_node_alive():
    """getitem(f(x), 0) -> g(x) where f's other outputs are unread getitems: they go with f; a read one
    keeps f (the match is refused)."""
    import operator

    def build(read_second):
        g = fx.Graph()
        a = g.placeholder("a")
        pair = g.call_function(torch.aminmax, (a,))
        first = g.call_function(operator.getitem, (pair, 0))
        second = g.call_function(operator.getitem, (pair, 1))
        g.output((first, second) if read_second else first)
        return fx.GraphModule(torch.nn.Module(), g)

    pattern = ("getitem", (torch.aminmax, x), 0)
    gm = build(read_second=False)
    (m,) = find_matches(gm.graph, pattern)
    replace_match(gm, m, ("amin", x, (), False), rule_id="first")
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "call_function", "output"]
    _check(gm, lambda a: torch.amin(a), torch.randn(4))
    assert find_matches(build(read_second=True).graph, pattern) == []


def test_multi_output_replacement():
    def f(a):
        return torch.relu(a) + 1, torch.sigmoid(a) * 2

    gm = fx.symbolic_trace(f)
    (m,) = find_matches(gm.graph, (("relu", x), ("sigmoid", x)))
    replace_match(gm, m, (("clamp", x, 0, None), ("reciprocal", ("add", ("exp", ("neg", x)), 1))),
                  rule_id="multi")
    _check(gm, f, torch.randn(6))


def test_impure_nodes_are_never_erased():
    g = fx.Graph()
    a = g.placeholder("a")
    r = g.call_function(torch.neg, (g.call_function(torch.neg, (a,)),))
    g.call_function(print, (a,))
    g.output(r)
    gm = fx.GraphModule(torch.nn.Module(), g)
    (m,) = find_matches(gm.graph, ("neg", ("neg", x)))
    replace_match(gm, m, x, rule_id="neg-neg")
    assert [n.op for n in gm.graph.nodes].count("call_function") == 1  # print stays


def test_errors_say_how_to_fix():
    gm = fx.symbolic_trace(Swish())
    (m,) = find_matches(gm.graph, ("mul", x, ("sigmoid", x)))
    with pytest.raises(ReplacementError, match="does not bind"):
        replace_match(gm, m, ("silu", y), rule_id="bad")
    with pytest.raises(ReplacementError, match="literal"):
        replace_match(gm, m, 0, rule_id="bad")


def test_instantiate_deep_term_without_recursion():
    g = fx.Graph()
    a = g.placeholder("a")
    t = x
    for _ in range(20_000):
        t = ("neg", t)
    out = instantiate(g, t, {x: a})
    assert out.op == "call_function" and len(g.nodes) == 20_001


def _node_state(graph):
    named = lambda a: fx.node.map_arg(a, lambda n: n.name)  # noqa: E731
    return [(n.name, n.op, n.target, named(n.args), named(dict(n.kwargs)), [u.name for u in n.users])
            for n in graph.nodes]


@pytest.mark.parametrize("target,args,kwargs", [
    (torch.add, "xy", {"alpha": 2}), (torch.relu, "x", {}), (torch.sum, "x", {"dim": 1, "keepdim": True}),
    (torch.mul, "x2", {}), (torch.ops.aten.silu.default, "x", {}),
])
def test_create_call_makes_the_node_call_function_makes(target, args, kwargs):
    from fxcore.edit.surgery import _create_call

    def build(create):
        g = fx.Graph()
        a, b_ = g.placeholder("a"), g.placeholder("b")
        operands = {"xy": (a, b_), "x": (a,), "x2": (a, 2.5)}[args]
        out = create(g, operands)
        g.output(out)
        g.lint()
        return g

    expected = build(lambda g, ops: g.call_function(target, ops, dict(kwargs)))
    name = fx.Graph()._target_to_str(target)
    got = build(lambda g, ops: _create_call(g, target, ops, dict(kwargs), name))
    assert _node_state(got) == _node_state(expected)
    twice = build(lambda g, ops: (_create_call(g, target, ops, dict(kwargs), name),
                                  _create_call(g, target, ops, dict(kwargs), name)))  # FX adds a suffix
    expected_twice = build(lambda g, ops: (g.call_function(target, ops, dict(kwargs)),
                                           g.call_function(target, ops, dict(kwargs))))
    assert _node_state(twice) == _node_state(expected_twice)


def test_create_call_runs_foreign_create_hooks_with_the_arguments_in_place():
    from fxcore.edit.surgery import _create_call
    gm = fx.symbolic_trace(lambda a: torch.relu(a))
    seen = []
    hook = lambda node: seen.append(node.args)  # noqa: E731  (reads the arguments: must see them)
    gm._register_create_node_hook(hook)
    a = next(iter(gm.graph.nodes))
    with gm.graph.inserting_after(a):
        _create_call(gm.graph, torch.neg, (a,), {}, "neg")
    gm._unregister_create_node_hook(hook)
    assert seen == [(a,)]


def test_create_call_keeps_fx_warning_for_raw_symbolic_arguments():
    from fxcore.edit.surgery import _PLAIN_ARGUMENT_TYPES
    assert torch.SymInt not in _PLAIN_ARGUMENT_TYPES and list not in _PLAIN_ARGUMENT_TYPES


def test_a_rewrite_says_which_users_it_rewired_and_which_nodes_lost_a_user():
    """What the driver revisits: the users now reading the new value, and the nodes that lost a user and live on."""
    def program(a):
        s = torch.sin(a)
        t = torch.neg(torch.neg(s))
        return torch.cos(t), torch.tanh(t), torch.exp(s)
    gm = fx.symbolic_trace(program)
    (m,) = find_matches(gm.graph, ("neg", ("neg", x)))
    sin, users = m.bindings[x], list(m.root.users)
    done = rewrite_match(gm, m, x, rule_id="neg-neg")
    assert done.values == (sin,) and done.new_nodes == [] and done.rewired == users
    assert done.survivors == [sin] and all(n._erased for n in m.nodes)  # sin lost the inner neg, still feeds exp


def test_a_reused_root_names_the_operands_it_no_longer_reads():
    """add(p, mul(q, r)) -> neg(q) in place: the root stops reading p, and the erased mul's operands lost it (q
    is read by the root now, but it lost the mul all the same): each one lives on, a survivor."""
    def program(a):
        p, q, r = torch.sin(a), torch.cos(a), torch.tanh(a)
        return torch.add(p, torch.mul(q, r)).exp() + p + q + r
    gm = fx.symbolic_trace(program)
    (m,) = find_matches(gm.graph, ("add", x, ("mul", y, var("z"))))
    p, q, r = m.bindings[x], m.bindings[y], m.bindings[var("z")]
    mul = m.root.args[1]
    done = rewrite_match(gm, m, ("neg", y), rule_id="keep-q", before_reuse=lambda node: None)
    assert done.new_nodes == [m.root] and m.root.args == (q,) and done.rewired == [] and mul._erased
    assert {p, q, r} <= set(done.survivors) and mul not in done.survivors


class _ReluReluNeg(torch.nn.Module):
    def forward(self, a):
        return torch.relu(torch.relu(a)).neg()


@pytest.mark.parametrize("how", FRONT_ENDS)
def test_inner_ops_only_spare_looking_for_a_matched_node_that_computes_the_replacement(how):
    """With the pattern's inner ops, ``relu(relu(x)) -> relu(x)`` still keeps the inner relu; a caller that says
    no inner node is of the replacement's op gets the replacement built."""
    from fxcore.match import compile_pattern

    pattern = ("relu", ("relu", var("x")))
    for inner_ops, kept in ((compile_pattern(pattern).inner_ops, True), ((), False)):
        gm = trace(_ReluReluNeg(), how)
        inner, root = [n for n in gm.graph.nodes if n.op == "call_function"][:2]
        m, = find_matches(gm.graph, pattern)
        done = rewrite_match(gm, m, ("relu", var("x")), rule_id="relu-relu", inner_ops=inner_ops)
        assert (done.values[0] is inner) is kept and (done.new_nodes == []) is kept
        assert root._erased
        gm.graph.lint()
