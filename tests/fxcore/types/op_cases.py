"""Hypothesis strategies of calls to every canonical op: operands by schema, tensors drawn as shapes.

``op_case(name)`` draws the canonical operands of one call of op ``name``: tensor operands are
`Spec` values (shape, dtype, value range), the rest literals. Shapes are drawn freely (wrong ranks
and mismatched sizes included) or related to an earlier operand (same shape, broadcastable,
matching channels), so both accepted and rejected calls come up. Parameters with a schema default
keep it unless `OVERRIDES` draws them.

>>> from hypothesis import find
>>> case = find(op_case('transpose'), lambda ops: len(ops[0].shape) == 2)
>>> case[0].shape, case[1:]
((1, 1), (0, 0))

See Also
--------
tests.fxcore.types.test_soundness : the property that runs these calls.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Optional

import torch
from hypothesis import strategies as st

from fxcore.ops import REQUIRED, default_table

__all__ = ["Spec", "op_case", "OVERRIDES", "CASE_OPS", "EXCLUDED", "materialize"]

F32, I64, BOOL = torch.float32, torch.int64, torch.bool
TABLE = default_table()


@dataclasses.dataclass(frozen=True)
class Spec:
    """A tensor operand: its shape, dtype and, for integer tensors, values in ``[0, high)``; ``prob``: in [0, 1)."""

    shape: tuple
    dtype: torch.dtype = F32
    high: Optional[int] = None
    prob: bool = False


def materialize(spec: Spec, gen: torch.Generator) -> torch.Tensor:
    """A real tensor for a spec (values from ``gen``: deterministic)."""
    if spec.dtype == BOOL:
        return torch.randint(0, 2, spec.shape, generator=gen).bool()
    if not spec.dtype.is_floating_point:
        return torch.randint(0, max(spec.high or 5, 1), spec.shape, generator=gen, dtype=spec.dtype)
    t = torch.rand(spec.shape, generator=gen) if spec.prob else torch.randn(spec.shape, generator=gen)
    return t.to(spec.dtype)


def shapes(min_rank: int = 0, max_rank: int = 4, lo: int = 1, hi: int = 4):
    return st.lists(st.integers(lo, hi), min_size=min_rank, max_size=max_rank).map(tuple)


# -- operand makers: each is f(draw, got) -> value, ``got`` the operands drawn so far by name -------------------
def T(dtype=F32, min_rank=0, max_rank=4, lo=1, hi=4, prob=False) -> Callable:
    return lambda draw, got: Spec(draw(shapes(min_rank, max_rank, lo, hi)), dtype, prob=prob)


def _rank(got, key) -> int:
    return len(got[key].shape)


def related(draw, shape: tuple) -> tuple:
    """A shape like ``shape``: the same, broadcastable (a suffix with some sizes 1), or unrelated."""
    how = draw(st.sampled_from(["same", "broadcast", "broadcast", "random"]))
    if how == "same":
        return shape
    if how == "random":
        return draw(shapes())
    suffix = shape[draw(st.integers(0, len(shape))):]
    return tuple(1 if draw(st.booleans()) else d for d in suffix)


def Rel(key: str = "self", dtype=F32, scalar: bool = False, prob=False) -> Callable:
    def make(draw, got):
        if scalar and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from([2, 0.5, True])) if dtype != BOOL else True
        return Spec(related(draw, got[key].shape), dtype, prob=prob)
    return make


def Dim(key: str = "self", extra: int = 0) -> Callable:
    """A dimension index for ``got[key]``, one beyond the valid range on either side included."""
    def make(draw, got):
        r = max(_rank(got, key) + extra, 1)
        return draw(st.integers(-r - 1, r))
    return make


def Dims(key: str = "self", optional: bool = True) -> Callable:
    """None (all dimensions), or one or two dimension indices (repeats and out-of-range ones included)."""
    def make(draw, got):
        if optional and draw(st.integers(0, 3)) == 0:
            return None
        return tuple(Dim(key)(draw, got) for _ in range(draw(st.integers(1, 2))))
    return make


def Lit(strategy) -> Callable:
    return lambda draw, got: draw(strategy)


def Const(value) -> Callable:
    return lambda draw, got: value


def _factors(draw, n: int, parts: int) -> list:
    out = []
    for _ in range(parts - 1):
        d = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        out.append(d)
        n //= d
    return out + [n]


def Sizes(key: str = "self", of_dim: Optional[Callable] = None, minus_one: bool = True) -> Callable:
    """Sizes holding ``got[key]``'s elements (or one of its dims'), maybe with a -1, or random sizes."""
    def make(draw, got):
        n = math.prod(got[key].shape) if of_dim is None else of_dim(got)
        if n is None or draw(st.integers(0, 3)) == 0:
            return tuple(draw(st.lists(st.integers(-1, 5), max_size=4)))
        sizes = _factors(draw, n, draw(st.integers(1, 4)))
        if minus_one and draw(st.booleans()):
            sizes[draw(st.integers(0, len(sizes) - 1))] = -1
        return tuple(sizes)
    return make


def _dim_size(got, key="self", dim_key="dim"):
    shape, d = got[key].shape, got[dim_key]
    return shape[d] if isinstance(d, int) and -len(shape) <= d < len(shape) else None


def Index(key="self", dim_key="dim", rank=(1, 1), same_rank=False) -> Callable:
    """An int64 index tensor with values valid along ``got[key]``'s dimension ``got[dim_key]``."""
    def make(draw, got):
        high = _dim_size(got, key, dim_key) or 1
        if same_rank:
            shape = tuple(min(d, draw(st.integers(1, d))) for d in got[key].shape)
            shape = draw(st.sampled_from([shape, draw(shapes())]))
        else:
            shape = draw(shapes(*rank))
        return Spec(shape, I64, high=high)
    return make


