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

__all__ = ["backend", "RewriteBackend"]


class RewriteBackend:
    """A dynamo backend: rewrite the captured graph, then hand it to ``then`` (default: run it as is).

    ``reports`` keeps the :class:`~rewrite.engine.report.Report` of each graph compiled.
    """

    def __init__(self, ruleset, then: str | Callable | None = None, **apply_options: Any):
        self.ruleset = ruleset
        self.then = then
        self.apply_options = apply_options
        self.reports: list[Report] = []
        self.__name__ = f"rewrite[{getattr(ruleset, 'name', ruleset)}]"

    def __call__(self, gm: fx.GraphModule, example_inputs: list) -> Callable:
        apply(gm, self.ruleset, **self.apply_options)
        self.reports.append(report_of(gm))
        if self.then is None:
            return gm.forward
        downstream = torch._dynamo.lookup_backend(self.then) if isinstance(self.then, str) else self.then
        return downstream(gm, example_inputs)


def backend(ruleset, *, name: str | None = None, then: str | Callable | None = None,
            **apply_options: Any) -> RewriteBackend:
    """A ``torch.compile`` backend applying ``ruleset`` (a RuleSet, or anything ``rewrite.load`` takes).

    ``then`` is the backend the rewritten graph goes to (a name such as ``"inductor"``
    or a callable); by default the rewritten graph runs as is. With ``name``, the
    backend is also registered with dynamo so ``torch.compile(m, backend=name)`` works.
    """
    if isinstance(ruleset, str):
        from rewrite.lang.loader import load

        ruleset = load(ruleset)
    compile_fn = RewriteBackend(ruleset, then, **apply_options)
    if name is not None:
        from torch._dynamo.backends.registry import register_backend

        register_backend(compiler_fn=compile_fn, name=name)
    return compile_fn
