"""Critical pairs in bulk: rules with the same pattern (up to variable names) share their unifiers.

Rules whose patterns are equal up to renaming form a group (2,000 rules ``mul(x, c)`` guarded by
``c == k and x.ndim == r`` are one group).  A group pair's unifiers are computed once on the groups'
first rules; each rule's guard facts become a *signature* under a unifier (its facts keyed by the
overlap's values), and the rule pairs whose signatures can hold together are found by a hash join on
facts that pin one value, never by looking at every pair.  Only feasible pairs are built one by one;
the others are counted (and the first few built again to say why they were dropped).

>>> from rewrite.lang.rule import Rule
>>> from unify import var
>>> x, y = var('x'), var('y')
>>> skeleton(Rule('a', ('mul', x, 1.0), x)) == skeleton(Rule('b', ('mul', y, 1.0), y))
True
>>> skeleton(Rule('a', ('add', x, 0.0, 1), x)) == skeleton(Rule('b', ('add', x, -0.0, 1), x))
False

See Also
--------
rewrite.check.critical_pairs.critical_pairs
"""
from __future__ import annotations

import functools

from fxcore.view.pattern import Typed
from unify import isvar, reify
from rewrite.check.feasibility import (literal_call_reason, meet_signatures, pinned_variables,
                                       side_signature)
from rewrite.lang.rule import map_leaves
from rewrite.lang.syntax import term_variables, var_name

__all__ = ["skeleton", "groups_of", "translate", "strip_typed", "pattern_variables"]

_SLOT = "\0var"


def strip_typed(pattern):
    """The pattern with typed variables as plain ones, and ``{var: Typed}`` of their restrictions."""
    found: dict = {}

    def leaf(t):
        if isinstance(t, Typed):
            found[t.var] = t
            return t.var
        return t
    return map_leaves(pattern, leaf), found


def pattern_variables(rule) -> tuple:
    """The rule's pattern variables in first-occurrence order, typed ones included.

    >>> from fxcore.view.pattern import typed
    >>> from rewrite.lang.rule import Rule
    >>> from unify import var
    >>> pattern_variables(Rule('r', ('transpose', var('x'), typed(var('a'), int), 1), var('x')))
    (~x, ~a)
    """
    try:
        return _cached_variables(rule)
    except TypeError:  # a pattern holding a list: not hashable, not cached
        return term_variables(strip_typed(rule.pattern)[0])


@functools.lru_cache(maxsize=8192)
def _cached_variables(rule) -> tuple:
    return term_variables(strip_typed(rule.pattern)[0])




def skeleton(rule) -> tuple:
    """A hashable key equal for rules whose patterns are equal up to variable names (literals by type and
    spelling, so ``0.0`` and ``-0.0``, ``1`` and ``1.0`` differ)."""
    slots: dict = {}

    def leaf(t):
        if isinstance(t, Typed):
            return (_SLOT, slots.setdefault(t.var, len(slots)), t.types, t.element_types)
        if isvar(t):
            return (_SLOT, slots.setdefault(t, len(slots)))
        return (type(t).__name__, repr(t))
    return (repr(map_leaves(rule.pattern, leaf)),)


def groups_of(rules) -> list:
    """Rule indices grouped by `skeleton`, groups ordered by their first rule, members in rule order.

    >>> from rewrite.lang.rule import Rule
    >>> from unify import var
    >>> x, y = var('x'), var('y')
    >>> groups_of([Rule('a', ('neg', x), x), Rule('b', ('exp', x), x), Rule('c', ('neg', y), y)])
    [[0, 2], [1]]
    """
    by_key: dict = {}
    for i, r in enumerate(rules):
        by_key.setdefault(skeleton(r), []).append(i)
    return sorted(by_key.values(), key=lambda members: members[0])


def translate(term, mapping: dict):
    """``term`` with variables renamed by ``mapping``.

    >>> from unify import var
    >>> translate(('mul', var('x'), ('neg', var('y'))), {var('x'): var('a')})
    ('mul', ~a, ('neg', ~y))
    """
    return map_leaves(term, lambda t: mapping.get(t, t) if isvar(t) else t)


def _signatures(members, rules, facts, env_of) -> dict:
    """``{signature: [rule index, ...]}`` (None: facts that cannot hold) for the members of one side."""
    out: dict = {}
    for i in members:
        sig = side_signature(facts[rules[i].id], env_of(rules[i]))
        key = None if sig is None else tuple(sorted(sig.items(), key=repr))
        out.setdefault(key, []).append(i)
    return out


