"""The canonical view of FX nodes for matching: op key = canonical op, operands = normalized operands.

One ``CanonicalView`` is made per search over a graph; it resolves each node
once through the op table (``OpTable.resolve_node``) and caches the result, so
an index pass and the matcher share the work.  Literals compare like
``unify``'s (``==``, with failing or non-boolean comparisons unequal), nodes by
identity.

See Also
--------
fxcore.ops : the op table.
fxcore.match : uses this view.
"""
from __future__ import annotations

import math
from typing import Any

from torch.fx import Node

from fxcore import ops as _ops
from fxcore.view.pattern import OpKey, PatternError
from fxcore.view.memo import ResolutionMemo

__all__ = ["CanonicalView", "TargetFacts", "literal_equal"]

_LEAVES = ("placeholder", "get_attr", "output")


def literal_equal(a: object, b: object) -> bool:
    """``a == b`` as ``unify`` decides it, but zeros of different signs differ: a failing or non-boolean
    comparison is unequal.

    A pattern's ``0`` or ``0.0`` is not the literal ``-0.0`` of a graph: ``x - (-0.0)`` is ``x + 0.0``,
    which turns ``-0.0`` into ``0.0``, so ``sub(x, 0) -> x`` must not match it.

    >>> import torch
    >>> literal_equal(1, 1.0), literal_equal((1,), (1,)), literal_equal(torch.ones(2), torch.ones(2))
    (True, True, False)
    >>> literal_equal(0, 0.0), literal_equal(0.0, -0.0), literal_equal(-0.0, -0.0)
    (True, False, True)

    See Also
    --------
    unify.unify
    """
    if a is b:
        return True
    try:
        r = a == b
    except Exception:
        return False
    if type(r) is not bool:
        return False
    if r and (type(a) is float or type(b) is float) and a == 0:
        return math.copysign(1.0, a) == math.copysign(1.0, b)
    return r


class TargetFacts:
    """What views of one op table learn from targets and call shapes alone, shareable between views of any
    graphs: the possible ops per target, the resolution memo (`fxcore.view.memo`), impurity per op.

    Module calls are never in it (their resolution reads the module object). A driver that applies one rule
    set to many graphs keeps one per table (``rewrite.engine.apply.RulePlan.facts``), so a target's first
    resolution is paid once, not once per graph.

    >>> import torch, torch.fx as fx
    >>> from fxcore.ops import default_table
    >>> facts = TargetFacts(default_table())
    >>> for _ in range(2):
    ...     gm = fx.symbolic_trace(lambda x: torch.neg(x))
    ...     CanonicalView(facts.table, facts=facts).key(list(gm.graph.nodes)[1])
    'neg'
    'neg'
    >>> facts.memo.size()
    1
    """

    __slots__ = ("table", "memo", "possible", "possible_calls", "impure_by_name")
    LIMIT = 4096  # targets kept per map before it starts over (see `remember`)

    def __init__(self, table) -> None:
        self.table = table
        self.memo = ResolutionMemo()
        self.possible: dict[tuple, tuple] = {}  # (op kind, id(target)) -> (ops or None, target)
        self.possible_calls: dict[int, tuple] = {}  # the same for call_function: id(target) -> ...
        self.impure_by_name: dict[str, bool | None] = {}  # None: depends on the operands

    @classmethod
    def remember(cls, facts: dict, key, value):
        """``facts[key] = value``, emptying ``facts`` first when it is full: a map shared by the views of
        every graph a driver sees must not grow without bound (a target per lambda, say). Returns value."""
        if len(facts) >= cls.LIMIT:
            facts.clear()
        facts[key] = value
        return value


