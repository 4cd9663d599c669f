"""Guard facts: what a rule's guards pin down about its variables, to drop critical pairs that cannot occur.

A guard is read (through :mod:`ast`, never evaluated) as a conjunction of facts on one variable each:

- a literal value: ``c == 2``, ``d in (-1, 3)``, ``c != 0``;
- a rank: ``x.ndim == 4``, ``x.dim() > 1``, ``len(x.shape) in (3, 4)``;
- a dtype class: ``x.dtype == torch.float32``, ``x.dtype.is_floating_point``, ``not x.is_complex``,
  and ``or`` of such facts on the same variable.

Anything else (``result.dtype == x.dtype``, a Python guard) is no fact, which keeps the pair: facts only
ever weaken a guard, so a pair is dropped only when the guards really cannot hold together.

>>> facts = guard_facts(compile_guard('x.ndim == 4 and c in (1, 2)', names=('x', 'c')))
>>> [(f.name, f.attr, f.allowed.describe()) for f in facts]
[('x', 'ndim', 'in (4)'), ('c', 'value', 'in (1, 2)')]
>>> guard_facts(compile_guard('result.dtype == x.dtype', names=('x',)))
()

See Also
--------
rewrite.check.critical_pairs : decides a pair's feasibility from these facts.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import torch

from rewrite.lang.guards import Guard, compile_guard  # noqa: F401  (compile_guard: doctests)
from rewrite.lang.syntax import DTYPES

__all__ = ["Allowed", "Fact", "guard_facts", "rule_facts", "DTYPE_UNIVERSE", "RANK_UNIVERSE"]

DTYPE_UNIVERSE = tuple(sorted(set(DTYPES.values()), key=str))
RANK_UNIVERSE = tuple(range(65))  # torch tensors have at most 64 dims
_UNIVERSE = {"ndim": frozenset(RANK_UNIVERSE), "dtype": frozenset(DTYPE_UNIVERSE)}
_DTYPE_FLAGS = ("is_floating_point", "is_complex", "is_signed")
_FLOATING = frozenset(d for d in DTYPE_UNIVERSE if d.is_floating_point)
_COMPLEX = frozenset(d for d in DTYPE_UNIVERSE if d.is_complex)
_DTYPE_CLASSES = {"floating dtypes": _FLOATING, "complex dtypes": _COMPLEX,
                  "floating or complex dtypes": _FLOATING | _COMPLEX,
                  "dtypes neither floating nor complex": frozenset(DTYPE_UNIVERSE) - _FLOATING - _COMPLEX,
                  "dtypes not floating": frozenset(DTYPE_UNIVERSE) - _FLOATING}


@dataclass(frozen=True)
class Allowed:
    """The values a fact admits: ``values`` if ``inside``, else everything but ``values``.

    >>> Allowed(True, frozenset({1, 2})).meet(Allowed(False, frozenset({2}))).describe()
    'in (1)'
    """

    inside: bool
    values: frozenset

    def meet(self, other: "Allowed") -> "Allowed":
        """Both facts at once."""
        if self.inside and other.inside:
            return Allowed(True, self.values & other.values)
        if self.inside or other.inside:
            pos, neg = (self, other) if self.inside else (other, self)
            return Allowed(True, frozenset(v for v in pos.values if v not in neg.values))
        return Allowed(False, self.values | other.values)

    def join(self, other: "Allowed") -> "Allowed":
        """Either fact."""
        return self.negate().meet(other.negate()).negate()

    def negate(self) -> "Allowed":
        return Allowed(not self.inside, self.values)

    def admits(self, value) -> bool:
        """Whether a literal ``value`` satisfies the fact."""
        try:
            found = any(bool(value == v) for v in self.values)  # as the guard compares: 1 == 1.0 == True
        except Exception:
            return True
        return found if self.inside else not found

    @property
    def empty(self) -> bool:
        return self.inside and not self.values

    def describe(self) -> str:
        """The fact in words: ``'in (1, 2)'``; a dtype set by its class when it is one."""
        for name, members in _DTYPE_CLASSES.items():
            if self.values == members:
                return f"{'in' if self.inside else 'not in'} {name}"
        items = sorted(map(_show, self.values))
        if len(items) > 8:
            items = items[:8] + [f"... {len(items)} values"]
        return f"{'in' if self.inside else 'not in'} ({', '.join(items)})"


def _show(v) -> str:
    return str(v).replace("torch.", "") if isinstance(v, torch.dtype) else repr(v)


@dataclass(frozen=True)
class Fact:
    """One fact of a guard: variable ``name``'s ``attr`` ('value', 'ndim' or 'dtype') is ``allowed``."""

    name: str
    attr: str
    allowed: Allowed


def _finite(attr: str, allowed: Allowed) -> Allowed:
    """Facts over a finite universe (ranks, dtypes) are kept as the admitted set."""
    if attr in _UNIVERSE and not allowed.inside:
        return Allowed(True, _UNIVERSE[attr] - allowed.values)
    return allowed


