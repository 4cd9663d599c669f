"""The inference-rule registry (`TypeRules`) and what a rule sees of its node (`RuleContext`).

A rule is a function ``rule(ctx) -> type`` registered under a canonical op name
(``'add'`` covers ``torch.add``, ``operator.add``, ``x.add`` and ``aten.add.Tensor``)
or, for ops the op table does not know, under the exact call target. It reads
operands by their canonical parameter names (``ctx.arg('self')``), their types
(``ctx.type('self')``), states dimension equalities with ``ctx.equal`` (checked
at once for known sizes, solved with ``unify`` for dimension variables) and
reports inconsistencies with ``ctx.fail``.

>>> rules = TypeRules().extended({'my_double': lambda ctx: ctx.type('self')})
>>> 'my_double' in rules, len(rules)
(True, 1)

See Also
--------
fxcore.types.checker.GraphTypeChecker, fxcore.types.rules_default.default_rules
"""
from __future__ import annotations

import dataclasses
import operator as _operator
import types
from typing import Any, Callable, Iterable, Mapping, Optional

import torch
import torch.fx

from unify import Var

from .errors import GradualTypeError
from .meta import type_from_value
from .relations import meet_dim
from .tensor_types import Dyn, ScalarType, TensorType

__all__ = ["TypeRules", "RuleContext", "Constraint", "MISSING", "normalize_dim_index", "keeps_rank"]

Rule = Callable[["RuleContext"], Any]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
"""Default of :meth:`RuleContext.arg`: the operand is required."""


class TypeRules(Mapping):
    """An immutable registry of inference rules keyed by canonical op name (or exact target).

    Extending returns a new registry; the default one is never mutated, so tests and users
    never leak registrations into each other.

    >>> base = TypeRules({'relu': lambda ctx: ctx.type('self')})
    >>> mine = base.extended({'my_op': lambda ctx: ctx.type('self')})
    >>> sorted(map(str, mine)), 'my_op' in base
    (['my_op', 'relu'], False)

    See Also
    --------
    RuleContext, fxcore.types.rules_default.default_rules
    """

    __slots__ = ("_rules",)

    def __init__(self, rules: Mapping | Iterable = ()) -> None:
        pairs = rules.items() if isinstance(rules, Mapping) else rules
        object.__setattr__(self, "_rules", types.MappingProxyType(dict(pairs)))

    def __setattr__(self, name, value):
        raise AttributeError("TypeRules is immutable: use .extended({...}) to get a new registry")

    def __getitem__(self, key):
        return self._rules[key]

    def __iter__(self):
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"TypeRules(<{len(self)} rules>)"

    def extended(self, rules: Mapping | Iterable = (), **by_name: Rule) -> "TypeRules":
        """A new registry with ``rules`` (and keyword ``name=rule`` pairs) added or overriding."""
        merged = dict(self._rules)
        merged.update(rules.items() if isinstance(rules, Mapping) else rules)
        merged.update(by_name)
        return TypeRules(merged)

    def without(self, *keys) -> "TypeRules":
        """A new registry without the rules for ``keys``."""
        return TypeRules((k, v) for k, v in self._rules.items() if k not in keys)

    def lookup(self, op: Any, target: Any = None) -> Optional[Rule]:
        """The rule for a canonical op, else for the exact target; None if neither has one."""
        for key in (op, target):
            try:
                rule = self._rules.get(key)
            except TypeError:  # an unhashable target
                rule = None
            if rule is not None:
                return rule
        return None


@dataclasses.dataclass(frozen=True)
class Constraint:
    """A dimension equality ``lhs == rhs`` stated by the rule of ``node`` (with the reason)."""

    lhs: Any
    rhs: Any
    node: str
    op: Any
    why: str


def normalize_dim_index(dim: Any, rank: int, ctx: Optional["RuleContext"] = None, extra: int = 0) -> int:
    """A possibly negative dimension index as a non-negative one (``extra`` widens the range, unsqueeze).

    >>> normalize_dim_index(-1, 3), normalize_dim_index(-1, 3, extra=1)
    (2, 3)
    """
    size = rank + extra
    if not isinstance(dim, int) or not -max(size, 1) <= dim < max(size, 1):
        msg = f"dimension {dim!r} is out of range for a tensor of rank {rank}"
        if ctx is not None:
            ctx.fail(msg)
        raise GradualTypeError(msg)
    return dim % size if size else 0


def keeps_rank(key: Any = 0, when: Optional[Callable[["RuleContext"], bool]] = None,
               shape: bool = False) -> Callable[[Rule], Rule]:
    """Mark a rule whose result has the rank (``shape=True``: the shape) of operand ``key``.

    A node typed by such a rule whose type is set by hand (``out: TensorType(...) = self.bn(x)``)
    tells about that operand: one of unknown type gets the rank (``TensorType((Dyn,) * rank)``, as
    torch's checker does), and with ``shape=True`` the operand's type is met with the hand-set one.
    ``when(ctx)`` limits the mark to some calls (``linear`` keeps the rank only for a 2-D weight).

    >>> rule = keeps_rank('input', shape=True)(lambda ctx: ctx.type('input'))
    >>> rule.keeps_rank
    ('input', None, True)
    """

    def mark(rule: Rule) -> Rule:
        rule.keeps_rank = (key, when, shape)
        return rule

    return mark


