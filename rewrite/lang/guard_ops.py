"""Three-valued runtime semantics of guard operators (private to :mod:`rewrite.lang.guards`).

On plain values every operation behaves exactly as Python does; where Python
would raise, the result is UNKNOWN.  Symbolic sizes are combined symbolically
and compared with ``statically_known_true`` only; anything UNKNOWN propagates.

>>> compare([operator.lt, operator.lt], [lambda e, v: 1, lambda e, v: 2, lambda e, v: 3], {}, None)
True
>>> binop(operator.truediv, 1, 0)
UNKNOWN

See Also
--------
rewrite.lang.guards : compiles guards into calls of these functions.
"""
from __future__ import annotations

import ast
import operator
from contextlib import contextmanager
from contextvars import ContextVar

import torch

from rewrite.lang.facts import UNKNOWN, TensorFacts, Unknown, decide, describe, is_symbolic, truth

__all__ = ["BINOPS", "CMPOPS", "FUNCTIONS", "get_attr", "as_facts", "subscript", "make_slice",
           "binop", "unaryop", "boolop", "compare", "ifexp", "call", "eq3", "recording_errors"]

# the errors a guard's evaluation turned into UNKNOWN, when someone asks (`recording_errors`): a context
# variable, so concurrent evaluations never see each other's
_RECORDED: ContextVar[list | None] = ContextVar("rewrite_guard_errors", default=None)


def _swallowed(exc: Exception):
    """UNKNOWN, the value of an operation Python would raise on; the error is kept if one is recording."""
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded.append(exc)
    return UNKNOWN


@contextmanager
def recording_errors():
    """Collect, in the list it yields, the Python errors guards evaluated inside turn into UNKNOWN.

    >>> with recording_errors() as errors:
    ...     binop(operator.truediv, 1, 0)
    UNKNOWN
    >>> [type(e).__name__ for e in errors]
    ['ZeroDivisionError']
    """
    errors: list = []
    token = _RECORDED.set(errors)
    try:
        yield errors
    finally:
        _RECORDED.reset(token)

BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
          ast.Pow: operator.pow, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
          ast.BitXor: operator.xor, ast.LShift: operator.lshift, ast.RShift: operator.rshift}
CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
          ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: "in", ast.NotIn: "not in",
          ast.Is: operator.is_, ast.IsNot: operator.is_not}
_DTYPE_ATTRS = frozenset({"is_floating_point", "is_complex", "is_signed", "itemsize"})
_ERRORS = (TypeError, ValueError, ArithmeticError, IndexError, KeyError, AttributeError,
           RuntimeError)
_MAX_BITS = 1 << 20  # integers larger than this (in bits) are refused: UNKNOWN
_MAX_LEN = 1 << 20   # sequences longer than this are refused: UNKNOWN
_SYM = (torch.SymInt, torch.SymBool, torch.SymFloat)


def as_facts(value, view):
    """The viewed form of a bound value: TensorFacts for tensors and nodes, else as the view says."""
    if isinstance(value, (TensorFacts, torch.dtype, Unknown)):
        return value
    try:
        seen = view(value) if view is not None else value
    except (AttributeError, TypeError):  # a view for nodes only, given a literal
        seen = value
    return describe(seen) if isinstance(seen, (torch.Tensor, torch.fx.Node)) else seen


def get_attr(value, attr, view):
    """``value.attr`` for an allowlisted attribute; UNKNOWN when the value does not have it."""
    value = as_facts(value, view)
    if isinstance(value, TensorFacts):
        return value.attr(attr)
    if isinstance(value, torch.dtype) and attr in _DTYPE_ATTRS:
        return getattr(value, attr)
    return UNKNOWN


def subscript(value, index):
    """``value[index]``; UNKNOWN if either is unknown/symbolic or the index is invalid."""
    if isinstance(value, Unknown) or is_symbolic(index) or isinstance(index, float):
        return UNKNOWN
    if not isinstance(value, (tuple, list, str)):
        return UNKNOWN
    try:
        return value[index]
    except _ERRORS as exc:
        return _swallowed(exc)


def make_slice(lower, upper, step):
    """A slice object, or UNKNOWN when a bound is unknown or symbolic."""
    if any(is_symbolic(p) for p in (lower, upper, step)):
        return UNKNOWN
    return slice(lower, upper, step)


def _too_big(op, a, b) -> bool:
    ints = isinstance(a, int) and isinstance(b, int)
    if op is operator.pow and ints:
        return b > 0 and a not in (-1, 0, 1) and abs(a).bit_length() * b > _MAX_BITS
    if op is operator.lshift and ints:
        return b > _MAX_BITS or a.bit_length() + b > _MAX_BITS
    if op is operator.mul:
        if ints:
            return a.bit_length() + b.bit_length() > _MAX_BITS
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, (str, tuple, list)) and isinstance(n, int):
                return len(seq) * n > _MAX_LEN
    return False


def binop(op, a, b):
    """``a op b``; UNKNOWN on unknown operands, Python errors, or results too large to build."""
    if isinstance(a, Unknown) or isinstance(b, Unknown) or _too_big(op, a, b):
        return UNKNOWN
    try:
        return op(a, b)
    except _ERRORS as exc:
        return _swallowed(exc)


