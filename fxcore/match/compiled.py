"""Term patterns matched against FX graphs: ``compile_pattern``, ``find_matches``, ``explain``.

A pattern is a term over canonical ops, e.g. ``('mul', x, ('sigmoid', x))``;
it matches a node that computes ``mul`` of some value and the ``sigmoid`` of
the *same* value (variables bind to nodes by identity, to literals by ``==``).
A tuple of op terms is a multi-output pattern whose roots share variables.

A match never swallows an inner node that is used outside it (unless the
pattern names it with ``bind``), never uses an impure node as an inner node,
and never would create a cycle if replaced.  Commutative operands are tried in
the other order only when the written order fails.  A failed match is a falsy
``FailedMatch`` that can say why (lazily): the best partial match and the
first mismatch.

>>> import torch, torch.fx as fx
>>> from unify import var
>>> x = var('x')
>>> gm = fx.symbolic_trace(lambda a: a * torch.sigmoid(a) + torch.sigmoid(a) * a.cos())
>>> [m.root.name for m in find_matches(gm.graph, ('mul', x, ('sigmoid', x)))]
['mul']

See Also
--------
fxcore.matcher_utils : torch's SubgraphMatcher API on the same engine.
fxcore.edit.surgery.replace_match : rewrite a match.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import operator
import weakref
from functools import cached_property
from typing import Any, NamedTuple

from torch.fx import Graph, Node

from fxcore.match.bindings import Bindings
from fxcore.view.canonical import CanonicalView
from fxcore.view.targets import nodes_by_possible_op
from fxcore.match.cycles import creates_cycle
from fxcore.match.engine import UNBOUND, Failure, Solution, first
from fxcore.match.fastpath import compile_fast
from fxcore.ops import default_table
from fxcore.match.program import OP, Program, compile_program

__all__ = ["Match", "FailedMatch", "CompiledPattern", "OpIndex", "CanonicalView", "compile_pattern", "find_matches",
           "explain"]


_new_tuple = tuple.__new__  # builds a NamedTuple without its Python-level __new__
_bindings_of = Bindings.of  # a plain function (a staticmethod): no class lookup per match


class Match(NamedTuple):
    """A match of ``pattern`` rooted at ``root`` (``roots`` for multi-output patterns): a frozen, hashable value.

    ``bindings`` maps each pattern variable to a node or literal; ``nodes`` are
    the matched op nodes in graph order, roots included. Always true (a failed
    match is a false ``FailedMatch``).
    """

    pattern: Any
    root: Node
    bindings: Bindings
    nodes: tuple[Node, ...]
    roots: tuple[Node, ...] = ()


@dataclass(frozen=True, eq=False)
class FailedMatch:
    """A falsy "no match" that explains itself lazily: ``reason``, and the best ``partial`` bindings.

    Matching only decides yes or no; the first time an explanation is asked for, the
    search is run again at ``node`` recording how far it got (``failure``), on the graph as
    it is then.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> gm = fx.symbolic_trace(lambda a: a * torch.relu(a))
    >>> mul = [n for n in gm.graph.nodes if n.name == 'mul'][0]
    >>> fm = compile_pattern(('mul', var('x'), ('sigmoid', var('x')))).match(mul)
    >>> bool(fm), fm.reason
    (False, "at mul[1]: expected sigmoid(...), got node 'relu' computing relu")

    See Also
    --------
    explain
    """

    node: Node
    pattern: Any
    program: Program = field(repr=False)
    view: Any = field(repr=False)
    candidates: Any = field(repr=False, default=None)
    accept: Any = field(repr=False, default=None)

    def __bool__(self) -> bool:
        return False

    @cached_property
    def failure(self) -> Failure:
        """The furthest point the search reached (see ``fxcore.match.engine.Failure``)."""
        return first(self.program, self.view, self.node, self.candidates, self.accept)

    @cached_property
    def reason(self) -> str:
        from fxcore.match.diagnose import describe_failure
        return describe_failure(self.program, self.failure, self.view)

    @cached_property
    def partial(self) -> Bindings:
        return _bindings(self.program, self.failure.slots)

    def __str__(self) -> str:
        return self.reason


def _bindings(program: Program, slots: tuple) -> Bindings:
    return Bindings.of({v: s for v, s in zip(program.variables, slots) if s is not UNBOUND})


class OpIndex:
    """Nodes of a graph grouped by canonical op, in graph order.

    Built from FX's per-target side table (`fxcore.view.targets`): one ``CanonicalView.possible_ops``
    per ``call_function`` target (no argument binding), one per node of the other kinds; ``nodes(op)``
    then confirms the candidates of ``op`` by full resolution, once, through the view's cache, which the
    matcher shares. Ops that only full resolution can tell (choosers,
    exact targets of unknown ops) fall back to resolving every node once.

    >>> import torch, torch.fx as fx
    >>> gm = fx.symbolic_trace(lambda a: torch.relu(a) + torch.relu(a))
    >>> [n.name for n in OpIndex(gm.graph).nodes('relu')]
    ['relu', 'relu_1']

    See Also
    --------
    find_matches
    """

    def __init__(self, graph: Graph, table=None, view: CanonicalView | None = None) -> None:
        self.graph = graph
        self.view = CanonicalView(table) if view is None else view
        self._confirmed: dict[Any, list[Node]] = {}
        self._by_key: dict[Any, list[Node]] | None = None
        self._candidates, self._unsure = nodes_by_possible_op(graph, self.view.possible_ops)
        for found in self._candidates.values():
            found.sort()  # graph order (Node compares by position)
        self._unsure.sort()

    def nodes(self, op: Any) -> list[Node]:
        """The nodes whose canonical op is ``op``, in graph order (an empty list if none)."""
        found = self._confirmed.get(op)
        if found is not None:
            return found
        if not (isinstance(op, str) and op in self.view.table):
            found = self._all_keys().get(op, [])  # an exact target, a module type: resolve everything
        else:
            cands = self._candidates.get(op, [])
            if self._unsure:
                cands = sorted(cands + self._unsure)
            key = self.view.key
            found = [n for n in cands if key(n) == op]
        self._confirmed[op] = found
        return found

    def ops(self) -> tuple:
        """The canonical ops present, in order of first appearance (resolves every node)."""
        return tuple(self._all_keys())

    def _all_keys(self) -> dict[Any, list[Node]]:
        if self._by_key is None:
            self._by_key = {}
            key = self.view.key
            for n in self.graph.nodes:
                self._by_key.setdefault(key(n), []).append(n)
        return self._by_key


@dataclass(frozen=True, eq=False)
class CompiledPattern:
    """A pattern compiled once for a table; ``match(node)`` tries it rooted at ``node``.

    >>> from unify import var
    >>> cp = compile_pattern(('neg', ('neg', var('x'))))
    >>> cp.root_op, cp.variables
    ('neg', (~x,))

    See Also
    --------
    compile_pattern, find_matches
    """

    pattern: Any
    program: Program = field(repr=False)
    table: Any = field(repr=False, default=None)

    @property
    def root_op(self) -> Any:
        """The canonical op at the (first) root, for indexing candidates."""
        return self.program.root_keys[0]

    @property
    def root_ops(self) -> tuple:
        """The canonical op of every root (one per output of a multi-output pattern)."""
        return self.program.root_keys

    @property
    def variables(self) -> tuple:
        """The pattern's variables, in order of first mention."""
        return self.program.variables

    @cached_property
    def input_ops(self) -> tuple[str, ...]:
        """Canonical ops that must occur among the (first) root's input nodes: its op-term arguments.

        >>> from unify import var
        >>> compile_pattern(('mul', var('x'), ('sigmoid', var('x')))).input_ops
        ('sigmoid',)
        """
        table = CanonicalView(self.table).table
        out = []
        for ins, where in zip(self.program.code, self.program.where):
            if (ins[0] == OP and ins[5] and ins[6] < 0 and where.root == 0 and where.path is not None
                    and where.path[0] is None and isinstance(ins[2], str) and ins[2] in table):
                out.append(ins[2])
        return tuple(dict.fromkeys(out))

    @cached_property
    def inner_ops(self) -> tuple:
        """The op keys of the pattern's inner nodes (every op term but the roots), in order of first mention: a
        node may be inside a match of this pattern, below its root, only if it may be one of these ops.

        >>> from unify import var
        >>> compile_pattern(('mul', var('x'), ('sigmoid', ('neg', var('x'))))).inner_ops
        ('sigmoid', 'neg')
        """
        return tuple(dict.fromkeys(ins[2] for ins in self.program.code if ins[0] == OP and ins[5]))

    def may_match(self, node: Node, view: CanonicalView) -> bool:
        """A cheap necessary condition, read from targets only: every op in ``input_ops`` may be an input.

        False means ``match(node)`` fails; True means it may succeed (run it to know).
        """
        possible = view.possible_ops
        inputs = node._input_nodes
        for op in self.input_ops:
            for i in inputs:
                ops = possible(i)
                if ops is None or op in ops:
                    break
            else:
                return False
        return True

    @cached_property
    def _fast(self):
        return compile_fast(self.program, self.table if self.table is not None else default_table())

    @cached_property
    def _accept(self):
        return _accept(self.program)

    @cached_property
    def _views(self) -> weakref.WeakKeyDictionary:
        return weakref.WeakKeyDictionary()

    def _view_for(self, graph: Graph) -> CanonicalView:
        """This pattern's view of ``graph``, kept while the graph lives (its cache is rewrite-safe)."""
        view = self._views.get(graph)
        if view is None:  # lives as long as the graph: module calls are resolved afresh (model.eval() ...)
            view = self._views[graph] = CanonicalView(self.table, cache_module_calls=False)
        return view

    def match(self, node: Node, index: OpIndex | None = None, *, view: CanonicalView | None = None
              ) -> Match | FailedMatch:
        """Match this pattern with its (first) root at ``node``: a ``Match`` or a falsy ``FailedMatch``.

        Pass one ``view`` (a ``CanonicalView`` of this table) or ``index`` to many calls over the same
        graph: each node is then resolved through the op table once, even across rewrites.
        """
        if view is None:
            view = index.view if index is not None else self._view_for(node.graph)
        fast = self._fast
        if fast is not None:
            found = fast(node, view, self._accept)
            if found is None:
                return FailedMatch(node, self.pattern, self.program, view, None, self._accept)
            return self._match(found)
        program = self.program
        roots = _Roots(program, view, node, index) if len(program.root_regs) > 1 else None
        found = first(program, view, node, roots, self._accept, explain=False)
        if found is None:
            return FailedMatch(node, self.pattern, program, view, roots, self._accept)
        return self._match(found)

    def _match(self, sol: Solution) -> Match:
        matched, slots = sol.matched, sol.slots
        if len(matched) == 1:
            nodes = matched
        elif len(matched) == 2:  # the commonest: a root and one inner node
            a, b = matched
            nodes = (a,) if a is b else (a, b) if a < b else (b, a)
        else:
            nodes = tuple(sorted(dict.fromkeys(matched)))
        # every variable is bound in a solution: only ignore_literals jumps skip instructions, and
        # term patterns are compiled without it
        variables = self.program.variables
        bindings = _bindings_of({variables[0]: slots[0]} if len(slots) == 1 else dict(zip(variables, slots)))
        return _new_tuple(Match, (self.pattern, sol.roots[0], bindings, nodes, sol.roots))  # Match(...), quicker


