"""``unify`` and ``reify``: an iterative driver over small per-type methods.

Each unify method looks at one pair of non-variable values and answers
``True`` (equal, nothing to bind), ``False`` (they never unify) or a pair
``(lefts, rights)`` of child sequences to unify element-wise.  One driver
loop walks those pairs with an explicit stack, so terms nested 100,000 deep
unify without RecursionError, and binds variables with an occurs check
(``unify(x, (x, 1))`` is ``False``).  The caller's substitution is copied once
and never mutated.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from .dispatch import MethodTable
from .errors import CyclicSubstitutionError
from .structure import ATOMS, CHILDREN, REBUILD, children, walk
from .term import arguments, isterm, operator
from .variable import Var, _in_context, context_variables, var  # noqa: F401  (var: doctests)

__all__ = ["unify", "unifies", "reify", "register_unify", "walk", "occurs"]

METHODS = MethodTable("unify_step")


def _method(*types):
    """Decorator: register a unify step method for ``types`` in ``METHODS``."""

    def decorate(fn):
        METHODS.add(types, fn)
        return fn

    return decorate


class _Custom:
    """Marks a pair handled by a ``register_unify`` function ``fn(u, v, s) -> dict | False``."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


def _equal(u, v) -> bool:
    """``u == v`` as a plain bool; values whose comparison fails or is not a truth value are unequal."""
    try:
        return bool(u == v)
    except Exception:  # e.g. multi-element tensors / arrays: not a truth value
        return False


@_method(object, object)
def _unify_terms_or_equal(u, v):
    if isterm(u) and isterm(v):
        return (operator(u), *arguments(u)), (operator(v), *arguments(v))
    return _equal(u, v)


@_method((tuple, list), (tuple, list))
def _unify_sequences(u, v):
    return (u, v) if len(u) == len(v) else False


@_method(Mapping, Mapping)
def _unify_mappings(u, v):
    if len(u) != len(v) or any(k not in v for k in u):
        return False
    return tuple(u.values()), tuple(v[k] for k in u)


@_method(slice, slice)
def _unify_slices(u, v):
    return (u.start, u.stop, u.step), (v.start, v.stop, v.step)


def register_unify(type_u: type, type_v: type) -> Callable:
    """Decorator: unify values of ``type_u`` with ``type_v`` by ``fn(u, v, s) -> dict | False``.

    The method is more specific than the term fallback; it is also used with
    the arguments swapped when ``v`` is the ``type_u`` value.  Registering
    ``(T, object)`` also gives ``(T, T)`` to ``fn`` unless that pair has its own
    method (otherwise ``(T, object)`` and ``(object, T)`` would tie).

    >>> class Tok:
    ...     def __init__(self, name):
    ...         self.name = name
    >>> @register_unify(Tok, Tok)
    ... def _same_token(u, v, s):
    ...     return s if u is v else False
    >>> t = Tok('a')
    >>> unify((t, var('x')), (t, 1)), unify(Tok('a'), Tok('a'))
    ({~x: 1}, False)

    See Also:
        unify, unify.term.register_term
    """

    def decorate(fn):
        marker, swapped = _Custom(fn), _Custom(lambda v_, u_, s: fn(u_, v_, s))
        METHODS.add((type_u, type_v), lambda u, v: marker)
        if type_u is not type_v:
            METHODS.add((type_v, type_u), lambda v, u: swapped)
            _break_tie(type_u, type_v, marker)
        return fn

    return decorate


def _break_tie(type_u: type, type_v: type, marker: _Custom) -> None:
    """(T, object) and (object, T) tie on (T, T): give that pair to the method unless it has its own."""
    sub = type_u if issubclass(type_u, type_v) else type_v if issubclass(type_v, type_u) else None
    if sub is not None and (sub, sub) not in METHODS.dispatcher.funcs:
        METHODS.add((sub, sub), lambda u, v: marker)


def occurs(v: Any, t: Any, s: Mapping) -> bool:
    """Whether variable ``v`` occurs in ``t`` under substitution ``s``.

    >>> x, y = var('x'), var('y')
    >>> occurs(x, (1, y), {y: (x,)}), occurs(x, (1, y), {})
    (True, False)

    See Also:
        unify
    """
    glv = context_variables()
    atoms = ATOMS if not glv else ()
    stack, seen = [t], set()
    while stack:
        node = stack.pop()
        if type(node) in atoms:
            continue
        if _is_var(node, glv):
            if node == v:
                return True
            if node in s:
                stack.append(s[node])
            continue
        if id(node) not in seen:
            seen.add(id(node))
            kids = children(node)
            if kids:
                stack.extend(kids)
    return False


def _is_var(x, glv) -> bool:
    return isinstance(x, Var) or (bool(glv) and _in_context(x, glv))


def unify(u: Any, v: Any, s: Mapping | None = None) -> dict | bool:
    """The most general substitution making ``u`` and ``v`` equal (extending ``s``), or ``False``.

    The result is a new, idempotent substitution: no bound variable occurs in a
    value (``reify(reify(t, s), s) == reify(t, s)``).

    >>> x, y = var('x'), var('y')
    >>> unify(('add', x, 1), ('add', 2, y))
    {~x: 2, ~y: 1}
    >>> unify(x, (x, 1))  # occurs check
    False

    See Also:
        reify, register_unify, unify.term.register_term
    """
    out = _solve([(u, v)], {} if s is None else dict(s))
    return out if out is False else _idempotent(out)


