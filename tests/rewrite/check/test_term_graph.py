"""graph_of builds the term as torch computes it, for any nesting and variable order."""
import torch
from hypothesis import given, settings, strategies as st

from rewrite.check.term_graph import graph_of, term_variables
from unify import var

X, Y = var("x"), var("y")
UNARY = {"neg": torch.neg, "relu": torch.relu, "sigmoid": torch.sigmoid, "abs": torch.abs}
BINARY = {"add": torch.add, "mul": torch.mul, "sub": torch.sub}


@st.composite
def term_and_eager(draw, depth=4):
    if depth == 0 or draw(st.booleans()):
        leaf = draw(st.sampled_from([X, Y, 2.0]))
        return leaf, (lambda env, leaf=leaf: env[leaf] if leaf in env else leaf)
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(UNARY)))
        (t, f) = draw(term_and_eager(depth - 1))
        if not term_variables(t):
            t, f = X, (lambda env: env[X])
        return (name, t), (lambda env, f=f, name=name: UNARY[name](f(env)))
    name = draw(st.sampled_from(sorted(BINARY)))
    (a, fa), (b, fb) = draw(term_and_eager(depth - 1)), draw(term_and_eager(depth - 1))
    if not term_variables(a):
        a, fa = Y, (lambda env: env[Y])
    return (name, a, b), (lambda env, fa=fa, fb=fb, name=name: BINARY[name](fa(env), fb(env)))


@settings(max_examples=60, deadline=None)
@given(term_and_eager(), st.booleans())
def test_graph_of_computes_the_term(pair, swap):
    term, eager = pair
    order = (Y, X) if swap else (X, Y)
    gm = graph_of(term, variables=order)
    env = {X: torch.randn(3), Y: torch.randn(3)}
    torch.testing.assert_close(gm(*(env[v] for v in order)), eager(env))
    assert [n.target for n in gm.graph.nodes if n.op == "placeholder"] == [str(v)[1:] for v in order]


def test_term_variables_of_a_deep_term():
    t = X
    for _ in range(100_000):
        t = ("neg", t)
    assert term_variables(("add", t, Y)) == (X, Y)


def test_attr_leaves_read_module_buffers():
    from fxcore.ops.model import Attr
    gm = graph_of(("add", X, Attr("blk.w")), attrs={"blk.w": torch.ones(2)})
    torch.testing.assert_close(gm(torch.zeros(2)), torch.ones(2))
