"""Whether a critical pair can occur: both rules' guard facts at once, and calls a graph can hold.

A pair is infeasible when

- two facts on one value of the overlap cannot both hold (``x.ndim == 2`` and ``x.ndim == 1``;
  ``c == 1`` and ``c == 2``; an integer and a floating dtype class);
- a fact asks a literal of a value the overlap makes an op call or another literal (``c == 1`` where
  the overlap has ``2``);
- the overlap calls an op whose tensor operands are all literals (``mul(2, 3)``: tracing computes such a
  call, no graph holds it), counting variables the guards pin to literal values.

Facts on values the guards do not read are no facts, so an undecidable pair is kept.

>>> from rewrite.lang.loader import loads
>>> from rewrite.check.critical_pairs import critical_pairs
>>> rs = loads('''
... rules:
...   - {id: a, pattern: "mul(x, c)", replacement: x, when: "c == 1"}
...   - {id: b, pattern: "mul(x, c)", replacement: x, when: "c == 2"}
... ''')
>>> [d[2] for d in critical_pairs(rs).dropped]  # doctest: +NORMALIZE_WHITESPACE
["c: value in (1) and in (2) cannot both hold (rules 'a', 'b')",
 'mul(~x, ~c) calls mul with literals only (x = 2, c = 1): no graph holds it']

See Also
--------
rewrite.check.guard_facts, rewrite.check.critical_pairs
"""
from __future__ import annotations

from fxcore.match.diagnose import show_term
from unify import isvar
from unify.commutative import is_op_term
from rewrite.lang.syntax import var_name

__all__ = ["infeasible_reason", "joint_facts", "side_signature", "meet_signatures", "pinned_variables",
           "literal_call_reason"]


def _sides(pair):
    """(rule, {name: value in the overlap}) for the outer then the inner rule; 'result' is the matched root."""
    outer = {var_name(v): t for v, t in pair.outer_bindings().items()}
    outer["result"] = pair.overlap
    inner = {var_name(v): t for v, t in pair.inner_bindings().items()}
    inner["result"] = pair.inner_root()
    return ((pair.outer, outer), (pair.inner, inner))


def _key(target):
    if isvar(target):
        return ("var", target)
    return ("term", repr(target))


def infeasible_reason(pair, facts: dict, table=None) -> str:
    """Why ``pair`` cannot occur, or '' when it may. ``facts``: rule id -> `rule_facts`.

    See Also
    --------
    rewrite.check.guard_facts.rule_facts, joint_facts
    """
    reason, met = _joint(pair, facts)
    if reason:
        return reason
    pinned = {k[0][1]: allowed for k, (allowed, _) in met.items() if k[1] == "value" and k[0][0] == "var"
              and allowed.inside}
    return _literal_call(pair.overlap, pinned, table)


def joint_facts(pair, facts: dict) -> dict:
    """``{(variable, attr): Allowed}``: what both rules' guards say at once about the overlap's variables.

    >>> from rewrite.lang.loader import loads
    >>> from rewrite.check.critical_pairs import critical_pairs
    >>> from rewrite.check.guard_facts import rule_facts
    >>> rs = loads('''
    ... rules:
    ...   - {id: a, pattern: "mul(x, c)", replacement: x, when: "c in (1, 2)"}
    ...   - {id: b, pattern: "mul(x, c)", replacement: x, when: "c in (2, 3) and x.ndim == 2"}
    ... ''')
    >>> pair = critical_pairs(rs).pairs[0]
    >>> {f"{v}.{attr}": allowed.describe() for (v, attr), allowed in joint_facts(pair, {r.id: rule_facts(r) for r in rs}).items()}
    {'~c.value': 'in (2)', '~x.ndim': 'in (2)'}

    See Also
    --------
    infeasible_reason
    """
    _, met = _joint(pair, facts)
    return {(k[0][1], k[1]): allowed for k, (allowed, _) in met.items() if k[0][0] == "var"}


def _joint(pair, facts: dict) -> tuple:
    """('' or the reason the facts contradict each other, {key: (Allowed, label)})."""
    met: dict = {}   # key -> (Allowed, label)
    ids = f"(rules {pair.outer.id!r}, {pair.inner.id!r})"
    for rule, env in _sides(pair):
        for fact in facts.get(rule.id, ()):
            if fact.name not in env:
                continue
            target = env[fact.name]
            reason = _on_value(fact, target, ids)
            if reason:
                return reason, met
            if fact.attr == "value" and not isvar(target):
                continue
            key = (_key(target), fact.attr)
            if key in met:
                before, label = met[key]
                now = before.meet(fact.allowed)
                if now.empty:
                    return (f"{label}: {fact.attr} {before.describe()} and {fact.allowed.describe()} "
                            f"cannot both hold {ids}"), met
                met[key] = (now, label)
            else:
                met[key] = (fact.allowed, fact.name)
    return "", met