class CanonicalView:
    """How ``fxcore.match`` sees nodes: canonical op keys and operands, cached per node.

    >>> import torch, torch.fx as fx
    >>> gm = fx.symbolic_trace(lambda x: torch.sum(x, dim=1) * 2)
    >>> v = CanonicalView()
    >>> [v.key(n) for n in gm.graph.nodes]
    ['placeholder', 'sum', 'mul', 'output']

    See Also
    --------
    fxcore.ops.canonical_op, fxcore.ops.node_operands
    """

    def __init__(self, table=None, *, cache_module_calls: bool = True, facts: TargetFacts | None = None) -> None:
        """``cache_module_calls=False`` for a view that outlives one pass over the graph: a ``call_module``
        node's resolution reads its module (``Dropout.training``, ``BatchNorm``'s state), which can change
        (``model.eval()``) without any change to the node. ``facts``: shared `TargetFacts` of ``table``."""
        self.table = _ops.default_table() if table is None else table
        if facts is None:
            facts = TargetFacts(self.table)
        elif facts.table is not self.table:
            raise ValueError("CanonicalView: facts were gathered for another op table; make a TargetFacts(table) "
                             "for this view's table")
        self._cache_module_calls = cache_module_calls
        # node -> (args, kwargs, target, resolution): FX replaces the args tuple on every change, so
        # an identity check on it keeps the cache valid across rewrites of the graph
        self._cache: dict[Node, tuple] = {}
        self._memo, self._impure_by_name = facts.memo, facts.impure_by_name
        self._plans = facts.memo.plans
        self._possible, self._possible_calls = facts.possible, facts.possible_calls

    def resolve(self, node: Node) -> tuple[Any, tuple]:
        """``(canonical op, operands)`` of ``node``, computed once (again if its args were reassigned)."""
        entry = self._cache.get(node)
        if entry is not None and entry[0] is node._args and entry[1] is node._kwargs and entry[2] is node.target:
            return entry[3]
        op = node.op
        if op == "call_module":  # the module object decides: never shared through the memo
            found = self._compute(node)
            if not self._cache_module_calls:
                return found
        elif op in _LEAVES:
            found = (op, ())
        else:
            plan = None
            if not node._kwargs:  # the memo's commonest case, looked up here: an all-node positional call
                args = node._args
                for a in args:
                    if type(a) is not Node:
                        break
                else:
                    plan = self._plans.get((op, id(node.target), len(args)))
            found = plan.fill(args) if plan is not None else self._memo.resolve(node, self._compute)
        self._cache[node] = (node._args, node._kwargs, node.target, found)
        return found

    def _compute(self, node: Node) -> tuple[Any, tuple]:
        found = self.table.resolve_node(node)
        if found is None:
            found = (self.table.canonical_op(node), self.table.node_operands(node))
        return found

    def possible_ops(self, node: Node) -> tuple | None:
        """``OpTable.possible_ops(node)``, cached by target: the canonical ops ``node`` may resolve to.

        None when only full resolution can tell. Module calls are not cached (the answer depends on
        the module object, which a view shared between graphs could confuse).
        """
        op = node.op
        if op == "call_function":  # the commonest: keyed by the target's id alone (no key tuple to build)
            found = self._possible_calls.get(id(node.target))
            if found is None:
                found = TargetFacts.remember(self._possible_calls, id(node.target),
                                             (self.table.possible_ops(node), node.target))
            return found[0]
        if op == "call_module":
            return self.table.possible_ops(node)
        key = (op, id(node.target))
        found = self._possible.get(key)
        if found is None:
            # the target in the value keeps its id alive
            found = TargetFacts.remember(self._possible, key, (self.table.possible_ops(node), node.target))
        return found[0]

    def key(self, node: Node) -> Any:
        return self.resolve(node)[0]

    def operands(self, node: Node) -> tuple:
        return self.resolve(node)[1]

    def forget(self, node: Node) -> None:
        """Drop the cached resolution of ``node`` (after its args changed)."""
        self._cache.pop(node, None)

    def impure(self, node: Node) -> bool:
        name, operands = self.resolve(node)
        known = self._impure_by_name.get(name, 0) if isinstance(name, str) else 0
        if known is False or known is True:
            return known
        if not (isinstance(name, str) and name in self.table):
            return _ops.is_impure(node, self.table)
        if known == 0:
            d = self.table.op(name)
            known = self._impure_by_name[name] = True if d.impure else (None if d.impure_if else False)
        return self.table.is_impure_call(name, operands) if known is None else known

    def same(self, bound: object, value: object) -> bool:
        if isinstance(bound, Node) or isinstance(value, Node):
            return bound is value
        return literal_equal(bound, value)

    def literal_equal(self, pattern: object, value: object) -> bool:
        return literal_equal(pattern, value)

    def pattern_key(self, head: object, args: tuple) -> tuple:
        """The key of a pattern head, and its arguments normalized to the canonical arity."""
        if isinstance(head, OpKey):
            return head.key, None
        if not isinstance(head, str):
            # a callable the table knows is its canonical op (``torch.aminmax`` is ``aminmax``), as its nodes are
            found = self.table.resolve_call(head, tuple(args), {}) if callable(head) else None
            return (found[0], found[1]) if found is not None else (head, None)  # else: an exact target
        d = self.table.op(head)  # raises UnknownOpError with a did-you-mean
        if len(args) == len(d.params):
            return head, None
        if len(args) > len(d.params):
            raise PatternError(f"pattern {head}(...) has {len(args)} arguments but {head} takes "
                               f"{len(d.params)}: {d.schema()}")
        return head, _ops.normalize_call(head, args, {}, self.table)

    def swaps(self, key: object) -> tuple:
        """``((i, j, conditions), ...)``: operand pairs that may be swapped, and the literal conditions."""
        if not (isinstance(key, str) and key in self.table):
            return ()
        d = self.table.op(key)
        if len(d.commutative) != 2:
            return ()
        conds = tuple((d.index(p), v) for p, v in d.commutative_if)
        return ((d.commutative[0], d.commutative[1], conds),)
