"""Hypothesis strategies for a rule's inputs: tensors across dtypes, shapes, layouts and special values, and the
literal values its variables take.

A drawn `Case` instantiates the rule's pattern: tensor variables become the module's inputs (or, for a
Python-computed replacement, which folds parameters, module buffers after the first), literal variables are
substituted, and numeric literals of the pattern may take another type of the same value (a pattern's ``1``
matches a graph's ``1.0`` and ``True``). The simplest draws are the pattern's `skeletons` (every size 2 or the
drawn size), so shrinking ends at small, valid inputs; otherwise ranks 0-4, broadcastable sizes (1s),
other dtypes per variable, non-contiguous layouts (transposed, strided, expanded), and elements mixing
ordinary values with ±0.0, ±inf, nan, subnormals and integer extremes.

>>> from hypothesis import given, settings
>>> from unify import var
>>> x = var('x')
>>> from rewrite.check.operands import operand_kinds, skeletons
>>> kinds = operand_kinds(('neg', x)); sk = skeletons(('neg', x), kinds)
>>> seen = []
>>> @settings(max_examples=5, database=None)
... @given(cases(('neg', x), kinds, sk))
... def collect(case):
...     seen.append(case)
>>> collect()
>>> all(isinstance(c.inputs[0], torch.Tensor) for c in seen)
True

See Also
--------
rewrite.check.operands : variable kinds and the skeleton; rewrite.check.soundness : what runs the cases.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch
from hypothesis import strategies as st

from fxcore.ops import default_table
from fxcore.ops.model import Attr
from fxcore.view.pattern import is_op_term
from rewrite.check.operands import SIZE, Kind, derived_candidates, literal_candidates, runs
from rewrite.lang.rule import substitute
from rewrite.lang.syntax import var_name

__all__ = ["Case", "cases", "case_of", "DTYPES", "special_values", "describe_value"]

#: the dtypes inputs are drawn from (the first is the default)
DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.bool)
_PER_ELEMENT = 16  # tensors up to this many elements draw each element; larger ones a seed and a few specials


@dataclass(frozen=True)
class Case:
    """One drawn instance: the module's ``term`` (the pattern instantiated), its ``inputs`` (tensors for the
    placeholders ``variables``, in order), ``attrs`` (module buffers by name), ``values`` (every variable's
    value by name, for display), and ``bindings`` (what the other variables were replaced by: literals and
    `Attr` leaves), to instantiate the replacement the same way."""

    term: object
    variables: tuple
    inputs: tuple
    attrs: dict = field(compare=False)
    values: tuple = ()
    bindings: tuple = ()


def special_values(dtype: torch.dtype) -> list:
    """The special values of a dtype: ±0.0, ±inf, nan, the smallest subnormal and normal, the extremes; for
    integers 0, ±1 and the extremes; for bool both.

    >>> special_values(torch.int8)
    [0, 1, -1, -128, 127]
    >>> len(special_values(torch.float16))
    11
    """
    if dtype == torch.bool:
        return [False, True]
    if dtype.is_floating_point:
        fi = torch.finfo(dtype)
        return [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"),
                fi.smallest_normal * fi.eps, -fi.smallest_normal / 2, fi.max, fi.min]
    ii = torch.iinfo(dtype)
    return [0, 1, -1, ii.min, ii.max]


@functools.lru_cache(maxsize=None)
def _elements(dtype: torch.dtype):
    if dtype == torch.bool:
        return st.booleans()
    specials = st.sampled_from(special_values(dtype))
    if dtype.is_floating_point:
        return st.one_of(st.floats(-4, 4, width=32), specials, st.floats(allow_nan=False, width=32))
    ii = torch.iinfo(dtype)
    return st.one_of(st.integers(-6, 6), specials, st.integers(ii.min, ii.max))


@st.composite
def _tensor(draw, shape: tuple, dtype: torch.dtype, mutate: bool) -> torch.Tensor:
    n = 1
    for d in shape:
        n *= d
    if n <= _PER_ELEMENT:
        flat = draw(st.lists(_elements(dtype), min_size=n, max_size=n))
        t = torch.tensor(flat, dtype=torch.float64 if dtype.is_floating_point else None)
        t = t.to(dtype).reshape(shape) if n else torch.empty(shape, dtype=dtype)
    else:
        gen = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
        t = (torch.randn(n, generator=gen, dtype=torch.float64) * 3)
        t = (t > 0) if dtype == torch.bool else t.to(dtype)
        for i, v in draw(st.lists(st.tuples(st.integers(0, n - 1), _elements(dtype)), max_size=4)):
            t[i] = v
        t = t.reshape(shape)
    layout = draw(st.sampled_from(("contiguous", "transposed", "strided", "expanded"))) if mutate else "contiguous"
    return _laid_out(t, layout)


def _laid_out(t: torch.Tensor, layout: str) -> torch.Tensor:
    """The same values in another memory layout (a view with other strides)."""
    if layout == "transposed" and t.dim() >= 2:
        return t.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "strided" and t.dim() >= 1:
        wide = torch.zeros((t.shape[0] * 2, *t.shape[1:]), dtype=t.dtype)
        wide[::2] = t
        return wide[::2]
    if layout == "expanded" and t.dim() >= 1 and t.shape[0] > 1 and bool((t == t[:1]).all()):
        return t[:1].expand(t.shape)
    return t


def _literal(draw, kind: Kind, env: dict, skel: dict, v, pattern, table):
    """The skeleton's value (the simplest draw), one derived from an earlier literal (the same, a permutation's
    inverse: non-linear guards relate them), a candidate that fits the tensors drawn (one the pattern's calls
    run with, if any does), or a random one."""
    choice = draw(st.integers(0, 5))
    if v in skel and choice == 0:
        return skel[v]
    derived = [d for d in derived_candidates(env) if _fits(kind, d)]
    if derived and choice <= 3:
        return _pick(draw, derived)
    cands = literal_candidates(kind, env)
    cands = [c for c in cands if runs(pattern, {**env, v: c}, table)] or cands
    if cands and choice <= 4:
        return _pick(draw, cands)
    return draw(_random_literal(kind, cands))


def _pick(draw, seq):
    """An element of ``seq``, about uniformly (Hypothesis favours small integers: ``sampled_from`` would draw
    the first few most); it shrinks to the first."""
    return seq[draw(st.integers(0, 2**16 - 1)) % len(seq)]


def _fits(kind: Kind, value) -> bool:
    if kind.kind == "ints":
        return isinstance(value, tuple) or type(value) is int
    if kind.kind in ("int", "float", "scalar"):
        return type(value) in (int, float) or (kind.kind == "scalar" and type(value) is bool)
    return kind.kind in ("bool", "memory_format", "dtype", "str") and type(value) is type(kind.default)


def _random_literal(kind: Kind, cands: list):
    if kind.kind == "int":
        return st.integers(-4, 4)
    if kind.kind == "ints":
        return st.lists(st.integers(-1, 4), max_size=4).map(tuple)
    if kind.kind == "float":
        return st.floats(0, 1)
    if kind.kind == "scalar":
        return st.one_of(st.integers(-3, 3), st.floats(width=32), st.sampled_from([-0.0, 0.5, True]))
    if kind.kind == "bool":
        return st.booleans()
    if kind.kind == "dtype":
        return st.sampled_from(DTYPES)
    return st.sampled_from(cands) if cands else st.none()


def _literal_variants(draw, pattern, table):
    """The pattern with each numeric literal in a number position possibly given as another type of the same
    value (``1`` as ``1.0`` or ``True``), as the matcher takes them."""
    def walk(t, ptype):
        if is_op_term(t):
            params = table.op(t[0]).params if isinstance(t[0], str) and t[0] in table else ()
            return (t[0],) + tuple(walk(a, params[i].type if i < len(params) else "Any")
                                   for i, a in enumerate(t[1:]))
        if type(t) in (tuple, list):
            return type(t)(walk(a, "Any") for a in t)
        if (type(t) in (int, float) and ptype.rstrip("?") in ("Tensor", "Scalar", "float")
                and float(t).is_integer() and draw(st.integers(0, 3)) == 3):
            options = [float(t) if type(t) is int else int(t)] + ([bool(t)] if t in (0, 1) else [])
            return draw(st.sampled_from(options))
        return t
    return walk(pattern, "Any")


@st.composite
def cases(draw, pattern, kinds: dict, skels=(), *, as_attrs=(), table=None) -> Case:
    """Instances of ``pattern``: tensors for its tensor variables (``as_attrs``: those that become module
    buffers), literals for the others, as `Case` values. ``skels`` (`rewrite.check.operands.skeletons`) are the
    simplest draws (the first the simplest); without one, shapes and literals are drawn at random.

    See Also
    --------
    rewrite.check.operands.skeletons
    """
    table = default_table() if table is None else table
    skels = tuple(skels) if isinstance(skels, (tuple, list)) else ((skels,) if skels else ())
    skel = _pick(draw, skels) if skels else {}
    mutate = draw(st.integers(0, 3)) >= 2 or not skel
    size = draw(st.sampled_from((SIZE, 1, 3)))
    base = draw(st.sampled_from(DTYPES))
    env: dict = {}
    for v, kind in kinds.items():
        if kind.kind != "tensor":
            continue
        rank = skel.get(v, 2)
        if kind.optional and (rank is None or (mutate and draw(st.integers(0, 7)) == 7)):
            env[v] = None
            continue
        if mutate and draw(st.integers(0, 2)) == 2:
            rank = draw(st.integers(0, 4))
        rank = 2 if rank is None else rank
        shape = tuple(draw(st.lists(st.sampled_from((size, 1, 3)), min_size=rank, max_size=rank))) \
            if mutate else (size,) * rank
        dtype = draw(st.sampled_from(DTYPES)) if mutate and draw(st.integers(0, 3)) == 3 else base
        env[v] = draw(_tensor(shape, dtype, mutate))
    vary = draw(st.booleans()) or not skel  # literals: the skeleton's all, or each drawn
    for v, kind in kinds.items():
        if kind.kind != "tensor":
            env[v] = _literal(draw, kind, env, skel, v, pattern, table) if vary or v not in skel else skel[v]
    return case_of(_literal_variants(draw, pattern, table), kinds, env, as_attrs)


def case_of(term, kinds: dict, env: dict, as_attrs=()) -> Case:
    """The `Case` of ``term`` (a pattern) with its variables bound to ``env``'s values (tensors, None for a
    left-out optional tensor, literals); the tensor variables in ``as_attrs`` become module buffers.

    >>> from unify import var
    >>> x, d = var('x'), var('d')
    >>> kinds = {x: Kind('tensor'), d: Kind('int')}
    >>> c = case_of(('unsqueeze', x, d), kinds, {x: torch.ones(2), d: 0})
    >>> c.term, c.variables
    (('unsqueeze', ~x, 0), (~x,))
    """
    placeholders = tuple(v for v in kinds if kinds[v].kind == "tensor" and env[v] is not None
                         and v not in as_attrs)
    attrs = {var_name(v): env[v] for v in as_attrs if env.get(v) is not None}
    subst = {v: (Attr(var_name(v)) if v in as_attrs and env[v] is not None else env[v])
             for v in kinds if v not in placeholders}
    return Case(substitute(term, subst), placeholders, tuple(env[v] for v in placeholders), attrs,
                tuple((var_name(v), env[v]) for v in kinds), tuple(subst.items()))


def describe_value(value) -> object:
    """A JSON-able description of a value: a tensor's dtype, shape, strides (when not contiguous) and
    elements (nan and ±inf as strings), or a literal's repr.

    >>> describe_value(torch.tensor([-0.0, float('inf')]))
    {'dtype': 'float32', 'shape': [2], 'values': [-0.0, 'inf']}
    >>> describe_value((1, 0))
    '(1, 0)'
    """
    if isinstance(value, torch.Tensor):
        out = {"dtype": str(value.dtype).removeprefix("torch."), "shape": list(value.shape)}
        if not value.is_contiguous():
            out["strides"] = list(value.stride())
        out["values"] = _json_elements(value.detach().to(torch.float64 if value.dtype.is_floating_point
                                                         else value.dtype).tolist())
        return out
    if isinstance(value, (tuple, list)) and any(isinstance(v, torch.Tensor) for v in value):
        return [describe_value(v) for v in value]
    return repr(value)


def _json_elements(x):
    if isinstance(x, list):
        return [_json_elements(e) for e in x]
    if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
        return repr(x)
    return x
