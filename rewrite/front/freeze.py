"""Freezing for the torch.compile backend: a dynamo graph's parameters become constants the rules can fold.

Dynamo passes a module's parameters and buffers into the graph as inputs (placeholders), so a rule that
reads them as tensors (conv + batch norm folding) sees nodes and declines. Freezing, as inductor's
``freezing`` does, turns each such placeholder's uses into a ``get_attr`` of the tensor itself (the
placeholder stays: the calling convention is unchanged), so the rules fold.

The guards. A frozen graph is right only while the frozen tensors are the ones it was compiled with and
hold the same values, and while no gradient is wanted through them. `FrozenCall` checks this on every
call, for a few pointer and counter comparisons per frozen tensor: each argument in a frozen position
must be the same tensor object, with the same ``_version`` (torch bumps it on every in-place write:
``optimizer.step()``, ``load_state_dict``, ``p.data.mul_()``), and if grad mode is on, none of them may
require grad. When a guard fails, the call runs the unfrozen graph instead (same numbers, no folding);
`FrozenCall.fallbacks` counts those calls. Writing ``p.data = other`` swaps storage without a version
bump: freeze only modules whose weights no longer change, as with inductor.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x, w: x * w)
>>> w = torch.ones(2)
>>> frozen = freeze(gm, [torch.ones(2), w], positions=(1,))
>>> [n.op for n in gm.graph.nodes]
['placeholder', 'placeholder', 'get_attr', 'call_function', 'output']
>>> call = FrozenCall(gm.forward, fx.GraphModule(gm, frozen.unfrozen).forward, frozen)
>>> float(call(torch.ones(2), w).sum())
2.0
>>> with torch.no_grad():
...     _ = w.mul_(3)  # an in-place write: the guard sees the new version and runs the unfrozen graph
>>> float(call(torch.ones(2), w).sum()), call.fallbacks
(6.0, 1)

See Also
--------
rewrite.front.backend.backend : ``freeze=True``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
import torch.fx as fx

__all__ = ["freeze", "parameter_positions", "name_sources", "Frozen", "FrozenCall"]


def parameter_positions(gm: fx.GraphModule) -> tuple[int, ...]:
    """The positions of the placeholders dynamo made for a module's parameters and buffers.

    >>> import torch.fx as fx
    >>> parameter_positions(fx.symbolic_trace(lambda x: x))  # not a dynamo graph: nothing to freeze
    ()
    """
    from torch._dynamo.source import ChainedSource, ParamBufferSource, UnspecializedParamBufferSource
    out = []
    for i, node in enumerate(gm.graph.find_nodes(op="placeholder")):
        source = getattr(node.meta.get("grapharg"), "source", None)
        while source is not None:
            if isinstance(source, (ParamBufferSource, UnspecializedParamBufferSource)):
                out.append(i)
                break
            source = source.base if isinstance(source, ChainedSource) else None
    return tuple(out)


@dataclass(frozen=True)
class Frozen:
    """What `freeze` did: the frozen positions, the tensors and their versions, and the graph before it."""

    positions: tuple[int, ...]
    tensors: tuple[torch.Tensor, ...] = field(repr=False)
    versions: tuple[int, ...]
    unfrozen: fx.Graph = field(repr=False)

    def holds(self, args: Sequence) -> bool:
        """Are ``args`` in the frozen positions the frozen tensors, unwritten, wanting no gradient?"""
        for i, tensor, version in zip(self.positions, self.tensors, self.versions):
            arg = args[i]
            if arg is not tensor or arg._version != version:
                return False
        return not (torch.is_grad_enabled() and any(t.requires_grad for t in self.tensors))


def freeze(gm: fx.GraphModule, example_inputs: Sequence, positions: tuple[int, ...] | None = None) -> Frozen:
    """Make the placeholders at ``positions`` (default: `parameter_positions`) read constants: each one's uses
    read a ``get_attr`` of the example tensor, registered on ``gm`` as a buffer. Returns the `Frozen` record."""
    positions = parameter_positions(gm) if positions is None else tuple(positions)
    unfrozen = copy.deepcopy(gm.graph)
    placeholders = list(gm.graph.find_nodes(op="placeholder"))
    tensors = []
    for i in positions:
        node, tensor = placeholders[i], example_inputs[i]
        name = f"_frozen_{node.name}"
        # an alias (same storage and version counter, another object: AOT would take the very object passed
        # in as an input too for a duplicate argument, and guard on it)
        gm.register_buffer(name, tensor.detach(), persistent=False)
        with gm.graph.inserting_after(placeholders[-1]):
            constant = gm.graph.get_attr(name)
        constant.meta.update({k: node.meta[k] for k in ("val", "example_value", "tensor_meta") if k in node.meta})
        node.replace_all_uses_with(constant)
        tensors.append(tensor)
    gm.recompile()
    return Frozen(positions, tuple(tensors), tuple(t._version for t in tensors), unfrozen)


def name_sources(gm: fx.GraphModule) -> tuple[str, ...]:
    """Give the buffers and parameters a rewrite added to a dynamo graph a source of their own.

    AOT autograd (every backend after ours but "eager") lifts a dynamo graph's registered tensors to inputs
    and wants dynamo's source for each (``_param_name_to_source``); ours have none: each gets a
    ``ConstantSource`` named after it (used to tell inputs apart, never to guard: they are ours, not the
    user's). Returns the names given one.
    """
    known = getattr(gm, "_param_name_to_source", None)
    if known is None:
        return ()
    from torch._dynamo.source import ConstantSource
    named = [n for n, _ in (*gm.named_parameters(), *gm.named_buffers()) if n not in known]
    for name in named:
        known[name] = ConstantSource(f"__rewrite_{name}")
    return tuple(named)


class FrozenCall:
    """The compiled frozen graph, run while `Frozen.holds`; otherwise the unfrozen one (see the module doc)."""

    def __init__(self, frozen_fn: Callable, unfrozen_fn: Callable, frozen: Frozen):
        self.frozen_fn, self.unfrozen_fn, self.frozen = frozen_fn, unfrozen_fn, frozen
        self.fallbacks = 0

    def __call__(self, *args):
        if self.frozen.holds(args):
            return self.frozen_fn(*args)
        self.fallbacks += 1
        return self.unfrozen_fn(*args)