def side_signature(rule_facts: tuple, env: dict):
    """One rule's facts on the overlap, as ``{key: Allowed}`` (keys name the overlap's values), or None when
    they cannot hold on their own.  Two sides are compatible when `meet_signatures` finds no empty fact.

    >>> from unify import var
    >>> from rewrite.check.guard_facts import Allowed, Fact
    >>> c, x = var('c'), var('x')
    >>> one = side_signature((Fact('c', 'value', Allowed(True, frozenset({1}))),), {'c': c})
    >>> two = side_signature((Fact('k', 'value', Allowed(True, frozenset({2}))),), {'k': c})
    >>> meet_signatures(one, two), meet_signatures(one, one), sorted(map(repr, pinned_variables(one)))
    (False, True, ['~c'])
    >>> side_signature((Fact('c', 'value', Allowed(True, frozenset({1}))),), {'c': 2}) is None
    True
    >>> literal_call_reason(('mul', x, c), frozenset({x, c}))
    'mul(~x, ~c) calls mul with literals only: no graph holds it'

    See Also
    --------
    meet_signatures, infeasible_reason
    """
    out: dict = {}
    for fact in rule_facts:
        if fact.name not in env:
            continue
        target = env[fact.name]
        if _on_value(fact, target, ""):
            return None
        if fact.attr == "value" and not isvar(target):
            continue
        key = (_key(target), fact.attr)
        now = out[key].meet(fact.allowed) if key in out else fact.allowed
        if now.empty:
            return None
        out[key] = now
    return out


def meet_signatures(a: dict, b: dict) -> bool:
    """Whether two sides' facts can hold at once."""
    if len(b) < len(a):
        a, b = b, a
    return all(key not in b or not allowed.meet(b[key]).empty for key, allowed in a.items())


def pinned_variables(*signatures: dict) -> frozenset:
    """The overlap's variables some side's facts make literals (a 'value' fact that lists the values)."""
    return frozenset(k[0][1] for sig in signatures for k, allowed in sig.items()
                     if k[1] == "value" and k[0][0] == "var" and allowed.inside)


def literal_call_reason(overlap, pinned: frozenset, table=None) -> str:
    """'' or why the overlap holds a call of literals only, counting ``pinned`` variables as literals."""
    return _literal_call(overlap, dict.fromkeys(pinned), table)


def _on_value(fact, target, ids: str) -> str:
    """A value fact on a literal or an op call of the overlap, decided right away."""
    if fact.attr != "value":
        return ""
    if is_op_term(target):
        if fact.allowed.inside:
            return (f"{fact.name} must be a literal {fact.allowed.describe()} but the overlap has the op call "
                    f"{show_term(target)} there {ids}")
        return ""
    if not isvar(target) and not fact.allowed.admits(target):
        return f"{fact.name} = {target!r} in the overlap, but its guard needs {fact.allowed.describe()} {ids}"
    return ""


def _tensor_params(op, table) -> tuple | None:
    """Indices of an op's tensor parameters, or None for an unknown op or a factory."""
    from fxcore import ops
    t = ops.default_table() if table in (None, False) else table
    if op not in t:
        return None
    d = t.op(op)
    found = tuple(k for k, p in enumerate(d.params) if p.type.rstrip("?") == "Tensor")
    return found or None


def _literal_call(overlap, pinned: dict, table) -> str:
    """A reason when some call of the overlap has literals (or pinned variables) in all tensor operands."""
    stack = [overlap]
    while stack:
        t = stack.pop()
        if not is_op_term(t):
            if type(t) in (tuple, list):
                stack.extend(t)
            continue
        stack.extend(t[1:])
        params = _tensor_params(t[0], table)
        if params is None or len(t) - 1 < len(params) or max(params) >= len(t) - 1:
            continue
        operands = [t[k + 1] for k in params]
        if all(_literal(a, pinned) for a in operands):
            shown = [f"{var_name(a)} = {_show_pinned(pinned[a])}" for a in operands if isvar(a) and pinned[a]]
            why = f" ({', '.join(shown)})" if shown else ""
            return f"{show_term(t)} calls {t[0]} with literals only{why}: no graph holds it"
    return ""


def _literal(a, pinned: dict) -> bool:
    if isvar(a):
        return a in pinned
    return not (type(a) in (tuple, list) or a is None)


def _show_pinned(allowed) -> str:
    values = sorted(map(repr, allowed.values))
    return values[0] if len(values) == 1 else "one of " + ", ".join(values)