class RuleContext:
    """What an inference rule sees: the node, its canonical op and operands, types, and the solver.

    Built by the checker for each node; rules do not construct it.

    See Also
    --------
    TypeRules, fxcore.types.checker.GraphTypeChecker
    """

    __slots__ = ("node", "op", "operands", "names", "_state")

    def __init__(self, node: torch.fx.Node, op: Any, operands: tuple, names: Optional[tuple], state: Any) -> None:
        self.node, self.op, self.operands, self.names, self._state = node, op, operands, names, state

    def arg(self, key: Any, default: Any = MISSING) -> Any:
        """The operand named ``key`` (a canonical parameter name) or at position ``key`` (an int)."""
        idx = key
        if isinstance(key, str):
            idx = self.names.index(key) if self.names and key in self.names else None
        if idx is not None and idx < len(self.operands):
            return self.operands[idx]
        if default is MISSING:
            self.fail(f"missing operand {key!r}")
        return default

    def type(self, key: Any, default: Any = MISSING) -> Any:
        """The type of operand ``key`` (see :meth:`type_of`)."""
        return self.type_of(self.arg(key, default))

    def type_of(self, value: Any) -> Any:
        """The type of an operand value: a node's inferred type, a parameter's, or a literal's."""
        if isinstance(value, torch.fx.Node):
            return self._state.type_of_node(value)
        if isinstance(value, (tuple, list)):
            return tuple(self.type_of(v) for v in value)
        if value is None:
            return None
        qualname = getattr(value, "qualname", None)
        if isinstance(qualname, str):
            return self._state.type_of_attr(qualname)
        return type_from_value(value)

    def module(self) -> Any:
        """The called module of a call_module node (None for other nodes)."""
        return self._state.module_of(self.node)

    def refine_operand(self, key: Any, t: Any) -> Any:
        """Record that operand ``key`` (a node of unknown type) has type ``t``; returns ``t``."""
        value = self.arg(key)
        if isinstance(value, torch.fx.Node) and self._state.type_of_node(value) == Dyn:
            self._state.refine_node(value, t)
        return t

    def tensor_of_rank(self, key: Any, *ranks: int) -> Any:
        """A tensor operand that must have one of ``ranks``; an unknown one is refined when only one rank fits."""
        t = self.tensor(key)
        if t == Dyn and len(ranks) == 1:
            return self.refine_operand(key, TensorType(tuple(self.fresh() for _ in range(ranks[0]))))
        if isinstance(t, TensorType) and t.rank not in ranks:
            want = " or ".join(map(str, ranks))
            self.fail(f"operand {key!r} must have rank {want}, found {t!r}")
        return t

    def tensor(self, key: Any, default: Any = MISSING) -> Any:
        """The type of a tensor operand: a ``TensorType`` or ``Dyn``; fails if it is not a tensor."""
        t = self.type(key, default)
        if t is None or isinstance(t, TensorType) or t == Dyn:
            return t
        self.fail(f"operand {key!r} should be a tensor, found {t!r}")

    def dim(self, value: Any) -> Any:
        """A size given as an int literal or an int-valued node: an int, ``Dyn`` or a dimension variable."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        t = self.type_of(value)
        if isinstance(t, ScalarType) and t.kind is int:
            return t.value
        if t == Dyn:
            return Dyn
        self.fail(f"expected a size (an int), found {value!r} of type {t!r}")

    def int_value(self, key: Any, default: Any = MISSING) -> Any:
        """An int hyper-parameter (dim, groups, ...) that must be statically known."""
        v = self.dim(self.arg(key, default))
        if not isinstance(v, int):
            self.fail(f"operand {key!r} must be a statically known int, found {v!r}")
        return v

    def fresh(self) -> Any:
        """An unknown dimension: ``Dyn`` when checking, a fresh dimension variable when refining."""
        return self._state.fresh(self.node)

    def resolve(self, d: Any) -> Any:
        """A dimension with what is already known about its variable substituted."""
        return self._state.resolve(d)

    def equal(self, a: Any, b: Any, why: str) -> Any:
        """State that two dimensions are equal; returns the more precise one. Fails on two different ints."""
        a, b = self._state.resolve(a), self._state.resolve(b)
        if isinstance(a, Var) or isinstance(b, Var):
            if a != b and a != Dyn and b != Dyn:
                self._state.constrain(Constraint(a, b, self.node.name, self.op, why))
        try:
            return meet_dim(a, b)
        except GradualTypeError:
            self.fail(f"{why}: {a} != {b}")

    def input_types(self) -> tuple:
        """The types of all node operands, for messages."""
        return tuple(self.type_of(v) for v in self.operands if _has_node(v))

    def fail(self, reason: str, hint: str = "") -> None:
        """Raise :class:`GradualTypeError` for this node, naming the op and the input types."""
        raise GradualTypeError(reason, node=self.node.name, op=self.op, input_types=self.input_types(), hint=hint)


def _has_node(value: Any) -> bool:
    """Whether an operand is (or lists) graph values, parameters included."""
    if isinstance(value, (tuple, list)):
        return any(_has_node(v) for v in value)
    return isinstance(value, torch.fx.Node) or isinstance(getattr(value, "qualname", None), str)


def product(dims: Iterable[int]) -> int:
    """The product of ints (1 for none)."""
    out = 1
    for d in dims:
        out = _operator.mul(out, d)
    return out
