"""Python rule sets: rules as traced functions or as terms built from an op namespace.

Two styles compile to the same :class:`~rewrite.lang.rule.Rule`:

* terms from the op namespace and ``unify`` variables:
  ``rule('silu', ops.mul(x, ops.sigmoid(x)), ops.silu(x))``; each call is
  normalized by the op table like a YAML pattern;
* functions traced like ``torch.fx.subgraph_rewriter.replace_pattern`` does:
  ``rule('silu', lambda x: x * torch.sigmoid(x), lambda x: F.silu(x))``; the
  placeholders become variables named after the parameters, each call becomes
  ``(canonical_op, *canonical operands)``.

With a term pattern, a plain callable replacement is a
:class:`~rewrite.lang.rule.Compute`: it receives the bindings as keyword arguments
and returns the replacement term (or None to decline).  A ``.py`` rule-set file
defines ``RULESET = ruleset('name', rule(...), ...)``.

>>> import torch
>>> from unify import var
>>> x = var('x')
>>> a = rule('silu', ops.mul(x, ops.sigmoid(x)), ops.silu(x))
>>> b = rule('silu', lambda x: x * torch.sigmoid(x), lambda x: torch.nn.functional.silu(x))
>>> a == b
True

See Also
--------
rewrite.lang.loader.load : loads ``.py`` rule-set files.
"""
from __future__ import annotations

import os
from typing import Callable

import torch
import torch.fx

from unify import var
from rewrite.errors import RuleValidationError, SourcePos
from rewrite.lang.assumptions import assumption_names
from rewrite.lang.facts import parse_facts
from rewrite.lang.example import Example, input_spec, named_inputs
from rewrite.lang.rule import Compute, Rule
from rewrite.lang.ruleset import RuleSet
from rewrite.lang.syntax import parse_term, table_normalizer

__all__ = ["ops", "OpNamespace", "rule", "ruleset", "example", "trace_term", "compute", "Compute"]

compute = Compute
_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep


class OpNamespace:
    """Builds normalized terms: ``ops.sum(x, dim=1)`` is ``('sum', x, (1,), False, None)``.

    >>> from unify import var
    >>> ops.sum(var('x'), dim=1)
    ('sum', ~x, (1,), False, None)

    See Also
    --------
    fxcore.ops.normalize_call
    """

    def __init__(self, table=None):
        self._table = table
        self._normalize = table_normalizer(table)

    def with_table(self, table) -> "OpNamespace":
        """A namespace over another op table (e.g. ``default_table().extended(...)``)."""
        return OpNamespace(table)

    def call(self, name: str, *args, **kwargs):
        """The term for op ``name`` on these arguments: for ops whose names are not attributes here
        (``ops.call('_native_batch_norm_legit_no_training', x, ...)``).

        >>> from unify import var
        >>> ops.call('neg', var('x'))
        ('neg', ~x)
        """
        return self._normalize(name, args, kwargs)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(f"{name!r}: names starting with '_' are not ops here; write ops.call({name!r}, ...)")
        normalize = self._normalize

        def build(*args, **kwargs):
            return normalize(name, args, kwargs)
        build.__name__ = build.__qualname__ = name
        return build

    def __repr__(self) -> str:
        return "ops" if self._table is None else f"OpNamespace({self._table!r})"


ops = OpNamespace()


def _code_pos(fn) -> SourcePos | None:
    code = getattr(fn, "__code__", None)
    return None if code is None else SourcePos(code.co_filename, code.co_firstlineno, 1)


def _node_term(node, env, table):
    from fxcore import ops as fxops
    if node.op == "get_attr":
        raise RuleValidationError(f"a traced pattern reads the attribute {node.target!r}",
                                  hint="pass it as a parameter of the function instead")
    operands = fxops.node_operands(node, table)
    return (fxops.canonical_op(node, table), *_map_nodes(operands, env))


def _map_nodes(value, env):
    """``value`` with each FX node replaced by its term in ``env`` (tuples/lists rebuilt)."""
    if isinstance(value, torch.fx.Node):
        return env[value]
    if isinstance(value, (tuple, list)):
        return type(value)(_map_nodes(v, env) for v in value)
    return value


def trace_term(fn: Callable, table=None):
    """The term a function computes, traced with ``torch.fx.symbolic_trace``.

    >>> trace_term(lambda x, d: x.sum(d, True))
    ('sum', ~x, ~d, True, None)

    See Also
    --------
    rule, fxcore.ops.node_operands
    """
    try:
        gm = torch.fx.symbolic_trace(fn)
    except Exception as exc:
        raise RuleValidationError(f"could not trace {getattr(fn, '__qualname__', fn)!r}: "
                                  f"{type(exc).__name__}: {exc}", pos=_code_pos(fn),
                                  hint="a rule function may only use its parameters and "
                                  "torch ops; pass tensors and modules in as parameters") from exc
    env: dict = {}
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            env[node] = var(node.target.lstrip("*"))
        elif node.op == "output":
            out = node.args[0]
            if isinstance(out, (tuple, list)):
                raise RuleValidationError("a traced rule function returns several values",
                                          hint="return one value; multi-output rules are not "
                                          "supported by the rule model yet")
            return _map_nodes(out, env)
        else:
            env[node] = _node_term(node, env, table)
    raise RuleValidationError("the traced function has no output")


def _term(value, table, what):
    if isinstance(value, str):
        return parse_term(value, normalizer=table_normalizer(table), what=what)
    return value


def _example(ex, table) -> Example:
    if isinstance(ex, Example):
        return ex
    if isinstance(ex, dict):
        return example(**ex, table=table)
    before, after = ex
    return Example(_term(before, table, "example"), _term(after, table, "example"))