def _idempotent(s: dict) -> dict:
    """``s`` with every value fully reified, so no bound variable appears in any value."""
    if not context_variables() and all(type(value) in ATOMS for value in s.values()):
        return s
    reifier = _Reifier(s)
    return {k: reifier.run(value) for k, value in s.items()}


def unifies(u: Any, v: Any, s: Mapping | None = None) -> bool:
    """Whether ``u`` and ``v`` unify (cheaper than ``unify``: no substitution is returned).

    >>> unifies(('f', var('x')), ('f', 1)), unifies(var('x'), (var('x'),))
    (True, False)

    See Also:
        unify
    """
    return _solve([(u, v)], {} if s is None else dict(s)) is not False


def _solve(stack: list, s: dict) -> dict | bool:
    """Unify every pair on ``stack`` into ``s`` (owned by the caller, extended in place)."""
    glv = context_variables()
    while stack:
        a, b = stack.pop()
        if a is b:
            continue
        ta, tb = type(a), type(b)
        if ta in ATOMS and tb in ATOMS and not glv:
            if a == b:
                continue
            return False
        if isinstance(a, Var) or (glv and _in_context(a, glv)):
            a = walk(a, s)
        if isinstance(b, Var) or (glv and _in_context(b, glv)):
            b = walk(b, s)
        ok = _unify_pair(a, b, s, glv, stack)
        if ok is False:
            return False
        if ok is not True:
            s = ok
    return s


def _unify_pair(a, b, s: dict, glv, stack: list):
    """One step on walked values: bind, compare, or push children; True, False or a new substitution."""
    if a is b:
        return True
    if _is_var(a, glv):
        if _is_var(b, glv) and a == b:
            return True
        return _bind(a, b, s)
    if _is_var(b, glv):
        return _bind(b, a, s)
    if type(a) in ATOMS and type(b) in ATOMS:
        return a == b
    r = METHODS.lookup(type(a), type(b))(a, b)
    if r is True or r is False:
        return r
    if type(r) is _Custom:
        out = r.fn(a, b, s)
        return False if out is False else (out if out is s else dict(out))
    lefts, rights = r
    if len(lefts) != len(rights):
        return False
    stack.extend(zip(reversed(lefts), reversed(rights)))
    return True


def _bind(v, t, s: dict) -> bool:
    if occurs(v, t, s):
        return False
    s[v] = t
    return True


def reify(e: Any, s: Mapping) -> Any:
    """Replace the variables of ``e`` by their values in ``s`` (transitively).

    >>> x, y = var('x'), var('y')
    >>> reify((1, x, [y, {'k': x}]), {x: 2, y: (x, 3)})
    (1, 2, [(2, 3), {'k': 2}])

    Unchanged subterms are returned as is (same object).  A cyclic ``s`` raises
    ``CyclicSubstitutionError`` instead of looping.

    See Also:
        unify, walk
    """
    if not s:
        return e
    return _Reifier(s).run(e)


_EXPAND, _BUILD, _FINISH = "expand", "build", "finish"


class _Reifier:
    """One iterative post-order reification; each variable's value is reified once (memo)."""

    def __init__(self, s: Mapping):
        self.s, self.glv, self.memo, self.active = s, context_variables(), {}, set()

    def run(self, e):
        out: list = []
        todo: list = [(_EXPAND, e)]
        atoms = ATOMS if not self.glv else ()
        while todo:
            kind, item = todo.pop()
            if kind is _EXPAND:
                if type(item) in atoms:
                    out.append(item)
                elif type(item) is Var:
                    self.expand_var(item, todo, out)
                else:
                    self.expand(item, todo, out)
            elif kind is _BUILD:
                node, kids = item
                n = len(kids)
                new = out[-n:]
                del out[-n:]
                same = all(x is y for x, y in zip(new, kids))
                out.append(node if same else REBUILD.lookup(type(node))(node, tuple(new)))
            else:
                self.memo[item] = out[-1]
                self.active.discard(item)
        return out[0]

    def expand(self, e, todo: list, out: list) -> None:
        if _is_var(e, self.glv):
            self.expand_var(e, todo, out)
            return
        kids = CHILDREN.lookup(type(e))(e)
        if not kids:
            out.append(e)
            return
        todo.append((_BUILD, (e, kids)))
        todo.extend([(_EXPAND, k) for k in reversed(kids)])

    def expand_var(self, v, todo: list, out: list) -> None:
        if v in self.memo:
            out.append(self.memo[v])
        elif v not in self.s or self.s[v] == v:  # unbound, or bound to itself
            out.append(v)
        elif v in self.active:
            raise CyclicSubstitutionError(
                f"variable {v!r} is bound to a term that contains it; reify needs an acyclic "
                f"substitution (substitutions returned by unify always are: it does the occurs check)"
            )
        else:
            self.active.add(v)
            todo.append((_FINISH, v))
            todo.append((_EXPAND, self.s[v]))

