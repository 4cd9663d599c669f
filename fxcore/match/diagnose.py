"""Readable reasons for failed matches: where in the pattern, what was expected, what the graph had.

Reasons are computed only when asked for (``FailedMatch.reason``), by
re-reading the instruction at which the search got furthest.

See Also
--------
fxcore.match.explain, fxcore.match.FailedMatch
"""
from __future__ import annotations

from typing import Any

from torch.fx import Node

from unify.variable import isvar

from fxcore.match.capture import Capture
from fxcore.match.engine import UNBOUND, Failure
from fxcore.view.pattern import Bound, OpKey, Typed, is_op_term
from fxcore.match.program import BIND, CHECK, LIT, OP, ROOT, SEQ, VAR, Program

__all__ = ["describe_failure", "explain_result", "show_term", "show_value"]


def show_term(t: Any) -> str:
    """A pattern term in call syntax: ``mul(~x, sigmoid(~x))``.

    >>> from unify import var
    >>> show_term(('mul', var('x'), ('sigmoid', var('x')))), show_term((('relu', 1), ('neg', 2)))
    ('mul(~x, sigmoid(~x))', '(relu(1), neg(2))')

    See Also
    --------
    show_value
    """
    if is_op_term(t):
        head = t[0].key if isinstance(t[0], OpKey) else t[0]
        name = head if isinstance(head, str) else getattr(head, "__name__", repr(head))
        return f"{name}({', '.join(show_term(a) for a in t[1:])})"
    if isinstance(t, Bound):
        return f"{t.var!r}@{show_term(t.pattern)}"
    if isinstance(t, Capture):
        return show_term(t.pattern)
    if isinstance(t, (tuple, list)) and not isvar(t):
        inner = ", ".join(show_term(a) for a in t)
        return f"({inner},)" if len(t) == 1 and isinstance(t, tuple) else f"({inner})"
    return repr(t)


def show_value(v: Any, view=None) -> str:
    """A graph value for messages: ``node 'relu' computing relu`` or a literal's repr.

    >>> show_value(3), show_value((1, 2))
    ('3', '(1, 2)')

    See Also
    --------
    show_term
    """
    if isinstance(v, Node):
        if view is None or v.op in ("placeholder", "get_attr", "output"):
            return f"node {v.name!r}"
        key = view.key(v)
        return f"node {v.name!r} computing {getattr(key, '__name__', key)}"
    if v is UNBOUND:
        return "nothing"
    return repr(v)


def _where(program: Program, pc: int) -> str:
    w = program.where[pc]
    steps = [f"{_name(k)}[{i}]" if k != "[]" else f"[{i}]" for k, i in w.steps]
    if len(steps) > 12:  # a deep pattern: keep the ends
        steps = [*steps[:4], f"...({len(steps) - 8} more)...", *steps[-4:]]
    text = ".".join(steps).replace(".[", "[") or "the root"
    return text if w.root == 0 else f"output {w.root}: {text}"


def _name(key: Any) -> str:
    return key if isinstance(key, str) else getattr(key, "__name__", repr(key))


def describe_failure(program: Program, failure: Failure, view) -> str:
    """The reason a search failed, from its furthest point.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> from fxcore.match import compile_pattern
    >>> gm = fx.symbolic_trace(lambda a: torch.relu(a))
    >>> relu = list(gm.graph.nodes)[1]
    >>> compile_pattern(('sigmoid', var('x'))).match(relu).reason
    "at the root: expected sigmoid(...), got node 'relu' computing relu"

    See Also
    --------
    fxcore.match.FailedMatch
    """
    if failure.reason is not None:
        return _post_reason(failure.reason, view)
    if failure.pc < 0:
        return "nothing was tried"
    ins = program.code[failure.pc]
    return f"at {_where(program, failure.pc)}: {_mismatch(ins, program, failure, view)}"


def _post_reason(reason: tuple, view) -> str:
    if reason[0] == "escape":
        _, inner, user = reason
        return (f"inner node {inner.name!r} is also used by {user.name!r} outside the match, so replacing "
                f"the match would not remove it; name it in the pattern with bind(var, ...) to allow this")
    if reason[0] == "cycle":
        return "replacing the matched nodes would create a cycle (a path leaves the match and comes back)"
    return str(reason)


def _mismatch(ins: tuple, program: Program, failure: Failure, view) -> str:
    v, kind = failure.value, ins[0]
    if kind == OP:
        return _op_mismatch(ins, program.where[failure.pc].pattern, v, view)
    if kind == SEQ:
        return f"expected a list of {ins[2]} items, got {show_value(v, view)}"
    if kind == LIT:
        return f"expected the literal {ins[2]!r}, got {show_value(v, view)}"
    if kind in (VAR, BIND):
        return _var_mismatch(ins, program, failure, view)
    if kind == CHECK:
        return f"expected {program.where[failure.pc].pattern!r}, got {show_value(v, view)}"
    if kind == ROOT:
        return f"no node computing {_name(program.root_keys[ins[2]])} fits this output"
    return "mismatch"


def _op_mismatch(ins: tuple, pattern: Any, v: Any, view) -> str:
    want = f"{_name(ins[2])}(...)"
    if not isinstance(v, Node):
        return f"expected {want}, got the literal {v!r}"
    if view.key(v) != ins[2]:
        return f"expected {want}, got {show_value(v, view)}"
    if len(view.operands(v)) != ins[3]:
        return f"expected {ins[3]} operands of {_name(ins[2])}, node {v.name!r} has {len(view.operands(v))}"
    return (f"node {v.name!r} is impure (in-place, random or I/O) and cannot be an inner node of a match; "
            f"only the root of a pattern may be impure")


def _var_mismatch(ins: tuple, program: Program, failure: Failure, view) -> str:
    var = program.variables[ins[2]]
    bound = failure.slots[ins[2]] if ins[2] < len(failure.slots) else UNBOUND
    pat = program.where[failure.pc].pattern
    if bound is UNBOUND and isinstance(pat, Typed):
        return f"{pat!r} does not accept {show_value(failure.value, view)} ({type(failure.value).__name__})"
    return (f"{var!r} is already {show_value(bound, view)} but here it would be "
            f"{show_value(failure.value, view)} (a variable used twice must match the same value)")


def explain_result(node: Node, shown_pattern: str, result: Any) -> str:
    """One paragraph for ``explain``: the bindings of a match, or the reason and best partial match."""
    if result:
        binds = ", ".join(f"{k!r} = {show_value(v)}" for k, v in result.bindings.items())
        return f"{shown_pattern} matches node {node.name!r}" + (f" with {binds}" if binds else "")
    partial = ", ".join(f"{k!r} = {show_value(v)}" for k, v in result.partial.items()) or "nothing bound"
    return f"{shown_pattern} does not match node {node.name!r}: {result.reason};\nbest partial match: {partial}"
