"""Numbers for a critical pair that is not joinable: do its two normal forms compute the same thing?

The overlap's variables get random tensors (float64 ``[2, 3]`` first, then ``[3]``, ``[]``, float32 and
int64 ``[2, 3]``); a variable in a non-tensor parameter (a dim, a shape, a flag) gets its schema default or
a value that fits.  Only inputs on which both rules' guards hold count (the pair cannot occur elsewhere),
evaluated on the real tensors.  The first configuration on which the overlap and both normal forms run
decides: ``'equal'`` (same shape, dtype and values, nan where nan) or ``'different'``; ``None`` when none
runs.  The witness module's code is printed so a user can paste it into a test.

>>> from unify import var
>>> x = var('x')
>>> found = compare_numerically(('neg', ('neg', x)), [x, ('mul', x, 1.0)], (x,))
>>> found.verdict, found.config
('equal', 'float64[2, 3]')

See Also
--------
rewrite.check.confluence, rewrite.check.term_graph.graph_of
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from fxcore.edit.surgery import instantiate
from fxcore.view.pattern import is_op_term
from unify import isvar
from rewrite.check.term_graph import graph_of
from rewrite.lang.facts import describe
from rewrite.lang.syntax import var_name

__all__ = ["NumericResult", "compare_numerically", "module_code", "CONFIGS"]

CONFIGS = ((torch.float64, (2, 3)), (torch.float64, (3,)), (torch.float64, ()),
           (torch.float32, (2, 3)), (torch.int64, (2, 3)))
_MAX_CHOICES = 12
_TENSOR = object()  # a variable that is an item of a tensor list
_TOLERANCES = {torch.float64: (1e-7, 1e-7), torch.float32: (1.3e-6, 1e-5), torch.float16: (1e-3, 1e-5),
               torch.bfloat16: (1.6e-2, 1e-5)}


@dataclass(frozen=True)
class NumericResult:
    """``verdict`` 'equal', 'different' or None; the configuration and inputs that decided it."""

    verdict: str | None
    config: str = ""
    inputs: tuple = ()
    detail: str = ""


def _param_types(term, table) -> dict:
    """Each variable's parameter type where it first occurs as an op argument (None if unknown)."""
    from fxcore import ops
    t = ops.default_table() if table in (None, False) else table
    found: dict = {}
    stack = [term]
    while stack:
        node = stack.pop()
        if not is_op_term(node):
            if type(node) in (tuple, list):
                stack.extend(node)
            continue
        params = t.op(node[0]).params if node[0] in t else ()
        for k, arg in enumerate(node[1:]):
            if isvar(arg) and arg not in found:
                found[arg] = params[k] if k < len(params) else None
            elif type(arg) in (tuple, list) and not is_op_term(arg):
                tensors = k < len(params) and params[k].type.startswith("Tensor")
                for item in arg:  # an item of a list: a tensor of Tensor[], else an int (a dim)
                    if isvar(item) and item not in found:
                        found[item] = _TENSOR if tensors else None
        stack.extend(reversed(node[1:]))
    return found


def _tensor(dtype, shape, gen):
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype, generator=gen)
    return torch.randint(-5, 6, shape, dtype=dtype, generator=gen)


def _choices(param, shape) -> list:
    """Candidate values for a variable in a parameter of type ``param.type`` (None: a tensor)."""
    if param is _TENSOR:
        return [None]
    kind = "int" if param is None else param.type.rstrip("?")
    rank = len(shape)
    if param is not None and kind.startswith("Tensor"):
        return [None]
    if param is not None and param.has_default and param.default is not None:
        return [param.default]
    if kind in ("int", "SymInt"):
        return list(range(rank)) or [0]
    if kind.startswith(("int[", "SymInt[")):
        return [list(reversed(range(rank))), [-1], list(shape)]
    if kind in ("float", "Scalar"):
        return [0.5, 2]
    if kind == "bool":
        return [False, True]
    return [None]


def _inputs(variables, types, dtype, shape, gen):
    """Candidate input tuples: tensors for tensor variables, each choice of the other variables' values."""
    options = [_choices(types.get(v), shape) for v in variables]
    for combo in itertools.islice(itertools.product(*options), _MAX_CHOICES):
        yield tuple(_tensor(dtype, shape, gen) if c is None else c for c in combo)


