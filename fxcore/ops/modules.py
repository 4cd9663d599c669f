"""``nn.Module`` types viewed as functional canonical ops (data plus one small extractor each).

A call_module node ``self.fc(x)`` on an ``nn.Linear`` is ``linear(x, Attr('fc.weight'), Attr('fc.bias'))``:
parameters and buffers become `Attr` operands (None when absent), hyper-parameters literals, and
``training`` reflects the module's mode. A module configuration with no canonical form (a conv with
``padding_mode='reflect'``, a pool with ``return_indices=True``) stays unknown.

>>> sp = {s.module_type: s for s in module_spellings()}
>>> sp[nn.Linear].extract(nn.Linear(2, 3, bias=False), 'fc')
{'weight': Attr('fc.weight'), 'bias': None}

See Also
--------
fxcore.ops.spellings : function and method spellings.
"""
from __future__ import annotations

import torch.nn as nn

from fxcore.ops.model import Attr, ModuleSpelling, NotRepresentable

__all__ = ["module_spellings", "attr_or_none"]


def attr_or_none(module, qualname: str, name: str):
    """`Attr` naming ``qualname.name`` if the module has that tensor attribute set, else None.

    >>> attr_or_none(nn.Linear(2, 2, bias=False), 'fc', 'bias') is None
    True

    See Also
    --------
    fxcore.ops.model.Attr
    """
    if getattr(module, name, None) is None:
        return None
    return Attr(f"{qualname}.{name}" if qualname else name)


def _no_hparams(module, qualname):
    return {}


def _linear(m, q):
    return {"weight": Attr(f"{q}.weight"), "bias": attr_or_none(m, q, "bias")}


def _conv(m, q):
    if m.padding_mode != "zeros":
        raise NotRepresentable(f"{q}: padding_mode={m.padding_mode!r}")
    return {"weight": Attr(f"{q}.weight"), "bias": attr_or_none(m, q, "bias"), "stride": m.stride,
            "padding": m.padding, "dilation": m.dilation, "groups": m.groups}


def _conv_transpose(m, q):
    if m.padding_mode != "zeros":
        raise NotRepresentable(f"{q}: padding_mode={m.padding_mode!r}")
    return {**_conv(m, q), "output_padding": m.output_padding}


def _batch_norm(m, q):
    use_batch_stats = m.training or not m.track_running_stats
    momentum = 0.0 if m.momentum is None else m.momentum  # cumulative average: only matters in training
    if m.training and m.momentum is None:
        raise NotRepresentable(f"{q}: momentum=None (cumulative moving average) in training mode")
    return {"weight": attr_or_none(m, q, "weight"), "bias": attr_or_none(m, q, "bias"),
            "running_mean": attr_or_none(m, q, "running_mean") if m.track_running_stats else None,
            "running_var": attr_or_none(m, q, "running_var") if m.track_running_stats else None,
            "training": use_batch_stats, "momentum": momentum, "eps": m.eps}


def _layer_norm(m, q):
    return {"normalized_shape": m.normalized_shape, "weight": attr_or_none(m, q, "weight"),
            "bias": attr_or_none(m, q, "bias"), "eps": m.eps}


def _group_norm(m, q):
    return {"num_groups": m.num_groups, "weight": attr_or_none(m, q, "weight"),
            "bias": attr_or_none(m, q, "bias"), "eps": m.eps}


def _embedding(m, q):
    if m.max_norm is not None:
        raise NotRepresentable(f"{q}: max_norm renormalizes the weight in place")
    return {"weight": Attr(f"{q}.weight"), "padding_idx": -1 if m.padding_idx is None else m.padding_idx,
            "scale_grad_by_freq": m.scale_grad_by_freq, "sparse": m.sparse}


def _dropout(m, q):
    return {"p": m.p, "train": m.training}


def _max_pool(m, q):
    if m.return_indices:
        raise NotRepresentable(f"{q}: return_indices=True")
    return {"kernel_size": m.kernel_size, "stride": m.stride or m.kernel_size, "padding": m.padding,
            "dilation": m.dilation, "ceil_mode": m.ceil_mode}


def _avg_pool(m, q):
    return {"kernel_size": m.kernel_size, "stride": m.stride or m.kernel_size, "padding": m.padding,
            "ceil_mode": m.ceil_mode, "count_include_pad": m.count_include_pad,
            "divisor_override": getattr(m, "divisor_override", None)}


