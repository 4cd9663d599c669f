"""Building one :class:`~rewrite.lang.rule.Rule` from a YAML rule entry, with precise error positions.

>>> from rewrite.lang.yaml_reader import read_yaml
>>> entry = read_yaml('id: neg-neg\\npattern: neg(neg(x))\\nreplacement: x\\n', 'f.yaml')
>>> build_rule(entry).replacement
~x

See Also
--------
rewrite.lang.loader : reads rule files and calls this for each entry of ``rules:``.
"""
from __future__ import annotations

from rewrite.errors import (RuleError, RuleSyntaxError, RuleValidationError, UnknownKeyError,
                            did_you_mean)
from rewrite.lang.assumptions import assumption_names
from rewrite.lang.facts import parse_facts
from rewrite.lang.guards import compile_guard
from rewrite.lang.example import front_end_names, named_inputs
from rewrite.lang.rule import Example, Rule
from rewrite.lang.syntax import parse_term, table_normalizer, term_variables, var_name
from unify import isvar

__all__ = ["build_rule", "expect", "names_list", "RULE_KEYS", "EXAMPLE_KEYS"]

RULE_KEYS = ("id", "pattern", "replacement", "when", "assumes", "priority", "description", "examples", "override")
EXAMPLE_KEYS = ("before", "after", "types", "inputs", "front_ends", "fires")
_KINDS = {"mapping": "a mapping (key: value)", "sequence": "a list", "scalar": "a single value"}


def expect(value, kind: str, what: str, example: str, rule_id=None):
    """Raise :class:`RuleSyntaxError` unless ``value`` is a YAML ``kind`` (mapping/sequence/scalar).

    See Also
    --------
    rewrite.lang.yaml_reader.read_yaml
    """
    if value.kind != kind:
        raise RuleSyntaxError(f"{what} must be {_KINDS[kind]}, not {_KINDS[value.kind]}",
                              pos=value.pos, rule_id=rule_id, hint=f"write e.g. {example}")


def _check_keys(ymap, allowed, what, rule_id):
    for key in ymap.keys():
        if key not in allowed:
            hint = did_you_mean(key, allowed) or "allowed keys: " + ", ".join(allowed)
            if any(c in str(key) for c in "(),"):
                hint = ("an expression with a comma inside {...} must be quoted: "
                        "{pattern: \"mul(x, 1)\"}")
            raise UnknownKeyError(f"unknown key {key!r} in {what}", pos=ymap.key_pos(key),
                                  rule_id=rule_id, hint=hint)


def _required(ymap, key, rule_id, example, literal_ok=False):
    v = ymap.get(key)
    if v is None:
        raise RuleValidationError(f"missing required key {key!r}", pos=ymap.pos, rule_id=rule_id,
                                  hint=f"add '{key}: {example}'")
    expect(v, "scalar", repr(key), f"{key}: {example}", rule_id)
    if literal_ok and isinstance(v.value, (bool, int, float)):
        return v
    if not isinstance(v.value, str) or not v.value.strip():
        raise RuleSyntaxError(f"{key!r} must be written as text, not {v.value!r}", pos=v.pos,
                              rule_id=rule_id, hint=f"{key}: \"{example}\"")
    return v


def _rule_id(entry) -> str:
    v = entry.get("id")
    if v is None:
        raise RuleValidationError("a rule without an 'id'", pos=entry.pos,
                                  hint="add 'id: <unique-name>', e.g. id: mul-one")
    expect(v, "scalar", "'id'", "id: mul-one")
    if not isinstance(v.value, str) or not v.value.strip():
        raise RuleValidationError(f"a rule id must be a non-empty string, not {v.value!r}",
                                  pos=v.pos, hint="id: mul-one")
    return v.value


def build_rule(entry, table=None) -> Rule:
    """Build a rule from a YAML mapping (a :class:`rewrite.lang.yaml_reader.YMap`); errors carry positions.

    See Also
    --------
    rewrite.lang.loader.load, rewrite.lang.rule.Rule
    """
    rule_id = _rule_id(entry)
    try:
        return _build(entry, rule_id, table_normalizer(table))
    except RuleError as exc:
        raise exc.located(entry.pos, rule_id) from None


