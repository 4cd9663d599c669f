"""Per-op operand overrides for `op_cases`: how to draw the operands schema defaults do not cover.

Families (convolutions, pools, matrix products, norms) draw related operands: channels that usually
match, inner dimensions that usually agree, windows that fit or not; every family also draws
unrelated shapes and wrong ranks sometimes.

>>> sorted(OVERRIDES['transpose'])
['dim0', 'dim1']

See Also
--------
tests.fxcore.types.op_makers : the makers; tests.fxcore.types.op_cases : the strategy.
"""
from __future__ import annotations

import math
from typing import Callable

from hypothesis import strategies as st

from tests.fxcore.types.op_makers import (BOOL, F32, I64, Const, Dim, Dims, Index, Lit, Rel, Sizes, Spec, T, _dim_size,
                                          _factors, _rank, related, shapes)

__all__ = ["OVERRIDES"]


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


def _elementwise(o: dict) -> None:
    """Pointwise ops and reductions."""
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


def _shapes(o: dict) -> None:
    """Shape and indexing ops."""
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


def _nn(o: dict) -> None:
    """Matrix products, convolutions, pools, norms, attention, random ops."""
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


def _overrides() -> dict:
    o: dict = {}
    for family in (_elementwise, _shapes, _nn):
        family(o)
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