def compile_pattern(pattern: Any, table=None) -> CompiledPattern:
    """Compile a pattern term (or a tuple of terms sharing variables) against an op table.

    Op names are checked (``UnknownOpError`` with a did-you-mean), and terms
    with fewer arguments than the op's schema get its defaults.

    >>> from unify import var
    >>> compile_pattern(('sum', var('x'))).program.code[0][3]  # sum(x) has 4 canonical operands
    4

    See Also
    --------
    CompiledPattern, find_matches
    """
    if isinstance(pattern, CompiledPattern):
        return pattern
    return CompiledPattern(pattern, compile_program(pattern, CanonicalView(table)), table)


def find_matches(graph: Graph, pattern: Any, table=None, *, index: OpIndex | None = None) -> list[Match]:
    """All matches of ``pattern`` in ``graph``, in graph order of their (first) root.

    Candidates come from an index by canonical op (built once if not given),
    so the cost is linear in the size of the graph.  Overlapping matches are
    all returned; a rewrite driver decides which to apply.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> gm = fx.symbolic_trace(lambda a, b: (a + b) * (b + a))
    >>> len(find_matches(gm.graph, ('mul', ('add', var('x'), var('y')), ('add', var('x'), var('y')))))
    1

    See Also
    --------
    compile_pattern, explain
    """
    cp = compile_pattern(pattern, table)
    index = OpIndex(graph, cp.table) if index is None else index
    found = []
    for node in index.nodes(cp.root_op):
        m = cp.match(node, index)
        if m:
            found.append(m)
    return found


