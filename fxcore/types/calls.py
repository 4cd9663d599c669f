"""Typing one call node: its rule (or a memoized application of it), hand-set types, meta, and torch's view.

`CallTyping` is the part of `~fxcore.types.infer.Inference` that types call nodes:

- the rule of the node's canonical op (an in-place op without one: its out-of-place op's rule,
  keeping the shape of ``self``), applied through a `RuleContext`;
- a type set by hand on the node is met with the result, and tells rank-preserving rules the
  rank (or shape) of an operand of unknown type;
- ``meta['val']`` (make_fx, export, dynamo) is met with the result;
- torch's view (``node.type`` for the drop-in names, :mod:`fxcore.types.compat`).

A pure application (no hand-set type, no meta, no operand refined) is memoized per run by the
call's typed shape (`~fxcore.types.resolve.typed_key`: target, literals, and the operands' types
and dtypes): the same call on the same types has the same type. torch's view is memoized with it
when the inputs' views are our types, with the ``meta['broadcast']`` entry torch's add writes (the
entries it names after the operands are never replayed). ``memo=False`` turns both off; the tests
compare the two (tests/fxcore/types/test_memo.py).

>>> import torch
>>> from fxcore.types.infer import infer_types
>>> gm = torch.fx.symbolic_trace(lambda x: x.relu().relu().relu())
>>> inf = infer_types(gm, env={'x': TensorType((2, 3))}, annotate=False)
>>> [str(t) for t in inf.types.values()][1:4], len(inf._results)
(['TensorType((2, 3))', 'TensorType((2, 3))', 'TensorType((2, 3))'], 1)

See Also
--------
fxcore.types.infer : the passes; fxcore.types.rules_core : what a rule sees.
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.fx

from .compat import ViewState
from .errors import GradualTypeError, MissingTypeRuleError
from .meta import WRITTEN_KEY, meta_type
from .relations import meet
from .resolve import typed_key
from .rules_core import RuleContext
from .rules_elementwise import inplace
from .tensor_types import Dyn, TensorType, as_type

__all__ = ["CallTyping", "hand_set_type"]

_RULE_ERRORS = (IndexError, ValueError, KeyError, AttributeError, TypeError, ZeroDivisionError)
_NONE = object()
_REPLAYABLE = frozenset({"broadcast"})  # meta entries torch's view rules write that a memo hit may copy


def hand_set_type(node: torch.fx.Node) -> Any:
    """The type set by hand on a node (``node.type``), or None; what the checker wrote itself is not one.

    >>> g = torch.fx.Graph(); x = g.placeholder('x'); x.type = TensorType((2, Dyn))
    >>> hand_set_type(x)
    TensorType((2, Dyn))
    """
    t = node.type
    if t is None or t is node.meta.get(WRITTEN_KEY):
        return None
    t = as_type(t)
    return None if t == Dyn else t


class CallTyping:
    """Typing of call nodes, for `~fxcore.types.infer.Inference` (which holds the state it reads and writes)."""

    def _call(self, node: torch.fx.Node) -> None:
        """Type a call node. A pure rule application (no hand-set type, no meta, no refinement of an operand)
        is memoized by its typed call shape: the same call on the same types has the same type."""
        meta, nt = node.meta, node.type
        hand = None if nt is None or nt is meta.get(WRITTEN_KEY) else hand_set_type(node)
        if hand is not None or self.symbolic or not self.memo or (self.use_meta and _has_meta(node)):
            return self._call_slow(node, hand, None)
        types = self.types
        memo_key = typed_key(node, types, Dyn)
        try:
            hit = self._results.get(memo_key) if memo_key is not None else None
        except TypeError:  # an unhashable literal in the call
            return self._call_slow(node, None, None)
        if hit is None:
            return self._call_slow(node, None, memo_key)
        t = types[node] = hit[0]
        view = self.view
        if view is None:
            return
        if hit[3] is not None:  # the view when the inputs' views are our types, and torch's meta entries
            for n in node._input_nodes:
                if view.get(n) is not types.get(n):
                    break
            else:
                view[node] = hit[3]
                if hit[4]:
                    meta.update(hit[4])
                return
        key, nodes = self.resolver.key(node)
        view[node] = self._view_type(node, t, hit[1], None, hit[2], None, key, nodes)

    def _call_slow(self, node: torch.fx.Node, hand: Any, memo_key: Any) -> None:
        found = self._resolved.get(node)  # symbolic passes bind each node once
        key, nodes = (None, None) if found is not None else self.resolver.key(node)
        op, operands, names = found if found is not None else self._resolve(node, key, nodes)
        rule = self.rules.lookup(op, node.target if node.op == "call_function" else None) or self._inplace_rule(op)
        effects = self.effects
        if rule is None:
            t = self._no_rule(node, op, hand)
        else:
            t = self._apply(rule, node, op, operands, names, self, hand)
            if self.use_meta and not self.symbolic and _has_meta(node):
                t = self._meet_meta(node, op, t)
        self.types[node] = t
        pure = memo_key is not None and rule is not None and self.effects == effects
        if self.view is None:
            if pure:
                self._results[memo_key] = (t, op, rule, None, None)
            return
        before = dict(node.meta)
        v = self.view[node] = self._view_type(node, t, op, (operands, names), rule, hand, key, nodes)
        if pure:
            agree = self._inputs_agree(node)
            meta = node.meta
            delta = {k: meta[k] for k in meta if before.get(k, _NONE) is not meta[k]}
            if not agree or not delta.keys() <= _REPLAYABLE:  # torch's add names broadcast operands: not replayable
                v = delta = None
            self._results[memo_key] = (t, op, rule, v, delta)

    def _apply(self, rule: Any, node: torch.fx.Node, op: Any, operands: tuple, names: Any, state: Any,
               hand: Any) -> Any:
        ctx = RuleContext(node, op, operands, names, state)
        try:
            if hand is not None and isinstance(hand, TensorType):
                _use_hand_set_type(ctx, rule, hand, self)
            t = rule(ctx)
            return t if hand is None else self._meet_hand_set(ctx, t, hand)
        except GradualTypeError as e:
            raise e.at(node.name, op, ctx.input_types()) from None
        except _RULE_ERRORS as e:
            raise GradualTypeError(f"the type rule failed with {e!r}", node=node.name, op=op,
                                   input_types=ctx.input_types()) from e

    def _meet_hand_set(self, ctx: RuleContext, t: Any, hand: Any) -> Any:
        if self.symbolic and isinstance(t, TensorType) and isinstance(hand, TensorType) and t.rank == hand.rank:
            return t.with_dims(ctx.equal(a, b, "the type set by hand on this node") for a, b in zip(t.dims, hand.dims))
        try:
            return meet(t, hand)
        except GradualTypeError:
            ctx.fail(f"the inferred type {t!r} is inconsistent with the type set by hand {hand!r}",
                     hint="fix the annotation (node.type) or the model")

    def _view_type(self, node: torch.fx.Node, t: Any, op: Any, bound: Optional[tuple], rule: Any, hand: Any,
                   key: Any, nodes: list) -> Any:
        """torch's view of a call node: ours unless torch's rule differs or an input's view does.

        A view equal to ours (dims and dtype) is our object, so that the nodes downstream see agreeing inputs.
        Memoized like `_call`, with the ``meta`` entries torch's rules write.
        """
        view_rule = self.view_rules.get(op) if type(op) is str else None
        agree = self._inputs_agree(node)
        if view_rule is None and (rule is None or agree):
            return t
        memo_key = None
        if hand is None and key is not None and not self.symbolic and self.memo:
            view = self.view
            inputs = tuple([view.get(n, Dyn) for n in nodes])
            memo_key = (key, inputs)
            hit = self._views.get(memo_key)
            if hit is not None and _same_dtypes(hit[0], inputs):
                node.meta.update(hit[2])
                return _canonical(hit[1], t)
        before = dict(node.meta)
        effects = self.effects
        v = self._view_of(node, t, op, bound, rule, hand, key, nodes, view_rule, agree)
        if memo_key is not None and self.effects == effects:
            meta = node.meta
            delta = {k: meta[k] for k in meta if before.get(k, _NONE) is not meta[k]}
            if delta.keys() <= _REPLAYABLE:
                self._views[memo_key] = (inputs, v, delta)
        return _canonical(v, t)

    def _view_of(self, node: torch.fx.Node, t: Any, op: Any, bound: Optional[tuple], rule: Any, hand: Any,
                 key: Any, nodes: list, view_rule: Any, agree: bool) -> Any:
        operands, names = bound if bound is not None else self._resolve(node, key, nodes)[1:]
        if view_rule is not None:
            v = self._apply(view_rule, node, op, operands, names, ViewState(self), None)
            if v is not None:
                return v if hand is None else meet(v, hand)
        if rule is None or agree:
            return t
        return self._apply(rule, node, op, operands, names, ViewState(self), hand)

    def _inputs_agree(self, node: torch.fx.Node) -> bool:
        types, view = self.types, self.view
        for n in node._input_nodes:
            if view.get(n) is not types.get(n):
                return False
        return True

    def _inplace_rule(self, op: Any) -> Any:
        """An in-place op without its own rule: its out-of-place op's rule, keeping the shape of ``self``."""
        if not (isinstance(op, str) and op in self.table and self.table.op(op).inplace_of):
            return None
        if op not in self._inplace:
            base = self.rules.lookup(self.table.op(op).inplace_of)
            self._inplace[op] = inplace(base) if base is not None else None
        return self._inplace[op]

    def _no_rule(self, node: torch.fx.Node, op: Any, hand: Any) -> Any:
        t = meta_type(node) if self.use_meta else Dyn
        if hand is not None:
            return meet(t, hand)
        if t == Dyn:
            if self.strict:
                raise MissingTypeRuleError("no inference rule for this op", node=node.name, op=op,
                                           hint="add one with default_rules().extended({op: rule}) and pass "
                                                "the new registry as GraphTypeChecker(env, gm, rules)")
            self.untyped.append(node)
        return t

    def _meet_meta(self, node: torch.fx.Node, op: Any, t: Any) -> Any:
        recorded = meta_type(node)
        try:
            return meet(t, recorded)
        except GradualTypeError:
            raise GradualTypeError(f"inferred type {t!r} is inconsistent with the recorded meta type {recorded!r}",
                                   node=node.name, op=op,
                                   hint="the graph's meta['val'] is stale or the graph is ill-typed") from None


