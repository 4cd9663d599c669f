"""`Capture`: a subpattern whose matched node a post-check reads, without the escape rights of a named one.

``bind(v, p)`` (`fxcore.view.pattern.Bound`) names the node ``p`` matched and lets it have users outside
the match. ``Capture(v, p)`` records the node in ``v``'s slot the same way, but the node is an inner
node like any other: a user outside the match still refuses it. The decomposition variants
(`fxcore.match.variants`) capture the root of a decomposed op and its operands, to check at the matched
shapes that the graph is what the op decomposes into there.

>>> from unify import var
>>> Capture(var('r'), ('neg', var('x')))
~r=('neg', ~x)

See Also
--------
fxcore.match.program : compiles a capture like a named subpattern, without naming it.
"""
from __future__ import annotations

from dataclasses import dataclass

from unify.variable import Var

__all__ = ["Capture"]


@dataclass(frozen=True)
class Capture:
    """Match ``pattern``, keep its node in ``var``'s slot (the first occurrence; later ones must be the same node)."""

    var: Var
    pattern: tuple

    def __repr__(self) -> str:
        return f"{self.var!r}={self.pattern!r}"
