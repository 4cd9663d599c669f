"""Loop search: terms that rewrite back to themselves, or to a larger term holding an instance of themselves.

Starting from every enabled rule's left side and from the overlaps of left sides (one left side unified with
an op subterm of another, renamed apart), the search rewrites one step at a time, every
rule at every position, with `rewrite.engine.normalize`'s matcher (commutative operands both ways, literals as
the graph matcher compares them, guards on plain terms).  A term ``t`` rewritten in one or more steps to a
term that holds an instance of ``t`` is a proof of non-termination, since rewriting is closed under
substitution and context.  Where a term reached is a normal form only because its variables are too general
(a rule's left side unifies with a subterm, binding them), the start term so instantiated is searched too
(narrowing: a forward closure).  Witnesses:

- a **loop** when the new term is ``t`` again up to renaming and commutative operand order
  (``add(x, y) -> add(y, x)``);
- **growth** when it is larger and holds an instance of ``t`` (``relu(x) -> relu(relu(x))``).

Exact loops are preferred: after a growth witness the search looks a little further for a loop (so
``relu(x) -> add(relu(x), 0)`` with ``add(x, 0) -> x`` is reported as the loop through both rules).  A rule
whose guard cannot be decided on a plain term fires only when ``conditional=True``; the witness then names
those rules (a loop if their guards hold).  Python replacements fire when they return a term.

>>> from rewrite.lang.loader import loads
>>> rs = loads('rules: [{id: s, pattern: "sub(x, y)", replacement: "sub(y, x)"}]')
>>> print(find_loop(rs).format())
loop: sub(~x, ~y, 1) -> sub(~y, ~x, 1) by s; sub(~y, ~x, 1) is sub(~x, ~y, 1) again (up to renaming and operand order)

See Also
--------
rewrite.check.termination.check_termination
"""
from __future__ import annotations

from dataclasses import dataclass

from unify import isvar, reify, unify, var
from fxcore.match.diagnose import show_term
from fxcore.view.pattern import is_op_term
from rewrite.engine.normalize import _Rewriter, term_view
from rewrite.lang.assumptions import ASSUMPTIONS
from rewrite.lang.rule import substitute
from rewrite.lang.syntax import term_variables, var_name

__all__ = ["LoopWitness", "find_loop", "start_terms"]

_PER_START = 300     # expansions from one start term
_LOOK_FURTHER = 60   # expansions after a growth witness, looking for an exact loop


@dataclass(frozen=True)
class LoopWitness:
    """A non-termination witness: ``term`` rewrites by ``rules`` through ``chain`` (``term`` first) to a term
    holding an instance of ``term``; ``kind`` is "loop" (the same term again) or "growth"; ``conditional``
    names rules whose guards could not be decided on plain terms (the loop needs them to hold)."""

    kind: str
    term: object
    rules: tuple
    chain: tuple
    conditional: tuple = ()

    def format(self) -> str:
        """One line: each step with its rule, then why it loops."""
        steps = show_term(self.chain[0])
        for rule_id, t in zip(self.rules, self.chain[1:]):
            steps += f" -> {show_term(t)} by {rule_id}"
        last = show_term(self.chain[-1])
        first = show_term(self.term)
        why = (f"{last} is {first} again (up to renaming and operand order)" if self.kind == "loop"
               else f"{last} holds an instance of {first} and grows")
        cond = (f" (if the guards of {', '.join(self.conditional)} hold, which plain terms cannot decide)"
                if self.conditional else "")
        return f"{self.kind}: {steps}; {why}{cond}"

    def to_json(self) -> dict:
        """``{"kind", "term", "rules", "chain", "conditional"}`` (terms as call syntax)."""
        return {"kind": self.kind, "term": show_term(self.term), "rules": list(self.rules),
                "chain": [show_term(t) for t in self.chain], "conditional": list(self.conditional)}


def _renamed(term, suffix: str):
    return substitute(term, {v: var(var_name(v) + suffix) for v in term_variables(term)})


def _op_positions(term) -> list:
    """``(path, subterm)`` of every op subterm, pre-order (paths index into tuples and lists)."""
    out, todo = [], [((), term)]
    while todo:
        path, t = todo.pop()
        if is_op_term(t):
            out.append((path, t))
            todo.extend(((*path, k), a) for k, a in reversed(list(enumerate(t))[1:]))
        elif isinstance(t, (tuple, list)) and not isvar(t):
            todo.extend(((*path, k), a) for k, a in reversed(list(enumerate(t))))
    return out


