"""The rule model: one frozen, hashable :class:`Rule` that YAML and Python rule sets compile to.

A rule has an ``id``, a ``pattern`` term (``('mul', x, 1)``), a ``replacement``
(a term over the pattern's variables, or a :class:`Compute` wrapping a Python
callable), ``guards`` (``when:`` expressions or Python callables), a
``priority``, a ``description`` and embedded ``examples``.

>>> from unify import var
>>> x = var('x')
>>> r = Rule('mul-one', ('mul', x, 1), x, guards=('x.dtype.is_floating_point',))
>>> r.guard_holds({x: torch.ones(2)}), r.guard_holds({x: torch.ones(2, dtype=torch.int64)})
(True, False)
>>> r.instantiate({x: 'node'})
'node'

See Also
--------
rewrite.lang.ruleset.RuleSet : an ordered, named collection of rules.
rewrite.lang.loader.load : builds rules from YAML or Python rule-set files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import torch  # noqa: F401  (doctests)

from unify import isvar
from rewrite.errors import (RuleValidationError, SourcePos, UnboundVariableError, did_you_mean)
from rewrite.lang.assumptions import assumption_names
from rewrite.lang.example import Example
from rewrite.lang.facts import UNKNOWN, TensorFacts, Unknown, describe, is_symbolic
from rewrite.lang.guard_ops import recording_errors
from rewrite.lang.guards import Guard, PyGuard, compile_guard, python_guard
from rewrite.lang.syntax import RESERVED, term_variables, var_name

__all__ = ["Rule", "Example", "Compute", "GuardVerdict", "bindings_by_name", "substitute", "map_leaves"]


@dataclass(frozen=True)
class Compute:
    """A replacement computed by a Python callable from the bindings.

    The callable receives one keyword argument per pattern variable (the bound
    values: FX nodes or literals) and returns the replacement term, or ``None``
    to decline (the rule then does not fire).

    ``result`` optionally declares the shape of every term the callable returns: a term over the
    pattern's variables in which any other variable stands for a new constant (a tensor or literal the
    callable computes).  Static checks read it (a termination proof cannot look inside Python code).

    >>> Compute(lambda a, b: ('add', a, b))(a=1, b=2)
    ('add', 1, 2)

    See Also
    --------
    Rule.instantiate
    """

    fn: Callable
    params: tuple | None = field(default=None, compare=False, repr=False)
    result: object = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        import inspect
        try:
            ps = inspect.signature(self.fn).parameters.values()
        except (TypeError, ValueError):
            return
        if not any(p.kind is p.VAR_KEYWORD for p in ps):
            object.__setattr__(self, "params", tuple(p.name for p in ps))

    def __call__(self, **bindings):
        if self.params is not None:
            bindings = {k: v for k, v in bindings.items() if k in self.params}
        return self.fn(**bindings)

    def __repr__(self) -> str:
        return f"Compute({getattr(self.fn, '__qualname__', self.fn)!r})"


def bindings_by_name(bindings: Mapping) -> dict:
    """A ``{name: value}`` dict from bindings keyed by logic variables (or names).

    >>> from unify import var
    >>> bindings_by_name({var('x'): 1, 'y': 2})
    {'x': 1, 'y': 2}

    See Also
    --------
    rewrite.lang.syntax.var_name
    """
    return {(var_name(k) if isvar(k) else str(k)): v for k, v in bindings.items()}


def _as_guard(g, pattern_names):
    if isinstance(g, (Guard, PyGuard)):
        return g
    if isinstance(g, str):
        return compile_guard(g, names=pattern_names)
    if callable(g):
        return python_guard(g)
    raise RuleValidationError(f"a guard must be a string or a callable, not {type(g).__name__}",
                              hint="write guards like 'x.ndim == 4' or lambda x: x.ndim == 4")


@dataclass(frozen=True)
class Rule:
    """A rewrite rule: frozen, hashable, compared by value (positions are not compared).

    Construction checks the rule: the pattern is an op term (not a bare
    variable or a literal), the replacement and guards only use variables the
    pattern binds.  Guards given as strings are compiled; callables become
    :class:`~rewrite.lang.guards.PyGuard`; a callable replacement becomes a :class:`Compute`.

    >>> from unify import var
    >>> Rule('bad', var('x'), 1)
    Traceback (most recent call last):
    ...
    rewrite.errors.RuleValidationError: rule 'bad': the pattern is the bare variable ~x, which would match every value
      hint: write an op call, e.g. neg(x)

    See Also
    --------
    rewrite.lang.ruleset.RuleSet, rewrite.pyrules.rule
    """

    id: str
    pattern: object
    replacement: object
    guards: tuple = ()
    priority: int = 0
    description: str = ""
    examples: tuple = ()
    assumes: tuple = ()  # named assumptions (rewrite.lang.assumptions) the rule is exact only under
    pos: SourcePos | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            raise RuleValidationError(f"a rule id must be a non-empty string, not {self.id!r}",
                                      pos=self.pos, hint="give every rule a unique id: 'neg-neg'")
        self._check_pattern()
        guards = self.guards if isinstance(self.guards, (tuple, list)) else (self.guards,)
        names = tuple(self.names)
        object.__setattr__(self, "guards", tuple(self._locate(_as_guard, g, names) for g in guards))
        object.__setattr__(self, "examples", tuple(self.examples))
        object.__setattr__(self, "assumes", assumption_names(self.assumes, pos=self.pos, rule_id=self.id))
        if callable(self.replacement) and not isinstance(self.replacement, Compute):
            object.__setattr__(self, "replacement", Compute(self.replacement))
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise self._error(f"priority must be an integer, not {self.priority!r}", "priority: 10")
        self._check_names()

    def _error(self, message, hint="", cls=RuleValidationError):
        return cls(message, pos=self.pos, rule_id=self.id, hint=hint)

    def _locate(self, fn, *args):
        try:
            return fn(*args)
        except RuleValidationError as exc:
            raise exc.located(self.pos, self.id) from None
        except Exception as exc:
            if hasattr(exc, "located"):
                raise exc.located(self.pos, self.id) from None
            raise

    def _check_pattern(self):
        p = self.pattern
        if isvar(p):
            raise self._error(f"the pattern is the bare variable {p!r}, which would match every "
                              "value", "write an op call, e.g. neg(x)")
        if not (isinstance(p, tuple) and p and (isinstance(p[0], str) or not isvar(p[0]))):
            raise self._error(f"the pattern must be an op term such as ('neg', x), not {p!r}",
                              "write an op call, e.g. neg(x)")
        reserved = [var_name(v) for v in term_variables(p) if var_name(v) in RESERVED]
        if reserved:
            raise self._error(f"the pattern binds the reserved name {reserved[0]!r}",
                              "rename the variable; 'result' means the matched root in guards")

    def _check_names(self):
        bound = set(self.names)
        if isinstance(self.replacement, Compute):
            uses = self.replacement.params or ()
        else:
            uses = map(var_name, term_variables(self.replacement))
        for name in uses:
            if name not in bound:
                raise self._unbound("replacement", name)
        for g in self.guards:
            for n in g.names:
                if n not in bound and n != "result":
                    raise self._unbound("guard", n)

    def _unbound(self, where, name):
        hint = did_you_mean(name, self.names) or ("bind it in the pattern; the pattern binds: "
                                                  + (", ".join(self.names) or "nothing"))
        return self._error(f"{where} uses {name!r}, which the pattern does not bind", hint,
                           UnboundVariableError)

    @property
    def variables(self) -> tuple:
        """The pattern's logic variables in first-occurrence order."""
        return term_variables(self.pattern)

    @property
    def names(self) -> tuple:
        """The names of the pattern's variables, in first-occurrence order."""
        return tuple(var_name(v) for v in self.variables)

    @property
    def root_op(self):
        """The canonical op at the pattern's root (a string, or a literal target)."""
        return self.pattern[0]

    def guard_value(self, bindings: Mapping, view: Callable = describe, *, result=None):
        """Kleene AND of the guards: ``True``, ``False`` or ``UNKNOWN``.

        ``bindings`` maps the pattern's variables (or their names) to bound values;
        ``view(value)`` gives what attribute access sees (default: :func:`describe`);
        ``result`` is the matched root (also accepted as a binding named 'result').
        """
        if not self.guards:
            return True
        env = bindings_by_name(bindings)
        if result is not None:
            env["result"] = result
        unknown = False
        for g in self.guards:
            value = g.evaluate(env, view)
            if value is False:
                return False
            unknown = unknown or isinstance(value, Unknown)
        return UNKNOWN if unknown else True

    def guard_verdict(self, bindings: Mapping, view: Callable = describe, *, result=None) -> "GuardVerdict":
        """`guard_value` with the reason: which guard was false or undecided, what it could not read, what it
        raised (slower: for reports and ``explain``, when a guard did not hold).

        >>> from unify import var
        >>> x = var('x')
        >>> r = Rule('r', ('relu', x), x, guards=('x.ndim == 4', 'x.numel / 0 > 1'))
        >>> r.guard_verdict({x: torch.ones(2)}).guard
        'x.ndim == 4'
        >>> print(r.guard_verdict({x: torch.ones(1, 1, 1, 2)}).reason)
        it raised ZeroDivisionError: division by zero
        >>> g = torch.fx.Graph(); n = g.placeholder('a')
        >>> print(r.guard_verdict({x: n}).reason)
        x (node 'a') has no shape or dtype metadata: the graph has no meta['val']; pass example_inputs to rewrite.apply
        """
        env = bindings_by_name(bindings)
        if result is not None:
            env["result"] = result
        for g in self.guards:
            with recording_errors() as errors:
                value = g.evaluate(env, view)
            if value is False:
                return GuardVerdict(False, g.source)
            if isinstance(value, Unknown):
                if errors:
                    return GuardVerdict(UNKNOWN, g.source, f"it raised {type(errors[0]).__name__}: {errors[0]}",
                                        raised=True)
                return GuardVerdict(UNKNOWN, g.source, _unread_facts(g, env, view))
        return GuardVerdict(True)

    def guard_holds(self, bindings: Mapping, view: Callable = describe, *, result=None) -> bool:
        """Whether every guard is statically known to hold (unknown metadata: it does not).

        Never raises for missing metadata; never adds a guard on symbolic sizes.
        """
        return self.guard_value(bindings, view, result=result) is True

    def instantiate(self, bindings: Mapping):
        """The replacement with the bindings substituted (a :class:`Compute` is called; may be None)."""
        if isinstance(self.replacement, Compute):
            return self.replacement(**bindings_by_name(bindings))
        by_name = bindings_by_name(bindings)
        subst = {v: by_name[var_name(v)] for v in self.variables if var_name(v) in by_name}
        return substitute(self.replacement, subst)


