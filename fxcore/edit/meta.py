"""``meta`` for nodes made by a rewrite: provenance from the replaced root, and ``val`` by FakeTensor propagation.

See Also
--------
fxcore.edit.surgery.replace_match
"""
from __future__ import annotations

from typing import Any

import torch
from torch.fx import GraphModule, Node
from torch.fx.node import map_aggregate

__all__ = ["copy_meta", "inherited_meta", "fake_mode_of", "propagate_val"]

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
        return mode.from_tensor(v)
    return v


def propagate_val(node: Node, gm, fake_mode) -> None:
    """Set ``node.meta['val']`` by running its target on its inputs' FakeTensor values; else leave it absent.

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); b = g.call_function(torch.relu, (g.placeholder('a'),))
    >>> propagate_val(b, None, None); 'val' in b.meta
    False

    See Also
    --------
    fake_mode_of
    """
    if fake_mode is None:
        return
    try:
        if node.op == "get_attr" and isinstance(gm, GraphModule):
            value = torch.fx.graph_module._get_attr(gm, node.target)
            node.meta["val"] = fake_mode.from_tensor(value) if isinstance(value, torch.Tensor) else value
            return
        if node.op != "call_function" or any("val" not in i.meta for i in node.all_input_nodes):
            return
        get = lambda a: _in_mode(a.meta["val"], fake_mode) if isinstance(a, Node) else a  # noqa: E731
        args, kwargs = map_aggregate(node.args, get), map_aggregate(node.kwargs, get)
        with fake_mode:
            node.meta["val"] = node.target(*args, **kwargs)
    except Exception:  # a value we cannot compute is left absent, never guessed
        node.meta.pop("val", None)