def explain(node: Node, pattern: Any, table=None) -> str:
    """Why ``pattern`` does (or does not) match at ``node``, in one readable paragraph.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> gm = fx.symbolic_trace(lambda a: torch.sum(a, 1) * 2.0)
    >>> mul = [n for n in gm.graph.nodes if n.name == 'mul'][0]
    >>> print(explain(mul, ('mul', var('x'), 2)))
    mul(~x, 2) matches node 'mul' with ~x = node 'sum_1'
    >>> print(explain(mul, ('mul', ('sum', var('x'), (0,), False, None), 2.0)))
    mul(sum(~x, (0,), False, None), 2.0) does not match node 'mul': at mul[0].sum[1][0]: expected the literal 0, got 1;
    best partial match: ~x = node 'a'

    See Also
    --------
    FailedMatch, find_matches
    """
    from fxcore.match.diagnose import explain_result, show_term
    return explain_result(node, show_term(pattern), compile_pattern(pattern, table).match(node))


@dataclass(frozen=True)
class _Roots:
    """Candidates for the extra roots of a multi-output pattern: users of shared nodes, else the index."""

    program: Program
    view: Any
    node: Node
    index: OpIndex | None

    def __call__(self, i: int, slots) -> list[Node]:
        anchor = self.program.anchors[i]
        if anchor is not None and isinstance(slots[anchor.slot], Node):
            level = [slots[anchor.slot]]
            for k in anchor.keys:
                level = list({u: None for n in level for u in n.users if self.view.key(u) == k})
            return sorted(level)
        index = self.index if self.index is not None else OpIndex(self.node.graph, view=self.view)
        return index.nodes(self.program.root_keys[i])