def _build(entry, rule_id, normalizer) -> Rule:
    _check_keys(entry, RULE_KEYS, f"rule {rule_id!r}", rule_id)
    pv = _required(entry, "pattern", rule_id, "neg(neg(x))")
    pattern = parse_term(pv.value, normalizer=normalizer, pos=pv.expr_pos, what="pattern")
    if isvar(pattern) or not isinstance(pattern, tuple):
        raise RuleValidationError(f"the pattern {pv.value.strip()!r} is not an op call",
                                  pos=pv.expr_pos, hint="a pattern must be an op call such as "
                                  "neg(x); a bare variable or literal would match every value")
    names = frozenset(var_name(v) for v in term_variables(pattern))
    rv = _required(entry, "replacement", rule_id, "x", literal_ok=True)
    replacement = _term(rv, normalizer, "replacement", names)
    guards = tuple(compile_guard(g.value, names=names, pos=g.expr_pos)
                   for g in _guards(entry, rule_id))
    return Rule(rule_id, pattern, replacement, guards, _priority(entry, rule_id),
                _description(entry, rule_id), _examples(entry, rule_id, normalizer),
                assumes=names_list(entry, "assumes", rule_id), pos=entry.get("id").pos)


def _name_items(ymap, key, rule_id, hint: str) -> tuple:
    """``(node, items)``: the YAML node under ``key`` and its scalar items, one name or a list of names
    (``(None, ())`` when the key is absent); anything else is a RuleSyntaxError at the node."""
    v = ymap.get(key)
    if v is None:
        return None, ()
    items = (v,) if v.kind == "scalar" else v.items if v.kind == "sequence" else None
    if items is None or any(i.kind != "scalar" or not isinstance(i.value, str) for i in items):
        raise RuleSyntaxError(f"{key!r} must be a name or a list of names", pos=v.pos, rule_id=rule_id, hint=hint)
    return v, items


def names_list(ymap, key, rule_id=None) -> tuple:
    """The names under ``key``: one name or a list of names (YAML ``assumes: no-signed-zeros`` or
    ``assumes: [no-infs, no-nans]``), checked against the known assumptions with their position."""
    _, items = _name_items(ymap, key, rule_id, hint=f"{key}: [no-signed-zeros]")
    for item in items:
        assumption_names(item.value, pos=item.pos, rule_id=rule_id)
    return tuple(i.value for i in items)


def _term(v, normalizer, what, names):
    if not isinstance(v.value, str):  # a literal written as a YAML number or boolean
        return v.value
    return parse_term(v.value, normalizer=normalizer, pos=v.expr_pos, what=what, bound=names)


def _guards(entry, rule_id):
    v = entry.get("when")
    if v is None:
        return ()
    items = v.items if v.kind == "sequence" else (v,)
    for g in items:
        expect(g, "scalar", "a guard", "when: x.ndim == 4", rule_id)
        if not isinstance(g.value, str):
            raise RuleSyntaxError(f"a guard must be an expression written as text, not {g.value!r}",
                                  pos=g.pos, rule_id=rule_id, hint="when: \"x.ndim == 4\"")
    return items


def _priority(entry, rule_id) -> int:
    v = entry.get("priority")
    if v is None:
        return 0
    expect(v, "scalar", "'priority'", "priority: 10", rule_id)
    if isinstance(v.value, bool) or not isinstance(v.value, int):
        raise RuleValidationError(f"priority must be an integer, not {v.value!r}", pos=v.pos,
                                  rule_id=rule_id, hint="priority: 10 (higher is tried first)")
    return v.value


def _description(entry, rule_id) -> str:
    v = entry.get("description")
    if v is None:
        return ""
    expect(v, "scalar", "'description'", "description: what the rule does", rule_id)
    return str(v.value)


