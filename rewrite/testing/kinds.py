"""What each variable of a rule's pattern stands for: a tensor, or a literal of a schema type.

A pattern variable in a ``Tensor`` operand position binds a graph value; one in an ``int``, ``int[]``,
``Scalar``, ``bool``... position binds a literal (``transpose(x, a, b)``: ``a`` and ``b`` are ints). The
strategies need that to draw a value for it; it is read from the canonical op schemas of the table.

>>> from unify import var
>>> x, a, p = var('x'), var('a'), var('p')
>>> kinds = variable_kinds(('transpose', ('permute', x, p), a, 0))
>>> [(str(v), k) for v, k in kinds.items()]
[('~x', 'Tensor'), ('~p', 'int[]'), ('~a', 'int')]
>>> is_tensor_kind('Tensor?'), is_tensor_kind('int[]')
(True, False)

See Also
--------
rewrite.check.term_graph.graph_of : builds a term over tensor variables as a GraphModule.
"""
from __future__ import annotations

from fxcore.ops import default_table
from rewrite.check.term_graph import term_variables
from unify import isvar

__all__ = ["variable_kinds", "is_tensor_kind", "element_kind", "op_terms"]


def is_tensor_kind(kind: str) -> bool:
    """Whether a schema type names a tensor operand (``Tensor``, ``Tensor?``; not ``Tensor[]``).

    >>> is_tensor_kind('Tensor'), is_tensor_kind('Scalar')
    (True, False)
    """
    return kind.rstrip("?") == "Tensor" or kind == "Any"


def element_kind(kind: str) -> str:
    """The element type of a list type (``int[]`` and ``int[2]`` -> ``int``); other types as they are.

    >>> element_kind('int[2]?'), element_kind('float')
    ('int', 'float')
    """
    base = kind.rstrip("?")
    return base[:base.index("[")] if "[" in base else base


def _param_kinds(op: str, n_operands: int, table) -> tuple:
    """The schema types of ``op``'s first ``n_operands`` parameters (``Any`` for ops the table lacks)."""
    if not isinstance(op, str) or op not in table:
        return ("Any",) * n_operands
    params = table.op(op).params
    return tuple(p.type if i < len(params) else "Any" for i, p in enumerate(params[:n_operands])) + (
        ("Any",) * max(0, n_operands - len(params)))


def op_terms(term):
    """Every op term inside ``term`` (itself first if it is one), depth-first, left to right; iterative.

    >>> from unify import var
    >>> [t[0] for t in op_terms(('neg', ('relu', var('x'))))]
    ['neg', 'relu']
    """
    out, todo = [], [term]
    while todo:
        t = todo.pop()
        if type(t) is tuple and t and isinstance(t[0], str):
            out.append(t)
            todo.extend(reversed(t[1:]))
        elif type(t) in (tuple, list):
            todo.extend(reversed(t))
    return out


def variable_kinds(pattern, table=None) -> dict:
    """``{variable: schema type}`` for every variable of ``pattern``, in first-occurrence order.

    A variable inside a list operand (``squeeze(y, (d,))``) gets the list's element type; one seen in
    several positions keeps its first tensor kind if any position is a tensor (a tensor that is also
    passed where a scalar goes still has to be a tensor), else its first kind.

    >>> from unify import var
    >>> x, d = var('x'), var('d')
    >>> {str(v): k for v, k in variable_kinds(('squeeze', ('unsqueeze', x, d), (d,))).items()}
    {'~x': 'Tensor', '~d': 'int'}
    """
    table = default_table() if table is None else table
    kinds: dict = {}
    todo = [(pattern, "Tensor")]
    while todo:
        t, kind = todo.pop()
        if isvar(t):
            if t not in kinds or (is_tensor_kind(kind) and not is_tensor_kind(kinds[t])):
                kinds[t] = kind
        elif type(t) is tuple and t and isinstance(t[0], str):
            todo.extend(reversed(list(zip(t[1:], _param_kinds(t[0], len(t) - 1, table)))))
        elif type(t) in (tuple, list):
            todo.extend((k, element_kind(kind)) for k in reversed(t))
    return {v: kinds[v] for v in term_variables(pattern)}
