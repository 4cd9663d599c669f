"""Would replacing a set of nodes by one node create a cycle? A search bounded by graph order.

A set ``S`` of nodes can be fused (or replaced as a unit) iff no path leaves
``S`` and comes back into it.  Graph order is a topological order, so a path
that reaches a node after the last node of ``S`` can never come back: the
search only visits nodes between the set's external users and its last node.
For the local matches of a rewrite rule that is a handful of nodes, where
torch's ``validate_partition`` walks everything downstream.

See Also
--------
torch.fx.passes.utils.fuser_utils.validate_partition : the reference (``valid == not creates_cycle``).
"""
from __future__ import annotations

from typing import Iterable

from torch.fx import Node

__all__ = ["creates_cycle"]


def creates_cycle(nodes: Iterable[Node]) -> bool:
    """Whether some path leaves ``nodes`` and re-enters it (so the set cannot be replaced as a unit).

    >>> import torch, torch.fx as fx
    >>> g = fx.Graph(); x = g.placeholder('x')
    >>> a = g.call_function(torch.relu, (x,)); b = g.call_function(torch.neg, (a,))
    >>> c = g.call_function(torch.add, (a, b))
    >>> creates_cycle([a, c]), creates_cycle([a, b, c]), creates_cycle([])
    (True, False, False)

    See Also
    --------
    fxcore.match.find_matches
    """
    inside = {n: None for n in nodes}
    if not inside:
        return False
    last = max(inside)
    stack = [u for n in inside for u in n.users if u not in inside and u < last]
    seen: set = set()
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        for w in u.users:
            if w in inside:
                return True
            if w not in seen and w < last:
                stack.append(w)
    return False
