"""Turn a rule's replacement into a term that surgery can build, for one match.

A term replacement is used as it is. A :class:`~rewrite.lang.rule.Compute`
replacement (a Python callable in a Python rule set) is called with the
bindings by name, where module attributes (``Attr`` operands of module calls,
and ``get_attr`` nodes) are passed as the tensors they name, so a rule can fold
weights. Tensors in the term it returns become module attributes (registered
through the apply's journal, so a failed apply removes them again); a tensor
that already is one of the module's attributes is referred to by name.

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from rewrite.lang.rule import Compute, Rule
>>> from rewrite.engine.journal import GraphJournal
>>> from fxcore.match import find_matches
>>> gm = fx.symbolic_trace(torch.nn.Linear(2, 2))
>>> x, w, b = var('x'), var('w'), var('b')
>>> double = Rule('double-w', ('linear', x, w, b), Compute(lambda x, w, b: ('linear', x, 2 * w, b)))
>>> match, = find_matches(gm.graph, double.pattern)
>>> with GraphJournal(gm) as journal:
...     term = replacement_term(double, match, gm, journal)
>>> term
('linear', input_1, Attr('_rewrite_double_w_0'), Attr('bias'))

See Also:
    rewrite.engine.apply.apply, fxcore.edit.surgery.replace_match
"""

from __future__ import annotations

import re
from functools import reduce
from typing import Any

import torch
import torch.fx as fx

from fxcore.ops.model import Attr

from rewrite.engine.journal import GraphJournal
from rewrite.lang.rule import Compute, bindings_by_name, map_leaves

__all__ = ["replacement_term", "module_tensor", "ModuleTensors"]


def module_tensor(gm: torch.nn.Module, value: Any) -> Any:
    """The tensor an ``Attr`` or a ``get_attr`` node names; any other value as it is.

    >>> lin = torch.nn.Linear(1, 1)
    >>> module_tensor(lin, Attr('weight')) is lin.weight
    True
    """
    if isinstance(value, Attr):
        path = value.qualname
    elif isinstance(value, fx.Node) and value.op == "get_attr":
        path = value.target
    else:
        return value
    return reduce(getattr, path.split("."), gm)


class ModuleTensors:
    """The module's tensors by identity, and the next free name per stem: read once per apply, kept current
    as a Compute replacement adds tensors (one apply may add hundreds: folding every conv of a model)."""

    def __init__(self, gm: fx.GraphModule):
        self.gm = gm
        self._known: dict[int, tuple[str, torch.Tensor]] | None = None
        self._next: dict[str, int] = {}

    def name_of(self, tensor: torch.Tensor) -> str | None:
        if self._known is None:
            self._known = {id(t): (name, t) for name, t in (*self.gm.named_parameters(), *self.gm.named_buffers())}
        hit = self._known.get(id(tensor))
        return hit[0] if hit is not None and hit[1] is tensor else None

    def add(self, journal: GraphJournal, stem: str, tensor: torch.Tensor) -> str:
        index = self._next.get(stem, 0)
        while hasattr(self.gm, f"{stem}_{index}"):
            index += 1
        self._next[stem] = index + 1
        name = journal.add_attr(f"{stem}_{index}", tensor.detach())
        if self._known is not None:
            self._known[id(tensor)] = (name, tensor)
        return name


def replacement_term(rule, match, gm: fx.GraphModule, journal: GraphJournal,
                     tensors: ModuleTensors | None = None) -> Any:
    """The term to build for ``match``, or None when a Compute replacement declines; ``tensors`` is the
    apply's `ModuleTensors` (one is made when not given)."""
    if not isinstance(rule.replacement, Compute):
        return rule.replacement
    by_name = {name: module_tensor(gm, value) for name, value in bindings_by_name(match.bindings).items()}
    term = rule.replacement(**by_name)
    if term is None:
        return None
    return _tensors_to_attrs(term, tensors or ModuleTensors(gm), journal, rule.id)


def _tensors_to_attrs(term: Any, tensors: ModuleTensors, journal: GraphJournal, rule_id: str) -> Any:
    """Replace tensor leaves of ``term`` by ``Attr`` names (registering new tensors on the module)."""
    stem = "_rewrite_" + re.sub(r"\W", "_", rule_id)

    def convert(leaf: Any) -> Any:
        if not isinstance(leaf, torch.Tensor):
            return leaf
        name = tensors.name_of(leaf)
        return Attr(name if name is not None else tensors.add(journal, stem, leaf))

    return map_leaves(term, convert)