def unaryop(kind, a):
    """``-a``, ``+a``, ``~a`` or ``not a`` with three-valued semantics."""
    if kind is ast.Not:
        t = truth(a)
        return UNKNOWN if isinstance(t, Unknown) else not t
    if isinstance(a, Unknown):
        return UNKNOWN
    op = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}[kind]
    try:
        return op(a)
    except _ERRORS as exc:
        return _swallowed(exc)


def boolop(is_and, parts, env, view):
    """Kleene ``and``/``or`` returning operand values like Python does on known values."""
    unknown, value = False, None
    for part in parts:
        value = part(env, view)
        t = truth(value)
        if isinstance(t, Unknown):
            unknown = True
        elif t is not is_and:  # False under `and`, True under `or`: decides the result
            return value
    return UNKNOWN if unknown else value


def ifexp(test, body, other, env, view):
    """``body if test else other``; UNKNOWN if the test is unknown."""
    t = truth(test(env, view))
    if isinstance(t, Unknown):
        return UNKNOWN
    return body(env, view) if t else other(env, view)


def eq3(a, b):
    """Three-valued equality; sequences compared element-wise without forcing symbolic sizes."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return UNKNOWN
    seqs = (tuple, list)
    if isinstance(a, seqs) and isinstance(b, seqs) and type(a) is type(b):
        if len(a) != len(b):
            return False
        results = [eq3(x, y) for x, y in zip(a, b)]
        if False in results:
            return False
        return UNKNOWN if any(isinstance(r, Unknown) for r in results) else True
    if isinstance(a, _SYM) or isinstance(b, _SYM):
        return decide(a == b)
    try:
        return bool(a == b)
    except _ERRORS as exc:
        return _swallowed(exc)


def _member3(item, container):
    if isinstance(container, Unknown) or isinstance(item, Unknown):
        return UNKNOWN
    if not isinstance(container, (tuple, list)) or not (is_symbolic(container) or is_symbolic(item)):
        try:
            return item in container
        except _ERRORS as exc:
            return _swallowed(exc)
    results = [eq3(item, e) for e in container]
    if True in results:
        return True
    return UNKNOWN if any(isinstance(r, Unknown) for r in results) else False


def _cmp(op, a, b):
    if op == "in":
        return _member3(a, b)
    if op == "not in":
        r = _member3(a, b)
        return r if isinstance(r, Unknown) else not r
    if op in (operator.is_, operator.is_not):
        return UNKNOWN if isinstance(a, Unknown) or isinstance(b, Unknown) else op(a, b)
    if op is operator.eq:
        return eq3(a, b)
    if op is operator.ne:
        r = eq3(a, b)
        return r if isinstance(r, Unknown) else not r
    if is_symbolic(a) or is_symbolic(b):
        if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
            return UNKNOWN
        return decide(op(a, b)) if not isinstance(a, Unknown) and not isinstance(b, Unknown) \
            else UNKNOWN
    try:
        return op(a, b)
    except _ERRORS as exc:
        return _swallowed(exc)


def compare(ops, parts, env, view):
    """A comparison chain ``a < b < c``: short-circuits like Python, Kleene over unknown links."""
    left, unknown, result = parts[0](env, view), False, True
    for op, part in zip(ops, parts[1:]):
        right = part(env, view)
        result = _cmp(op, left, right)
        t = truth(result)
        if isinstance(t, Unknown):
            unknown = True
        elif not t:
            return result
        left = right
    return UNKNOWN if unknown else result


def call(fn, args):
    """Call an allowlisted guard function; UNKNOWN on unknown inputs or errors."""
    try:
        return fn(*args)
    except _ERRORS as exc:
        return _swallowed(exc)


def _items(args):
    return args[0] if len(args) == 1 else args


def _minmax(pick, sym_pick):
    def fn(*args):
        items = _items(args)
        if isinstance(items, Unknown) or any(isinstance(i, Unknown) for i in items):
            return UNKNOWN
        if any(isinstance(i, _SYM) for i in items):
            out = items[0]
            for i in items[1:]:
                out = sym_pick(out, i)
            return out
        return pick(*args)
    return fn


def _kleene(is_all):
    def fn(items):
        if isinstance(items, Unknown):
            return UNKNOWN
        truths = [truth(i) for i in items]
        if (not is_all) in truths:
            return not is_all
        return UNKNOWN if any(isinstance(t, Unknown) for t in truths) else is_all
    return fn


def _strict(fn, sym_ok=()):
    def wrapped(*args):
        if any(isinstance(a, Unknown) for a in args):
            return UNKNOWN
        if any(isinstance(a, _SYM) and not isinstance(a, sym_ok) for a in args):
            return UNKNOWN
        return fn(*args)
    return wrapped


def _len(x):
    return UNKNOWN if isinstance(x, Unknown) else len(x)


def _sum(*args):
    items = args[0] if args else ()
    if isinstance(items, Unknown) or any(isinstance(i, Unknown) for i in items):
        return UNKNOWN
    return sum(*args)


def _int(x):
    if isinstance(x, torch.SymInt):
        return x
    return UNKNOWN if isinstance(x, (Unknown, *_SYM)) else int(x)


def _float(x):
    if isinstance(x, torch.SymFloat):
        return x
    return UNKNOWN if isinstance(x, (Unknown, *_SYM)) else float(x)


FUNCTIONS = {
    "len": _len, "abs": _strict(abs, _SYM), "min": _minmax(min, torch.sym_min),
    "max": _minmax(max, torch.sym_max), "all": _kleene(True), "any": _kleene(False),
    "sum": _sum, "int": _int, "float": _float, "bool": truth,
}