def _examples(entry, rule_id, normalizer) -> tuple:
    v = entry.get("examples")
    if v is None:
        return ()
    expect(v, "sequence", "'examples'", "examples: [{before: mul(t, 1), after: t}]", rule_id)
    return tuple(_example(item, rule_id, normalizer) for item in v.items)


def _example(item, rule_id, normalizer) -> Example:
    expect(item, "mapping", "an example", "{before: mul(t, 1), after: t}", rule_id)
    _check_keys(item, EXAMPLE_KEYS, "an example", rule_id)
    bv = _required(item, "before", rule_id, "mul(t, 1)")
    before = parse_term(bv.value, normalizer=normalizer, pos=bv.expr_pos, what="example")
    names = frozenset(var_name(v) for v in term_variables(before))
    av = _required(item, "after", rule_id, "t", literal_ok=True)
    after = _term(av, normalizer, "example", names)
    return Example(before, after, _types(item, rule_id, names | {"result"}), _inputs(item, before, rule_id),
                   _front_ends(item, rule_id), _fires(item, rule_id), pos=item.pos)


def _inputs(item, before, rule_id) -> tuple:
    """``inputs: {t: "float32[2,3]", d: 1}``: a tensor type or a literal per variable of ``before``."""
    v = item.get("inputs")
    if v is None:
        return ()
    expect(v, "mapping", "'inputs'", "inputs: {t: \"float32[2,3]\", d: 1}", rule_id)
    values = {key: _plain(value, rule_id) for key, _, value in v.entries}
    try:
        return named_inputs(before, values, pos=v.pos, pos_of=v.key_pos)
    except RuleError as exc:
        raise exc.located(v.pos, rule_id) from None


def _plain(value, rule_id):
    """A YAML input value as plain data: a scalar, or a list of them (nested lists allowed)."""
    if value.kind == "scalar":
        return value.value
    if value.kind != "sequence":
        raise RuleSyntaxError("an input must be a tensor type or a literal, not a mapping", pos=value.pos,
                              rule_id=rule_id, hint="write e.g. t: \"float32[2,3]\", d: 1 or p: [1, 0]")
    return [_plain(i, rule_id) for i in value.items]


def _front_ends(item, rule_id, key="front_ends") -> tuple:
    """``front_ends: [make_fx, export]`` (or one name), checked against the known front ends."""
    v, items = _name_items(item, key, rule_id, hint=f"{key}: [symbolic_trace, make_fx]")
    if v is None:
        return ()
    for i in items:
        front_end_names(i.value, pos=i.pos)
    return front_end_names([i.value for i in items], pos=v.pos)


def _fires(item, rule_id) -> int | None:
    v = item.get("fires")
    if v is None:
        return None
    expect(v, "scalar", "'fires'", "fires: 1", rule_id)
    if isinstance(v.value, bool) or not isinstance(v.value, int) or v.value < 0:
        raise RuleValidationError(f"fires must be a count (an int >= 0), not {v.value!r}", pos=v.pos,
                                  rule_id=rule_id, hint="fires: 1 (how often the rule fires on each graph)")
    return v.value


def _types(item, rule_id, names) -> tuple:
    v = item.get("types")
    if v is None:
        return ()
    expect(v, "mapping", "'types'", "types: {t: \"float32[2,3]\"}", rule_id)
    out = []
    for key, kpos, hint in v.entries:
        if key not in names:
            raise RuleValidationError(f"type hint for {key!r}, which the example does not use",
                                      pos=kpos, rule_id=rule_id,
                                      hint=did_you_mean(key, names) or "use one of: "
                                      + ", ".join(sorted(names)))
        expect(hint, "scalar", "a type hint", "t: \"float32[2,3]\"", rule_id)
        try:
            out.append((key, parse_facts(hint.value)))
        except ValueError as exc:
            raise RuleValidationError(str(exc), pos=hint.pos, rule_id=rule_id,
                                      hint="dtype[dims], e.g. float32[2,3] or int64[N]") from None
    return tuple(out)
