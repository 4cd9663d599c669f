"""Would a rewrite change what the program computes through aliasing? Decided before surgery, from the term.

A rewrite points the root's users at a new value. That is safe when the new value shares storage with
exactly what the root shared (``transpose(transpose(x)) -> x``: a view of ``x`` becomes ``x``), or when
both are fresh (``mul(x, sigmoid(x)) -> silu(x)``). Otherwise it is refused where it would show:

- a write in place to the root's storage would now land in another value's (``y = x * 1; y.mul_(2)``:
  ``mul-one`` would make the write double the caller's ``x``), or a write to the new value's storage
  would now be seen by the root's users (``a = neg(neg(y)); y.add_(1)``: ``a`` would see the write), or
  hidden from them behind a copy;
- a graph output would newly share storage with a graph input or a parameter (the caller could write
  one through the other);
- the replacement reads a variable at the root's place after a write that the matched inner nodes
  read before (``sub(a, neg(b))`` with ``b.add_(1)`` in between).

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from fxcore.match import find_matches
>>> from fxcore.view.effects import GraphEffects
>>> def f(x):
...     y = x * 1.0
...     y.mul_(2)
...     return x + y
>>> gm = fx.symbolic_trace(f)
>>> (m,) = find_matches(gm.graph, ('mul', var('x'), 1))
>>> print(refusal(GraphEffects(gm.graph), m, var('x')))
node 'mul_' writes 'mul' in place; with its users reading 'x' instead, the write would reach 'x'

See Also
--------
fxcore.view.effects.GraphEffects : the facts this reads.
"""
from __future__ import annotations

import functools
from typing import Any

from torch.fx import Node

from fxcore.ops import Attr
from fxcore.view.effects import FRESH, VIEW, GraphEffects, op_alias_kind, op_writes
from unify.variable import isvar

__all__ = ["refusal", "predicted_origins", "NEW"]

NEW = "<new storage>"  # the origin of a value the replacement creates


def predicted_origins(effects: GraphEffects, term: Any, bindings) -> frozenset:
    """The storage origins the value of ``term`` will have once built (`NEW` for fresh storage).

    >>> import torch.fx as fx
    >>> from unify import var
    >>> g = fx.Graph(); a = g.placeholder('a'); e = GraphEffects(g)
    >>> predicted_origins(e, ('transpose', var('x'), 0, 1), {var('x'): a}) == {a}
    True
    >>> predicted_origins(e, ('add', var('x'), var('x')), {var('x'): a}) == {NEW}
    True
    """
    stack, results = [(term, False)], []
    while stack:  # iterative post-order: an op term takes its operands' origins off ``results``
        t, ready = stack.pop()
        if isinstance(t, tuple) and t and isinstance(t[0], str):
            if not ready:
                stack.append((t, True))
                stack.extend((a, False) for a in t[1:])
                continue
            operands = [results.pop() for _ in t[1:]]  # in operand order (the first was evaluated last)
            kind = op_alias_kind(t[0])
            if kind is FRESH or not operands:
                results.append(frozenset((NEW,)))
            elif kind is VIEW:
                results.append(operands[0])
            else:
                results.append(frozenset((NEW,)).union(*operands))
        else:
            results.append(_leaf_origins(effects, t, bindings))
    return results[0]


def _leaf_origins(effects: GraphEffects, t: Any, bindings) -> frozenset:
    """A variable's value's origins; a module attribute's own origin; none for literals."""
    if isvar(t):
        value = bindings.get(t)
        return effects.origins(value) if isinstance(value, Node) else frozenset()
    if isinstance(t, Attr):
        return frozenset((f"<attribute {t.qualname}>",))
    if isinstance(t, (tuple, list)):  # a literal list may hold variables (sizes): shallow
        return frozenset().union(*(_leaf_origins(effects, a, bindings) for a in t)) if t else frozenset()
    return frozenset()