def _splice(term, path, new):
    if not path:
        return new
    k = path[0]
    items = list(term)
    items[k] = _splice(term[k], path[1:], new)
    return type(term)(items)


def _size(term) -> int:
    n, todo = 0, [term]
    while todo:
        t = todo.pop()
        n += 1
        if isinstance(t, (tuple, list)) and not isvar(t):
            todo.extend(t)
    return n


def start_terms(ruleset, *, limit: int = 2_000) -> list:
    """The search's start terms: each enabled rule's left side, then overlaps (a left side, renamed apart,
    unified with an op subterm of another), deduplicated, at most ``limit``.

    >>> from rewrite.lang.loader import loads
    >>> rs = loads('rules: [{id: a, pattern: neg(relu(x)), replacement: x}, '
    ...            '{id: b, pattern: relu(exp(y)), replacement: y}]')
    >>> for t in start_terms(rs):
    ...     print(show_term(t))
    neg(relu(~x))
    relu(exp(~y))
    neg(relu(exp(~y')))
    """
    rules = list(ruleset.ordered())
    starts = {repr(r.pattern): r.pattern for r in rules}
    by_head: dict = {}
    for r in rules:
        by_head.setdefault((r.pattern[0], len(r.pattern)), []).append(_renamed(r.pattern, "'"))
    for r in rules:
        for path, sub in _op_positions(r.pattern):
            for other in by_head.get((sub[0], len(sub)), ()):
                if not path and other == _renamed(r.pattern, "'"):
                    continue
                s = unify(other, sub)
                if s is not False and len(starts) < limit:
                    t = reify(r.pattern, s)
                    starts.setdefault(repr(t), t)
    return list(starts.values())