class _Evaluator:
    """Every term the comparison needs, as the outputs of one GraphModule (one FX codegen per pair)."""

    def __init__(self, overlap, normal_forms, variables, checks, table):
        terms = [overlap, *normal_forms]
        self.checks = []
        for rule, bindings, root in checks:
            names = tuple(bindings)
            self.checks.append((rule, names, len(terms), len(terms) + len(names)))
            terms += [bindings[v] for v in names] + [root]
        self.count = 1 + len(normal_forms)
        self.graph = torch.fx.Graph()
        self.inputs = [self.graph.placeholder(f"v{k}") for k in range(len(variables))]
        self.output = instantiate(self.graph, tuple(terms), dict(zip(variables, self.inputs)), table)

    def _interpret(self, inputs):
        """Run the graph's nodes in order (no Python code generated: one pair's graph runs a few times)."""
        env = dict(zip(self.inputs, inputs))
        load = lambda a: torch.fx.node.map_arg(a, env.__getitem__)  # noqa: E731
        for node in self.graph.nodes:
            if node.op == "call_function":
                env[node] = node.target(*load(node.args), **load(node.kwargs))
            elif node.op == "call_method":
                self_arg, *rest = load(node.args)
                env[node] = getattr(self_arg, node.target)(*rest, **load(node.kwargs))
            elif node.op != "placeholder":
                raise NotImplementedError(f"node kind {node.op}")
        return load(self.output)

    def run(self, inputs):
        """The normal forms' values, or None when some rule's guards do not hold; raises when a term does
        not run."""
        outs = self._interpret(inputs)
        for rule, names, start, root in self.checks:
            real = dict(zip(names, outs[start:root]))
            if rule.guard_value(real, describe, result=outs[root]) is not True:
                return None
        return outs[1:self.count]


def _same(a, b) -> bool:
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return type(a) is type(b) and a == b
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if not (a.dtype.is_floating_point or a.dtype.is_complex):
        return torch.equal(a, b)
    rtol, atol = _TOLERANCES.get(a.dtype, (1.3e-6, 1e-5))  # torch.testing.assert_close's defaults
    return bool(torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True).all())


def compare_numerically(overlap, normal_forms, variables=None, *, checks=(), seed: int = 0,
                        table=None) -> NumericResult:
    """Compare ``normal_forms`` on random inputs where the overlap runs and the ``checks`` hold.

    ``checks``: ``(rule, {variable: term}, matched root term)`` per rule whose guards must hold.

    >>> from unify import var
    >>> x = var('x')
    >>> compare_numerically(('add', x, 0, 1), [x, ('neg', x)]).verdict
    'different'

    See Also
    --------
    module_code
    """
    variables = tuple(variables) if variables is not None else _variables_of(overlap)
    types = _param_types(overlap, table)
    gen = torch.Generator().manual_seed(seed)
    try:
        evaluator = _Evaluator(overlap, normal_forms, variables, checks, table)
    except Exception as exc:  # an op the emitter cannot build
        return NumericResult(None, detail=f"the terms cannot be built as a graph: {type(exc).__name__}: {exc}")
    for dtype, shape in CONFIGS:
        for inputs in _inputs(variables, types, dtype, shape, gen):
            try:
                outs = evaluator.run(inputs)
            except Exception:  # this configuration does not run: try the next
                continue
            if outs is None:  # the rules' guards do not hold on these inputs
                continue
            config = f"{str(dtype).replace('torch.', '')}{list(shape)}"
            if all(_same(outs[0], o) for o in outs[1:]):
                return NumericResult("equal", config, inputs)
            return NumericResult("different", config, inputs, _difference(outs))
    return NumericResult(None, detail="no input configuration runs both normal forms")


def _difference(outs) -> str:
    a, b = outs[0], outs[1]
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"{a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}"
        return f"max abs difference {(a.double() - b.double()).abs().nan_to_num(float('inf')).max().item():.3g}"
    return f"{a!r} vs {b!r}"


def _variables_of(term) -> tuple:
    from rewrite.check.term_graph import term_variables
    return term_variables(term)


def _literal_code(value) -> str:
    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype)
        if not value.dtype.is_floating_point:
            return f"torch.randint(-5, 6, {tuple(value.shape)}, dtype={dtype})"
        return f"torch.randn({tuple(value.shape)}, dtype={dtype})"
    return repr(value)


def module_code(overlap, variables=None, inputs=(), *, name: str = "Overlap", comment: str = "",
                table=None) -> str:
    """Python source of a module computing ``overlap``, traced by FX, with example inputs: paste it in a test.

    >>> from unify import var
    >>> code = module_code(('neg', ('neg', var('x'))))
    >>> scope = {}
    >>> exec(code, scope)  # a test may run it; the library never does
    >>> scope['gm'](*scope['example_inputs']).shape
    torch.Size([2, 3])

    See Also
    --------
    compare_numerically
    """
    variables = tuple(variables) if variables is not None else _variables_of(overlap)
    gm = graph_of(overlap, variables, table=table)
    body = "\n".join("    " + line if line.strip() else "" for line in gm.code.strip().splitlines())
    if not inputs:
        inputs = tuple(torch.randn(2, 3, dtype=torch.float64) for _ in variables)
    names = ", ".join(var_name(v) for v in variables)
    lines = ["import math", "import operator", "", "import torch", "import torch.fx", "", "",
             f"class {name}(torch.nn.Module):"]
    if comment:
        lines.append(f'    """{comment}"""')
        lines.append("")
    lines += [body, "", "", f"gm = torch.fx.symbolic_trace({name}())",
              f"example_inputs = ({''.join(_literal_code(v) + ', ' for v in inputs)})  # {names}", ""]
    return "\n".join(lines)
