"""The expression syntax of rule files: calls, variables and literals parsed into terms.

Patterns and replacements are written as calls: ``neg(neg(x))``,
``sum(x, dim=d, keepdim=True)``, ``transpose(transpose(x, a, b), a, b)``.

* a bare name is a logic variable (``unify.var(name)``);
* a call ``op(args, kw=value)`` is the term ``(op, *operands)`` normalized by the
  op table (keywords placed, defaults filled, lists made tuples); ``op`` may be dotted:
  an overload's own op (``max.dim``) or a ``torch.library`` op (``mylib.fused_gelu``), and an
  alias stands for the op it spells (``float(x)`` is ``to(x, dtype=torch.float32)``);
* the operators ``+ - * / @ **`` and unary ``-`` stand for ``add sub mul div
  matmul pow`` and ``neg``;
* literals are Python literals: numbers (a leading ``-`` included), ``True``,
  ``False``, ``None``, strings, tuples and lists (made tuples), and dtypes
  written ``torch.float32``.

Parsing uses :mod:`ast` and converts the tree itself: nothing is evaluated.

>>> from rewrite.lang.syntax import parse_term, raw_normalizer
>>> parse_term('neg(neg(x))', normalizer=raw_normalizer)
('neg', ('neg', ~x))
>>> parse_term('x * (-1.5, [2, 3])', normalizer=raw_normalizer)
('mul', ~x, (-1.5, (2, 3)))

See Also
--------
rewrite.lang.guards.compile_guard : the guard (``when:``) expression language.
fxcore.ops.normalize_call : the normalization applied to each call.
"""
from __future__ import annotations

import ast
from typing import Callable

import torch

from unify import variable as _variable
from rewrite.lang.enum_params import check_enum_params
from rewrite.errors import (ArgumentError, RuleSyntaxError, SourcePos, UnboundVariableError,
                            UnknownOpError, did_you_mean)

__all__ = ["parse_term", "parse_expr", "raw_normalizer", "table_normalizer", "var_name",
           "term_variables", "ast_depth", "MAX_DEPTH", "DTYPES", "BINOPS", "RESERVED"]

MAX_DEPTH = 100
"""The deepest expression a rule file may write (deeper terms: build them in Python)."""

BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
          ast.MatMult: "matmul", ast.Pow: "pow"}
RESERVED = frozenset({"result", "torch"})
DTYPES = {name: getattr(torch, name) for name in sorted(dir(torch))
          if isinstance(getattr(torch, name, None), torch.dtype)}

Normalizer = Callable[[str, tuple, dict], tuple]


def raw_normalizer(op: str, args: tuple, kwargs: dict) -> tuple:
    """Build ``(op, *args)`` without an op table (keywords are an error).

    >>> raw_normalizer('add', (1, 2), {})
    ('add', 1, 2)

    See Also
    --------
    table_normalizer : the normalizer backed by ``fxcore.ops``.
    """
    if kwargs:
        raise ArgumentError(f"{op}(...): keyword arguments need an op table",
                            hint="write the arguments positionally")
    return (op, *args)


def table_normalizer(table=None) -> Normalizer:
    """A normalizer that calls ``fxcore.ops.normalize_call`` and reports errors as rule errors.

    >>> n = table_normalizer()
    >>> n('neg', (1,), {})[0]
    'neg'

    See Also
    --------
    fxcore.ops.normalize_call
    """
    from fxcore import ops

    def normalize(op: str, args: tuple, kwargs: dict) -> tuple:
        t = table or ops.default_table()
        try:
            term = t.normalize_term(op, args, kwargs)  # an alias (float(x), _softmax(...)) names another op
        except ops.UnknownOpError as exc:
            raise UnknownOpError(f"unknown op {op!r}", hint=did_you_mean(op, t.names() + t.aliases())
                                 or "see fxcore.ops.default_table().names(); a torch.library op is "
                                 "'namespace.op', known to table.with_library('namespace')") from exc
        except ops.OpSignatureError as exc:
            raise ArgumentError(f"{op}(...): {exc}", hint="check the argument names and count "
                                "against the op's schema") from exc
        try:
            check_enum_params(term[0], t.op(term[0]).param_names, term[1:])
        except ValueError as exc:
            raise ArgumentError(str(exc), hint="write one of the values the op accepts") from exc
        return term
    return normalize


def var_name(v) -> str:
    """The name of a logic variable (its token as a string).

    >>> from unify import var
    >>> var_name(var('x'))
    'x'

    See Also
    --------
    term_variables
    """
    return str(getattr(v, "token", v))


def term_variables(term) -> tuple:
    """The logic variables of ``term`` in first-occurrence (depth-first, left-to-right) order.

    >>> from unify import var
    >>> x, y = var('x'), var('y')
    >>> term_variables(('add', ('mul', y, x), x))
    (~y, ~x)

    See Also
    --------
    var_name
    """
    seen, out, stack = set(), [], [term]
    while stack:
        t = stack.pop()
        if _variable.isvar(t):
            if t not in seen:
                seen.add(t)
                out.append(t)
        elif isinstance(t, (tuple, list)):
            stack.extend(reversed(t))
    return tuple(out)


def ast_depth(node: ast.AST) -> int:
    """The nesting depth of an AST, computed without recursion.

    >>> ast_depth(ast.parse('f(g(x))', mode='eval'))
    5

    See Also
    --------
    MAX_DEPTH
    """
    best, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in ast.iter_child_nodes(n))
    return best


