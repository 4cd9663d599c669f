"""Comparing a rewritten module's result with the original's: dtype-aware, IEEE special values included.

- Structure, shape and dtype must be equal (a tuple result element by element).
- Integers and bool: exactly equal.
- Floats: nan where nan, ±inf where ±inf, and the sign of a zero (unless ``signed_zeros=False``: the
  no-signed-zeros assumption waives it). Finite values may differ by at most `ULPS` units in the last
  place of the result's dtype, measured against the larger of the element's own magnitude and the largest
  finite magnitude in the expected tensor (a normwise bound, so cancellation near zero in a sum of products
  is not blamed on the rewrite): ``|got - expected| <= ULPS * eps(dtype) * max(|expected|, max|expected|)``.
  A rewrite that is exact (every element bit for bit, signs of zero included) reports ``max_ulps == 0``; one
  that is only within tolerance (a fused kernel, a folded convolution) reports how far it went.
- Given a ``reference`` (the original computed in float64), an element further apart than that, or nan/inf
  where the original gave nan/inf, is still accepted when the rewrite is no less accurate than the
  original: ``got`` finite, ``ref`` finite, and ``|got - ref| <= |expected - ref| + tolerance``. A fused
  kernel that rounds once where the spelled-out formula rounded at every step (the tanh-GELU in bfloat16)
  is more accurate, not wrong; so is a folded conv that does not overflow where the original's
  intermediate did (and whose float64 value is finite). The comparison then says ``closer``. A nan the
  float64 original gives too (``inf - inf``) is never excused.

>>> r = compare(torch.tensor([1.0, -0.0]), torch.tensor([1.0, 0.0]))
>>> r.equal, r.why
(False, 'element [1]: expected -0.0, got 0.0 (the sign of zero differs)')
>>> compare(torch.tensor([1.0, -0.0]), torch.tensor([1.0, 0.0]), signed_zeros=False).equal
True
>>> r = compare(torch.tensor([3.0]), torch.tensor([3.0]) + 2 * torch.finfo(torch.float32).eps * 3)
>>> r.equal, r.max_ulps
(True, 2.0)

See Also
--------
rewrite.check.soundness : where results are compared.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["ULPS", "Comparison", "compare"]

#: how many units in the last place (of the result's dtype, normwise) a float result may differ by
ULPS = 8


@dataclass(frozen=True)
class Comparison:
    """The outcome of a comparison: ``equal``; ``why`` not (what differs, where); ``max_ulps``: the largest
    float difference seen, in units of the tolerance's scale (0.0 when bit-exact)."""

    equal: bool
    why: str = ""
    max_ulps: float = 0.0
    closer: bool = False  # some element was accepted only for being closer to the float64 reference


def compare(expected, got, *, signed_zeros: bool = True, nans: bool = True, infs: bool = True,
            reference=None, underflow: bool = False) -> Comparison:
    """Compare ``got`` with ``expected`` (tensors, numbers, or tuples/lists of them).

    ``signed_zeros``, ``nans``, ``infs``: whether the sign of zero, nan and infinities are compared (an
    assumption such as no-nans waives the check; the inputs are then drawn so that none occurs).
    ``underflow``: values that differ by no more than the dtype's smallest normal number are equal (a
    result judged up to float tolerance, such as a folded convolution, may round a subnormal to zero).

    >>> tiny = torch.finfo(torch.bfloat16).smallest_normal
    >>> e, g = torch.tensor([tiny / 14], dtype=torch.bfloat16), torch.zeros(1, dtype=torch.bfloat16)
    >>> compare(e, g).equal, compare(e, g, underflow=True).equal
    (False, True)

    >>> compare(torch.ones(2, dtype=torch.int64), torch.ones(2)).why
    'dtype: expected torch.int64, got torch.float32'

    See Also
    --------
    Comparison
    """
    return _compare(expected, got, "", (signed_zeros, nans, infs, underflow), reference)