def refusal(effects: GraphEffects, match, replacement: Any, view=None) -> str | None:
    """Why replacing ``match`` by ``replacement`` could change the program's numbers through aliasing, or None.

    See Also
    --------
    predicted_origins
    """
    adds = _added_write(replacement)
    if adds is not None:
        return f"the replacement writes in place ({adds}(...)); a rewrite may not add a write"
    roots = match.roots
    if not roots:  # one root (the common case)
        return _refusal_at(effects, match, match.root, replacement)
    terms = replacement if len(roots) > 1 else (replacement,)
    for root, term in zip(roots, terms):
        why = _refusal_at(effects, match, root, term)
        if why is not None:
            return why
    return None


def _added_write(term: Any) -> str | None:
    """The first op of ``term`` that writes an operand in place, or None (cached per term: rules reuse theirs)."""
    try:
        return _added_write_cached(term)
    except TypeError:  # an unhashable term (a Compute's): walk it
        return _added_write_uncached(term)


@functools.lru_cache(maxsize=1024)
def _added_write_cached(term: Any) -> str | None:
    return _added_write_uncached(term)


def _added_write_uncached(term: Any) -> str | None:
    stack = [term]
    while stack:
        t = stack.pop()
        if isinstance(t, tuple) and t and isinstance(t[0], str):
            if op_writes(t[0]):
                return t[0]
            stack.extend(t[1:])
        elif isinstance(t, (tuple, list)):
            stack.extend(t)
    return None


def _refusal_at(effects: GraphEffects, match, root: Node, term: Any) -> str | None:
    if effects.functional and root not in effects.output_reach():
        return None  # no write anywhere, and nothing returned shares the root's storage: nothing can show
    bindings = match.bindings
    before = effects.origins(root)
    after = predicted_origins(effects, term, bindings)
    # fresh for fresh: the root's storage is its own or its matched inner nodes' (they die with the match;
    # an inner node has no user outside it), and the replacement makes new storage: writes move along
    owned = before == {root} or before <= set(match.nodes)
    if not (after == before or (after == {NEW} and owned)):
        why = _write_through_alias(effects, root, term, bindings, before, after) or \
            _output_alias(effects, root, term, bindings, before, after)
        if why is not None:
            return why
    return _write_in_between(effects, match, root, bindings)


def _name(value: Any) -> str:
    return repr(value.name) if isinstance(value, Node) else repr(value)


def _describe(term: Any, bindings) -> str:
    if isvar(term):
        return _name(bindings.get(term))
    return f"a new {term[0]}(...)" if isinstance(term, tuple) and term and isinstance(term[0], str) else repr(term)


def _write_through_alias(effects, root, term, bindings, before, after) -> str | None:
    if effects.functional:
        return None
    changed = (before ^ after) - {NEW}
    writers = effects.writers_of(changed & before) if changed & before else []
    if writers:
        return (f"node {writers[0].name!r} writes {root.name!r} in place; with its users reading "
                f"{_describe(term, bindings)} instead, the write would "
                + ("reach " + _describe(term, bindings) if after - {NEW} else "no longer reach them"))
    writers = effects.writers_of(changed & after)
    if writers:
        return (f"node {writers[0].name!r} writes {_describe(term, bindings)} in place; the users of "
                f"{root.name!r} would see that write")
    return None


def _output_alias(effects, root, term, bindings, before, after) -> str | None:
    if root not in effects.output_reach():
        return None
    new = [o for o in after - before if isinstance(o, str) and o != NEW or
           isinstance(o, Node) and o.op in ("placeholder", "get_attr")]
    if not new:
        return None
    shown = new[0].name if isinstance(new[0], Node) else new[0]
    return (f"the graph returns {root.name!r}; replaced by {_describe(term, bindings)}, the output would share "
            f"storage with the caller's {shown!r}")


def _write_in_between(effects, match, root: Node, bindings) -> str | None:
    if effects.functional or len(match.nodes) < 2:
        return None
    start = min(match.nodes)
    for var_, value in bindings.items():
        if not isinstance(value, Node) or value in match.nodes:
            continue
        for writer in effects.writers_of(effects.origins(value)):
            if start < writer < root:
                return (f"node {writer.name!r} writes {value.name!r} between the matched {start.name!r} and "
                        f"{root.name!r}; the replacement, built at {root.name!r}, would read the written value")
    return None