def example(before=None, after=None, *, types=None, inputs=None, model=None, fires: int | None = None,
            front_ends=(), table=None) -> Example:
    """An embedded example for :func:`rule`: a term example, or a model snippet checked on real graphs.

    A term example: ``before`` normalizes to ``after`` (strings or terms); ``types`` are guard hints
    (``{"t": "float32[2,3]"}``); with ``inputs`` (``{"t": "float32[2,3]", "d": 1}``: a tensor type or a
    literal per variable of ``before``) it also runs as a graph on each front end. A model snippet:
    ``model`` (an ``nn.Module`` or a callable) with ``inputs`` (its positional arguments: tensors, or types
    such as ``"float32[2,3]"`` for the checker to draw); ``after`` optionally a term the rewritten graph must
    compute. ``fires``: how often the rule fires on each graph (None: at least once); ``front_ends``: some of
    ``symbolic_trace``, ``make_fx``, ``export``, ``export+run_decompositions`` (default: all).

    >>> import torch
    >>> ex = example(model=torch.nn.Sequential(torch.nn.ReLU(), torch.nn.ReLU()), inputs=("float32[2,3]",),
    ...              fires=1)
    >>> ex.on_graphs, ex.on_terms, ex.args
    (True, False, (TensorFacts(float32[2,3]),))
    >>> example("mul(t, 1)", "t", inputs={"t": "float32[2,3]"}).inputs
    (('t', TensorFacts(float32[2,3])),)

    See Also
    --------
    rule, rewrite.check.graph_examples.check_graph_examples
    """
    if model is not None:
        return _model_example(model, after, inputs, fires, front_ends, table)
    if before is None or after is None:
        raise RuleValidationError("an example needs before and after (a term example) or model= (a snippet)",
                                  hint='example("neg(neg(t))", "t") or example(model=MyBlock(), inputs=(...,))')
    before = _term(before, table, "example")
    return Example(before, _term(after, table, "example"),
                   tuple((k, parse_facts(v) if isinstance(v, str) else v) for k, v in (types or {}).items()),
                   named_inputs(before, inputs) if inputs is not None else (), front_ends, fires)


def _model_example(model, after, inputs, fires, front_ends, table) -> Example:
    if not callable(model):
        raise RuleValidationError(f"an example's model must be an nn.Module or a callable, not "
                                  f"{type(model).__name__}", hint="example(model=MyBlock().eval(), inputs=(...,))")
    if inputs is None or isinstance(inputs, (dict, str)) or not hasattr(inputs, "__iter__"):
        raise RuleValidationError("a model example needs inputs=(...): its positional arguments",
                                  pos=_code_pos(model), hint='inputs=("float32[2,3]",) or (torch.randn(2, 3),)')
    args = tuple(a if isinstance(a, torch.Tensor) else input_spec(a) for a in inputs)
    code = getattr(type(model), "forward", model) if isinstance(model, torch.nn.Module) else model
    pos = _code_pos(code)
    if pos is not None and pos.file.startswith(_TORCH_DIR):  # torch's own module (nn.Sequential): not the example's
        pos = None
    return Example(None, None if after is None else _term(after, table, "example"), (), (), front_ends, fires,
                   model, args, pos=pos)


def rule(id: str, pattern, replacement, *, when=(), priority: int = 0, description: str = "",
         examples=(), assumes=(), table=None) -> Rule:
    """Make a rule from terms, expression strings, or functions to trace.

    A function pattern is traced; then a function replacement is traced too.
    With a term pattern, a callable replacement is a :class:`Compute`.
    ``when`` is a guard (string or callable) or a tuple of guards; ``assumes`` names the assumptions
    (`rewrite.lang.assumptions`) the rule is exact only under.

    >>> from unify import var
    >>> rule('mul-one', 'mul(x, 1)', 'x', when='x.dtype.is_floating_point').guards[0].source
    'x.dtype.is_floating_point'

    See Also
    --------
    ruleset, rewrite.lang.rule.Rule
    """
    traced = callable(pattern) and not isinstance(pattern, tuple)
    pos = _code_pos(pattern) if traced else None
    pattern = trace_term(pattern, table) if traced else _term(pattern, table, "pattern")
    if traced and callable(replacement) and not isinstance(replacement, Compute):
        replacement = trace_term(replacement, table)
    else:
        replacement = _term(replacement, table, "replacement")
    guards = when if isinstance(when, (tuple, list)) else (when,)
    return Rule(id, pattern, replacement, tuple(guards), priority, description,
                tuple(_example(e, table) for e in examples), assumes, pos=pos)


def ruleset(name: str, *rules: Rule, include=(), disable=(), description: str = "", assume=()) -> RuleSet:
    """Make a rule set: included sets' rules first (RuleSets or names for ``rewrite.load``).

    >>> rs = ruleset('mine', rule('nn', 'neg(neg(x))', 'x'), include=[], disable=['nn'])
    >>> rs.ids(), len(rs)
    (('nn',), 0)

    See Also
    --------
    rule, rewrite.lang.loader.load
    """
    from rewrite.lang.loader import load
    base = RuleSet(name, (), description=description)
    parts = [load(i, warn=False) if not isinstance(i, RuleSet) else i for i in include]
    merged = base.merged(*parts, name=name) if parts else base
    flat = tuple(r for rs in rules for r in ((rs,) if isinstance(rs, Rule) else rs))
    return merged.extended(*flat).disable(*disable)._replace(
        includes=tuple(str(i) if not isinstance(i, RuleSet) else i.name for i in include),
        assume=assumption_names(assume))

