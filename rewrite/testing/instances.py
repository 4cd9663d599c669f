"""`rule_instances`: a GraphModule (with example inputs) that one rule rewrites, its guards satisfied.

An instance is the rule's left side with its literal variables drawn (dims that exist for the drawn rank,
permutations and their inverses, shapes of the same size, the constants of the pattern and guards), built
as a graph by `rewrite.check.term_graph.graph_of` over its tensor variables, with tensors drawn for them
(one shape, or shapes that broadcast with it; a drawn dtype). The graph returns a ``clone`` of the matched
root (so a rewrite to an input is not refused for making the output alias it), and every node carries
``meta['tensor_meta']`` from the drawn inputs (guards decide on it as on a ShapeProp'd graph). A draw is kept
only if the graph runs, the guards hold on the real tensors, and ``rewrite.apply(..., dry_run=True)`` reports
that the rule fires (the assumptions the rule declares granted); otherwise Hypothesis is told to draw again
(`hypothesis.assume`). Rules over operands of related shapes (a convolution's weight) need ``values=`` for
those variables, and folding rules ``attributes=`` for the weights a module holds.

>>> from hypothesis import given, settings
>>> from rewrite.lang import load
>>> rule = load('std:algebraic')['transpose-transpose']
>>> @settings(max_examples=5, database=None, deadline=None)
... @given(rule_instances(rule))
... def test(instance):
...     torch.testing.assert_close(instance.gm(*instance.inputs), instance.inputs[0])
>>> test()

See Also
--------
rewrite.testing.rule_terms.terms, rewrite.check.term_graph.graph_of
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.fx as fx
from hypothesis import assume, strategies as st
from hypothesis.errors import InvalidArgument
from torch.fx.passes.shape_prop import ShapeProp

from fxcore.ops import default_table
from fxcore.ops.model import Attr
from rewrite.check.term_graph import graph_of
from rewrite.engine import apply, report_of
from rewrite.lang import Rule, RuleSet
from rewrite.testing.graphs import DTYPES
from rewrite.testing.kinds import is_tensor_kind, op_terms, variable_kinds
from rewrite.testing.tensors import tensor_values
from rewrite.testing.rule_terms import literal_pools
from unify import reify

__all__ = ["rule_instances", "RuleInstance", "DEFAULT_DTYPES"]

DEFAULT_DTYPES = (torch.float32, torch.float64, torch.int64, torch.int32)


@dataclass(frozen=True)
class RuleInstance:
    """A graph ``gm`` that rule ``rule_id`` rewrites on ``inputs``; ``literals`` the literal variables' values."""

    rule_id: str
    gm: fx.GraphModule = field(repr=False)
    inputs: tuple = field(repr=False)
    literals: tuple = ()  # ((name, value), ...) in the pattern's variable order

    def __repr__(self) -> str:
        shapes = ", ".join(f"{x.dtype}{list(x.shape)}" for x in self.inputs if isinstance(x, torch.Tensor))
        lits = ", ".join(f"{k}={v!r}" for k, v in self.literals)
        return f"RuleInstance({self.rule_id!r}, inputs=[{shapes}]{', ' + lits if lits else ''})\n{self.gm.code}"


def _int_lists(draw, rank: int, shape: tuple, drawn: list, pool: tuple):
    """An ``int[]`` literal: a permutation, the inverse of one drawn before, a dim, a shape of the same size."""
    inverses = [tuple(sorted(range(len(p)), key=p.__getitem__)) for p in drawn
                if sorted(p) == list(range(len(p)))]
    numel = 1
    for n in shape:
        numel *= n
    choices = [st.permutations(range(rank)).map(tuple), st.integers(-max(rank, 1), max(rank - 1, 0)).map(
        lambda d: (d,)), st.sampled_from([shape, tuple(reversed(shape)), (-1,), (numel,), shape + (1,)])]
    choices += [st.sampled_from(v) for v in (drawn, inverses, pool) if v]
    return draw(st.one_of(choices))


def _literal(draw, kind: str, rank: int, shape: tuple, drawn: list, pools: dict):
    base = kind.rstrip("?")
    pool = pools.get(kind, ()) + pools.get(base, ())
    if "[" in base:
        value = _int_lists(draw, rank, shape, drawn, pools.get("int[]", ()))
        drawn.append(value)
        return value
    if base in ("int", "SymInt"):
        return draw(st.one_of([st.integers(-rank - 1, rank)] + ([st.sampled_from(pool)] if pool else [])))
    if base in ("float", "Scalar"):
        return draw(st.sampled_from(tuple(dict.fromkeys(pool + (0.0, 1.0, 0.5, 2.0, 1e-5)))))
    if base == "bool":
        return draw(st.booleans())
    return draw(st.sampled_from(pool + _ENUMS.get(base, ()) or (None,)))


_ENUMS = {"MemoryFormat": (torch.contiguous_format, torch.preserve_format, torch.channels_last),
          "ScalarType": (torch.float32, torch.float64, torch.int64)}


def _broadcast(draw, shape: tuple) -> tuple:
    if not draw(st.integers(0, 3)):  # mostly the same shape: rules over equal shapes are the common case
        ones = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
        return tuple(1 if one else n for one, n in zip(ones, shape))[draw(st.integers(0, len(shape))):]
    return shape


