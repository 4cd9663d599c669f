"""A ``torch.compile`` backend that applies a rule set to every graph dynamo captures.

>>> import torch
>>> from rewrite import RuleSet
>>> compile_fn = backend(RuleSet("empty", ()))
>>> fn = torch.compile(lambda x: torch.neg(torch.neg(x)) + 1, backend=compile_fn)
>>> bool((fn(torch.ones(2)) == 2).all())
True
>>> compile_fn.reports[-1].ruleset
'empty'
>>> torch._dynamo.reset()

See Also:
    rewrite.engine.apply.apply: what runs on each captured graph.
    torch._dynamo.register_backend: how ``name=`` makes it usable as ``backend="name"``.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.fx as fx

from rewrite.engine.apply import apply
from rewrite.engine.report import Report, report_of
from rewrite.front.freeze import FrozenCall, freeze, name_sources

__all__ = ["backend", "RewriteBackend"]


class RewriteBackend:
    """A dynamo backend: rewrite the captured graph, then hand it to ``then`` (default: run it as is).

    ``reports`` keeps the :class:`~rewrite.engine.report.Report` of each graph compiled.
    """

    def __init__(self, ruleset, then: str | Callable | None = None, freeze: bool = False, **apply_options: Any):
        self.ruleset = ruleset
        self.then = then
        self.freeze = freeze
        self.apply_options = apply_options
        self.reports: list[Report] = []
        self.calls: list[FrozenCall] = []  # one per frozen graph: its guard fallbacks are counted there
        self.__name__ = f"rewrite[{getattr(ruleset, 'name', ruleset)}]"

    def __call__(self, gm: fx.GraphModule, example_inputs: list) -> Callable:
        frozen = freeze(gm, example_inputs) if self.freeze else None
        fallback = fx.GraphModule(gm, frozen.unfrozen) if frozen is not None and frozen.positions else None
        apply(gm, self.ruleset, **self.apply_options)
        self.reports.append(report_of(gm))
        name_sources(gm)  # (AOT, after us, wants a dynamo source for every registered tensor: folded weights too)
        compiled = self._downstream(gm, example_inputs)
        if fallback is None:
            return compiled
        call = FrozenCall(compiled, _Lazy(lambda: self._downstream(fallback, example_inputs)), frozen)
        self.calls.append(call)
        return call

    def _downstream(self, gm: fx.GraphModule, example_inputs: list) -> Callable:
        if self.then is None:
            return gm.forward
        downstream = torch._dynamo.lookup_backend(self.then) if isinstance(self.then, str) else self.then
        return downstream(gm, example_inputs)


class _Lazy:
    """A callable made on its first call (the unfrozen graph is compiled only if a guard ever fails)."""

    def __init__(self, make: Callable[[], Callable]):
        self.make, self.fn = make, None

    def __call__(self, *args):
        if self.fn is None:
            self.fn = self.make()
        return self.fn(*args)


def backend(ruleset, *, name: str | None = None, then: str | Callable | None = None, freeze: bool = False,
            **apply_options: Any) -> RewriteBackend:
    """A ``torch.compile`` backend applying ``ruleset`` (a RuleSet, or anything ``rewrite.load`` takes).

    ``then`` is the backend the rewritten graph goes to (a name such as ``"inductor"``
    or a callable); by default the rewritten graph runs as is. With ``name``, the
    backend is also registered with dynamo so ``torch.compile(m, backend=name)`` works.
    ``freeze=True`` treats the module's parameters and buffers as constants, as inductor's freezing
    does, so rules that fold them (conv + batch norm) fire; guarded on every call: the same tensors,
    unwritten since (their ``_version``), no gradient wanted through them, else the unfrozen graph runs
    (`rewrite.front.freeze`). For inference on modules whose weights no longer change.
    """
    if isinstance(ruleset, str):
        from rewrite.lang.loader import load

        ruleset = load(ruleset)
    compile_fn = RewriteBackend(ruleset, then, freeze, **apply_options)
    if name is not None:
        from torch._dynamo.backends.registry import register_backend

        register_backend(compiler_fn=compile_fn, name=name)
    return compile_fn
