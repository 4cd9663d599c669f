"""Named numerical assumptions, like fast-math flags: what a rule relies on, and what a user grants.

A rule that is exact only when some IEEE special value cannot occur says so (YAML ``assumes:``,
`Rule.assumes`); it fires only where the user granted every assumption it names: per rule set (YAML
``assume:`` at the top, `RuleSet.assume`) or per call (``rewrite.apply(gm, rs, assume=[...])``, the
CLI's ``--assume``). By default nothing is granted, and every standard rule is exact under IEEE
semantics. The report lists the assumptions each rewrite relied on.

>>> assumption_names(["finite-math", "no-signed-zeros"])
('no-infs', 'no-nans', 'no-signed-zeros')
>>> missing(("no-signed-zeros",), granted=())
('no-signed-zeros',)
>>> assumption_names(["no-signed-zero"])
Traceback (most recent call last):
...
rewrite.errors.RuleValidationError: unknown assumption 'no-signed-zero'
  hint: did you mean 'no-signed-zeros'?

See Also
--------
rewrite.lang.rule.Rule.assumes, rewrite.engine.apply.apply
"""
from __future__ import annotations

from types import MappingProxyType

from rewrite.errors import RuleValidationError, did_you_mean

__all__ = ["ASSUMPTIONS", "SHORTHANDS", "assumption_names", "missing", "describe_assumptions"]

#: name -> what granting it accepts. Read-only: an assumption the engine does not know has no meaning.
ASSUMPTIONS = MappingProxyType({
    "no-signed-zeros": "the sign of a zero may change: x + 0.0 -> x keeps -0.0 where the graph gave 0.0",
    "no-infs": "no input or result is +inf or -inf: x - x -> 0 is wrong for inf",
    "no-nans": "no input or result is nan: x * 0 -> 0 is wrong for nan",
})

#: a name that stands for several assumptions (as in C compilers' -ffinite-math-only)
SHORTHANDS = MappingProxyType({"finite-math": ("no-infs", "no-nans")})


def assumption_names(values, *, pos=None, rule_id=None) -> tuple[str, ...]:
    """The assumptions ``values`` names (a name or an iterable of names), shorthands expanded, sorted, unique.

    See Also
    --------
    missing
    """
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    out = set()
    for name in values:
        if not isinstance(name, str) or (name not in ASSUMPTIONS and name not in SHORTHANDS):
            known = tuple(ASSUMPTIONS) + tuple(SHORTHANDS)
            hint = did_you_mean(str(name), known) or "known assumptions: " + ", ".join(known)
            raise RuleValidationError(f"unknown assumption {name!r}", pos=pos, rule_id=rule_id, hint=hint)
        out.update(SHORTHANDS.get(name, (name,)))
    return tuple(sorted(out))


def missing(required, granted) -> tuple[str, ...]:
    """The assumptions in ``required`` that ``granted`` does not grant, sorted.

    >>> missing(("no-infs", "no-nans"), granted=("no-nans",))
    ('no-infs',)

    See Also
    --------
    assumption_names
    """
    have = set(granted)
    return tuple(sorted(a for a in required if a not in have))


def describe_assumptions() -> str:
    """One line per known assumption and shorthand, for help texts.

    >>> print(describe_assumptions().splitlines()[0])
    no-signed-zeros: the sign of a zero may change: x + 0.0 -> x keeps -0.0 where the graph gave 0.0
    """
    lines = [f"{name}: {text}" for name, text in ASSUMPTIONS.items()]
    lines += [f"{name}: {' and '.join(parts)}" for name, parts in SHORTHANDS.items()]
    return "\n".join(lines)
