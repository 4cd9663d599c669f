"""`terms`: terms built from a rule set's left sides, overlapped, with repeated subterms.

A drawn term is a rule's left side whose tensor variables are filled with smaller drawn terms (another
rule's left side plugged into a variable position), with a term drawn earlier (the same subterm twice, so
non-linear rules such as ``mul(x, sigmoid(x))`` find equal operands), or with a leaf variable from a small
pool (``t0``, ``t1``, ``t2``); a variable seen twice in a pattern gets the same filling. Sometimes the left
side is first unified with a subterm of another rule's left side (the overlap a critical pair starts from).
Literal variables take literals of their schema type: the constants of the rule set's patterns and guards
(``p == (1, 0)`` offers ``(1, 0)`` to ``p``), small ints, permutations. Every op term is in the schema's
normalized form (all operands), so `rewrite.normalize` and `rewrite.check.term_graph.graph_of` take it.

>>> from hypothesis import given, settings
>>> from rewrite.lang import load
>>> rs = load('std:algebraic')
>>> @settings(max_examples=10, database=None)
... @given(terms(rs))
... def test(term):
...     assert isinstance(term, tuple) and term[0] in {r.root_op for r in rs}
>>> test()

See Also
--------
rewrite.engine.normalize.normalize, rewrite.testing.kinds.variable_kinds
"""
from __future__ import annotations

import ast
import itertools

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from fxcore.ops import default_table
from rewrite.errors import RuleError
from rewrite.lang import RuleSet, load
from rewrite.lang.guards import Guard
from rewrite.testing.kinds import element_kind, is_tensor_kind, op_terms, variable_kinds
from unify import isvar, reify, unify, var

__all__ = ["terms", "checked_ruleset", "literal_pools", "LEAVES"]

LEAVES = (var("t0"), var("t1"), var("t2"))


def checked_ruleset(ruleset, caller: str) -> RuleSet:
    """``ruleset`` as a RuleSet (a path or ``std:NAME`` is loaded); `InvalidArgument` if it is none.

    >>> checked_ruleset('std:nope', 'terms')
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: terms(ruleset='std:nope'): ...
    """
    if isinstance(ruleset, str):
        try:
            ruleset = load(ruleset)
        except RuleError as exc:
            raise InvalidArgument(f"{caller}(ruleset={ruleset!r}): {exc}") from None
    if not isinstance(ruleset, RuleSet):
        raise InvalidArgument(f"{caller}(ruleset=...): expected a RuleSet, a rule file or 'std:NAME', not "
                              f"{type(ruleset).__name__}; load one with rewrite.load('rules/mine.yaml')")
    if not ruleset.enabled():
        raise InvalidArgument(f"{caller}(ruleset={ruleset.name!r}): the rule set has no enabled rule")
    return ruleset


def _constants(tree) -> list:
    """Literal values in a guard's syntax tree: numbers, strings, tuples of them."""
    out = []
    for node in ast.walk(tree):
        try:
            value = ast.literal_eval(node) if isinstance(node, (ast.Constant, ast.Tuple, ast.UnaryOp)) else None
        except ValueError:
            continue
        if value is not None and not isinstance(value, bool):
            out.append(value)
    return out


def _kind_of_literal(value) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, tuple) and value and all(type(v) is int for v in value):
        return "int[]"
    return None


def literal_pools(rules, table) -> dict:
    """``{schema kind: sorted candidate literals}`` from the patterns' literal operands and the guards' constants.

    >>> from unify import var
    >>> from rewrite.lang import Rule
    >>> literal_pools([Rule('r', ('transpose', var('x'), 0, 1), var('x'), guards=('x.ndim == 4',))],
    ...               default_table())
    {'float': (), 'int': (0, 1, 4), 'int[]': ()}
    """
    pools: dict = {"float": set(), "int": set(), "int[]": set()}
    for rule in rules:
        for t in op_terms(rule.pattern):
            params = table.op(t[0]).params if isinstance(t[0], str) and t[0] in table else ()
            for p, operand in zip(params, t[1:]):
                if not isvar(operand) and not isinstance(operand, tuple) and not is_tensor_kind(p.type):
                    pools.setdefault(p.type, set()).add(operand)
        for g in rule.guards:
            if isinstance(g, Guard):
                for value in _constants(ast.parse(g.source, mode="eval")):
                    kind = _kind_of_literal(value)
                    if kind in ("int", "float", "int[]"):
                        pools[kind].add(value)
    return {k: tuple(sorted(v, key=repr)) for k, v in sorted(pools.items())}


