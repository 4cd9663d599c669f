"""Errors raised while loading, validating and checking rule sets.

Every error carries where it happened (a :class:`SourcePos`: file, line, column,
all 1-based), the rule id when one is known, what is wrong, and how to fix it.
``str(error)`` starts with ``file:line:col: rule 'id': `` so editors and CI logs
can jump to the spot.

>>> err = RuleValidationError("replacement uses 'y', which the pattern does not bind",
...                           pos=SourcePos('rules/mine.yaml', 4, 18), rule_id='mul-one',
...                           hint="bind 'y' in the pattern or use one of: x")
>>> print(err)
rules/mine.yaml:4:18: rule 'mul-one': replacement uses 'y', which the pattern does not bind
  hint: bind 'y' in the pattern or use one of: x

See Also
--------
rewrite.lang.loader.load : raises these for rule files.
rewrite.engine.normalize.normalize : raises :class:`NonTerminationError`.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

__all__ = [
    "SourcePos", "RuleError", "RuleSyntaxError", "GuardSyntaxError", "UnsafeGuardError",
    "RuleValidationError", "UnknownKeyError", "UnknownOpError", "ArgumentError",
    "UnboundVariableError", "DuplicateRuleError", "IncludeError", "IncludeCycleError",
    "RuleSetNotFoundError", "NonTerminationError", "ExampleError", "ApplyError", "ReplacementTypeError",
    "did_you_mean",
]


@dataclass(frozen=True)
class SourcePos:
    """A 1-based position in a rule file (or a Python source for Python rules).

    >>> str(SourcePos('a.yaml', 3, 7))
    'a.yaml:3:7'
    >>> str(SourcePos('a.yaml'))
    'a.yaml'

    See Also
    --------
    RuleError : formats its message after the position.
    """

    file: str = "<unknown>"
    line: int | None = None
    col: int | None = None

    def shifted(self, dline: int, col: int) -> "SourcePos":
        """The position ``dline`` lines below this one, at ``col`` (or this column + col if dline == 0).

        >>> SourcePos('f', 2, 5).shifted(0, 3), SourcePos('f', 2, 5).shifted(1, 3)
        (SourcePos(file='f', line=2, col=8), SourcePos(file='f', line=3, col=4))

        See Also
        --------
        rewrite.lang.syntax.parse_term : maps offsets inside an expression to file positions.
        """
        if self.line is None:
            return self
        if dline == 0:
            return SourcePos(self.file, self.line, (self.col or 1) + col)
        return SourcePos(self.file, self.line + dline, col + 1)

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.col or 1}"


def did_you_mean(word: str, candidates) -> str:
    """A ``"did you mean 'x'?"`` suffix for ``word`` among ``candidates`` ('' if nothing is close).

    >>> did_you_mean('replacment', ['pattern', 'replacement', 'when'])
    "did you mean 'replacement'?"
    >>> did_you_mean('zzz', ['pattern'])
    ''

    See Also
    --------
    difflib.get_close_matches
    """
    close = difflib.get_close_matches(str(word), sorted(map(str, candidates)), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


class RuleError(Exception):
    """Base class: a problem in a rule or rule set, with its position, rule id and a fix.

    >>> str(RuleError('bad', pos=SourcePos('f.yaml', 1, 2)))
    'f.yaml:1:2: bad'

    See Also
    --------
    SourcePos
    """

    def __init__(self, message: str, *, pos: SourcePos | None = None,
                 rule_id: str | None = None, hint: str = ""):
        self.message = message
        self.pos = pos
        self.rule_id = rule_id
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        head = f"{self.pos}: " if self.pos is not None else ""
        rule = f"rule {self.rule_id!r}: " if self.rule_id is not None else ""
        tail = f"\n  hint: {self.hint}" if self.hint else ""
        return f"{head}{rule}{self.message}{tail}"

    def located(self, pos: SourcePos | None = None, rule_id: str | None = None) -> "RuleError":
        """A copy of this error with position / rule id filled in where they were missing.

        >>> e = RuleSyntaxError('oops').located(SourcePos('f', 1, 1), 'r')
        >>> str(e)
        "f:1:1: rule 'r': oops"

        See Also
        --------
        rewrite.lang.loader : locates errors raised by the expression parsers.
        """
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        RuleError.__init__(new, self.message, pos=self.pos or pos,
                           rule_id=self.rule_id if self.rule_id is not None else rule_id,
                           hint=self.hint)
        return new

    def __reduce__(self):
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls, state):
    err = cls.__new__(cls)
    err.__dict__.update(state)
    RuleError.__init__(err, state["message"], pos=state["pos"], rule_id=state["rule_id"],
                       hint=state["hint"])
    return err


class RuleSyntaxError(RuleError):
    """A rule file, pattern, replacement or guard that does not parse (YAML or expression syntax)."""


class GuardSyntaxError(RuleSyntaxError):
    """A ``when:`` guard that is not a valid guard expression."""


class UnsafeGuardError(GuardSyntaxError):
    """A guard that uses something outside the allowlist (imports, dunders, lambdas, unknown calls)."""


class RuleValidationError(RuleError):
    """A rule that parses but is not valid (wrong types, unbound variables, bad structure)."""


class UnknownKeyError(RuleValidationError):
    """A key the rule-file schema does not define (with a did-you-mean)."""


class UnknownOpError(RuleValidationError):
    """An op name the op table does not know (with a did-you-mean from the table)."""


class ArgumentError(RuleValidationError):
    """A call in a pattern or replacement whose arguments do not fit the op's schema."""


class UnboundVariableError(RuleValidationError):
    """A replacement, guard or example that uses a variable the pattern does not bind."""


class DuplicateRuleError(RuleValidationError):
    """Two rules with the same id in one rule set (including included sets)."""


class IncludeError(RuleValidationError):
    """An ``include:`` entry that cannot be resolved or loaded."""


class IncludeCycleError(IncludeError):
    """Rule files that include each other in a cycle."""


class RuleSetNotFoundError(IncludeError, FileNotFoundError):
    """A rule-set path or ``std:`` library name that does not exist."""


class NonTerminationError(RuleError):
    """Rewriting that does not terminate: a repeated term (a cycle) or an exhausted budget.

    ``rules`` names the rules involved, in the order they fired; ``term`` is the
    term being rewritten when the problem was detected.
    """

    def __init__(self, message: str, *, rules=(), term=None, **kw):
        self.rules = tuple(rules)
        self.term = term
        super().__init__(message, **kw)


class ExampleError(RuleError):
    """An embedded example whose ``before`` does not normalize to its ``after``."""


class ApplyError(RuntimeError):
    """A rule failed while being applied; the module was left exactly as it was."""


class ReplacementTypeError(ApplyError):
    """A replacement whose value differs from the matched root's ``meta['val']`` in shape, dtype or device."""
