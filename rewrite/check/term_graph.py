"""Terms as runnable GraphModules: the bridge from term-level checks to torch.

A term ``('add', ('neg', x), 1.0)`` becomes a GraphModule with one placeholder per logic variable (in
first-occurrence order, or the order given) whose output is the term, built by the same emitter that
apply uses for replacements (`fxcore.edit.surgery.instantiate`), so a checked term computes exactly
what a rewrite would put in a graph.  Soundness checks evaluate both sides of a rule this way, and a
confluence witness is printed as such a module's code.

>>> from unify import var
>>> x = var('x')
>>> gm = graph_of(('add', ('neg', x), 1.0))
>>> [n.op for n in gm.graph.nodes]
['placeholder', 'call_function', 'call_function', 'output']
>>> import torch
>>> gm(torch.tensor([2.0]))
tensor([-1.])
>>> term_variables(('mul', x, ('sigmoid', x)))
(~x,)

See Also
--------
fxcore.edit.surgery.instantiate
"""
from __future__ import annotations

import re

import torch
import torch.fx as fx

from fxcore.edit.surgery import instantiate
from unify import isvar

__all__ = ["graph_of", "term_variables"]


def term_variables(term) -> tuple:
    """The logic variables of ``term``, each once, in first-occurrence (left-to-right, depth-first) order.

    Iterative, so terms 100,000 deep are fine.

    >>> from unify import var
    >>> a, b = var('a'), var('b')
    >>> term_variables(('sub', ('neg', b), ('add', a, b)))
    (~b, ~a)
    """
    seen: dict = {}
    todo = [term]
    while todo:
        t = todo.pop()
        if isvar(t):
            seen.setdefault(t, None)
        elif type(t) in (tuple, list):
            todo.extend(reversed(t[1:] if t and isinstance(t[0], str) and type(t) is tuple else t))
    return tuple(seen)


def _placeholder_name(v, used: set) -> str:
    base = re.sub(r"\W", "_", str(getattr(v, "token", v)).lstrip("~")) or "x"
    if base[0].isdigit():
        base = "v_" + base
    name, k = base, 1
    while name in used:
        k += 1
        name = f"{base}_{k}"
    used.add(name)
    return name


def graph_of(term, variables=None, *, table=None, attrs=None) -> fx.GraphModule:
    """A GraphModule computing ``term``: its inputs are the term's variables, its output the term.

    ``variables`` fixes the placeholders' order (it must hold every variable of the term; extra ones
    become unused inputs). ``attrs`` maps the qualified names of `Attr` leaves to the tensors the module
    holds under them.

    >>> from unify import var
    >>> a, b = var('a'), var('b')
    >>> gm = graph_of(('sub', a, b), variables=(b, a))
    >>> import torch
    >>> gm(torch.tensor(1.0), torch.tensor(5.0))
    tensor(4.)
    >>> graph_of(('neg', a), variables=(b,))
    Traceback (most recent call last):
    ...
    ValueError: term variable ~a is not among the given variables (~b,); pass every variable of the term

    See Also
    --------
    term_variables
    """
    found = term_variables(term)
    order = tuple(variables) if variables is not None else found
    missing = [v for v in found if v not in order]
    if missing:
        raise ValueError(f"term variable {missing[0]!r} is not among the given variables {order!r}; "
                         "pass every variable of the term")
    root = torch.nn.Module()
    for qualname, tensor in (attrs or {}).items():
        *path, leaf = qualname.split(".")
        owner = root
        for part in path:
            if not hasattr(owner, part):
                owner.add_module(part, torch.nn.Module())
            owner = getattr(owner, part)
        owner.register_buffer(leaf, tensor)
    graph = fx.Graph()
    used: set = set()
    bindings = {v: graph.placeholder(_placeholder_name(v, used)) for v in order}
    out = instantiate(graph, term, bindings, table)
    graph.output(out)
    gm = fx.GraphModule(root, graph)
    gm.graph.lint()
    return gm
