"""Termination proofs by linear polynomial interpretation: each op becomes ``[f](x1..xn) = w + c1*x1 + ... + cn*xn``.

Every term then has a value in the naturals: a variable is any natural, a literal or other leaf is 0, a list or
tuple of operands is the sum of its elements, and an op term is its op's polynomial of its operands' values.
With every ``ci >= 1`` the polynomials are strictly monotone, so a rule whose left side is worth strictly more
than its right side *for every value of its variables* makes every term it rewrites (anywhere) worth less.
When every rule does, no term can be rewritten forever: the interpretation is the certificate.

For linear polynomials "for every value" is decided exactly: each variable's coefficient on the left (counting
every occurrence: ``mul(x, sigmoid(x))`` has ``x`` twice) is at least its coefficient on the right, and the left
constant is larger.  Ops the table marks commutative get equal coefficients on their swappable operands, so
terms equal up to operand order (which the matcher treats as the same) have the same value.

The search is deterministic and small-first.  With the coefficients fixed, the constants are linear in the
weights, so the weights are solved exactly (a perceptron over the rules' constraints, integer and
deterministic); the coefficients start at 1 and are searched systematically by total increment over the ops
of the rules not yet oriented.

>>> from rewrite.lang.loader import loads
>>> rs = loads('''
... rules:
...   - {id: neg-neg, pattern: neg(neg(x)), replacement: x}
...   - {id: double, pattern: "mul(x, 2)", replacement: "add(x, x)"}
... ''')
>>> found = find_interpretation(rs.enabled())
>>> print(found.format_interpretation())
[neg](x) = x + 1
[mul](x, y) = 2x + 2y + 2
[add](x, y, z) = x + y + z + 1
>>> found.failing
()

See Also
--------
rewrite.check.termination.check_termination : the verdict, with this as its certificate.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from unify import isvar
from fxcore.view.pattern import is_op_term
from rewrite.lang.rule import Compute
from rewrite.lang.syntax import var_name
from rewrite.check.weights import solve_greedily

__all__ = ["Interpretation", "RuleProof", "InterpretationSearch", "Polynomial", "find_interpretation",
           "rule_sides", "symbols_of"]

_ARG_NAMES = ("x", "y", "z", "u", "v", "w")


@dataclass(frozen=True)
class Polynomial:
    """A linear polynomial ``const + sum(coef * var)``; ``coefs`` is ``((var, coef), ...)`` in first-occurrence
    order.

    >>> from unify import var
    >>> print(Polynomial(2, ((var('x'), 3),)))
    3x + 2
    """

    const: int
    coefs: tuple = ()

    def coef(self, v) -> int:
        """The coefficient of ``v`` (0 if absent)."""
        for w, c in self.coefs:
            if w == v:
                return c
        return 0

    def __str__(self) -> str:
        parts = [(f"{c}" if c != 1 else "") + var_name(v) for v, c in self.coefs if c]
        if self.const or not parts:
            parts.append(str(self.const))
        return " + ".join(parts)


def symbols_of(term) -> list:
    """The op symbols ``(head, arity)`` of ``term``, in first-occurrence order (iterative).

    >>> from unify import var
    >>> symbols_of(('add', ('neg', var('x')), [('relu', 1)], 1))
    [('add', 3), ('neg', 1), ('relu', 1)]
    """
    seen: dict = {}
    todo = [term]
    while todo:
        t = todo.pop()
        if is_op_term(t):
            seen.setdefault((t[0], len(t) - 1), None)
            todo.extend(reversed(t[1:]))
        elif isinstance(t, (tuple, list)) and not isvar(t):
            todo.extend(reversed(t))
    return list(seen)


def rule_sides(rule):
    """``(lhs, rhs)`` of a rule for the proof, or ``(lhs, None)`` for Python code without a declared result.

    A :class:`~rewrite.lang.rule.Compute` with ``result=`` contributes its declared shape (its variables that
    the pattern does not bind are new constants).
    """
    rhs = rule.replacement
    if isinstance(rhs, Compute):
        rhs = rhs.result
    return rule.pattern, rhs


def _value(term, weights: dict) -> Polynomial:
    """The interpretation of ``term`` under ``weights`` (``{symbol: (w, (c1..cn))}``), iteratively."""
    out: list = []
    stack = [(term, False)]
    while stack:
        t, built = stack.pop()
        if built:
            if is_op_term(t):
                n = len(t) - 1
                kids = out[len(out) - n:] if n else []
                del out[len(out) - n:]
                w, cs = weights[(t[0], n)]
                out.append(_combine(w, zip(cs, kids)))
            else:
                n = len(t)
                kids = out[len(out) - n:] if n else []
                del out[len(out) - n:]
                out.append(_combine(0, ((1, k) for k in kids)))
        elif isvar(t):
            out.append((0, {t: 1}))
        elif is_op_term(t):
            stack.append((t, True))
            stack.extend((a, False) for a in reversed(t[1:]))
        elif isinstance(t, (tuple, list)):
            stack.append((t, True))
            stack.extend((a, False) for a in reversed(t))
        else:
            out.append((0, {}))
    const, coefs = out[0]
    return Polynomial(const, tuple(coefs.items()))


def _combine(w: int, scaled) -> tuple:
    const, coefs = w, {}
    for c, (k_const, k_coefs) in scaled:
        const += c * k_const
        for v, k in k_coefs.items():
            coefs[v] = coefs.get(v, 0) + c * k
    return const, coefs


@dataclass(frozen=True)
class RuleProof:
    """One rule under an interpretation: both sides' values and whether the left one is strictly larger."""

    rule_id: str
    lhs: Polynomial
    rhs: Polynomial
    decreases: bool
    fresh: tuple = ()  # variables of a declared Compute result that are new constants (worth 0)

    def explain(self) -> str:
        """``lhs > rhs because ...`` (or why not)."""
        head = f"{self.rule_id}: [lhs] = {self.lhs}"
        if not self.decreases:
            return head + f", [rhs] = {self.rhs}: " + self._why_not()
        why = [f"constant {self.lhs.const} > {self.rhs.const}"]
        kept = [v for v, c in self.rhs.coefs if c and v not in self.fresh]
        if kept:
            why.append("every coefficient of " + ", ".join(var_name(v) for v in kept) + " at least as large")
        fresh = f" (new constants {', '.join(var_name(v) for v in self.fresh)} are worth 0)" if self.fresh else ""
        return head + f" > [rhs] = {self.rhs}{fresh} because " + " and ".join(why)

    def _why_not(self) -> str:
        for v, c in self.rhs.coefs:
            if v not in self.fresh and self.lhs.coef(v) < c:
                return f"{var_name(v)} weighs {c} on the right, {self.lhs.coef(v)} on the left"
        return f"the constant {self.lhs.const} is not larger than {self.rhs.const}"


