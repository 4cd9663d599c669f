"""Inference folding: a batch norm in eval mode after a convolution folds into the convolution.

``batch_norm(conv(x, w, b, ...), gamma, beta, mean, var, training=False, momentum, eps)`` is
``conv(x, w * s, (b - mean) * s + beta, ...)`` with ``s = gamma / sqrt(var + eps)`` broadcast over
the conv's output channels. The replacement is a :func:`~rewrite.pyrules.compute`: it receives the
module's tensors (``nn.Conv2d`` / ``nn.BatchNorm2d`` parameters and buffers, or ``get_attr``
nodes) and returns the folded conv term; the new weight and bias become module buffers.

It declines (the rule does not fire) when it cannot fold exactly:

- an operand is not a concrete tensor: a graph whose parameters are placeholders (dynamo, or a
  graph traced with parameters as inputs) or a term-level variable;
- the batch norm has no running statistics (``track_running_stats=False``);
- shapes or dtypes do not fit (a grouped conv whose channels differ from the norm's, an
  integer weight);
- the conv's input is unbatched (as far as the graph's shapes tell): the norm then reads the conv's
  first spatial dim as its channels, not the conv's output channels;
- a parameter is not finite (inf or nan in a weight or a statistic: the fold would move it to other
  elements than the ones the original spreads it to), or a folded weight or bias is not (the scale
  overflows the weight's dtype: a huge ``gamma`` over a tiny ``var + eps``), or a folded scale, weight or
  bias is subnormal (it would keep only some of its significant bits) or underflows to zero.

A missing conv bias folds as zeros, a missing ``gamma``/``beta`` (``affine=False``) as ones/zeros.
``training=True`` batch norms use batch statistics and never match the pattern. The matcher
refuses a match whose conv output is also used elsewhere (it would escape the match), so such a
conv is left alone. The aten spellings (make_fx's ``native_batch_norm``, core ATen's
``_native_batch_norm_legit_no_training``) return a tuple; the unread saved statistics' ``getitem``
nodes go with the fold.

On terms the bindings are plain terms, never tensors, so the compute declines and a term example would show
nothing; the conv2d rules' embedded examples are model snippets instead (`ConvBatchNorm`), checked on the graph
of each front end that spells the batch norm their way (`rewrite.check.graph_examples`).
``tests/rules/test_folding.py`` checks every rule on real modules.

>>> import torch, torch.fx as fx
>>> from rewrite import apply, report_of
>>> m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)).eval()
>>> gm = apply(fx.symbolic_trace(m), RULESET)
>>> report_of(gm).counts
{'conv2d-batch_norm': 1}
>>> x = torch.randn(1, 3, 8, 8)
>>> torch.testing.assert_close(gm(x), m(x), rtol=1e-4, atol=1e-5)

See Also:
    rules/inference.yaml: the declarative inference clean-ups.
    rewrite.engine.replacement: how tensors returned by a compute become module buffers.
"""

from __future__ import annotations

import torch
import torch.fx

from unify import var
from rewrite.pyrules import compute, example, ops, rule, ruleset

x, w, b, stride, padding, dilation, groups = (var(n) for n in
                                             ("x", "w", "b", "stride", "padding", "dilation", "groups"))
gamma, beta, mean, var_, momentum, eps = (var(n) for n in ("gamma", "beta", "mean", "var", "momentum", "eps"))
new_weight, new_bias = var("new_weight"), var("new_bias")


def _is_float_tensor(t) -> bool:
    return isinstance(t, torch.Tensor) and t.dtype.is_floating_point


def folded_conv_params(w, b, gamma, beta, mean, var, eps):
    """The conv weight and bias with an eval-mode batch norm folded in, or None if it cannot fold.

    >>> w, b = torch.ones(2, 1, 1, 1), None
    >>> fw, fb = folded_conv_params(w, b, torch.tensor([2., 1.]), torch.tensor([0., 1.]),
    ...                             torch.zeros(2), torch.tensor([3., 0.]), 1.0)
    >>> fw.flatten().tolist(), fb.tolist()
    ([1.0, 1.0], [0.0, 1.0])
    >>> folded_conv_params(var('w'), None, None, None, torch.zeros(2), torch.ones(2), 1e-5) is None
    True
    """
    if not (_is_float_tensor(w) and _is_float_tensor(mean) and _is_float_tensor(var)):
        return None
    if any(t is not None and not _is_float_tensor(t) for t in (b, gamma, beta)):
        return None
    if not isinstance(eps, (int, float)) or isinstance(eps, bool):
        return None
    out = w.shape[0]
    if any(t is not None and tuple(t.shape) != (out,) for t in (b, gamma, beta, mean, var)):
        return None
    dtype = w.dtype
    with torch.no_grad():  # per-channel factors in float64; the weight itself scaled once, in its own dtype
        wide = torch.float64
        scale = (gamma.to(wide) if gamma is not None else torch.ones(out, dtype=wide)) \
            / torch.sqrt(var.to(wide) + eps)
        shift = beta.to(wide) if beta is not None else torch.zeros(out, dtype=wide)
        bias = b.to(wide) if b is not None else torch.zeros(out, dtype=wide)
        narrow = scale.to(dtype)
        per_channel = (-1, *([1] * (w.dim() - 1)))
        new_w = w * narrow.reshape(per_channel)
        wide_b = (bias - mean.to(wide)) * scale + shift
        new_b = wide_b.to(dtype)
        if not all(bool(t.isfinite().all()) for t in (w, b, gamma, beta, mean, var, new_w, new_b) if t is not None):
            return None
        if any(_subnormal(t) for t in (narrow, new_w, new_b)):
            return None
        if _flushed(new_w, w.to(wide) * scale.reshape(per_channel)) or _flushed(new_b, wide_b) \
                or _flushed(narrow, scale):
            return None
        return new_w.contiguous(), new_b


