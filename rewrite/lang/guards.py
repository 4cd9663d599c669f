"""Guards (``when:``): a small, safe expression language over bound variables.

A guard is parsed with :mod:`ast`, checked against an allowlist when the rule
is LOADED, and compiled into a tree of closures: nothing reaches ``eval`` or
``exec``.  Allowed: literals, tuples/lists, bound variables and ``result`` (the
matched root), comparisons (``== != < <= > >= in not in is is not``), ``and or
not``, arithmetic, ``a if c else b``, subscripts and slices, the attributes
``dtype shape ndim numel is_floating_point is_complex is_signed itemsize device
requires_grad`` (and the methods ``size() dim() numel() is_floating_point()``),
dtypes ``torch.float32``, and the functions ``len abs min max all any sum int
float bool``.

Evaluation is three-valued.  Unknown metadata, or a symbolic size that
``statically_known_true`` cannot decide, is :data:`~rewrite.lang.facts.UNKNOWN`;
``and``/``or``/``not`` follow Kleene logic, and a guard *holds* only when it is
known to be true.  Errors inside a guard (an index out of range, a division
by zero, a type mismatch) also make it UNKNOWN: evaluating a guard never raises.

>>> g = compile_guard('x.ndim == 4 and d in (-1, 3)', names=('x', 'd'))
>>> g.evaluate({'x': TensorFacts((1, 2, 3, 4)), 'd': 3})
True
>>> g.evaluate({'x': TensorFacts(), 'd': 3})
UNKNOWN
>>> g.evaluate({'x': TensorFacts(), 'd': 0})
False
>>> compile_guard("__import__('os').system('true')")
Traceback (most recent call last):
...
rewrite.errors.UnsafeGuardError: '__import__' cannot be called in a guard
  hint: allowed functions: abs, all, any, bool, float, int, len, max, min, sum

See Also
--------
rewrite.lang.facts : TensorFacts, describe_node and the three-valued helpers.
rewrite.lang.rule.Rule.guard_holds : evaluates a rule's guards on a match.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Mapping

import torch  # noqa: F401  (used by doctests)

from rewrite.lang import guard_ops as gops
from rewrite.errors import (GuardSyntaxError, SourcePos, UnboundVariableError,
                            UnsafeGuardError, did_you_mean)
from rewrite.lang.facts import UNKNOWN, TensorFacts, describe, describe_node, truth
from rewrite.lang.syntax import DTYPES, parse_expr

__all__ = ["Guard", "PyGuard", "compile_guard", "python_guard", "TensorFacts", "describe",
           "describe_node", "UNKNOWN", "ATTRIBUTES", "FUNCTIONS"]

ATTRIBUTES = frozenset(TensorFacts.ATTRS)
_METHODS = {"size": "shape", "dim": "ndim", "numel": "numel",
            "is_floating_point": "is_floating_point", "is_complex": "is_complex"}
FUNCTIONS = gops.FUNCTIONS


@dataclass(frozen=True)
class Guard:
    """A compiled guard expression: equal when the source text is equal.

    >>> compile_guard('len(x.shape) > 1', names=('x',)).evaluate({'x': torch.zeros(2, 2)})
    True

    See Also
    --------
    compile_guard
    """

    source: str
    names: tuple
    pos: SourcePos | None = field(default=None, compare=False, repr=False)
    fn: Callable = field(default=None, compare=False, repr=False)

    def evaluate(self, env: Mapping[str, object], view: Callable = describe):
        """``True``, ``False`` or ``UNKNOWN`` for the values in ``env`` (names -> bound values)."""
        return truth(self.fn(env, view))


@dataclass(frozen=True)
class PyGuard:
    """A guard written as a Python callable taking the viewed values as keyword arguments.

    The callable returns a bool (None means unknown); AttributeError, TypeError,
    IndexError and KeyError inside it (missing metadata) count as unknown.

    >>> python_guard(lambda x: x.ndim == 2).evaluate({'x': torch.zeros(2, 2)})
    True

    See Also
    --------
    python_guard
    """

    fn: Callable
    names: tuple

    @property
    def source(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))

    def evaluate(self, env: Mapping[str, object], view: Callable = describe):
        """``True``, ``False`` or ``UNKNOWN``."""
        if any(n not in env for n in self.names):
            return UNKNOWN
        args = {n: gops.as_facts(env[n], view) for n in self.names}
        try:
            out = self.fn(**args)
        except (AttributeError, TypeError, IndexError, KeyError):
            return UNKNOWN
        return UNKNOWN if out is None else truth(out)


def python_guard(fn: Callable) -> PyGuard:
    """Wrap a Python callable as a guard; its parameter names are the variables it reads.

    >>> python_guard(lambda x, result: True).names
    ('x', 'result')

    See Also
    --------
    PyGuard
    """
    import inspect
    params = inspect.signature(fn).parameters.values()
    bad = [p.name for p in params if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if bad:
        raise GuardSyntaxError(f"guard function {fn!r} has unsupported parameters {bad}",
                               hint="use plain named parameters, one per pattern variable")
    return PyGuard(fn, tuple(p.name for p in params))


def compile_guard(text: str, *, names=None, pos: SourcePos | None = None) -> Guard:
    """Parse, check and compile a guard; ``names`` are the variables it may read (None: any).

    >>> compile_guard('x.shape[1] == 64', names=('x',)).names
    ('x',)
    >>> compile_guard('y > 0', names=('x',))
    Traceback (most recent call last):
    ...
    rewrite.errors.UnboundVariableError: guard uses 'y', which the pattern does not bind
      hint: use one of: result, x

    See Also
    --------
    Guard, rewrite.lang.syntax.parse_expr
    """
    tree = parse_expr(text, what="guard", pos=pos)
    compiler = _Compiler(None if names is None else frozenset(names) | {"result"}, pos)
    fn = compiler.compile(tree)
    return Guard(text.strip(), tuple(compiler.used), pos, fn)


class _Compiler:
    """Checks a guard AST against the allowlist and builds its closure tree."""

    def __init__(self, names, pos):
        self.names, self.pos, self.used = names, pos, []

    def error(self, node, message, hint="", cls=UnsafeGuardError):
        where = None if self.pos is None else self.pos.shifted(node.lineno - 1, node.col_offset)
        return cls(message, pos=where, hint=hint)

    def compile(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, f"{type(node).__name__} is not allowed in a guard",
                             "use comparisons, and/or/not, arithmetic, subscripts, "
                             "allowed attributes and functions")
        return method(node)

    def _Constant(self, node):
        value = node.value
        if not isinstance(value, (bool, int, float, str, type(None))):
            raise self.error(node, f"literal {value!r} is not allowed in a guard")
        return lambda env, view: value

    def _Name(self, node):
        name = node.id
        if name == "torch":
            raise self.error(node, "'torch' can only be used as torch.<dtype>, e.g. torch.float32")
        if name in FUNCTIONS:
            raise self.error(node, f"{name!r} can only be used as a call: {name}(...)")
        if self.names is not None and name not in self.names:
            raise self.error(node, f"guard uses {name!r}, which the pattern does not bind",
                             did_you_mean(name, self.names) or
                             "use one of: " + ", ".join(sorted(self.names)),
                             cls=UnboundVariableError)
        if name not in self.used:
            self.used.append(name)
        return lambda env, view: env.get(name, UNKNOWN)

    def _seq(self, node, kind):
        items = [self.compile(e) for e in node.elts]
        return lambda env, view: kind(f(env, view) for f in items)

    def _Tuple(self, node):
        return self._seq(node, tuple)

    def _List(self, node):
        return self._seq(node, list)

    def _Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "torch":
            if node.attr in DTYPES:
                dtype = DTYPES[node.attr]
                return lambda env, view: dtype
            raise self.error(node, f"torch.{node.attr} is not allowed in a guard",
                             "only dtypes such as torch.float32 may be named")
        if node.attr not in ATTRIBUTES:
            raise self.error(node, f"attribute {node.attr!r} is not allowed in a guard",
                             did_you_mean(node.attr, ATTRIBUTES)
                             or "allowed: " + ", ".join(sorted(ATTRIBUTES)))
        inner, attr = self.compile(node.value), node.attr
        return lambda env, view: gops.get_attr(inner(env, view), attr, view)

    def _Subscript(self, node):
        value, index = self.compile(node.value), self.compile(node.slice)
        return lambda env, view: gops.subscript(value(env, view), index(env, view))

    def _Slice(self, node):
        parts = [None if p is None else self.compile(p) for p in (node.lower, node.upper, node.step)]
        return lambda env, view: gops.make_slice(
            *[None if p is None else p(env, view) for p in parts])

    def _BinOp(self, node):
        op = gops.BINOPS.get(type(node.op))
        if op is None:
            raise self.error(node, f"operator {type(node.op).__name__} is not allowed in a guard")
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda env, view: gops.binop(op, left(env, view), right(env, view))

    def _UnaryOp(self, node):
        inner, kind = self.compile(node.operand), type(node.op)
        return lambda env, view: gops.unaryop(kind, inner(env, view))

    def _BoolOp(self, node):
        parts, is_and = [self.compile(v) for v in node.values], isinstance(node.op, ast.And)
        return lambda env, view: gops.boolop(is_and, parts, env, view)

    def _Compare(self, node):
        ops = [gops.CMPOPS[type(o)] for o in node.ops]
        parts = [self.compile(v) for v in (node.left, *node.comparators)]
        return lambda env, view: gops.compare(ops, parts, env, view)

    def _IfExp(self, node):
        test, body, other = (self.compile(n) for n in (node.test, node.body, node.orelse))
        return lambda env, view: gops.ifexp(test, body, other, env, view)

    def _Call(self, node):
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(node, "keyword or starred arguments are not allowed in a guard call")
        if isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
            return self._method(node)
        if isinstance(node.func, ast.Attribute):
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "torch":
                raise self.error(node, f"torch.{node.func.attr}(...) cannot be called in a guard",
                                 "only dtypes such as torch.float32 may be named")
            self.compile(node.func.value)  # report unsafe inner parts first
            raise self.error(node, f"method {node.func.attr!r} cannot be called in a guard",
                             "allowed methods: " + ", ".join(f"{m}()" for m in sorted(_METHODS)))
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise self.error(node, f"{what!r} cannot be called in a guard",
                             "allowed functions: " + ", ".join(sorted(FUNCTIONS)))
        fn, args = FUNCTIONS[node.func.id], [self.compile(a) for a in node.args]
        return lambda env, view: gops.call(fn, [a(env, view) for a in args])

    def _method(self, node):
        attr = _METHODS[node.func.attr]
        inner = self.compile(node.func.value)
        if attr == "shape" and len(node.args) == 1:
            index = self.compile(node.args[0])
            return lambda env, view: gops.subscript(
                gops.get_attr(inner(env, view), attr, view), index(env, view))
        if node.args:
            raise self.error(node, f".{node.func.attr}() takes no arguments in a guard")
        return lambda env, view: gops.get_attr(inner(env, view), attr, view)

