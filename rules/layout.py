"""Layout rules that need a Python guard: a permutation followed by its inverse.

>>> from rewrite.engine.normalize import normalize
>>> from rewrite.pyrules import ops
>>> from unify import var
>>> t = var('t')
>>> normalize(ops.permute(ops.permute(t, (1, 2, 0)), (2, 0, 1)), RULESET) == t
True
>>> normalize(ops.permute(ops.permute(t, (1, 2, 0)), (1, 2, 0)), RULESET) == t
False

See Also:
    rules/algebraic.yaml: the declarative identities.
"""

from unify import var
from rewrite.pyrules import ops, rule, ruleset

x, p, q = var("x"), var("p"), var("q")


def is_inverse_permutation(p, q) -> bool:
    """True when permuting by ``p`` then by ``q`` gives back the original order.

    >>> is_inverse_permutation((1, 2, 0), (2, 0, 1)), is_inverse_permutation((1, 0), (1, 0, 2))
    (True, False)
    """
    return len(p) == len(q) and all(p[q[i]] == i for i in range(len(q)))


RULESET = ruleset(
    "layout",
    rule("permute-inverse", ops.permute(ops.permute(x, p), q), x, when=is_inverse_permutation,
         description="A permutation followed by its inverse is the identity.",
         examples=[("permute(permute(t, (0, 2, 1)), (0, 2, 1))", "t"),
                   ("permute(permute(t, (1, 2, 0)), (2, 0, 1))", "t")]),
    description="Layout identities that need a Python guard.",
)