def _flushed(narrow: torch.Tensor, exact: torch.Tensor) -> bool:
    """Whether a value that is nonzero in float64 became zero in ``narrow``'s dtype (it underflowed: a tiny
    ``gamma`` times a small weight is 0 in bfloat16, where the unfolded batch norm keeps a nonzero result).

    >>> _flushed(torch.tensor([0.0], dtype=torch.bfloat16), torch.tensor([1e-45], dtype=torch.float64))
    True
    """
    return bool(((narrow == 0) & (exact != 0)).any())


def _subnormal(t: torch.Tensor) -> bool:
    """Whether a nonzero element of ``t`` is subnormal in its dtype (it has lost significant bits)."""
    return bool(((t != 0) & (t.abs() < torch.finfo(t.dtype).tiny)).any())


def _batched_rank(x, w) -> bool:
    """False when ``x`` (a node with a shape, or a tensor) is known not to be a batch (its rank is not the
    weight's): the norm's channels would be another dim than the conv's output channels."""
    val = x.meta.get("val") if isinstance(x, torch.fx.Node) else x
    dim = getattr(val, "dim", None)
    return dim is None or dim() == w.dim()


def _fold(op: str):
    def fold(x, w, b, stride, padding, dilation, groups, gamma, beta, mean, var, eps):
        if _is_float_tensor(w) and not _batched_rank(x, w):
            return None
        params = folded_conv_params(w, b, gamma, beta, mean, var, eps)
        if params is None:
            return None
        new_w, new_b = params
        return (op, x, new_w, new_b, stride, padding, dilation, groups)
    fold.__name__ = fold.__qualname__ = f"fold_{op}_batch_norm"
    return fold


class ConvBatchNorm(torch.nn.Module):
    """A conv2d and an eval-mode batch norm with drawn (not default) statistics: the folding rules' example.

    Built from its own seeded generator, so making one leaves torch's global random state as it was.
    """

    def __init__(self, channels: int = 3, features: int = 4):
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            self.conv = torch.nn.Conv2d(channels, features, 3)
            self.norm = torch.nn.BatchNorm2d(features)
            with torch.no_grad():
                for tensor, low, high in ((self.norm.running_mean, -1.0, 1.0), (self.norm.running_var, 0.5, 2.0),
                                          (self.norm.weight, 0.5, 2.0), (self.norm.bias, -1.0, 1.0)):
                    tensor.uniform_(low, high)
        self.eval()

    def forward(self, x):
        return self.norm(self.conv(x))


_FRONT_ENDS = {"batch_norm": ("symbolic_trace", "export"), "native_batch_norm": ("make_fx",),
               "native_batch_norm_no_training": ("export+run_decompositions",)}  # where each spelling is traced


def _examples(op: str, name: str) -> list:
    if op != "conv2d":
        return []
    return [example(model=ConvBatchNorm(), inputs=("float32[2,3,8,8]",), fires=1, after="conv2d(x, w, b)",
                    front_ends=_FRONT_ENDS[name])]


def _conv_bn_rules(op: str) -> list:
    """The rule for each way a graph spells an eval-mode batch norm after ``op``: ``batch_norm`` (symbolic_trace,
    torch.export), aten's ``native_batch_norm`` (make_fx, AOT) and ``_native_batch_norm_legit_no_training``
    (core ATen, ``run_decompositions``); the aten ones return a tuple read through ``getitem(., 0)``."""
    conv = getattr(ops, op)(x, w, b, stride, padding, dilation, groups)
    # what the fold returns, declared for static checks: the conv with a new weight and bias (constants)
    folded = getattr(ops, op)(x, new_weight, new_bias, stride, padding, dilation, groups)
    fold = compute(_fold(op), result=folded)
    spellings = (
        ("batch_norm", ops.batch_norm(conv, gamma, beta, mean, var_, False, momentum, eps)),
        ("native_batch_norm",
         ops.getitem(ops.native_batch_norm(conv, gamma, beta, mean, var_, False, momentum, eps), 0)),
        ("native_batch_norm_no_training",
         ops.getitem(ops.call("_native_batch_norm_legit_no_training", conv, gamma, beta, mean, var_, momentum, eps),
                     0)),
    )
    return [rule(f"{op}-{name}", pattern, fold, examples=_examples(op, name),
                 description=f"Fold an eval-mode {name} into the {op} before it (new weight and bias).")
            for name, pattern in spellings]


RULESET = ruleset(
    "folding",
    *(r for op in ("conv1d", "conv2d", "conv3d") for r in _conv_bn_rules(op)),
    description="Fold eval-mode batch norms into the convolutions before them.",
)
