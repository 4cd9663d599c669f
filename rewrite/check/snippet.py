"""An embedded example as a runnable snippet: a module, its inputs, the term it must become, and its graphs.

A term example with ``inputs`` becomes the module :func:`~rewrite.check.term_graph.graph_of` builds for its
``before`` term (torch calls, one input per tensor variable; literal inputs are written into the term). When
``after`` is one of the inputs itself, that input is cloned first: a rewrite whose result would be the
caller's own tensor is refused by apply (the output would alias an input), while inside a model the value
is an intermediate. A Python ``model`` snippet is used as written (a callable is wrapped as a module, which
``torch.export`` needs). Inputs are drawn from a seeded generator, the same values on every call, so eager
and each front end see equal data.

`trace` runs one front end of `FRONT_ENDS` on a snippet; `op_sequence` is a graph's canonical op sequence,
what the structure of a rewritten graph is compared by (spellings and names do not matter).

>>> from unify import var
>>> from rewrite.lang.example import Example, input_spec
>>> t = var('t')
>>> s = snippet_of(Example(('mul', t, 1), t, inputs=(('t', input_spec('float32[2,3]')),)))
>>> s.after, op_sequence(s.module), s.note
(('clone', ~t, None), ('clone', 'mul'), "t is cloned first (the result of the snippet is t, which a whole graph may not return as is: it would be the caller's own tensor)")
>>> x, = s.make_inputs()
>>> x.shape, bool((s.make_inputs()[0] == x).all())
(torch.Size([2, 3]), True)
>>> op_sequence(trace("make_fx", s.module, s.make_inputs()))
('clone', 'mul')

See Also
--------
rewrite.check.graph_examples : checks a rule set on these graphs.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import warnings
from dataclasses import dataclass
from typing import Callable

import torch
import torch.fx as fx

from fxcore.ops import canonical_op
from rewrite.check.term_graph import graph_of, term_variables
from rewrite.lang.example import FRONT_ENDS, Example
from rewrite.lang.facts import TensorFacts
from rewrite.lang.rule import substitute
from rewrite.lang.syntax import table_normalizer, var_name
from unify import isvar

__all__ = ["Snippet", "snippet_of", "tensor_of", "trace", "op_sequence", "FRONT_ENDS"]


@dataclass(frozen=True)
class Snippet:
    """A runnable example: ``module``; ``make_inputs()`` gives fresh, equal inputs on every call; ``after`` is
    the term the rewritten graph must compute (over ``variables``, its inputs in order), or None."""

    module: torch.nn.Module
    make_inputs: Callable[[], tuple]
    after: object = None
    variables: tuple = ()
    note: str = ""


class _Call(torch.nn.Module):
    """A callable as a module (``torch.export`` traces modules only)."""

    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def tensor_of(facts: TensorFacts, generator: torch.Generator) -> torch.Tensor:
    """A tensor of ``facts``' dtype and shape with values drawn from ``generator``: normal floats, small
    integers (-4..4; 0..8 for unsigned), random booleans.

    >>> g = torch.Generator().manual_seed(0)
    >>> tensor_of(TensorFacts((2,), torch.int64), g).dtype, tensor_of(TensorFacts((), torch.bool), g).shape
    (torch.int64, torch.Size([]))
    """
    shape, dtype = tuple(facts.shape), facts.dtype
    if dtype.is_floating_point or dtype.is_complex:
        return torch.randn(shape, generator=generator, dtype=dtype)
    if dtype is torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    low = 0 if dtype in (torch.uint8, torch.uint16, torch.uint32, torch.uint64) else -4
    return torch.randint(low, low + 9, shape, generator=generator).to(dtype)


def _drawer(specs: tuple, seed: int) -> Callable[[], tuple]:
    """A function returning fresh inputs: tensors of the TensorFacts drawn anew from ``seed``, tensors given
    as values cloned, other values as they are."""
    def make() -> tuple:
        generator = torch.Generator().manual_seed(seed)
        return tuple(tensor_of(s, generator) if isinstance(s, TensorFacts)
                     else s.clone() if isinstance(s, torch.Tensor) else s for s in specs)
    return make


def snippet_of(example: Example, *, table=None, seed: int = 0) -> Snippet:
    """The snippet an example runs as on graphs (it must have ``inputs`` or a ``model``).

    See Also
    --------
    Snippet, rewrite.lang.example.Example
    """
    if example.model is not None:
        model = example.model
        module = model if isinstance(model, torch.nn.Module) else _Call(model)
        after = example.after
        return Snippet(module, _drawer(example.args, seed), after,
                       term_variables(after) if after is not None else ())
    if not example.inputs:
        raise ValueError("the example has no inputs: it runs on terms only; give inputs: {t: \"float32[2,3]\"}")
    literals = {v: value for v in term_variables(example.before) for name, value in example.inputs
                if var_name(v) == name and not isinstance(value, TensorFacts)}
    before, after = substitute(example.before, literals), substitute(example.after, literals)
    tensors = tuple(v for v in term_variables(before) if v not in literals)
    note = ""
    if isvar(after) and after in tensors:  # the result is an input as is: clone it, as a model's value would be
        cloned = table_normalizer(table)("clone", (after,), {})
        before, after = substitute(before, {after: cloned}), cloned
        note = (f"{var_name(cloned[1])} is cloned first (the result of the snippet is {var_name(cloned[1])}, which a "
                "whole graph may not return as is: it would be the caller's own tensor)")
    specs = dict(example.inputs)
    module = graph_of(before, tensors, table=table)
    return Snippet(module, _drawer(tuple(specs[var_name(v)] for v in tensors), seed), after, tensors, note)


def trace(front_end: str, module: torch.nn.Module, inputs: tuple, *, exported: dict | None = None) -> fx.GraphModule:
    """The GraphModule ``front_end`` (one of `FRONT_ENDS`) makes of ``module`` on ``inputs``; torch's own errors
    propagate. ``exported`` caches the ``torch.export`` program between ``export`` and
    ``export+run_decompositions`` (pass the same dict for the same module and inputs).

    >>> gm = trace("export+run_decompositions", torch.nn.SiLU(), (torch.ones(2),))
    >>> op_sequence(gm)  # core ATen has no silu
    ('sigmoid', 'mul')
    """
    if front_end not in FRONT_ENDS:
        raise ValueError(f"unknown front end {front_end!r}; use one of {', '.join(FRONT_ENDS)}")
    with warnings.catch_warnings(), _torch_logs_quiet():
        warnings.simplefilter("ignore")  # torch's own deprecation notes about its export internals
        traced = module.fn if isinstance(module, _Call) else module  # (a function keeps its own signature)
        if front_end == "symbolic_trace":
            return fx.symbolic_trace(traced)
        if front_end == "make_fx":
            from torch.fx.experimental.proxy_tensor import make_fx
            return make_fx(traced)(*inputs)
        cache = {} if exported is None else exported
        if "program" not in cache:
            with contextlib.redirect_stderr(io.StringIO()):  # where export prints a half-traced graph it gave up on
                cache["program"] = torch.export.export(module, tuple(inputs))
        program = cache["program"]
        return (program if front_end == "export" else program.run_decompositions(_core_aten())).module()


@contextlib.contextmanager
def _torch_logs_quiet():
    """Torch's log records below ERROR held back while a front end traces: a snippet export cannot trace makes
    torch log the half-traced graph, and the reason is already in the result."""
    loggers = [logging.getLogger(name) for name in ("torch", "torch.fx.experimental.symbolic_shapes",
                                                    "torch._dynamo", "torch.export", "torch._export")]
    filters = [_BelowError() for _ in loggers]
    for logger, f in zip(loggers, filters):
        logger.addFilter(f)
    try:
        yield
    finally:
        for logger, f in zip(loggers, filters):
            logger.removeFilter(f)


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@functools.cache
def _core_aten() -> dict:
    """torch.export's default (core ATen) decomposition table, materialized once: ``run_decompositions()``
    builds it anew on every call."""
    return dict(torch.export.default_decompositions().materialize())


def op_sequence(gm: torch.nn.Module, table=None) -> tuple:
    """The canonical ops of the calls a graph runs, in graph order: calls the output depends on, and calls with
    effects (writes) and what they read; dead calls and export's guard-checking call are left out.

    >>> op_sequence(fx.symbolic_trace(lambda x: (torch.relu(x), torch.exp(x))[0].neg() + 1))
    ('relu', 'neg', 'add')
    """
    graph = gm.graph if isinstance(gm, fx.GraphModule) else fx.symbolic_trace(gm).graph
    live = _live(graph)
    return tuple(_op_name(canonical_op(n, table)) for n in graph.nodes
                 if n in live and n.op.startswith("call_") and not (n.op == "call_module" and n.target == "_guards_fn"))


def _live(graph: fx.Graph) -> set:
    """The nodes the output or an impure call (a write) reads, transitively, and those calls themselves."""
    roots = [n for n in graph.nodes if n.op == "output" or (n.op.startswith("call_") and _impure(n))]
    live: set = set()
    while roots:
        node = roots.pop()
        if node not in live:
            live.add(node)
            roots.extend(node.all_input_nodes)
    return live


def _impure(node: fx.Node) -> bool:
    try:
        return node.is_impure()
    except Exception:  # a call_module whose target is gone, or a target torch cannot classify: keep it
        return True


def _op_name(op) -> str:
    return op if isinstance(op, str) else getattr(op, "__name__", str(op))