def _avg_pool1d(m, q):
    return {k: v for k, v in _avg_pool(m, q).items() if k != "divisor_override"}


def _prelu(m, q):
    return {"weight": Attr(f"{q}.weight")}


def _attrs(*names, **renamed):
    """An extractor copying module attributes as literals (``renamed``: canonical=attribute)."""
    pairs = tuple((n, n) for n in names) + tuple(sorted(renamed.items()))

    def extract(m, q):
        return {canon: getattr(m, attr) for canon, attr in pairs}
    return extract


def _softmax_dim(m, q):
    if m.dim is None:
        raise NotRepresentable(f"{q}: Softmax(dim=None) picks the dim from the input rank")
    return {"dim": m.dim}


def _activations() -> list:
    """Activation modules: (type, op, extractor, has inplace flag)."""
    return [
        (nn.ReLU, "relu", _no_hparams), (nn.Sigmoid, "sigmoid", _no_hparams), (nn.Tanh, "tanh", _no_hparams),
        (nn.SiLU, "silu", _no_hparams), (nn.Mish, "mish", _no_hparams), (nn.Hardswish, "hardswish", _no_hparams),
        (nn.Hardsigmoid, "hardsigmoid", _no_hparams), (nn.SELU, "selu", _no_hparams),
        (nn.LogSigmoid, "logsigmoid", _no_hparams),
        (nn.GELU, "gelu", _attrs("approximate")), (nn.LeakyReLU, "leaky_relu", _attrs("negative_slope")),
        (nn.ELU, "elu", _attrs("alpha")), (nn.CELU, "celu", _attrs("alpha")),
        (nn.Hardtanh, "hardtanh", _attrs("min_val", "max_val")),
        (nn.ReLU6, "hardtanh", _attrs("min_val", "max_val")),
        (nn.Softplus, "softplus", _attrs("beta", "threshold")),
        (nn.Softmax, "softmax", _softmax_dim), (nn.LogSoftmax, "log_softmax", _softmax_dim),
    ]


def _layers() -> list:
    """Layers with parameters, pools, shape modules: (type, op, extractor)."""
    out = [(nn.Linear, "linear", _linear), (nn.PReLU, "prelu", _prelu), (nn.Embedding, "embedding", _embedding),
           (nn.LayerNorm, "layer_norm", _layer_norm), (nn.GroupNorm, "group_norm", _group_norm),
           (nn.Flatten, "flatten", _attrs("start_dim", "end_dim")),
           (nn.Unflatten, "unflatten", _attrs("dim", sizes="unflattened_size"))]
    out += [(nn.Dropout, "dropout", _dropout), (nn.Dropout1d, "dropout", _dropout)]
    for n in (1, 2, 3):
        out += [(getattr(nn, f"Conv{n}d"), f"conv{n}d", _conv),
                (getattr(nn, f"ConvTranspose{n}d"), f"conv_transpose{n}d", _conv_transpose),
                (getattr(nn, f"BatchNorm{n}d"), "batch_norm", _batch_norm),
                (getattr(nn, f"MaxPool{n}d"), f"max_pool{n}d", _max_pool),
                (getattr(nn, f"AvgPool{n}d"), f"avg_pool{n}d", _avg_pool1d if n == 1 else _avg_pool),
                (getattr(nn, f"AdaptiveAvgPool{n}d"), f"adaptive_avg_pool{n}d", _attrs("output_size"))]
    return out


_FIRST_PARAM = {"linear": "input", "embedding": "indices", "layer_norm": "input", "group_norm": "input",
                "batch_norm": "input", "dropout": "input"}


def module_spellings() -> tuple:
    """All `ModuleSpelling` values of the standard table, in a fixed order.

    >>> [s.op for s in module_spellings() if s.module_type is nn.Conv2d]
    ['conv2d']

    See Also
    --------
    fxcore.ops.node_operands
    """
    out = [ModuleSpelling(t, op, ("self",), fn, inplace_flag="inplace") for t, op, fn in _activations()]
    for t, op, fn in _layers():
        first = _FIRST_PARAM.get(op, "input" if op.startswith("conv") else "self")
        out.append(ModuleSpelling(t, op, (first,), fn, inplace_flag="inplace" if op == "dropout" else None))
    out.append(ModuleSpelling(nn.Identity, "identity", ("self",), _no_hparams))
    return tuple(out)