def _prove(rule_id, lhs_term, rhs_term, weights) -> RuleProof:
    lhs, rhs = _value(lhs_term, weights), _value(rhs_term, weights)
    bound = {v for v, _ in lhs.coefs}
    fresh = tuple(v for v, _ in rhs.coefs if v not in bound)
    ok = lhs.const > rhs.const and all(lhs.coef(v) >= c for v, c in rhs.coefs if v not in fresh)
    return RuleProof(rule_id, lhs, rhs, ok, fresh)


@dataclass(frozen=True)
class Interpretation:
    """The outcome of a search: the weights (``((symbol, (w, coefs)), ...)`` in first-occurrence order), one
    :class:`RuleProof` per rule, and the ids of the rules it does not orient (``failing``)."""

    weights: tuple
    proofs: tuple
    failing: tuple
    tried: int = 0

    def format_interpretation(self) -> str:
        """One line per op: ``[add](x, y, z) = x + y + z + 1``."""
        names = [head if isinstance(head, str) else getattr(head, "__name__", repr(head))
                 for (head, _), _ in self.weights]
        lines = []
        for ((head, n), (w, cs)), name in zip(self.weights, names):
            args = _ARG_NAMES[:n] if n <= len(_ARG_NAMES) else tuple(f"x{i}" for i in range(1, n + 1))
            label = name if names.count(name) == 1 else f"{name}/{n}"
            terms = [(f"{c}" if c != 1 else "") + a for a, c in zip(args, cs)]
            lines.append(f"[{label}]({', '.join(args)}) = " + " + ".join(terms + [str(w)] if w or not terms
                                                                           else terms))
        return "\n".join(lines)

    def format(self) -> str:
        """The certificate: the interpretation, the conventions, and each rule's decrease."""
        if not self.proofs:
            return "no rules to prove: every term is a normal form"
        return (self.format_interpretation() + "\n(variables: any natural; literals and other leaves: 0; a list or "
                "tuple of operands: the sum of its elements)\n" +
                "\n".join(p.explain() for p in self.proofs))


