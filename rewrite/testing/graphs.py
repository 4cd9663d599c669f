"""`fx_graphs`: random well-formed, runnable GraphModules over canonical ops, optionally writing in place.

A graph is drawn as a program: placeholders of one drawn shape or shapes that broadcast with it (each of a
drawn dtype), then calls of the chosen ops on earlier values. Every call is run on meta tensors as it is
drawn and kept only if it runs, so shapes stay consistent whatever the ops (a permutation of the right
length, dims that exist, a shape of the same size, operands that broadcast). In-place ops (``add_``,
``mul_``, ``setitem``) only write values the graph made itself (fresh storage, or views of it), never an
input. The outputs are the values nothing else reads. Every node carries ``meta['tensor_meta']`` (as
torch's ``ShapeProp`` gives), so guards can read shapes and dtypes and `tensors_for` can draw inputs.

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, database=None)
... @given(fx_graphs(ops=['neg', 'add_'], inplace=True))
... def test(gm):
...     gm.graph.lint()
>>> test()
>>> fx_graphs(ops=['relux'])
Traceback (most recent call last):
...
hypothesis.errors.InvalidArgument: fx_graphs(ops=...): 'relux' is not an op ... Did you mean 'relu'? It draws: abs, ...

See Also
--------
rewrite.testing.graph_ops : the ops and how their operands are drawn.
rewrite.testing.tensors.tensors_for : inputs for a drawn graph.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
import torch.fx as fx
from hypothesis import assume, strategies as st
from hypothesis.errors import InvalidArgument
from torch.fx.passes.shape_prop import ShapeProp

from fxcore.edit.surgery import instantiate
from fxcore.ops import default_table
from fxcore.ops.model import did_you_mean
from rewrite.testing.graph_ops import DEFAULT_OPS, GRAPH_OPS, INPLACE_OPS, Other, full_operands

__all__ = ["fx_graphs", "DTYPES"]

DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.bool)


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(f"fx_graphs({name}={value!r}): {name} must be an int >= {low}")


def _checked_ops(ops, inplace: bool) -> tuple:
    if ops is None:
        return DEFAULT_OPS + (INPLACE_OPS if inplace else ())
    if isinstance(ops, str) or not all(isinstance(o, str) for o in ops):
        raise InvalidArgument(f"fx_graphs(ops={ops!r}): ops must be a list of canonical op names such as "
                              f"['neg', 'add', 'transpose']")
    ops = tuple(dict.fromkeys(ops))
    if not ops:
        raise InvalidArgument("fx_graphs(ops=[]): give at least one op, e.g. ops=['neg', 'add']")
    for name in ops:
        if name not in GRAPH_OPS:
            raise InvalidArgument(f"fx_graphs(ops=...): {name!r} is not an op fx_graphs can draw."
                                  f"{did_you_mean(name, GRAPH_OPS)} It draws: {', '.join(GRAPH_OPS)}")
    writes = [name for name in ops if GRAPH_OPS[name].writes]
    if writes and not inplace:
        raise InvalidArgument(f"fx_graphs(ops=...) names the in-place op {writes[0]!r}: pass inplace=True to "
                              f"draw graphs that write in place")
    if inplace and not writes:
        ops += INPLACE_OPS
    if all(GRAPH_OPS[name].writes for name in ops):
        raise InvalidArgument(f"fx_graphs(ops={list(ops)!r}): in-place ops only write values the graph made; "
                              f"add an op that makes one, e.g. 'neg' or 'add'")
    return ops


def _checked_dtypes(dtypes) -> tuple:
    if dtypes is None:
        return (torch.float32,)
    if isinstance(dtypes, torch.dtype):
        dtypes = (dtypes,)
    dtypes = tuple(dict.fromkeys(dtypes))
    bad = [d for d in dtypes if d not in DTYPES]
    if not dtypes or bad:
        raise InvalidArgument(f"fx_graphs(dtypes={dtypes!r}): "
                              f"{'give at least one dtype' if not bad else f'{bad[0]!r} is not supported'}; "
                              f"choose among {', '.join(str(d) for d in DTYPES)}")
    return dtypes


def fx_graphs(ops=None, dtypes=None, max_nodes: int = 8, *, min_nodes: int = 1, max_inputs: int = 2,
              inplace: bool = False, spellings: bool = True) -> st.SearchStrategy[fx.GraphModule]:
    """A strategy of random runnable ``GraphModule`` s calling ``ops`` (canonical names) on ``dtypes`` tensors.

    ``min_nodes``/``max_nodes`` bound the calls drawn (a call that cannot run on its operands is replaced by
    another op, or skipped); ``max_inputs`` bounds the placeholders. ``inplace=True`` mixes in writes
    (``add_``, ``mul_``, ``setitem``, or those of them ``ops`` names) on values the graph made.
    ``spellings=True`` spells calls as traced code does, at random (``torch.neg(x)``, ``x.neg()``, ``-x``;
    ``torch.add(a, b)``, ``a + b``), each checked to mean the same canonical op on the same operands. Arguments
    are checked when the strategy is built (`hypothesis.errors.InvalidArgument`); graphs are drawn lazily.

    >>> fx_graphs(max_nodes=0)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: fx_graphs(max_nodes=0): max_nodes must be >= min_nodes (1)

    See Also
    --------
    rewrite.testing.tensors.tensors_for, rewrite.testing.graph_ops.GRAPH_OPS
    """
    for flag, value in (("inplace", inplace), ("spellings", spellings)):
        if not isinstance(value, bool):
            raise InvalidArgument(f"fx_graphs({flag}={value!r}): {flag} must be True or False")
    ops = _checked_ops(ops, inplace)
    dtypes = _checked_dtypes(dtypes)
    _check_int("min_nodes", min_nodes, 1)
    _check_int("max_inputs", max_inputs, 1)
    _check_int("max_nodes", max_nodes, 0)
    if max_nodes < min_nodes:
        raise InvalidArgument(f"fx_graphs(max_nodes={max_nodes}): max_nodes must be >= min_nodes ({min_nodes})")
    return _graphs(ops, dtypes, min_nodes, max_nodes, max_inputs, spellings)


@dataclass(eq=False)
class _Value:
    node: fx.Node
    meta: torch.Tensor  # on the meta device: the value's shape and dtype (and, for writes, its storage)
    owned: bool  # the graph made its storage (writing it cannot reach the caller's inputs)


def _broadcastable(shape: tuple) -> st.SearchStrategy[tuple]:
    """Shapes that broadcast with ``shape``: some of its dims set to 1, a prefix of them dropped."""
    ones = st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))
    return st.tuples(ones, st.integers(0, len(shape))).map(
        lambda d: tuple(1 if one else n for one, n in zip(d[0], shape))[d[1]:])


def _emit(graph: fx.Graph, op, operands: tuple, values: list, table):
    """The node for ``op`` on ``operands`` and its meta result, or None if the call does not run on meta."""
    nodes = tuple(values[o.index].node if isinstance(o, Other) else o for o in operands)
    node = instantiate(graph, (op.name, *full_operands(op.name, nodes, table)), {}, table)
    metas = {v.node: v.meta for v in values}
    try:
        result = node.target(*fx.node.map_arg(node.args, metas.__getitem__),
                             **fx.node.map_arg(node.kwargs, metas.__getitem__))
    except Exception:  # noqa: BLE001 (any op error: this call does not run; draw another)
        graph.erase_node(node)
        return None
    return node, result


_OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
              "neg": operator.neg}


def _respelled(draw, graph: fx.Graph, node: fx.Node, name: str, table) -> fx.Node:
    """``node``, or the same call as a user's trace may spell it (``x.neg()``, ``a + b``), if it means the same:
    the same canonical op on the same operands."""
    spellings = [None]
    if hasattr(torch.Tensor, name):
        spellings.append(lambda: graph.call_method(name, node.args, dict(node.kwargs)))
    if name in _OPERATORS:
        spellings.append(lambda: graph.call_function(_OPERATORS[name], node.args[:2 if name != "neg" else 1]))
    spell = draw(st.sampled_from(spellings))
    if spell is None:
        return node
    alt = spell()
    if table.canonical_op(alt) == name and table.node_operands(alt) == table.node_operands(node):
        graph.erase_node(node)
        return alt
    graph.erase_node(alt)
    return node


def _step(draw, graph: fx.Graph, ops: tuple, values: list, table, spellings: bool) -> bool:
    """Draw one call (an op, its first operand, the rest) that runs and add it; False if none would.

    A write takes its first operand among the values the graph made; a drawn call that does not run is
    replaced by the next op (in the order of ``ops``).
    """
    start = draw(st.integers(0, len(ops) - 1))
    for k in range(len(ops)):
        op = GRAPH_OPS[ops[(start + k) % len(ops)]]
        candidates = [i for i, v in enumerate(values) if v.owned or not op.writes]
        if not candidates:
            continue
        index = draw(st.sampled_from(candidates))
        others = [(i, v.meta) for i, v in enumerate(values)]
        made = _emit(graph, op, (Other(index),) + op.rest(draw, values[index].meta, others), values, table)
        if made is None:
            continue
        node, result = made
        if spellings and not op.writes:
            node = _respelled(draw, graph, node, op.name, table)
        if isinstance(result, torch.Tensor):
            values.append(_Value(node, result, op.fresh or values[index].owned))
        return True
    return False


@st.composite
def _graphs(draw, ops, dtypes, min_nodes, max_nodes, max_inputs, spellings):
    table = default_table()
    base = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    graph = fx.Graph()
    values = []
    for i in range(draw(st.integers(1, max_inputs))):
        shape = draw(_broadcastable(base)) if i else base
        meta = torch.empty(shape, dtype=draw(st.sampled_from(dtypes)), device="meta")
        values.append(_Value(graph.placeholder(f"x{i}"), meta, owned=False))
    n_inputs = len(values)
    steps = draw(st.integers(min_nodes, max_nodes))
    made = sum(_step(draw, graph, ops, values, table, spellings) for _ in range(steps))
    assume(made >= min_nodes and len(values) > n_inputs)
    leaves = [v.node for v in values[n_inputs:] if not v.node.users]
    graph.output(leaves[0] if len(leaves) == 1 else tuple(leaves))
    gm = fx.GraphModule(torch.nn.Module(), graph)
    gm.graph.lint()
    ShapeProp(gm).propagate(*(torch.empty(v.meta.shape, dtype=v.meta.dtype, device="meta")
                              for v in values[:n_inputs]))
    return gm