def _constant(node):
    """The literal or dtype a node spells, or raise LookupError."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool, str)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
        return -node.operand.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch" \
            and node.attr in DTYPES:
        return DTYPES[node.attr]
    raise LookupError(node)


def _constants(node) -> frozenset:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return frozenset(_constant(e) for e in node.elts)
    raise LookupError(node)


def _subject(node):
    """``(name, attr)`` for ``x``, ``x.ndim``, ``x.dim()``, ``len(x.shape)``, ``x.dtype``; else LookupError."""
    if isinstance(node, ast.Name):
        return node.id, "value"
    if isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "dim" and isinstance(node.func.value, ast.Name):
        return node.func.value.id, "ndim"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
            and len(node.args) == 1 and _is_attr(node.args[0], "shape"):
        return node.args[0].value.id, "ndim"
    for attr in ("ndim", "dtype"):
        if _is_attr(node, attr):
            return node.value.id, attr
    raise LookupError(node)


def _is_attr(node, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.value, ast.Name)


_RELATIONS = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
              ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}


def _compare(node: ast.Compare) -> dict:
    if len(node.ops) != 1:
        raise LookupError(node)
    op, left, right = node.ops[0], node.left, node.comparators[0]
    if isinstance(op, (ast.In, ast.NotIn)):
        name, attr = _subject(left)
        return {(name, attr): _finite(attr, Allowed(isinstance(op, ast.In), _constants(right)))}
    try:
        (name, attr), value = _subject(left), _constant(right)
    except LookupError:
        (name, attr), value = _subject(right), _constant(left)
        op = {ast.Lt: ast.Gt(), ast.Gt: ast.Lt(), ast.LtE: ast.GtE(), ast.GtE: ast.LtE()}.get(type(op), op)
    if isinstance(op, (ast.Eq, ast.NotEq)):
        return {(name, attr): _finite(attr, Allowed(isinstance(op, ast.Eq), frozenset({value})))}
    if type(op) in _RELATIONS and attr == "ndim":
        keep = _RELATIONS[type(op)]
        return {(name, attr): Allowed(True, frozenset(r for r in RANK_UNIVERSE if keep(r, value)))}
    raise LookupError(node)


def _flag(node) -> dict:
    """``x.is_floating_point`` / ``x.is_floating_point()`` / ``x.dtype.is_complex`` ... as a dtype set."""
    if isinstance(node, ast.Call) and not node.args:
        node = node.func
    if isinstance(node, ast.Attribute) and node.attr in _DTYPE_FLAGS:
        inner = node.value
        if _is_attr(inner, "dtype"):
            inner = inner.value
        if isinstance(inner, ast.Name):
            admitted = frozenset(d for d in DTYPE_UNIVERSE if getattr(d, node.attr))
            return {(inner.id, "dtype"): Allowed(True, admitted)}
    raise LookupError(node)


def _facts(node) -> dict:
    """The facts ``node`` implies as ``{(name, attr): Allowed}``; LookupError when it implies none we read."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        out: dict = {}
        for part in node.values:
            try:
                found = _facts(part)
            except LookupError:
                continue
            for key, allowed in found.items():
                out[key] = out[key].meet(allowed) if key in out else allowed
        if not out:
            raise LookupError(node)
        return out
    if isinstance(node, ast.BoolOp):  # or: only facts on one and the same subject
        parts = [_facts(p) for p in node.values]
        keys = {k for p in parts for k in p}
        if len(keys) != 1 or any(len(p) != 1 for p in parts):
            raise LookupError(node)
        (key,) = keys
        allowed = parts[0][key]
        for p in parts[1:]:
            allowed = allowed.join(p[key])
        return {key: _finite(key[1], allowed)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _facts(node.operand)
        if len(inner) != 1:
            raise LookupError(node)
        ((key, allowed),) = inner.items()
        return {key: _finite(key[1], allowed.negate())}
    if isinstance(node, ast.Compare):
        return _compare(node)
    return _flag(node)


def guard_facts(guard) -> tuple:
    """The facts a compiled guard implies, in source order (a Python guard implies none).

    >>> (fact,) = guard_facts(compile_guard('not x.dtype.is_floating_point', names=('x',)))
    >>> fact.attr, torch.int64 in fact.allowed.values, torch.float16 in fact.allowed.values
    ('dtype', True, False)

    See Also
    --------
    rule_facts
    """
    if not isinstance(guard, Guard):
        return ()
    try:
        found = _facts(ast.parse(guard.source, mode="eval").body)
    except (LookupError, SyntaxError):
        return ()
    return tuple(Fact(name, attr, allowed) for (name, attr), allowed in found.items())


def rule_facts(rule) -> tuple:
    """The facts of all of a rule's guards, met per ``(name, attr)``, in first-mention order.

    >>> from unify import var
    >>> from rewrite.lang.rule import Rule
    >>> r = Rule('r', ('mul', var('x'), var('c')), var('x'), guards=('c == 1', 'c in (1, 2)'))
    >>> [(f.name, f.allowed.describe()) for f in rule_facts(r)]
    [('c', 'in (1)')]

    See Also
    --------
    guard_facts
    """
    met: dict = {}
    for g in rule.guards:
        for f in guard_facts(g):
            key = (f.name, f.attr)
            met[key] = met[key].meet(f.allowed) if key in met else f.allowed
    return tuple(Fact(name, attr, allowed) for (name, attr), allowed in met.items())