def _use_hand_set_type(ctx: RuleContext, rule: Any, hand: TensorType, inference: Any) -> None:  # an infer.Inference
    """A rule that keeps its operand's rank (or shape): the hand-set result type tells about the operand."""
    marked = getattr(rule, "keeps_rank", None)
    if marked is None:
        return
    key, when, shape = marked
    value = ctx.arg(key, None)
    if not isinstance(value, torch.fx.Node) or (when is not None and not when(ctx)):
        return
    t = ctx.type_of(value)
    if t == Dyn:
        t = ctx.refine_operand(key, TensorType(tuple(ctx.fresh() for _ in range(hand.rank))))
    if shape and isinstance(t, TensorType) and t.rank == hand.rank and ctx._state is inference:
        inference.types[value] = inference._meet_hand_set(ctx, t, hand)
        inference.effects += 1


def _canonical(v: Any, t: Any) -> Any:
    """``t`` itself when the view ``v`` equals it, dtype included."""
    return t if v is t or (v == t and _same_dtypes((v,), (t,))) else v


def _same_dtypes(a: tuple, b: tuple) -> bool:
    """Equal types (``==`` ignores dtypes) that also have the same dtypes: the memo's second check.

    >>> import torch
    >>> _same_dtypes((TensorType((2,), torch.float16),), (TensorType((2,), torch.float32),))
    False
    """
    for x, y in zip(a, b):
        if x is y:
            continue
        if type(x) is TensorType:
            if x.dtype != y.dtype:
                return False
        elif type(x) is tuple and not _same_dtypes(x, y):
            return False
    return True


def _has_meta(node: torch.fx.Node) -> bool:
    meta = node.meta
    return "val" in meta or "example_value" in meta or "tensor_meta" in meta