def _env(rule, rep_vars, targets, result):
    """A rule's variable names -> the overlap's terms, through its group representative's variables."""
    env = {var_name(v): targets[k] for k, v in enumerate(pattern_variables(rule))}
    env["result"] = result
    return env


def _single(allowed) -> bool:
    return allowed.inside and len(allowed.values) == 1


def _compatible_pairs(sigs_a: dict, sigs_b: dict):
    """``(signature a, [signature b, ...], uniform)`` blocks whose facts can hold together: a hash join on the keys
    both pin to one value; where no key is shared, whole blocks at once (grouped by pinned variables, since
    the all-literal-call test depends only on those: ``uniform``)."""
    by_mask: dict = {}
    for sig in sigs_b:
        if sig is not None:
            by_mask.setdefault(frozenset(k for k, _ in sig), []).append(sig)
    blocks = {mask: _by_pinned(members) for mask, members in by_mask.items()}
    tables: dict = {}
    for sa in sigs_a:
        if sa is None:
            continue
        da = dict(sa)
        for mask, members in by_mask.items():
            shared = tuple(sorted((k for k in da if k in mask), key=repr))
            if not shared:
                yield from ((sa, block, True) for block in blocks[mask])
            elif not all(_single(da[k]) for k in shared):
                yield sa, [sb for sb in members if meet_signatures(da, dict(sb))], False
            else:
                if (mask, shared) not in tables:
                    tables[mask, shared] = _table(members, shared)
                table, loose = tables[mask, shared]
                probe = _hashable(tuple(next(iter(da[k].values)) for k in shared))
                yield sa, table.get(probe, []) + [sb for sb in loose if meet_signatures(da, dict(sb))], False


def _by_pinned(members) -> list:
    """Signatures in blocks that pin the same variables (first-seen order)."""
    out: dict = {}
    for sb in members:
        out.setdefault(pinned_variables(dict(sb)), []).append(sb)
    return list(out.values())


def _hashable(values: tuple):
    try:
        hash(values)
        return ("h", values)
    except TypeError:
        return ("r", repr(values))


def _table(members, shared) -> tuple:
    """``({pinned values on shared: [signature]}, [signatures not pinned on shared])``."""
    table: dict = {}
    loose = []
    for sb in members:
        db = dict(sb)
        if all(_single(db[k]) for k in shared):
            table.setdefault(_hashable(tuple(next(iter(db[k].values)) for k in shared)), []).append(sb)
        else:
            loose.append(sb)
    return table, loose


def rule_pairs(rules, outer_members, inner_members, facts, sigma, outer_rep, inner_rep, inner_renaming,
               overlap, inner_root, same_group_root: bool, table=None):
    """``(feasible [(i, j)], number of rule pairs)`` for one group pair and one unifier ``sigma``.

    ``outer_rep``/``inner_rep`` are the groups' first rules; ``inner_renaming`` the inner representative's
    (variable, renamed variable) pairs; at the root within one group only pairs i < j count.
    """
    outer_targets = [reify(v, sigma) for v in pattern_variables(outer_rep)]
    inner_targets = [reify(new, sigma) for _, new in inner_renaming]
    sigs_a = _signatures(outer_members, rules, facts, lambda r: _env(r, None, outer_targets, overlap))
    sigs_b = _signatures(inner_members, rules, facts, lambda r: _env(r, None, inner_targets, inner_root))
    feasible = []
    literal_reason: dict = {}
    def literal_reason_of(sa, sb) -> str:
        pinned = pinned_variables(dict(sa), dict(sb))
        if pinned not in literal_reason:
            literal_reason[pinned] = literal_call_reason(overlap, pinned, table)
        return literal_reason[pinned]

    for sa, block, uniform in _compatible_pairs(sigs_a, sigs_b):
        if uniform and block and literal_reason_of(sa, block[0]):
            continue  # one pinned set for the whole block: one answer
        for sb in block:
            if uniform or not literal_reason_of(sa, sb):
                feasible += [(i, j) for i in sigs_a[sa] for j in sigs_b[sb] if not same_group_root or i < j]
    n_a, n_b = len(outer_members), len(inner_members)
    total = n_a * (n_a - 1) // 2 if same_group_root else n_a * n_b
    return sorted(feasible), total