def _literal(draw, kind: str, pools: dict):
    """A literal for a variable of schema type ``kind``."""
    base = kind.rstrip("?")
    pool = pools.get(kind, ()) + pools.get(base, ())
    if base in ("int", "SymInt"):
        fallback = st.integers(-2, 3)
    elif base in ("float", "Scalar"):
        fallback = st.sampled_from((0.0, 1.0, 2.0, -0.0, 1, 0)) | st.floats(-4, 4, width=32)
    elif base == "bool":
        fallback = st.booleans()
    elif "[" in base:
        fallback = st.integers(1, 3).flatmap(lambda n: st.permutations(range(n))).map(tuple)
    else:
        fallback = st.just(None) if kind.endswith("?") else st.sampled_from(pool or (0,))
    choices = [fallback] + ([st.sampled_from(pool)] if pool else [])
    if element_kind(base) != base and pools.get(element_kind(base)):
        choices.append(st.sampled_from(pools[element_kind(base)]).map(lambda v: (v,)))
    return draw(st.one_of(choices))


class _Builder:
    """Draws terms for one rule set: its rules, their variables' kinds, the literal pools, what was built."""

    def __init__(self, draw, rules, table, max_depth):
        self.draw, self.rules, self.table, self.max_depth = draw, rules, table, max_depth
        self.pools = literal_pools(rules, table)
        self.built: list = []
        self.fresh = itertools.count()

    def subterm(self, depth: int):
        """A filling for a tensor variable: a leaf, a term drawn before, or a left side (if depth allows)."""
        options = ["leaf"] + (["again"] if self.built else []) + (["rule", "rule"] if depth > 0 else [])
        how = self.draw(st.sampled_from(options))
        if how == "leaf":
            return self.draw(st.sampled_from(LEAVES))
        if how == "again":
            return self.draw(st.sampled_from(self.built))
        return self.left_side(depth - 1)

    def renamed(self, pattern):
        k = next(self.fresh)
        return reify(pattern, {v: var(f"{v.token}'{k}") for v in variable_kinds(pattern, self.table)})

    def overlapped(self, pattern):
        """``pattern`` unified, at one of its op subterms, with another rule's left side; or as it is."""
        inner = self.renamed(self.draw(st.sampled_from(self.rules)).pattern)
        sites = op_terms(pattern)
        site = self.draw(st.sampled_from(sites))
        s = unify(site, inner)
        return pattern if s is False else reify(pattern, s)

    def fill(self, pattern, depth: int):
        """``pattern`` with each variable replaced by a filling of its kind (the same one at every place)."""
        subst = {}
        for v, kind in variable_kinds(pattern, self.table).items():
            subst[v] = self.subterm(depth) if is_tensor_kind(kind) else _literal(self.draw, kind, self.pools)
        term = reify(pattern, subst)
        self.built.append(term)
        return term

    def left_side(self, depth: int):
        pattern = self.renamed(self.draw(st.sampled_from(self.rules)).pattern)
        if self.draw(st.integers(0, 3)) == 0:
            pattern = self.overlapped(pattern)
        return self.fill(pattern, depth)


@st.composite
def _terms(draw, rules, max_depth):
    return _Builder(draw, rules, default_table(), max_depth).left_side(max_depth)


def terms(ruleset, *, max_depth: int = 2) -> st.SearchStrategy:
    """A strategy of terms over ``ruleset``'s left sides (a RuleSet, a rule file or ``'std:NAME'``).

    ``max_depth`` bounds how many left sides are nested inside one another. Leaves are the variables
    `LEAVES` (tensors) and literals. Checked when built (`hypothesis.errors.InvalidArgument`).

    >>> terms('std:algebraic', max_depth=-1)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: terms(max_depth=-1): max_depth must be an int >= 0

    See Also
    --------
    rewrite.testing.instances.rule_instances
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise InvalidArgument(f"terms(max_depth={max_depth!r}): max_depth must be an int >= 0")
    ruleset = checked_ruleset(ruleset, "terms")
    return _terms(ruleset.enabled(), max_depth)