def _fires(rule: Rule, gm: fx.GraphModule, inputs: tuple) -> bool:
    ruleset = RuleSet(f"instance of {rule.id}", (rule,), assume=rule.assumes)
    try:
        apply(gm, ruleset, dry_run=True)
    except Exception:  # noqa: BLE001 (a rule that fails here does not rewrite this draw: draw another)
        return False
    return report_of(gm).fired(rule.id) > 0


@st.composite
def _instances(draw, rule, dtypes, values, max_rank, pools, attributes):
    kinds = variable_kinds(rule.pattern)
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=max_rank)))
    dtype = draw(st.sampled_from(dtypes))
    tensors, literals, drawn = {}, {}, []
    for v, kind in kinds.items():
        name = str(v.token)
        if name in values:
            value = draw(values[name])
        elif is_tensor_kind(kind):
            value = draw(tensor_values(shape if not tensors else _broadcast(draw, shape), dtype))
        else:
            value = _literal(draw, kind, len(shape), shape, drawn, pools)
        (tensors if isinstance(value, torch.Tensor) else literals)[v] = value
    held = {v: Attr(str(v.token)) for v in tensors if str(v.token) in attributes}
    gm = graph_of(("clone", reify(rule.pattern, {**literals, **held}), None),
                  tuple(v for v in tensors if v not in held), attrs={a.qualname: tensors[v] for v, a in held.items()})
    inputs = tuple(x for v, x in tensors.items() if v not in held)
    try:  # forward, not __call__: FX prints the traceback of a failing call to stderr
        result = gm.forward(*(x.clone() for x in inputs))
        ShapeProp(gm).propagate(*(x.clone() for x in inputs))  # meta for guards, as a ShapeProp'd graph has
    except Exception:  # noqa: BLE001 (the drawn left side does not run: draw another)
        result = None
    assume(result is not None)
    bindings = {**tensors, **literals}
    assume(rule.guard_value(bindings, result=result) is not False)
    assume(_fires(rule, gm, inputs))
    return RuleInstance(rule.id, gm, inputs, tuple((str(v.token), x) for v, x in literals.items()))


def rule_instances(rule: Rule, *, dtypes=None, values=None, max_rank: int = 3,
                   attributes=()) -> st.SearchStrategy[RuleInstance]:
    """A strategy of `RuleInstance` s: graphs with inputs on which ``rule`` fires, its guards holding.

    ``dtypes``: the tensors' dtypes to draw from (default float32, float64, int64, int32; the guards and the
    rule's firing keep those it takes). ``values``: ``{variable name: strategy}`` for variables whose values
    the defaults cannot find (related shapes, a literal only the rule knows). ``max_rank``: the largest rank
    drawn. ``attributes``: names of tensor variables the module holds (``get_attr`` nodes, as a traced model's
    parameters are) instead of taking them as inputs: folding rules fire only on those. Checked when built
    (`hypothesis.errors.InvalidArgument`).

    >>> from unify import var
    >>> x = var('x')
    >>> rule_instances(Rule('r', ('neg', ('neg', x)), x), values={'y': st.just(1)})
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: rule_instances(values=...): rule 'r' has no variable 'y'; its variables: x

    See Also
    --------
    RuleInstance, rewrite.testing.tensors.tensors_for
    """
    if not isinstance(rule, Rule):
        raise InvalidArgument(f"rule_instances(rule=...): expected a Rule, not {type(rule).__name__}; pick one "
                              f"from a rule set: rewrite.load('rules/mine.yaml')['my-rule']")
    table = default_table()
    unknown = [t[0] for t in op_terms(rule.pattern) if t[0] not in table]
    if unknown:
        raise InvalidArgument(f"rule_instances: rule {rule.id!r}'s pattern calls {unknown[0]!r}, which has no "
                              f"canonical op to build a graph with")
    dtypes = DEFAULT_DTYPES if dtypes is None else tuple(dtypes)
    if not dtypes or any(d not in DTYPES for d in dtypes):
        raise InvalidArgument(f"rule_instances(dtypes={dtypes!r}): choose among {', '.join(map(str, DTYPES))}")
    values = dict(values or {})
    attributes = (attributes,) if isinstance(attributes, str) else tuple(attributes)
    for name in attributes:
        if name not in rule.names:
            raise InvalidArgument(f"rule_instances(attributes=...): rule {rule.id!r} has no variable {name!r}; its "
                                  f"variables: {', '.join(rule.names)}")
    for name, strategy in sorted(values.items()):
        if name not in rule.names:
            raise InvalidArgument(f"rule_instances(values=...): rule {rule.id!r} has no variable {name!r}; its "
                                  f"variables: {', '.join(rule.names)}")
        if not isinstance(strategy, st.SearchStrategy):
            raise InvalidArgument(f"rule_instances(values=...): {name!r} must map to a strategy (st.just(...) "
                                  f"for one value), not {type(strategy).__name__}")
    if isinstance(max_rank, bool) or not isinstance(max_rank, int) or not 0 <= max_rank <= 6:
        raise InvalidArgument(f"rule_instances(max_rank={max_rank!r}): max_rank must be an int from 0 to 6")
    return _instances(rule, dtypes, values, max_rank, literal_pools([rule], table), attributes)
