"""The examples an op is traced on to find its decomposed forms (data): one `Case` per rank, bias and contiguity.

A spec ``spec(given)`` reads what the pattern says of the op's parameters (``given[name]``: a literal,
`VARIABLE` for a pattern variable, `TERM` for a subpattern, which is a tensor) and yields the cases to
trace: ``build(k)`` makes the examples of trace ``k`` (0 or 1, of other sizes: what differs between the
two follows the sizes) for every tensor parameter (None for an absent optional one) and for every
variable whose value shows in the graph (`free`); ``fixed`` sets variables a case decides (no bias:
``bias`` is None). A variable the case neither builds nor fixes is fixed to its default.

>>> [c.name for c in CASES['linear']({'input': VARIABLE, 'weight': VARIABLE, 'bias': None})][:4]
['rank 2, no bias, contiguous', 'rank 2, no bias, strided', 'rank 2, no bias, strided, parameters',
 'rank 3, no bias, contiguous']

See Also
--------
fxcore.match.variants : traces these cases through each decomposition table.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["VARIABLE", "TERM", "Case", "CASES"]


class _Given:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


VARIABLE = _Given("VARIABLE")
"""``given[name]`` for a parameter the pattern writes as a variable."""
TERM = _Given("TERM")
"""``given[name]`` for a parameter the pattern writes as a subpattern (an op term): a tensor."""

_SIZES = ((2, 3, 5, 7, 11), (3, 4, 6, 9, 10))
"""Sizes of trace 0 and trace 1: no size in one equals its place's in the other, none is 1."""


@dataclass(frozen=True)
class Case:
    """One example to trace: ``build(k)`` the values of trace ``k``; ``fixed`` the variables the case sets."""

    name: str
    build: Callable[[int], dict]
    fixed: tuple = ()


def _tensor(shape: tuple, contiguous: bool = True) -> torch.Tensor:
    """A tensor of ``shape``; not contiguous: its last two dims transposed (a 1-D one is never)."""
    if contiguous or len(shape) < 2:
        return torch.randn(*shape)
    return torch.randn(*shape[:-2], shape[-1], shape[-2]).transpose(-1, -2)


def _present(given: dict, name: str) -> tuple:
    """Whether an optional tensor parameter is there: both cases for a variable, the literal's answer otherwise."""
    v = given.get(name)
    if v is VARIABLE:
        return (True, False)
    return (True,) if v is TERM else (v is not None,)


def _fix(given: dict, pairs) -> tuple:
    """``(name, value)`` for the parameters the pattern writes as variables, among ``pairs``."""
    return tuple((n, v) for n, v in pairs if given.get(n) is VARIABLE)


def _free_pair(given: dict, a: str, b: str) -> bool:
    """Both parameters are variables of the pattern (so a case may tie them, as the modules do)."""
    return given.get(a) is VARIABLE and given.get(b) is VARIABLE


def _free(given: dict, name: str, examples: tuple, k: int) -> dict:
    """``{name: examples[k]}`` when the pattern writes ``name`` as a variable (its value shows in the graph)."""
    return {name: examples[k]} if given.get(name) is VARIABLE else {}


def _linear(given):
    for rank, bias, contiguous, grad in itertools.product((2, 3, 4), _present(given, "bias"), (True, False),
                                                          (False, True)):
        if grad and contiguous:
            continue  # (only a strided input's decomposition asks whether the weight needs a gradient)

        def build(k, rank=rank, bias=bias, contiguous=contiguous, grad=grad):
            s = _SIZES[k]
            return {"input": _tensor((*s[:rank - 1], s[3]), contiguous),
                    "weight": torch.randn(s[4], s[3], requires_grad=grad),
                    "bias": torch.randn(s[4], requires_grad=grad) if bias else None}
        yield Case(f"rank {rank}, {'bias' if bias else 'no bias'}, {'contiguous' if contiguous else 'strided'}"
                   f"{', parameters' if grad else ''}", build, _fix(given, [("bias", None)] if not bias else []))


_MATMUL_RANKS = ((2, 2), (3, 2), (4, 2), (2, 3), (3, 3), (4, 4), (4, 3), (1, 2), (2, 1), (1, 1), (3, 1), (1, 3))


def _matmul(given):
    for (r1, r2), contiguous, grad in itertools.product(_MATMUL_RANKS, (True, False), (False, True)):
        if not contiguous and r1 < 3 or grad and (contiguous or r2 != 2):
            continue

        def build(k, r1=r1, r2=r2, contiguous=contiguous, grad=grad):
            b0, b1, n, kk, m = _SIZES[k]
            left = {1: (kk,), 2: (n, kk), 3: (b1, n, kk), 4: (b0, b1, n, kk)}[r1]
            right = {1: (kk,), 2: (kk, m), 3: (b1, kk, m), 4: (b0, b1, kk, m)}[r2]
            return {"self": _tensor(left, contiguous), "other": _tensor(right).requires_grad_(grad)}
        yield Case(f"ranks {r1} and {r2}{'' if contiguous else ', strided'}{', a parameter' if grad else ''}", build)


