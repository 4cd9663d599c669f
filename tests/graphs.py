"""A shared vocabulary of small FX graphs and models for tests (and a Hypothesis strategy for random graphs).

>>> gm = trace(Swish(), 'symbolic_trace')
>>> [n.op for n in gm.graph.nodes]
['placeholder', 'call_function', 'call_function', 'output']

See Also
--------
tests.fxcore.match.test_compiled, tests.fxcore.match.test_matcher_utils
"""
from __future__ import annotations

import operator

import torch
import torch.fx as fx
from torch.fx.experimental.proxy_tensor import make_fx

__all__ = ["Swish", "LinearRelu", "SumKeepdim", "Diamond", "FRONT_ENDS", "trace", "all_front_ends",
           "nodes_named", "node", "chain", "swish_chain", "random_graph_strategy", "UNARY", "BINARY"]


class Swish(torch.nn.Module):
    """``x * sigmoid(x)``: the canonical non-linear-variable example."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class LinearRelu(torch.nn.Module):
    """``relu(linear(x))`` through an ``nn.Linear`` module."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.fc(x))


class SumKeepdim(torch.nn.Module):
    """The same reduction spelled three ways (positional, keyword, method)."""

    def forward(self, x):
        return torch.sum(x, dim=1, keepdim=True) + x.sum(1, True) + torch.sum(x, 1, True)


class Diamond(torch.nn.Module):
    """``relu(x)`` used twice: an inner node with two users."""

    def forward(self, x):
        r = torch.relu(x)
        return torch.neg(r) + r


FRONT_ENDS = ("symbolic_trace", "make_fx", "export")


def trace(model: torch.nn.Module, front_end: str, example=(torch.randn(2, 4),)) -> fx.GraphModule:
    """Trace ``model`` with one of ``FRONT_ENDS``."""
    if front_end == "symbolic_trace":
        return fx.symbolic_trace(model)
    if front_end == "make_fx":
        return make_fx(model)(*example)
    if front_end == "export":
        return torch.export.export(model, example).module()
    raise ValueError(f"unknown front end {front_end!r}; use one of {FRONT_ENDS}")


def all_front_ends(model: torch.nn.Module, example=(torch.randn(2, 4),)) -> dict[str, fx.GraphModule]:
    """``{front end: traced module}`` for every front end."""
    return {fe: trace(model, fe, example) for fe in FRONT_ENDS}


def nodes_named(graph: fx.Graph) -> dict[str, fx.Node]:
    return {n.name: n for n in graph.nodes}


def node(graph: fx.Graph, name: str) -> fx.Node:
    return nodes_named(graph)[name]


UNARY = (torch.relu, torch.neg, torch.sigmoid, torch.tanh)
BINARY = (torch.add, torch.mul, operator.sub)


def chain(n: int, ops=(torch.relu, torch.neg)) -> fx.GraphModule:
    """A straight chain of ``n`` unary calls cycling through ``ops`` (deep-graph tests)."""
    g = fx.Graph()
    x = g.placeholder("x")
    for i in range(n):
        x = g.call_function(ops[i % len(ops)], (x,))
    g.output(x)
    return fx.GraphModule(torch.nn.Module(), g)


def swish_chain(n_nodes: int) -> fx.GraphModule:
    """``x = x * sigmoid(x)`` repeated (as symbolic_trace spells it): one swish match every two nodes."""
    g = fx.Graph()
    x = g.placeholder("x")
    for _ in range(n_nodes // 2):
        x = g.call_function(operator.mul, (x, g.call_function(torch.sigmoid, (x,))))
    g.output(x)
    return fx.GraphModule(torch.nn.Module(), g)


def random_graph_strategy(max_nodes: int = 12, n_inputs: int = 2, unary=UNARY, binary=BINARY):
    """A Hypothesis strategy of random well-formed graphs (``GraphModule``) over the given ops.

    Every op takes its operands among earlier values; literals appear as second operands of binary ops.
    """
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        g = fx.Graph()
        values = [g.placeholder(f"x{i}") for i in range(n_inputs)]
        for _ in range(draw(st.integers(1, max_nodes))):
            pick = st.integers(0, len(values) - 1)
            if draw(st.booleans()):
                values.append(g.call_function(draw(st.sampled_from(unary)), (values[draw(pick)],)))
            else:
                other = draw(st.one_of(pick.map(lambda i: values[i]), st.sampled_from([1, 2, 1.0])))
                values.append(g.call_function(draw(st.sampled_from(binary)), (values[draw(pick)], other)))
        g.output(values[-1])
        g.eliminate_dead_code()
        return fx.GraphModule(torch.nn.Module(), g)

    return build()
