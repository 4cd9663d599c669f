"""Shared helpers for the unify tests: deep terms, iterative equality, Hypothesis term strategies."""
from __future__ import annotations

from hypothesis import strategies as st

from unify import var
from unify.structure import children

NAMES = "abcde"


def chain(leaf, depth: int, op: str = "f"):
    """('f', ('f', ... leaf)) nested `depth` deep, built without recursion."""
    t = leaf
    for _ in range(depth):
        t = (op, t)
    return t


def deep_equal(a, b) -> bool:
    """Structural equality that does not recurse (Python's == on 100k-deep tuples raises RecursionError)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        if type(x) is not type(y):
            return False
        kx, ky = children(x), children(y)
        if kx is None or ky is None:
            if not (kx is None and ky is None and x == y):
                return False
            continue
        if len(kx) != len(ky) or (isinstance(x, dict) and list(x) != list(y)):
            return False
        stack.extend(zip(kx, ky))
    return True


def leaves(make_var=var):
    """Constants and variables (drawn from a small pool of names so they repeat)."""
    return st.one_of(
        st.integers(-3, 3),
        st.sampled_from(["add", "mul", "neg", None, True]),
        st.sampled_from(NAMES).map(make_var),
    )


def terms(make_var=var, dicts: bool = True, lists: bool = True):
    """Random terms: nested tuples (and lists, dicts) of constants and variables."""

    def extend(inner):
        parts = [st.tuples(st.sampled_from(["f", "g"]), inner), st.tuples(st.sampled_from(["f", "g"]), inner, inner)]
        if lists:
            parts.append(st.lists(inner, max_size=3))
        if dicts:
            parts.append(st.dictionaries(st.sampled_from(["k", "l"]), inner, max_size=2))
        return st.one_of(*parts)

    return st.recursive(leaves(make_var), extend, max_leaves=12)