def _layer_norm(given):
    shape = given.get("normalized_shape")
    fixed_shape = isinstance(shape, tuple)
    for rank, weight, bias in itertools.product((2, 3, 4), _present(given, "weight"), _present(given, "bias")):
        if fixed_shape and len(shape) >= rank or bias and not weight and _free_pair(given, "weight", "bias"):
            continue  # (nn.LayerNorm has a weight whenever it has a bias)

        def build(k, rank=rank, weight=weight, bias=bias):
            norm = shape if fixed_shape else (_SIZES[k][3],)
            x = _tensor((*_SIZES[k][:rank - len(norm)], *norm))
            return {"input": x, "weight": torch.randn(norm) if weight else None,
                    "bias": torch.randn(norm) if bias else None, **_free(given, "normalized_shape", ((_SIZES[0][3],),
                    (_SIZES[1][3],)), k), **_free(given, "eps", (1e-5, 1e-6), k)}
        yield Case(f"rank {rank}, weight {weight}, bias {bias}", build,
                   _fix(given, [(n, None) for n, there in (("weight", weight), ("bias", bias)) if not there]))


def _batch_norm(given):
    trainings = (False, True) if given.get("training") is VARIABLE else (bool(given.get("training", False)),)
    stats = tuple(sorted(set(_present(given, "running_mean")) & set(_present(given, "running_var"))))
    for rank, training, weight, bias, tracked in itertools.product((2, 3, 4), trainings, _present(given, "weight"),
                                                                   _present(given, "bias"), stats):
        if training == tracked:  # training with running stats updates them in place; eval needs them
            continue
        if weight != bias and _free_pair(given, "weight", "bias"):
            continue  # (nn.BatchNorm's affine gives both or neither)

        def build(k, rank=rank, weight=weight, bias=bias, tracked=tracked):
            s = _SIZES[k]
            c = s[1]
            return {"input": _tensor((s[0], c, *s[2:rank])), "weight": torch.randn(c) if weight else None,
                    "bias": torch.randn(c) if bias else None, "running_mean": torch.randn(c) if tracked else None,
                    "running_var": torch.rand(c) + 1 if tracked else None,
                    **_free(given, "momentum", (0.1, 0.2), k), **_free(given, "eps", (1e-5, 1e-3), k)}
        absent = [(n, None) for n, there in (("weight", weight), ("bias", bias), ("running_mean", tracked),
                                              ("running_var", tracked)) if not there]
        yield Case(f"rank {rank}, training {training}, weight {weight}, bias {bias}", build,
                   _fix(given, absent + [("training", training)]))


def _softmax(given):
    for rank in (2, 3, 4):
        def build(k, rank=rank):
            return {"self": _tensor(_SIZES[k][:rank]), **_free(given, "dim", (-1, 1), k)}
        yield Case(f"rank {rank}", build)


def _pointwise(choices: dict):
    """A pointwise op: ranks 2 to 4; a string parameter written as a variable: a case per value in ``choices``."""
    def spec(given):
        options = [[(n, v) for v in values] if given.get(n) is VARIABLE else [] for n, values in choices.items()]
        for rank, chosen in itertools.product((2, 3, 4), itertools.product(*[o for o in options if o])):
            def build(k, rank=rank, chosen=chosen):
                return {"self": _tensor(_SIZES[k][:rank]), **dict(chosen)}
            yield Case(f"rank {rank}" + "".join(f", {n}={v!r}" for n, v in chosen), build, tuple(chosen))
    return spec


def _reshape(given):
    shape = given.get("shape")
    for contiguous in (True, False):
        def build(k, contiguous=contiguous):
            s = _SIZES[k]
            if not isinstance(shape, tuple):
                return {"self": _tensor(s[:3], contiguous), **_free(given, "shape", ((6, 5), (12, 6)), k)}
            known = math.prod(d for d in shape if d != -1)
            return {"self": _tensor((s[k + 1] if -1 in shape else 1, known), contiguous)}
        yield Case("contiguous" if contiguous else "strided", build)


def _to(given):
    target = given.get("dtype")
    source = torch.float64 if target is torch.float32 else torch.float32  # (a conversion to its own dtype is no op)

    def build(k):
        return {"self": _tensor(_SIZES[k][:3]).to(source), **_free(given, "dtype", (torch.float16, torch.float64), k)}
    yield Case(f"{source} input", build)


CASES = {"linear": _linear, "matmul": _matmul, "layer_norm": _layer_norm, "batch_norm": _batch_norm,
         "softmax": _softmax, "log_softmax": _softmax, "silu": _pointwise({}),
         "gelu": _pointwise({"approximate": ("none", "tanh")}), "reshape": _reshape, "to": _to}
"""The ops whose decomposed forms patterns match, and how to trace each (`fxcore.match.variants`)."""
