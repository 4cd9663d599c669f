"""``meta`` for nodes made by a rewrite: provenance from the replaced root, and ``val`` by FakeTensor propagation.

See Also
--------
fxcore.edit.surgery.replace_match
"""
from __future__ import annotations

from typing import Any

import torch
from torch._subclasses.fake_tensor import FakeTensor
from torch.fx import GraphModule, Node
from torch.fx.node import map_aggregate

__all__ = ["copy_meta", "inherited_meta", "fake_mode_of", "propagate_val", "val_mismatch", "describe_val"]

_INHERITED = ("stack_trace", "nn_module_stack", "source_fn_stack", "from_node")


def copy_meta(root: Node, node: Node, rule_id: str) -> None:
    """Give ``node`` the provenance of the replaced ``root`` and tag it with ``rule_id``.

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); a = g.placeholder('a'); a.meta['stack_trace'] = 'File "m.py", line 3'
    >>> b = g.call_function(torch.relu, (a,)); copy_meta(a, b, 'r1')
    >>> b.meta['stack_trace'], b.meta['rewrite_rule']
    ('File "m.py", line 3', 'r1')

    See Also
    --------
    propagate_val
    """
    src, dst = root.meta, node.meta
    for k in _INHERITED:
        if k in src and k not in dst:
            dst[k] = src[k]
    dst["rewrite_rule"] = rule_id


def inherited_meta(meta: dict, rule_id: str) -> dict:
    """The ``meta`` of a node that replaces one with ``meta``: its provenance, tagged with ``rule_id``.

    >>> inherited_meta({'stack_trace': 'File "m.py", line 3', 'val': 1.0, 'seq_nr': 7}, 'r1')
    {'stack_trace': 'File "m.py", line 3', 'rewrite_rule': 'r1'}
    """
    out = {k: meta[k] for k in _INHERITED if k in meta}
    out["rewrite_rule"] = rule_id
    return out


def fake_mode_of(nodes) -> Any:
    """The FakeTensorMode of the first ``meta['val']`` among ``nodes`` that has one, else None.

    >>> import torch.fx as fx
    >>> fake_mode_of([fx.Graph().placeholder('a')]) is None
    True

    See Also
    --------
    propagate_val
    """
    vals = [n.meta["val"] for n in nodes if "val" in n.meta]
    if not vals:
        return None
    from torch._guards import detect_fake_mode
    try:
        return detect_fake_mode(vals)
    except Exception:
        return None


def _in_mode(v: Any, mode) -> Any:
    """``v`` as a fake tensor of ``mode`` (make_fx gives each value its own mode; they cannot mix)."""
    if isinstance(v, torch.Tensor) and getattr(v, "fake_mode", None) is not mode:
        return _fake(mode, v)
    return v


def _fake(mode, value: torch.Tensor):
    """``value`` as a fake tensor of ``mode``: its sizes, strides, dtype and device, its data never read.

    A tensor with plain int sizes (a parameter a rule made, or another mode's fake tensor: make_fx gives each
    value its own mode) becomes a FakeTensor around a meta tensor of its layout, made directly: a twentieth of
    ``from_tensor``'s first conversion, which also describes storage, autograd and views; and static: a mode
    with a shape environment would give it sizes nothing else in an exported graph has.
    """
    if all(isinstance(d, int) for d in value.shape) and value.layout is torch.strided and not value.is_quantized \
            and all(isinstance(s, int) for s in value.stride()):
        meta = torch.empty_strided(value.shape, value.stride(), dtype=value.dtype, device="meta")
        return FakeTensor(mode, meta, value.device)
    return mode.from_tensor(value)


def propagate_val(node: Node, gm, fake_mode) -> Exception | None:
    """Set ``node.meta['val']`` by running its target on its inputs' FakeTensor values; else leave it absent.

    Returns what the target raised on fake tensors (the node is wrong for its inputs: ``gelu(x,
    approximate='nonsense')``, a shape mismatch), or None: computed, or not computable (no fake mode, an
    input without a value, an op without a fake kernel or with a data-dependent output shape).

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); b = g.call_function(torch.relu, (g.placeholder('a'),))
    >>> propagate_val(b, None, None), 'val' in b.meta
    (None, False)

    See Also
    --------
    fake_mode_of, val_mismatch
    """
    if fake_mode is None:
        return None
    try:
        if node.op == "get_attr" and isinstance(gm, GraphModule):
            value = torch.fx.graph_module._get_attr(gm, node.target)
            node.meta["val"] = _fake(fake_mode, value) if isinstance(value, torch.Tensor) else value
            return
        if node.op != "call_function" or any("val" not in i.meta for i in node.all_input_nodes):
            return
        get = lambda a: _in_mode(a.meta["val"], fake_mode) if isinstance(a, Node) else a  # noqa: E731
        args, kwargs = map_aggregate(node.args, get), map_aggregate(node.kwargs, get)
        with fake_mode:
            node.meta["val"] = node.target(*args, **kwargs)
    except _NOT_COMPUTABLE:  # a value we cannot compute is left absent, never guessed
        node.meta.pop("val", None)
    except Exception as exc:
        node.meta.pop("val", None)
        return exc
    return None


def _not_computable() -> tuple:
    from torch._subclasses import fake_tensor as ft
    names = ("UnsupportedOperatorException", "DataDependentOutputException", "DynamicOutputShapeException",
             "UnsupportedFakeTensorException")
    return tuple(getattr(ft, n) for n in names if hasattr(ft, n))


_NOT_COMPUTABLE = _not_computable()


def describe_val(value: Any) -> str:
    """A value as a replacement check shows it: ``float32[2, 3] on cpu``, or the Python type of a literal.

    >>> describe_val(torch.ones(2, 3)), describe_val(1.5)
    ('float32[2, 3] on cpu', 'the float 1.5')
    """
    if isinstance(value, torch.Tensor):
        dims = ", ".join(str(d) for d in value.shape)
        return f"{str(value.dtype).replace('torch.', '')}[{dims}] on {value.device}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(describe_val(v) for v in value) + ")"
    return f"the {type(value).__name__} {value!r}"


def val_mismatch(old: Any, new: Any) -> str | None:
    """How ``new`` differs from ``old`` in shape, dtype or device (tensors, or tuples of them), or None.

    ``new`` may be a literal (a replacement that is a number): that is a mismatch for a tensor.

    >>> val_mismatch(torch.ones(2, 3), torch.ones(3)), val_mismatch(torch.ones(2), torch.ones(2))
    ('float32[3] on cpu where the node gave float32[2, 3] on cpu', None)

    See Also
    --------
    describe_val
    """
    if isinstance(old, (tuple, list)) and isinstance(new, (tuple, list)) and len(old) == len(new):
        return next((m for m in map(val_mismatch, old, new) if m is not None), None)
    if not isinstance(old, torch.Tensor):
        return None
    same = isinstance(new, torch.Tensor) and new.dtype == old.dtype and new.device == old.device and \
        new.dim() == old.dim() and all(map(_same_size, new.shape, old.shape))
    return None if same else f"{describe_val(new)} where the node gave {describe_val(old)}"


def _same_size(a: Any, b: Any) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    from torch.fx.experimental.symbolic_shapes import statically_known_true
    return bool(statically_known_true(a == b))
