"""The rule set: a named, ordered, frozen collection of rules with enable/disable by id.

``rules`` keeps declaration order (included sets first, in include order).
:meth:`RuleSet.ordered` gives the enabled rules in the order ``apply`` must try
them: explicit priority (higher first), then specificity (``unify.match.ordering``:
more specific patterns first), then declaration order.

>>> from unify import var
>>> from rewrite.lang.rule import Rule
>>> x, y = var('x'), var('y')
>>> rs = RuleSet('demo', (Rule('add-any', ('add', x, y, 1), x),
...                       Rule('add-zero', ('add', x, 0, 1), x),
...                       Rule('neg-neg', ('neg', ('neg', x)), x, priority=5)))
>>> [r.id for r in rs.ordered()]
['neg-neg', 'add-zero', 'add-any']
>>> [r.id for r in rs.disable('neg-neg')]
['add-zero', 'add-any']

See Also
--------
rewrite.lang.rule.Rule, rewrite.lang.loader.load
"""
from __future__ import annotations

import warnings
from collections import defaultdict, deque
from dataclasses import dataclass, field

from unify.conflict import AmbiguityWarning, ambiguities, ambiguity_message
from unify.match import ordering
from rewrite.errors import DuplicateRuleError, RuleValidationError, SourcePos, did_you_mean
from rewrite.lang.assumptions import assumption_names
from rewrite.lang.rule import Rule

__all__ = ["RuleSet", "Ambiguity"]


@dataclass(frozen=True)
class Ambiguity:
    """Two enabled rules of equal priority whose patterns overlap with neither more specific.

    ``tie`` is the most general term both match: adding a rule for it (or giving
    the two rules distinct priorities) breaks the tie.
    """

    first: Rule
    second: Rule
    tie: object

    def message(self) -> str:
        """The warning text: both rule ids with their positions, and the pattern that breaks the tie."""
        where = [f" (at {r.pos})" if r.pos is not None else "" for r in (self.first, self.second)]
        guarded = " (their guards may still tell them apart)" if (
            self.first.guards or self.second.guards) else ""
        return (f"rules {self.first.id!r}{where[0]} and {self.second.id!r}{where[1]} overlap"
                f"{guarded}: " + ambiguity_message(self.first.pattern, self.second.pattern, self.tie))