class _Search:
    """Breadth-first rewriting from one start term at a time, sharing one normalize store."""

    def __init__(self, ruleset, table, conditional: bool):
        self.rw = _Rewriter(ruleset, term_view(), None, table, assume=tuple(ASSUMPTIONS))
        self.view, self.conditional, self.table = term_view(), conditional, table
        self.expanded = 0
        self.narrowed: list = []  # starts instantiated by narrowing, to search after the others

    def narrow(self, start, term) -> None:
        """Forward closure: where an op subterm of ``term`` (a normal form) unifies with a rule's left side
        by instantiating ``term``'s own variables, the instantiated ``start`` becomes a start term."""
        for _, sub in _op_positions(term):
            own = set(term_variables(sub))
            for rule in self.rw.by_op.get(sub[0], []):
                lhs = substitute(rule.pattern, {v: var() for v in term_variables(rule.pattern)})
                for form in self._orders(sub):
                    unifier = unify(lhs, form)
                    if unifier is not False and any(v in unifier for v in own):
                        self.narrowed.append(reify(start, unifier))

    def _orders(self, sub):
        yield sub
        if self.table is not False and len(sub) >= 3 and isinstance(sub[0], str):
            from fxcore import ops
            if ops.is_commutative(sub[0], None, self.table):
                yield (sub[0], sub[2], sub[1], *sub[3:])

    def successors(self, term):
        """Every one-step rewrite of ``term``: ``(rule id, new term, rule fired on an undecided guard)``."""
        rw, store = self.rw, self.rw.store
        for path, sub in _op_positions(term):
            i = store.intern(sub)
            for rule in rw.by_op.get(sub[0], []) + rw.by_op.get(None, []):
                b = rw._match(rule.pattern, i)
                if b is None:
                    continue
                by_var = {v: store.term(j) for v, j in b.items()}
                ok = rule.guard_value(by_var, self.view, result=sub) if rule.guards else True
                if ok is not True and not (self.conditional and ok is not False):
                    continue
                new = rule.instantiate(by_var)
                if new is None:
                    continue
                yield rule.id, _splice(term, path, new), ok is not True

    def matches(self, pattern, term) -> bool:
        """Whether ``term`` is an instance of ``pattern`` (modulo commutative operand order)."""
        return self.rw._match(pattern, self.rw.store.intern(term)) is not None

    def _op_ids(self, i: int) -> list:
        """The store ids of the op subterms of term ``i`` (itself included)."""
        store, out, todo, seen = self.rw.store, [], [i], set()
        while todo:
            j = todo.pop()
            if j in seen:
                continue
            seen.add(j)
            kind, payload = store.nodes[j]
            if kind is None:
                continue
            if store.op(j) is not None:
                out.append(j)
            todo.extend(payload)
        return out

    def witness(self, chain, rules, undecided):
        """The best witness that ``chain[-1]`` gives against an earlier term of the chain, or None."""
        last = chain[-1]
        i, size = self.rw.store.intern(last), _size(last)
        subterms = [(self.rw.store.op(j), j) for j in self._op_ids(i)]
        found = None
        for k, earlier in enumerate(chain[:-1]):
            cond = tuple(dict.fromkeys(r for r, u in zip(rules[k:], undecided[k:]) if u))
            head = earlier[0]
            if size == _size(earlier) and self.rw._match(earlier, i) is not None and self.matches(last, earlier):
                return LoopWitness("loop", earlier, tuple(rules[k:]), tuple(chain[k:]), cond)
            if found is None and any(op == head and self.rw._match(earlier, j) is not None for op, j in subterms):
                kind = "growth" if size > _size(earlier) else "loop"
                found = LoopWitness(kind, earlier, tuple(rules[k:]), tuple(chain[k:]), cond)
        return found

    def from_start(self, start, budget: int, max_size: int):
        """Search from ``start`` within ``budget`` expansions: the best witness, or None."""
        nodes = [(start, -1, "", False)]  # term, parent, rule, fired on an undecided guard
        seen = {repr(start)}
        growth, until, head = None, budget, 0
        while head < len(nodes) and head < until:
            term = nodes[head][0]
            parent, head = head, head + 1
            self.expanded += 1
            if _size(term) > max_size:
                continue
            stuck = True
            for rule_id, new, undecided in self.successors(term):
                stuck = False
                nodes.append((new, parent, rule_id, undecided))
                w = self.witness(*self._chain(len(nodes) - 1, nodes))
                if w is not None and w.kind == "loop":
                    return w
                if w is not None and growth is None:
                    growth, until = w, min(until, head + _LOOK_FURTHER)
                key = repr(new)
                if key in seen:
                    nodes.pop()
                    continue
                seen.add(key)
            if stuck:
                self.narrow(start, term)
        return growth

    @staticmethod
    def _chain(index, nodes):
        chain, rules, undecided = [], [], []
        while index >= 0:
            term, parent, rule_id, u = nodes[index]
            chain.append(term)
            if parent >= 0:
                rules.append(rule_id)
                undecided.append(u)
            index = parent
        return chain[::-1], rules[::-1], undecided[::-1]


def _growing(starts: list, search: _Search, known: set, limit: int):
    """The start terms, then those narrowing adds while the search runs (new ones only, up to ``limit``)."""
    k = 0
    while k < len(starts):
        yield starts[k]
        k += 1
        for t in search.narrowed:
            key = repr(t)
            if key not in known and len(starts) < limit:
                known.add(key)
                starts.append(t)
        search.narrowed.clear()


def find_loop(ruleset, *, budget: int = 5_000, table=None, conditional: bool = False):
    """The first :class:`LoopWitness` the search finds within ``budget`` expansions, or None (see the module).

    >>> from rewrite.lang.loader import loads
    >>> rs = loads('rules: [{id: grow, pattern: relu(x), replacement: relu(relu(x))}]')
    >>> w = find_loop(rs)
    >>> w.kind, w.rules, show_term(w.chain[-1])
    ('growth', ('grow',), 'relu(relu(~x))')

    See Also
    --------
    start_terms
    """
    search = _Search(ruleset, table, conditional)
    starts = start_terms(ruleset)
    max_size = 3 * max((_size(t) for t in starts), default=1) + 12
    growth, known, limit = None, {repr(t) for t in starts}, 2 * len(starts) + 50
    for start in _growing(starts, search, known, limit):
        left = budget - search.expanded
        if left <= 0:
            break
        w = search.from_start(start, min(_PER_START, left), max_size)
        if w is not None and w.kind == "loop":
            return w
        if growth is None and w is not None:  # a little further for an exact loop, then the growth
            growth, budget = w, min(budget, search.expanded + _LOOK_FURTHER)
    return growth