class InterpretationSearch:
    """The search of the module docstring over ``rules`` (id, lhs, rhs triples), within ``budget`` candidates.

    With the coefficients fixed, a rule's constant part is linear in the weights, so the weights are solved
    exactly (`rewrite.check.weights`); only the coefficients are searched, small increments first.
    """

    def __init__(self, rules, *, table=None, budget: int = 20_000, max_excess: int = 4):
        self.rules = list(rules)
        self.budget, self.max_excess, self.tried = budget, max_excess, 0
        symbols: dict = {}
        self.rule_symbols = []
        for _, lhs, rhs in self.rules:
            syms = list(dict.fromkeys(symbols_of(lhs) + symbols_of(rhs)))
            self.rule_symbols.append(syms)
            symbols.update((s, None) for s in syms)
        self.symbols = list(symbols)
        self.tied = {s: _commutative(s, table) for s in self.symbols}
        self.coefs = {s: (1,) * s[1] for s in self.symbols}
        self._rows = [{} for _ in self.rules]  # per rule: its constraint by the coefficients of its ops

    def run(self) -> Interpretation:
        """Search, and return the best interpretation found (``failing`` empty: a proof)."""
        weights, failing = self._attempt(self.coefs)
        if failing and not any(_hopeless(*self.rules[i][1:], self.tied) for i in failing):
            symbols = list(dict.fromkeys(s for i in failing for s in self.rule_symbols[i]))
            slots = [(s, k) for s in symbols for k in range(1, s[1] + 1) if not (self.tied[s] and k == 2)]
            for coefs in self._candidates(slots):
                found, still = self._attempt(coefs)
                if not still:
                    self.coefs, weights, failing = coefs, found, still
                    break
        full = {s: (weights[s], self.coefs[s]) for s in self.symbols}
        proofs = tuple(_prove(rid, lhs, rhs, full) for rid, lhs, rhs in self.rules)
        return Interpretation(tuple((s, full[s]) for s in self.symbols), proofs,
                              tuple(p.rule_id for p in proofs if not p.decreases), self.tried)

    def _candidates(self, slots):
        """Coefficients with 1, 2, ... increments over ``slots`` in all, while the budget lasts."""
        for excess in range(1, self.max_excess + 1):
            for increments in _compositions(excess, len(slots)):
                if self.tried >= self.budget:
                    return
                self.tried += 1
                coefs = dict(self.coefs)
                for (s, k), inc in zip(slots, increments):
                    if inc:
                        cs = list(coefs[s])
                        cs[k - 1] += inc
                        if self.tied[s] and k == 1:
                            cs[1] = cs[0]
                        coefs[s] = tuple(cs)
                yield coefs

    def _attempt(self, coefs) -> tuple:
        """Weights for ``coefs`` and the indices of the rules they leave unoriented."""
        zero = {s: (0, cs) for s, cs in coefs.items()}
        rows, failing = [], []
        for i, (_, lhs, rhs) in enumerate(self.rules):
            key = tuple(coefs[s] for s in self.rule_symbols[i])
            cached = self._rows[i].get(key)
            if cached is None:
                cached = self._rows[i][key] = _constraint(lhs, rhs, zero)
            ok_vars, row = cached
            if not ok_vars:
                failing.append(i)
            rows.append(row)
        if failing:  # coefficients too small for some variable: no weights can help
            return {s: 1 for s in self.symbols}, failing
        return solve_greedily(rows, self.symbols)