def dead_getitem(node: Node) -> bool:
    """An unused ``getitem`` of a node: the other outputs of a multi-output op nobody reads (make_fx writes all
    three of ``native_batch_norm``'s). Such a user does not keep a matched inner node alive: the rewrite
    erases it with the node (`fxcore.edit.surgery`)."""
    return node.target is operator.getitem and node.op == "call_function" and not node.users


def _accept(program: Program):
    """The post-check of a complete assignment: no escaping inner node (unused getitems aside), no cycle."""
    multi, named = len(program.root_regs) > 1, program.named
    if not multi and not named:
        return _escape  # the commonest: a single root, no named nodes, only escapes to look for

    def accept(sol: Solution):
        keep = sol.roots if not named else (*sol.roots, *(sol.slots[s] for s in named))
        found = _escape(sol, keep)
        if found is None and creates_cycle(sol.matched):
            return ("cycle",)
        return found
    return accept


def _escape(sol: Solution, keep: tuple | None = None):
    """``("escape", node, user)`` for a matched node but those in ``keep`` (by default the roots) that has a user
    outside the match (unused getitems aside), else None."""
    matched = sol[1]  # (sol.matched; the roots are sol[2])
    if keep is None:
        keep = sol[2]
    inside = matched if len(matched) <= 4 else None  # a few nodes: the tuple is as quick to search
    for n in matched:
        if n in keep:
            continue
        for u in n.users:
            if inside is None:
                inside = set(matched)
            if u not in inside and not dead_getitem(u):
                return ("escape", n, u)
    return None
