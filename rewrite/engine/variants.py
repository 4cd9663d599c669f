"""A rule set's entries with the decomposition variants of their patterns, in the order a plan tries them.

Each rule's pattern is compiled with its variants (`fxcore.match.variants.compile_variants`: ``linear(x, w, b)``
also as make_fx's ``addmm(b, x, t(w))``, ...), each an entry of the rule. Among rules of one priority, every
written pattern comes before every variant: a rule written for the graph's own ops (``native_batch_norm``)
goes before another rule's variant that matches the same nodes. Compiled once per rule set and table, with
the plan (`rewrite.engine.apply.RulePlan.build`).

>>> from unify import var
>>> from fxcore.ops import default_table
>>> from rewrite.pyrules import ops, rule, ruleset
>>> x, w, b = var('x'), var('w'), var('b')
>>> rs = ruleset('s', rule('lin', ops.linear(x, w, b), ops.linear(x, w, b)), rule('neg', ops.neg(ops.neg(x)), x))
>>> entries = entries_with_variants(rs.ordered(), default_table(), lambda r, p: (r.id, p.root_op))
>>> entries[:3], len(entries) > 10
((('lin', 'linear'), ('neg', 'neg'), ('lin', 'addmm')), True)

See Also
--------
fxcore.match.variants : how the variants are found and checked.
"""
from __future__ import annotations

from itertools import groupby
from typing import Any, Callable

from fxcore.match import compile_pattern
from fxcore.match.variants import compile_variants, pattern_depth

__all__ = ["entries_with_variants", "variant_depth"]


def entries_with_variants(rules, table, entry: Callable[[Any, Any], Any], variants: bool = True) -> tuple:
    """``entry(rule, compiled pattern)`` for each rule's pattern and each of its variants (see the module docstring);
    ``rules`` in the rule set's order (priority first). ``variants=False``: the written patterns only (a graph
    that is not an aten graph has no decomposed forms to match, and tracing them costs seconds)."""
    if not variants:
        return tuple(entry(rule, compile_pattern(rule.pattern, table)) for rule in rules)
    compiled = [(rule, compile_variants(rule.pattern, table)) for rule in rules]
    out = []
    for _, group in groupby(compiled, key=lambda rule_patterns: rule_patterns[0].priority):
        group = list(group)
        out += [entry(rule, patterns[0]) for rule, patterns in group]
        out += [entry(rule, p) for rule, patterns in group for p in patterns[1:]]
    return tuple(out)


def variant_depth(patterns) -> int:
    """How many users up from a changed node a compiled pattern (or variant) can root: its depth less one, at least 1.

    >>> from unify import var
    >>> from fxcore.match import compile_pattern
    >>> variant_depth([compile_pattern(('neg', ('neg', var('x'))))])
    1
    """
    return max((pattern_depth(p.pattern) - 1 for p in patterns), default=1) or 1