def _compare(expected, got, where, flags, ref) -> Comparison:
    if isinstance(expected, (tuple, list)) or isinstance(got, (tuple, list)):
        if type(expected) is not type(got) or len(expected) != len(got):
            return Comparison(False, f"{where or 'result'}: expected {_kind(expected)}, got {_kind(got)}")
        worst, closer = 0.0, False
        refs = ref if isinstance(ref, (tuple, list)) and len(ref) == len(expected) else [None] * len(expected)
        for i, (e, g, r) in enumerate(zip(expected, got, refs)):
            c = _compare(e, g, f"{where}[{i}]", flags, r)
            if not c.equal:
                return c
            worst, closer = max(worst, c.max_ulps), closer or c.closer
        return Comparison(True, max_ulps=worst, closer=closer)
    if not isinstance(expected, torch.Tensor) or not isinstance(got, torch.Tensor):
        if isinstance(expected, torch.Tensor) != isinstance(got, torch.Tensor):
            return Comparison(False, f"{where or 'result'}: expected {_kind(expected)}, got {_kind(got)}")
        e, g = torch.tensor(expected), torch.tensor(got)
        if type(expected) is not type(got):
            return Comparison(False, f"{where or 'result'}: expected {expected!r}, got {got!r}")
        return _tensors(e, g, where, flags, None)
    return _tensors(expected, got, where, flags, ref)


def _kind(v) -> str:
    if isinstance(v, torch.Tensor):
        return f"a tensor {str(v.dtype).removeprefix('torch.')}{list(v.shape)}"
    if isinstance(v, (tuple, list)):
        return f"a {type(v).__name__} of {len(v)}"
    return repr(v)


def _tensors(e: torch.Tensor, g: torch.Tensor, where, flags, ref) -> Comparison:
    label = f"{where} " if where else ""
    if e.shape != g.shape:
        return Comparison(False, f"{label}shape: expected {list(e.shape)}, got {list(g.shape)}")
    if e.dtype != g.dtype:
        return Comparison(False, f"{label}dtype: expected {e.dtype}, got {g.dtype}")
    if not e.dtype.is_floating_point:
        diff = (e != g).flatten().nonzero()
        if len(diff):
            return _at(e, g, int(diff[0]), where, "")
        return Comparison(True)
    if not (isinstance(ref, torch.Tensor) and ref.shape == e.shape):
        ref = None
    return _floats(e, g, where, flags, ref)


def _floats(e, g, where, flags, ref) -> Comparison:
    signed_zeros, nans, infs, underflow = flags
    e64, g64 = e.detach().to(torch.float64).flatten(), g.detach().to(torch.float64).flatten()
    e_nan, g_nan = e64.isnan(), g64.isnan()
    value_bad = (e_nan != g_nan) if nans else torch.zeros_like(e_nan)
    if infs:
        value_bad |= (e64.isinf() | g64.isinf()) & ~(e_nan | g_nan) & (e64 != g64)
    zero_bad = ((e64 == 0) & (g64 == 0) & (e64.signbit() != g64.signbit())) if signed_zeros \
        else torch.zeros_like(e_nan)
    finite = e64.isfinite() & g64.isfinite()
    fi = torch.finfo(e.dtype)
    scale = e64[finite].abs().max().item() if bool(finite.any()) else 0.0
    unit = fi.eps * torch.clamp(e64.abs(), min=max(scale, fi.smallest_normal))
    dist = torch.where(finite, (g64 - e64).abs() / unit, torch.zeros_like(e64))
    value_bad |= dist > ULPS
    if underflow:
        value_bad &= ~(finite & ((g64 - e64).abs() <= fi.smallest_normal))
    closer = False
    if ref is not None and bool(value_bad.any()):
        r64 = ref.detach().to(torch.float64).flatten()
        off = (g64 - r64).abs()
        better = r64.isfinite() & g64.isfinite() & ((off <= (e64 - r64).abs() + ULPS * unit)
                                                   | (off <= ULPS * fi.eps * r64.abs().clamp(min=fi.smallest_normal)))
        closer = bool((value_bad & better).any())
        value_bad &= ~better
    bad = value_bad | zero_bad
    worst = float(dist.max()) if dist.numel() else 0.0
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        reason = ("the sign of zero differs" if e64[i] == 0 and g64[i] == 0 else
                  f"{dist[i].item():.3g} ulps apart, more than {ULPS}" if bool(finite[i]) else "")
        return _at(e, g, i, where, reason, worst)
    return Comparison(True, max_ulps=0.0 if math.isnan(worst) else worst, closer=closer)


def _at(e, g, i, where, reason, worst=0.0) -> Comparison:
    idx = list(torch.unravel_index(torch.tensor(i), e.shape)) if e.dim() else []
    pos = "[" + ", ".join(str(int(k)) for k in idx) + "]" if idx else "[]"
    ev, gv = e.flatten()[i].item(), g.flatten()[i].item()
    tail = f" ({reason})" if reason else ""
    return Comparison(False, f"{where}element {pos}: expected {ev!r}, got {gv!r}{tail}", worst)