def parse_expr(text: str, *, what: str = "expression", pos: SourcePos | None = None) -> ast.expr:
    """Parse ``text`` as one Python expression, raising :class:`RuleSyntaxError` with its position.

    >>> type(parse_expr('f(x)')).__name__
    'Call'

    See Also
    --------
    parse_term
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(f"{what} must be a string, not {type(text).__name__}", pos=pos,
                              hint=f"quote the {what}, e.g. \"neg(x)\"")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = _at(pos, exc.lineno or 1, (exc.offset or 1) - 1)
        hint = ("write a Python-style condition such as x.ndim == 4 and x.dtype == torch.float32"
                if what == "guard" else "write a call such as neg(x) or sum(x, dim=1)")
        raise RuleSyntaxError(f"invalid {what} syntax: {exc.msg}: {text.strip()!r}", pos=where, hint=hint) from None
    except (RecursionError, MemoryError):
        raise RuleSyntaxError(f"{what} is nested too deeply", pos=pos,
                              hint="split it into several rules") from None
    # an AST is at most about two levels per character deep (a name and its context): short text is shallow
    if 2 * len(text) + 2 > MAX_DEPTH and ast_depth(tree) > MAX_DEPTH:
        raise RuleSyntaxError(f"{what} is nested deeper than {MAX_DEPTH} levels", pos=pos,
                              hint="split it, or build the term in a Python rule set")
    return tree.body


def _at(pos: SourcePos | None, lineno: int, col: int) -> SourcePos | None:
    return None if pos is None else pos.shifted(lineno - 1, col)


def parse_term(text: str, *, normalizer: Normalizer | None = None, pos: SourcePos | None = None,
               what: str = "pattern", bound=None) -> object:
    """Parse a pattern / replacement / example expression into a term.

    >>> parse_term('transpose(x, a, b)', normalizer=raw_normalizer)
    ('transpose', ~x, ~a, ~b)
    >>> parse_term('to(x, torch.float16)', normalizer=raw_normalizer)
    ('to', ~x, torch.float16)

    ``bound``: the variable names allowed (None: any); others raise
    :class:`~rewrite.errors.UnboundVariableError` at their position.

    See Also
    --------
    parse_expr, table_normalizer
    """
    node = parse_expr(text, what=what, pos=pos)
    return _Converter(normalizer or table_normalizer(), pos, what, bound).convert(node)


def _dotted(func) -> str | None:
    """``a.b.c`` for a call's function written as names joined by dots, else None."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    return ".".join([func.id, *reversed(parts)])


class _Converter:
    """Converts an expression AST (already depth-checked) into a term."""

    def __init__(self, normalizer: Normalizer, pos: SourcePos | None, what: str, bound):
        self.normalizer, self.pos, self.what, self.bound = normalizer, pos, what, bound

    def error(self, node, message, hint="", cls=RuleSyntaxError):
        return cls(message, pos=_at(self.pos, node.lineno, node.col_offset), hint=hint)

    def convert(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, f"{type(node).__name__} is not allowed in a {self.what}",
                             "use calls op(...), variables, and literals")
        return method(node)

    def _Constant(self, node):
        if isinstance(node.value, (bool, int, float, str, type(None))):
            return node.value
        raise self.error(node, f"literal {node.value!r} is not allowed in a {self.what}")

    def _Name(self, node):
        if node.id in RESERVED:
            raise self.error(node, f"{node.id!r} is reserved and cannot be a variable",
                             "rename the variable")
        if self.bound is not None and node.id not in self.bound:
            raise self.error(node, f"{self.what} uses {node.id!r}, which the pattern does not bind",
                             did_you_mean(node.id, self.bound) or "bind it in the pattern; it binds: "
                             + (", ".join(sorted(self.bound)) or "nothing"), UnboundVariableError)
        return _variable.var(node.id)

    def _Tuple(self, node):
        return tuple(self.convert(e) for e in node.elts)

    _List = _Tuple

    def _Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "torch" and node.attr in DTYPES:
            return DTYPES[node.attr]
        raise self.error(node, f"attribute access is not allowed in a {self.what}",
                         "write dtypes as torch.float32; write ops as calls, e.g. neg(x)")

    def _UnaryOp(self, node):
        inner = self.convert(node.operand)
        if isinstance(node.op, ast.USub):
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
            return self.call(node, "neg", (inner,), {})
        if isinstance(node.op, ast.UAdd) and isinstance(inner, (int, float)):
            return inner
        raise self.error(node, f"unary {type(node.op).__name__} is not allowed in a {self.what}")

    def _BinOp(self, node):
        op = BINOPS.get(type(node.op))
        if op is None:
            raise self.error(node, f"operator {type(node.op).__name__} is not allowed here",
                             "write the op as a call, e.g. bitwise_and(x, y)")
        return self.call(node, op, (self.convert(node.left), self.convert(node.right)), {})

    def _Call(self, node):
        name = _dotted(node.func)  # an overload or a torch.library op: max.dim(x, 1), mylib.fused_gelu(x)
        if name is None or name.split(".")[0] == "torch":
            raise self.error(node, "only plain op names can be called, e.g. neg(x) or mylib.fused_gelu(x)",
                             "drop the module prefix: write relu(x), not torch.relu(x)")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            raise self.error(node, "*args / **kwargs are not allowed in a rule expression")
        args = tuple(self.convert(a) for a in node.args)
        seen = set()
        for k in node.keywords:
            if k.arg in seen:
                raise self.error(k, f"keyword argument {k.arg!r} is given twice in {name}(...)",
                                 f"keep one {k.arg}=...")
            seen.add(k.arg)
        kwargs = {k.arg: self.convert(k.value) for k in node.keywords}
        return self.call(node, name, args, kwargs)

    def call(self, node, op, args, kwargs):
        try:
            return self.normalizer(op, args, kwargs)
        except (UnknownOpError, ArgumentError) as exc:
            raise exc.located(_at(self.pos, node.lineno, node.col_offset)) from exc
