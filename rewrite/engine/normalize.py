"""Term-level rewriting: ``normalize(term, ruleset)`` rewrites plain tuple terms to a normal form.

Innermost-first: the arguments of a term are normalized before rules are tried
at the term itself; rules are tried in the rule set's order (priority,
specificity, file order), with commutative operands (per the op table) tried
both ways.  Subterms are hash-consed, so each distinct subterm is normalized
once and everything is iterative: terms nested 100,000 deep are fine.

Termination: a term met again while it is still being normalized is a cycle
(:class:`~rewrite.errors.NonTerminationError` names the rules in it); a
rewrite budget catches rules that grow terms forever.  Variables in the input
term are constants (symbols): only the rules' variables bind.

Guards are evaluated on the bound subterms through ``view`` (by default: a
symbol or an op term is an unknown tensor, a literal is itself).  A guard that
cannot be decided does not hold; ``NormalForm.undecided`` lists those rules.

>>> from unify import var
>>> from rewrite.lang.loader import loads
>>> rs = loads('''
... rules:
...   - {id: neg-neg, pattern: neg(neg(x)), replacement: x}
...   - {id: mul-one, pattern: "mul(x, 1)", replacement: x}
... ''')
>>> t = var('t')
>>> normalize(('neg', ('neg', ('mul', 1, ('neg', ('neg', t))))), rs)
~t

See Also
--------
rewrite.check.examples.check_examples : checks the embedded examples of a rule set with this.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from fxcore.view.canonical import literal_equal
from unify import isvar
from rewrite.errors import NonTerminationError
from rewrite.lang.assumptions import assumption_names, missing
from rewrite.lang.facts import TensorFacts, Unknown
from rewrite.lang.rule import Compute

__all__ = ["normalize", "normalize_full", "NormalForm", "term_view", "default_budget"]

_ENTER, _REBUILD, _FINISH = 0, 1, 2
_OPAQUE = object()  # stands for a non-literal operand when asking the op table about commutativity


def default_budget(size: int) -> int:
    """The default rewrite budget for a term of ``size`` distinct subterms.

    >>> default_budget(10)
    10100

    See Also
    --------
    normalize
    """
    return 10_000 + 10 * size


def term_view(hints: dict | None = None) -> Callable:
    """A guard view for plain terms: hinted values get their facts, op terms are unknown tensors.

    >>> from unify import var
    >>> v = term_view({var('t'): TensorFacts((2,))})
    >>> v(var('t')), v(var('u')), v(3)
    (TensorFacts(None[2]), TensorFacts(None[?]), 3)

    See Also
    --------
    rewrite.lang.facts.TensorFacts
    """
    hints = dict(hints or {})

    def view(value):
        try:
            if value in hints:
                return hints[value]
        except TypeError:
            pass
        if isvar(value) or (isinstance(value, tuple) and value and isinstance(value[0], str)):
            return TensorFacts()
        return value
    return view


@dataclass(frozen=True)
class NormalForm:
    """The result of :func:`normalize_full`: the normal form, the rules fired, undecided guards."""

    term: object
    fired: tuple
    undecided: tuple


def normalize(term, ruleset, *, view: Callable | None = None, budget: int | None = None,
              table=None, assume=()):
    """The normal form of ``term`` under ``ruleset`` (see the module docstring).

    Rules that assume what neither ``assume`` nor the rule set grants (`rewrite.lang.assumptions`) do not fire.

    See Also
    --------
    normalize_full
    """
    return normalize_full(term, ruleset, view=view, budget=budget, table=table, assume=assume).term


def normalize_full(term, ruleset, *, view: Callable | None = None, budget: int | None = None,
                   table=None, assume=()) -> NormalForm:
    """Like :func:`normalize`, also returning the rules fired (in order) and undecided guards.

    >>> from unify import var
    >>> from rewrite.lang.loader import loads
    >>> rs = loads('rules: [{id: nn, pattern: neg(neg(x)), replacement: x}]')
    >>> normalize_full(('neg', ('neg', var('t'))), rs).fired
    ('nn',)

    See Also
    --------
    normalize
    """
    return _Rewriter(ruleset, view or term_view(), budget, table, assume).run(term)


class _Store:
    """Hash-consed terms: each distinct subterm gets an integer id; leaves keep their type."""

    def __init__(self):
        self.ids: dict = {}
        self.nodes: list = []   # (kind, payload): kind None for a leaf, else tuple/list type
        self.terms: dict = {}

    def leaf(self, value) -> int:
        try:  # (a float's sign tells -0.0 from 0.0, which compare equal)
            key = ("leaf", type(value), value, math.copysign(1.0, value) if type(value) is float else None)
            hash(key)
        except TypeError:
            key = ("obj", id(value))
        return self._intern(key, (None, value))

    def node(self, kind, children) -> int:
        return self._intern((kind, tuple(children)), (kind, tuple(children)))

    def _intern(self, key, node) -> int:
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.nodes)
            self.nodes.append(node)
        return i

    def intern(self, term, subst: dict | None = None) -> int:
        """Intern ``term`` iteratively; variables in ``subst`` are replaced by their ids."""
        out, stack = [], [(term, False)]
        while stack:
            t, built = stack.pop()
            if built:
                n = len(t)
                kids = out[len(out) - n:]
                del out[len(out) - n:]
                out.append(self.node(type(t), kids))
            elif subst is not None and isvar(t) and t in subst:
                out.append(subst[t])
            elif isinstance(t, (tuple, list)):
                stack.append((t, True))
                stack.extend((c, False) for c in reversed(t))
            else:
                out.append(self.leaf(t))
        return out[0]

    def term(self, i: int):
        """The term with id ``i`` (memoized; built iteratively)."""
        stack = [(i, False)]
        while stack:
            j, ready = stack.pop()
            if j in self.terms:
                continue
            kind, payload = self.nodes[j]
            if kind is None:
                self.terms[j] = payload
            elif ready:
                self.terms[j] = kind(self.terms[c] for c in payload)
            else:
                stack.append((j, True))
                stack.extend((c, False) for c in payload if c not in self.terms)
        return self.terms[i]

    def op(self, i: int):
        kind, payload = self.nodes[i]
        if kind is tuple and payload and self.nodes[payload[0]][0] is None:
            head = self.nodes[payload[0]][1]
            return head if isinstance(head, str) else None
        return None


def _equal(a, b) -> bool:
    """Literals as the graph matcher compares them (`fxcore.view.canonical.literal_equal`: ``0.0`` is not
    ``-0.0``), but a comparison that is not a bool counts by its truth (numpy scalars)."""
    if type(a) is float or type(b) is float:
        return literal_equal(a, b)
    try:
        return bool(a == b)
    except Exception:
        return False


class _Rewriter:
    """One normalization: the store, the rule index, the budget and the trace."""

    def __init__(self, ruleset, view, budget, table, assume=()):
        self.view, self.budget, self.table = view, budget, table
        self.store = _Store()
        self.by_op: dict = {}
        granted = ruleset.assume + assumption_names(assume)
        for r in ruleset.ordered():
            if missing(r.assumes, granted):
                continue
            head = r.pattern[0] if isinstance(r.pattern[0], str) else None
            self.by_op.setdefault(head, []).append(r)
        self.fired: list = []
        self.undecided: list = []

    def run(self, term) -> NormalForm:
        root = self.store.intern(term)
        if self.budget is None:
            self.budget = default_budget(len(self.store.nodes))
        nf = self._normalize(root)
        return NormalForm(self.store.term(nf), tuple(self.fired), tuple(dict.fromkeys(self.undecided)))

    def _normalize(self, root: int) -> int:
        nf: dict[int, int] = {}
        active: set[int] = set()
        stack = [(root, _ENTER, None)]
        while stack:
            i, phase, extra = stack.pop()
            if phase == _ENTER:
                if i in nf:
                    continue
                if i in active:
                    raise self._cycle(i, stack)
                active.add(i)
                stack.append((i, _REBUILD, None))
                kind, payload = self.store.nodes[i]
                if kind is not None:
                    stack.extend((c, _ENTER, None) for c in reversed(payload) if c not in nf)
            elif phase == _REBUILD:
                self._rebuild(i, nf, active, stack)
            else:
                nf[i] = nf[extra[0]]
                active.discard(i)
        return nf[root]

    def _rebuild(self, i, nf, active, stack):
        kind, payload = self.store.nodes[i]
        j = i if kind is None else self.store.node(kind, [nf.get(c, c) for c in payload])
        if j != i and j in nf:
            nf[i] = nf[j]
            active.discard(i)
            return
        if j != i and j in active:
            raise self._cycle(j, stack)
        fired = self._try_rules(j)
        if fired is None:
            nf[i] = nf[j] = j
            active.discard(i)
            return
        rule_id, k = fired
        self.fired.append(rule_id)
        if len(self.fired) > self.budget:
            raise self._exhausted(j)
        stack.append((i, _FINISH, (k, rule_id)))
        stack.append((k, _ENTER, None))

    def _try_rules(self, i):
        op = self.store.op(i)
        candidates = self.by_op.get(op, []) + self.by_op.get(None, []) if op is not None else []
        for rule in candidates:
            bindings = self._match(rule.pattern, i)
            if bindings is None:
                continue
            if rule.guards and not self._guards_hold(rule, bindings, i):
                continue
            if isinstance(rule.replacement, Compute):
                out = rule.instantiate({v: self.store.term(j) for v, j in bindings.items()})
                if out is None:
                    continue
                return rule.id, self.store.intern(out)
            return rule.id, self.store.intern(rule.replacement, bindings)
        return None

    def _guards_hold(self, rule, bindings, i) -> bool:
        by_var = {v: self.store.term(j) for v, j in bindings.items()}
        ok = rule.guard_value(by_var, self.view, result=self.store.term(i))
        if isinstance(ok, Unknown):
            self.undecided.append(rule.id)
        return ok is True

    def _match(self, pattern, i):
        agenda = [([(pattern, i)], {})]
        while agenda:
            work, b = agenda.pop()
            if self._match_one(work, b, agenda):
                return b
        return None

    def _match_one(self, work, b, agenda) -> bool:
        nodes = self.store.nodes
        while work:
            p, j = work.pop()
            if isvar(p):
                if b.setdefault(p, j) != j:
                    return False
            elif isinstance(p, (tuple, list)):
                kind, payload = nodes[j]
                if kind is not type(p) or len(payload) != len(p):
                    return False
                if self._commutative(p, payload):
                    swapped = (p[0], p[2], p[1], *p[3:])
                    agenda.append((work + list(zip(swapped, payload)), dict(b)))
                work.extend(zip(p, payload))
            elif nodes[j][0] is not None or not _equal(p, nodes[j][1]):
                return False
        return True

    def _commutative(self, p, payload) -> bool:
        if len(p) < 3 or not isinstance(p[0], str) or self.table is False:
            return False
        from fxcore import ops
        operands = tuple(v if k is None else _OPAQUE
                         for k, v in (self.store.nodes[c] for c in payload[1:]))
        return ops.is_commutative(p[0], operands, self.table)

    def _cycle(self, i, stack) -> NonTerminationError:
        rules = []
        for j, phase, extra in reversed(stack):
            if phase == _FINISH:
                rules.append(extra[1])
            if j == i and phase != _ENTER:
                break
        rules = list(reversed(rules)) or list(self.fired[-1:])
        return NonTerminationError(
            "rewriting does not terminate: the term " + _short(self.store.term(i)) +
            " comes back after rules " + " -> ".join(rules), rules=tuple(rules),
            term=self.store.term(i), hint="remove one of these rules or guard it so the cycle breaks")

    def _exhausted(self, i) -> NonTerminationError:
        counts = Counter(self.fired)
        top = [r for r, _ in sorted(counts.items(), key=lambda kv: (-kv[1], self.fired.index(kv[0])))]
        return NonTerminationError(
            f"rewriting did not finish within {self.budget} rewrites; rules fired most: " +
            ", ".join(f"{r} ({counts[r]}x)" for r in top[:5]), rules=tuple(top[:5]),
            term=self.store.term(i), hint="a rule probably grows the term forever; pass a larger "
            "budget= if the term is just big")


def _short(term, limit: int = 120) -> str:
    text = repr(term)
    return text if len(text) <= limit else text[:limit - 3] + "..."