# -- families ------------------------------------------------------------------------------------------
def _spatial(draw, n: int) -> tuple:
    return tuple(draw(st.integers(1, 6)) for _ in range(n))


def _ints(draw, n: int, lo: int, hi: int):
    """``n`` ints, sometimes given as one int (torch broadcasts it)."""
    v = tuple(draw(st.integers(lo, hi)) for _ in range(n))
    return v[0] if draw(st.booleans()) else v


def _batched(draw, channels: int, n: int) -> Spec:
    """An input for an n-d conv or pool: batched, unbatched, or of a wrong rank / channel count."""
    how = draw(st.sampled_from(["batched", "batched", "unbatched", "wrong"]))
    if how == "wrong":
        return Spec(draw(shapes(0, n + 3, 1, 5)))
    c = channels if draw(st.integers(0, 4)) else draw(st.integers(1, 4))
    lead = (draw(st.integers(1, 2)), c) if how == "batched" else (c,)
    return Spec(lead + _spatial(draw, n))


def conv(n: int, transposed: bool = False) -> dict:
    def input_(draw, got):
        g = got["_groups"] = draw(st.sampled_from([1, 1, 2]))
        got["_cin"], got["_cout"] = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
        return _batched(draw, got["_cin"], n)

    def weight(draw, got):
        k = tuple(draw(st.integers(1, 3)) for _ in range(n))
        cin, cout, g = got["_cin"], got["_cout"], got["_groups"]
        lead = (cin, cout // g) if transposed else (cout, cin // g)
        return Spec(lead + k) if draw(st.integers(0, 5)) else Spec(draw(shapes(n + 1, n + 3, 1, 3)))

    def bias(draw, got):
        return draw(st.sampled_from([None, Spec((got["_cout"],)), Spec((got["_cout"],)), Spec((3,))]))

    out = {"input": input_, "weight": weight, "bias": bias, "stride": lambda d, g: _ints(d, n, 1, 2),
           "dilation": lambda d, g: _ints(d, n, 1, 2), "groups": lambda d, g: g["_groups"]}
    if transposed:
        out["padding"] = lambda d, g: _ints(d, n, 0, 1)
        out["output_padding"] = lambda d, g: _ints(d, n, 0, 1)
    else:
        out["padding"] = lambda d, g: d(st.sampled_from([0, 1, "same", "valid", _ints(d, n, 0, 1)]))
    return out


def pool(n: int, kind: str) -> dict:
    out = {"self": lambda d, g: _batched(d, 2, n)}
    if kind == "adaptive":
        sizes = [None, 1, 2, 3] if n > 1 else [1, 2, 3]  # 1d: torch's binding takes no None (rules_nn checks it)
        out["output_size"] = lambda d, g: tuple(d(st.sampled_from(sizes)) for _ in range(n))
        return out
    out.update({"kernel_size": lambda d, g: _ints(d, n, 1, 3),
                "stride": lambda d, g: d(st.sampled_from([(), _ints(d, n, 1, 2)])),
                "padding": lambda d, g: _ints(d, n, 0, 2), "ceil_mode": Lit(st.booleans())})
    if kind == "max":
        out["dilation"] = lambda d, g: _ints(d, n, 1, 2)
    else:
        out["count_include_pad"] = Lit(st.booleans())
    return out


def _channels_of(key="input"):
    def make(draw, got):
        shape = got[key].shape
        c = shape[1] if len(shape) > 1 else 1
        return draw(st.sampled_from([None, Spec((c,)), Spec((c,)), Spec((c + 1,))]))
    return make


def _stats(key="input"):
    def make(draw, got):
        shape = got[key].shape
        c = shape[1] if len(shape) > 1 else 1
        return draw(st.sampled_from([Spec((c,)), Spec((c,)), Spec((c + 1,))]))
    return make


def _mat(key, axis, rank, dtype=F32):
    """A matrix operand whose inner dimension matches ``got[key]``'s ``axis`` (usually)."""
    def make(draw, got):
        shape = got[key].shape
        inner = shape[axis] if len(shape) >= -axis else 2
        if not draw(st.integers(0, 4)):
            return Spec(draw(shapes(0, 4)))
        lead = tuple(shape[:-2]) if rank > 2 and len(shape) >= 3 else tuple(draw(shapes(rank - 2, rank - 2)))
        return Spec(lead + (inner, draw(st.integers(1, 3))), dtype)
    return make


def _suffix(key="input"):
    def make(draw, got):
        shape = got[key].shape
        if not shape or not draw(st.integers(0, 3)):
            return tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
        return tuple(shape[-draw(st.integers(1, min(2, len(shape)))):])
    return make


def _getitem_index(draw, got):
    shape = got["self"].shape
    n = shape[0] if shape else 1
    one = st.one_of(st.integers(-n - 1, n), st.builds(slice, st.none() | st.integers(-3, 3),
                                                       st.none() | st.integers(-3, 4), st.none() | st.integers(1, 2)),
                    st.none(), st.just(Ellipsis))
    return draw(st.one_of(one, st.lists(one, max_size=len(shape) + 1).map(tuple)))


def _cat_tensors(stack: bool):
    def make(draw, got):
        first = draw(shapes(0 if not stack else 0, 3))
        out = [Spec(first)]
        for _ in range(draw(st.integers(0, 2))):
            if draw(st.integers(0, 3)) == 0:
                out.append(Spec(draw(shapes(0, 3))))
            elif stack or not first:
                out.append(Spec(first))
            else:
                i = draw(st.integers(0, len(first) - 1))
                out.append(Spec(first[:i] + (draw(st.integers(1, 3)),) + first[i + 1:]))
        return tuple(out)
    return make


def _split_size(draw, got):
    got["dim"] = Dim()(draw, got)  # split(self, split_size, dim): the sizes depend on the dim
    n = _dim_size(got, "self", "dim")
    if n is not None and draw(st.booleans()):
        sizes = _factors(draw, n, draw(st.integers(1, 2))) if n else [0]
        return tuple(sizes)
    return draw(st.integers(1, 4))


def _expand_size(draw, got):
    shape = got["self"].shape
    if not draw(st.integers(0, 3)):  # (no -1 here: torch expands a 0-dim tensor to (0, -1), a negative size)
        return tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    return lead + tuple(draw(st.sampled_from([d, -1] + ([3] if d == 1 else []))) for d in shape)


def _like_numel(draw, got):
    n = math.prod(got["self"].shape)
    if draw(st.integers(0, 2)):
        return Spec(tuple(_factors(draw, n, draw(st.integers(1, 3)))))
    return Spec(draw(shapes(0, 3)))


def _expanded(draw, got):
    shape = got["self"].shape
    if draw(st.integers(0, 2)):
        return Spec(tuple(draw(st.lists(st.integers(1, 2), max_size=1))) +
                    tuple(draw(st.integers(1, 3)) if d == 1 else d for d in shape))
    return Spec(draw(shapes(0, 3)))


def _prelu_weight(draw, got):
    shape = got["self"].shape
    c = shape[1] if len(shape) > 1 else 1
    return Spec(draw(st.sampled_from([(1,), (c,), (c + 1,)])))


def _sdpa_kv(draw, got):
    q = got["query"].shape
    if len(q) < 2 or not draw(st.integers(0, 4)):
        return Spec(draw(shapes(1, 4)))
    return Spec(q[:-2] + (got.setdefault("_s", draw(st.integers(1, 3))), q[-1] if draw(st.integers(0, 5)) else 5))


def _group_count(draw, got):
    shape = got["input"].shape
    c = shape[1] if len(shape) > 1 else 1
    return draw(st.sampled_from([1, c, 2, 3]))


_BINARY = ("add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum", "atan2",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")
_BITWISE = ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift")
_REDUCE = ("sum", "mean", "amax", "amin", "all", "any", "var", "std", "norm")


def _overrides() -> dict:
    o: dict = {}
    for name in _BINARY:
        o[name] = {"self": T(), ("exponent" if name == "pow" else "other"): Rel(scalar=True)}
    o["atan2"] = {"self": T(), "other": Rel()}
    o["div"]["rounding_mode"] = Lit(st.sampled_from([None, "floor", "trunc"]))
    for name in _BITWISE:
        o[name] = {"self": T(I64), "other": Rel(dtype=I64)}
    o["bitwise_not"] = {"self": T(I64)}
    o["where"] = {"condition": T(BOOL), "self": Rel("condition"), "other": Rel("condition", scalar=True)}
    o["masked_fill"] = {"self": T(), "mask": Rel(dtype=BOOL), "value": Const(0.5)}
    o["lerp"] = {"self": T(), "end": Rel(), "weight": Rel(scalar=True)}
    o["addcmul"] = o["addcdiv"] = {"self": T(), "tensor1": Rel(), "tensor2": Rel()}
    o["copy_"] = {"self": T(), "src": Rel()}
    o["prelu"] = {"self": T(), "weight": _prelu_weight}
    o["type_as"] = {"self": T(), "other": T(I64)}
    o["fill"] = {"value": Const(1.5)}
    o["clamp"] = {"min": Const(-0.5), "max": Lit(st.sampled_from([None, 0.5]))}
    o["clamp_min"], o["clamp_max"] = {"min": Const(-0.5)}, {"max": Const(0.5)}
    o["cumsum"] = o["softmax"] = o["log_softmax"] = {"dim": Dim()}
    for name in _REDUCE:
        o[name] = {"dim": Dims(), "keepdim": Lit(st.booleans())}
    o["amax"]["dim"] = o["amin"]["dim"] = Dims(optional=False)
    o["logsumexp"] = {"dim": Dims(optional=False), "keepdim": Lit(st.booleans())}
    for name in ("argmax", "argmin"):
        o[name] = {"dim": lambda d, g: d(st.sampled_from([None, Dim()(d, g)])), "keepdim": Lit(st.booleans())}
    o["prod"] = {"dim": Dim(), "keepdim": Lit(st.booleans())}  # dim=None: fxcore.ops emits prod(x, None), see EMIT
    o["max.dim"] = o["min.dim"] = {"dim": Dim(), "keepdim": Lit(st.booleans())}
    o["view"], o["reshape"] = {"size": Sizes()}, {"shape": Sizes()}
    o["permute"] = {"dims": lambda d, g: d(st.one_of(st.permutations(range(_rank(g, "self"))).map(tuple),
                                                     st.lists(st.integers(-2, 3), max_size=4).map(tuple)))}
    o["transpose"] = {"dim0": Dim(), "dim1": Dim()}
    o["t"] = {"self": T(max_rank=3)}
    o["flatten"] = {"start_dim": Dim(), "end_dim": Dim()}
    o["unflatten"] = {"dim": Dim(), "sizes": Sizes(of_dim=lambda g: _dim_size(g))}
    o["unsqueeze"] = {"dim": Dim(extra=1)}
    o["squeeze"] = {"dim": lambda d, g: d(st.sampled_from([Dim()(d, g), Dims(optional=False)(d, g)]))}  # EMIT
    o["cat"] = {"tensors": _cat_tensors(False), "dim": lambda d, g: d(st.integers(-4, 3))}
    o["stack"] = {"tensors": _cat_tensors(True), "dim": lambda d, g: d(st.integers(-5, 4))}
    o["split"] = {"split_size": _split_size}
    o["identity"] = {"self": T()}
    o["chunk"] = {"chunks": Lit(st.integers(1, 4)), "dim": Dim()}
    o["unbind"] = {"dim": Dim()}
    o["expand"] = {"size": _expand_size}
    o["repeat"] = {"repeats": lambda d, g: tuple(d(st.lists(st.integers(1, 2), min_size=max(_rank(g, "self") - 1, 0),
                                                            max_size=_rank(g, "self") + 1)))}
    o["expand_as"] = {"self": T(max_rank=3), "other": _expanded}
    o["view_as"] = o["reshape_as"] = {"self": T(max_rank=3), "other": _like_numel}
    o["getitem"] = {"self": T(), "index": _getitem_index}
    o["size"] = {"dim": Dim()}  # EMIT
    o["select"] = {"dim": Dim(), "index": lambda d, g: d(st.integers(-(_dim_size(g) or 1) - 1, _dim_size(g) or 1))}
    o["narrow"] = {"dim": Dim(), "start": lambda d, g: d(st.integers(-(_dim_size(g) or 1) - 1, _dim_size(g) or 1)),
                   "length": lambda d, g: d(st.integers(0, (_dim_size(g) or 1) + 1))}
    o["slice"] = {"dim": Dim(), "start": Lit(st.none() | st.integers(-4, 4)), "end": Lit(st.none() | st.integers(-4, 5)),
                  "step": Lit(st.integers(1, 3))}
    o["index_select"] = {"dim": Dim(), "index": Index(rank=(0, 2))}
    o["gather"] = {"dim": Dim(), "index": Index(same_rank=True)}
    o["flip"] = {"dims": Dims(optional=False)}
    o["roll"] = {"shifts": Lit(st.lists(st.integers(-2, 2), min_size=1, max_size=2).map(tuple)),
                 "dims": lambda d, g: d(st.sampled_from([(), tuple(Dim()(d, g) for _ in g["shifts"])]))}
    o["matmul"] = {"self": T(min_rank=1), "other": _mat("self", -1, 2)}
    o["mm"] = {"self": T(min_rank=1, max_rank=3), "mat2": _mat("self", -1, 2)}
    o["bmm"] = {"self": T(min_rank=2, max_rank=4), "mat2": _mat("self", -1, 3)}
    o["addmm"] = {"mat1": lambda d, g: Spec(d(shapes(2, 2))), "mat2": _mat("mat1", -1, 2),
                  "self": lambda d, g: Spec(related(d, (g["mat1"].shape[0], g["mat2"].shape[-1])))}
    o["baddbmm"] = {"batch1": lambda d, g: Spec(d(shapes(3, 3))), "batch2": _mat("batch1", -1, 3),
                    "self": lambda d, g: Spec(related(d, g["batch1"].shape[:2] + g["batch2"].shape[-1:]))}
    o["addmm"]["self"], o["baddbmm"]["self"] = _deferred("addmm"), _deferred("baddbmm")
    o["linear"] = {"input": T(), "weight": _mat_weight, "bias": _linear_bias}
    for n in (1, 2, 3):
        o[f"conv{n}d"], o[f"conv_transpose{n}d"] = conv(n), conv(n, True)
        o[f"max_pool{n}d"], o[f"avg_pool{n}d"] = pool(n, "max"), pool(n, "avg")
        o[f"adaptive_avg_pool{n}d"] = pool(n, "adaptive")
    o["batch_norm"] = {"input": T(max_rank=4), "weight": _channels_of(), "bias": _channels_of(),
                       "running_mean": _stats(), "running_var": _stats()}
    o["native_batch_norm"] = {**o["batch_norm"], "training": Lit(st.booleans()), "momentum": Const(0.1),
                              "eps": Const(1e-5)}
    o["_native_batch_norm_legit_no_training"] = {**o["batch_norm"], "momentum": Const(0.1), "eps": Const(1e-5)}
    o["layer_norm"] = {"input": T(), "normalized_shape": _suffix(),
                       "weight": lambda d, g: d(st.sampled_from([None, Spec(g["normalized_shape"]), Spec((2,))])),
                       "bias": lambda d, g: d(st.sampled_from([None, Spec(g["normalized_shape"])]))}
    o["group_norm"] = {"input": T(), "num_groups": _group_count, "weight": _channels_of(), "bias": _channels_of()}
    o["embedding"] = {"weight": T(min_rank=1, max_rank=3, hi=5),
                      "indices": lambda d, g: Spec(d(shapes(0, 3)), I64, high=g["weight"].shape[0])}
    o["scaled_dot_product_attention"] = {"query": T(min_rank=1), "key": _sdpa_kv, "value": _sdpa_kv}
    o["rand"] = o["randn"] = {"size": Lit(st.lists(st.integers(0, 3), max_size=3).map(tuple))}
    o["bernoulli"] = {"self": T(prob=True)}
    o["bernoulli.p"] = {"self": T(), "p": Const(0.5)}
    o["bernoulli_"] = {"self": T()}
    return o


def _deferred(name: str) -> Callable:
    """addmm/baddbmm take ``self`` first but its shape follows the matrices: draw those first."""
    def make(draw, got):
        sub = OVERRIDES[name]
        first, second = ("mat1", "mat2") if name == "addmm" else ("batch1", "batch2")
        got[first] = (lambda d, g: Spec(d(shapes(2, 2))) if name == "addmm" else Spec(d(shapes(3, 3))))(draw, got)
        got[second] = sub[second](draw, got)
        got["_drawn"] = True
        lead = got[first].shape[:-1] + got[second].shape[-1:]
        return Spec(related(draw, lead))
    return make


def _mat_weight(draw, got):
    x = got["input"].shape
    inner = x[-1] if x else 2
    return draw(st.sampled_from([Spec((draw(st.integers(1, 3)), inner)), Spec((draw(st.integers(1, 3)), inner)),
                                 Spec((inner,)), Spec(draw(shapes(0, 3)))]))


def _linear_bias(draw, got):
    w = got["weight"].shape
    out = w[0] if len(w) == 2 else 1
    return draw(st.sampled_from([None, Spec((out,)), Spec(()), Spec((out + 1,))]))


OVERRIDES = _overrides()

EMIT = ("fxcore.ops emits an optional operand left at its None default positionally (torch.squeeze(x, None), "
        "torch.prod(x, None, False), aten.sym_size.int(x, None)), which torch's bindings reject; those calls are "
        "drawn with an explicit dim")

EXCLUDED = {
    "_assert": "an assertion: no value to type", "_assert_async": "an assertion: no value to type",
    "_assert_scalar": "an assertion: no value to type", "print": "I/O: returns None",
    "setitem": "an in-place store: returns None",
}
"""Ops the property leaves out, and why (their rules return the type of None)."""

CASE_OPS = tuple(n for n in TABLE.names() if n not in EXCLUDED)


@st.composite
def op_case(draw, name: str) -> tuple:
    """The canonical operands of one call of op ``name``."""
    op = TABLE.op(name)
    over = OVERRIDES.get(name) or OVERRIDES.get(op.inplace_of or "", {})
    got: dict = {}
    first_tensor = None
    for p in op.params:
        if p.name in got:  # drawn early by another operand's maker
            continue
        if p.name in over:
            got[p.name] = over[p.name](draw, got)
        elif p.type == "Tensor" and p.default is REQUIRED:
            got[p.name] = T()(draw, got) if first_tensor is None else Rel(first_tensor)(draw, got)
        elif p.default is not REQUIRED:
            got[p.name] = p.default
        else:
            raise KeyError(f"op_cases: say how to draw {name}'s operand {p.name!r} ({p.type}) in OVERRIDES")
        if p.type == "Tensor" and first_tensor is None:
            first_tensor = p.name
    return tuple(got[p.name] for p in op.params)