def _constraint(lhs, rhs, zero_weights) -> tuple:
    """Whether every variable weighs at least as much on the left, and the row ``{symbol: a}`` such that the
    left constant exceeds the right one iff ``sum(a[s] * weight[s]) > 0``."""
    lhs_vars, rhs_vars = _value(lhs, zero_weights), _value(rhs, zero_weights)
    bound = {v for v, _ in lhs_vars.coefs}
    ok = all(lhs_vars.coef(v) >= c for v, c in rhs_vars.coefs if v in bound)
    row: dict = {}
    for sign, term in ((1, lhs), (-1, rhs)):
        for s, mult in _occurrences(term, zero_weights):
            row[s] = row.get(s, 0) + sign * mult
    return ok, {s: a for s, a in row.items() if a}


def _occurrences(term, zero_weights):
    """``(symbol, multiplier)`` per op occurrence: the product of the coefficients above it."""
    stack = [(term, 1)]
    while stack:
        t, mult = stack.pop()
        if is_op_term(t):
            n = len(t) - 1
            yield (t[0], n), mult
            cs = zero_weights[(t[0], n)][1]
            stack.extend((a, mult * c) for a, c in zip(t[1:], cs))
        elif isinstance(t, (tuple, list)) and not isvar(t):
            stack.extend((a, mult) for a in t)


def _sorted_operands(term, tied: dict):
    """``term`` with the two operands of every commutative op in one order (for comparisons)."""
    if is_op_term(term):
        args = [_sorted_operands(a, tied) for a in term[1:]]
        if tied.get((term[0], len(args))):
            args[:2] = sorted(args[:2], key=repr)
        return (term[0], *args)
    if isinstance(term, (tuple, list)) and not isvar(term):
        return type(term)(_sorted_operands(a, tied) for a in term)
    return term


def _hopeless(lhs, rhs, tied: dict) -> bool:
    """Whether the right side holds the left side itself (up to commutative order): no monotone
    interpretation can make such a rule decrease, so no coefficient search is tried."""
    if rhs is None:
        return False
    target, todo = _sorted_operands(lhs, tied), [_sorted_operands(rhs, tied)]
    while todo:
        t = todo.pop()
        if t == target:
            return True
        if isinstance(t, (tuple, list)) and not isvar(t):
            todo.extend(t[1:] if is_op_term(t) else t)
    return False


def _commutative(symbol, table) -> bool:
    head, n = symbol
    if table is False or n < 2 or not isinstance(head, str):
        return False
    from fxcore import ops
    return ops.is_commutative(head, None, table)


def _compositions(total: int, parts: int):
    """Every tuple of ``parts`` naturals summing to ``total``, in one fixed order."""
    if parts == 0:
        return
    for cut in itertools.combinations(range(total + parts - 1), parts - 1):
        bounds = (-1, *cut, total + parts - 1)
        yield tuple(b - a - 1 for a, b in zip(bounds, bounds[1:]))


def find_interpretation(rules, *, table=None, budget: int = 20_000) -> Interpretation:
    """A linear polynomial interpretation orienting as many of ``rules`` as the search finds (see the module).

    Rules whose replacement is Python code without a declared result are left out (the caller says why).

    >>> from unify import var
    >>> from rewrite.lang.rule import Rule
    >>> x = var('x')
    >>> found = find_interpretation([Rule('grow', ('relu', x), ('relu', ('relu', x)))])
    >>> found.failing
    ('grow',)
    >>> print(found.proofs[0].explain())
    grow: [lhs] = x + 1, [rhs] = x + 2: the constant 1 is not larger than 2

    See Also
    --------
    rule_sides
    """
    triples = [(r.id, *rule_sides(r)) for r in rules]
    triples = [t for t in triples if t[2] is not None]
    return InterpretationSearch(triples, table=table, budget=budget).run()