@dataclass(frozen=True)
class RuleSet:
    """A named, ordered, frozen collection of rules (hashable; compared by value).

    >>> from unify import var
    >>> from rewrite.lang.rule import Rule
    >>> rs = RuleSet('s', (Rule('a', ('neg', ('neg', var('x'))), var('x')),))
    >>> rs['a'].id, 'a' in rs, len(rs)
    ('a', True, 1)

    See Also
    --------
    rewrite.lang.ruleset.RuleSet.ordered
    """

    name: str
    rules: tuple = ()
    disabled: tuple = ()
    description: str = ""
    includes: tuple = field(default=(), compare=False)
    source: str | None = field(default=None, compare=False)
    assume: tuple = ()  # assumptions the set's user grants to every rule of it (rewrite.lang.assumptions)
    _ordered: tuple = field(default=None, init=False, compare=False, repr=False)
    _hash: int | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "rules", tuple(self.rules))
        seen: dict[str, Rule] = {}
        for r in self.rules:
            if not isinstance(r, Rule):
                raise RuleValidationError(f"rule set {self.name!r} holds {r!r}, which is not a Rule",
                                          hint="build rules with rewrite.pyrules.rule(...)")
            if r.id in seen:
                first = seen[r.id]
                raise DuplicateRuleError(
                    f"duplicate rule id {r.id!r} in rule set {self.name!r}" +
                    (f" (first defined at {first.pos})" if first.pos else ""),
                    pos=r.pos, rule_id=r.id, hint="give each rule a unique id, or disable one")
            seen[r.id] = r
        self._check_ids(self.disabled, "disable")
        object.__setattr__(self, "disabled", tuple(sorted(set(self.disabled))))
        object.__setattr__(self, "assume", assumption_names(self.assume))

    def __hash__(self) -> int:
        """The compared fields' hash, computed once: every apply looks its plan up by the rule set."""
        h = self._hash
        if h is None:
            h = hash((self.name, self.rules, self.disabled, self.description, self.assume))
            object.__setattr__(self, "_hash", h)
        return h

    def _check_ids(self, ids, what, pos: SourcePos | None = None):
        known = [r.id for r in self.rules]
        for i in ids:
            if i not in known:
                raise RuleValidationError(
                    f"{what}: no rule with id {i!r} in rule set {self.name!r}", pos=pos,
                    hint=did_you_mean(i, known) or "known ids: " + ", ".join(known[:20]))

    def __iter__(self):
        return iter(self.ordered())

    def __len__(self):
        return len(self.ordered())

    def __contains__(self, rule_id):
        return any(r.id == rule_id for r in self.rules)

    def __getitem__(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"no rule {rule_id!r} in rule set {self.name!r}; "
                       + (did_you_mean(rule_id, self.ids()) or "see .ids()"))

    def ids(self) -> tuple:
        """All rule ids, in declaration order (disabled ones included)."""
        return tuple(r.id for r in self.rules)

    def enabled(self) -> tuple:
        """The enabled rules in declaration order."""
        off = set(self.disabled)
        return tuple(r for r in self.rules if r.id not in off)

    def ordered(self) -> tuple:
        """The enabled rules in the order apply tries them: priority, specificity, declaration."""
        if self._ordered is None:
            object.__setattr__(self, "_ordered", _apply_order(self.enabled()))
        return self._ordered

    def disable(self, *ids: str) -> "RuleSet":
        """A copy with the rules ``ids`` disabled (unknown ids: an error with a did-you-mean)."""
        self._check_ids(ids, "disable")
        return self._replace(disabled=self.disabled + tuple(ids))

    def enable(self, *ids: str) -> "RuleSet":
        """A copy with the rules ``ids`` enabled again."""
        self._check_ids(ids, "enable")
        return self._replace(disabled=tuple(i for i in self.disabled if i not in ids))

    def only(self, *ids: str) -> "RuleSet":
        """A copy with only the rules ``ids`` enabled."""
        self._check_ids(ids, "only")
        return self._replace(disabled=tuple(r.id for r in self.rules if r.id not in ids))

    def assuming(self, *names: str) -> "RuleSet":
        """A copy that grants the assumptions ``names`` (`rewrite.lang.assumptions`) to its rules.

        >>> RuleSet('s').assuming('finite-math').assume
        ('no-infs', 'no-nans')
        """
        return self._replace(assume=self.assume + assumption_names(names))

    def extended(self, *rules: Rule, name: str | None = None) -> "RuleSet":
        """A copy with ``rules`` appended (duplicate ids are an error)."""
        return self._replace(rules=self.rules + tuple(rules), name=name or self.name)

    def merged(self, *others: "RuleSet", name: str | None = None) -> "RuleSet":
        """This set followed by ``others`` (their disabled rules stay disabled)."""
        rules, disabled = list(self.rules), list(self.disabled)
        for o in others:
            rules.extend(o.rules)
            disabled.extend(o.disabled)
        return self._replace(rules=tuple(rules), disabled=tuple(disabled), name=name or self.name)

    def _replace(self, **changes) -> "RuleSet":
        fields = dict(name=self.name, rules=self.rules, disabled=self.disabled,
                      description=self.description, includes=self.includes, source=self.source,
                      assume=self.assume)
        fields.update(changes)
        return RuleSet(**fields)

    def ambiguities(self) -> tuple:
        """Pairs of enabled rules of equal priority that overlap with neither more specific."""
        out = []
        for group in _by_priority(self.enabled()):
            patterns = [r.pattern for r in group]
            index = _index_by_pattern(group)
            for a, b in ambiguities(patterns):
                ra, rb = index[a][0], index[b][0]
                from unify.conflict import overlap
                out.append(Ambiguity(ra, rb, overlap(a, b)))
        return tuple(out)

    def warn_ambiguities(self, stacklevel: int = 2) -> tuple:
        """Issue one :class:`unify.conflict.AmbiguityWarning` per ambiguity; return them."""
        found = self.ambiguities()
        for amb in found:
            warnings.warn(AmbiguityWarning(f"rule set {self.name!r}: " + amb.message()),
                          stacklevel=stacklevel)
        return found


def _by_priority(rules) -> list:
    groups: dict[int, list] = defaultdict(list)
    for r in rules:
        groups[r.priority].append(r)
    return [groups[p] for p in sorted(groups, reverse=True)]


def _index_by_pattern(rules) -> dict:
    index: dict = defaultdict(list)
    for r in rules:
        index[r.pattern].append(r)
    return index


def _apply_order(rules) -> tuple:
    out = []
    for group in _by_priority(rules):
        queues = {p: deque(rs) for p, rs in _index_by_pattern(group).items()}
        for pattern in ordering([r.pattern for r in group]):
            out.append(queues[pattern].popleft())
    return tuple(out)