@dataclass(frozen=True)
class GuardVerdict:
    """What a rule's guards said at one match: ``value`` True, False or UNKNOWN; the ``guard`` that was false or
    undecided; the ``reason`` it was undecided; ``raised`` when that reason is a Python error it raised."""

    value: object
    guard: str = ""
    reason: str = ""
    raised: bool = False


def _unread_facts(guard, env: Mapping, view: Callable) -> str:
    """What an undecided guard could not read: the values without metadata, or with symbolic sizes."""
    for name in getattr(guard, "names", ()):
        value = env.get(name)
        where = f"{name} (node {value.name!r})" if isinstance(value, torch.fx.Node) else name
        facts = view(value) if value is not None else None
        if isinstance(facts, TensorFacts) and facts.shape is None and facts.dtype is None:
            return (f"{where} has no shape or dtype metadata: the graph has no meta['val']; pass example_inputs "
                    f"to rewrite.apply")
        if isinstance(facts, TensorFacts) and facts.shape is not None and is_symbolic(facts.shape):
            return f"{where} has symbolic sizes {facts.shape}: the guard cannot be decided for every size"
    return "a value it reads is unknown"


def map_leaves(term, fn: Callable):
    """``term`` with ``fn`` applied to every leaf (anything but a tuple or list); containers keep their type.

    Iterative: deep terms do not hit the recursion limit.

    >>> map_leaves(('add', [1, 2], ('neg', 3)), lambda leaf: leaf * 10 if isinstance(leaf, int) else leaf)
    ('add', [10, 20], ('neg', 30))

    See Also
    --------
    substitute
    """
    out: list = []
    stack: list = [(term, False)]
    while stack:
        t, built = stack.pop()
        if built:
            n = len(t)
            kids = out[len(out) - n:] if n else []
            del out[len(out) - n:]
            out.append(type(t)(kids))
        elif isinstance(t, (tuple, list)):
            stack.append((t, True))
            stack.extend((c, False) for c in reversed(t))
        else:
            out.append(fn(t))
    return out[0]


def substitute(term, subst: Mapping):
    """``term`` with each variable in ``subst`` replaced (bound values are not walked into).

    >>> from unify import var
    >>> substitute(('neg', ('neg', var('x'))), {var('x'): ('relu', 1)})
    ('neg', ('neg', ('relu', 1)))

    See Also
    --------
    Rule.instantiate, map_leaves
    """
    return map_leaves(term, lambda t: subst.get(t, t) if isvar(t) else t)

