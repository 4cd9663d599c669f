"""Python rule sets, the public front: ``from rewrite.pyrules import ops, rule, ruleset, compute``.

>>> from unify import var
>>> from rewrite.pyrules import ops, rule, ruleset
>>> x = var('x')
>>> ruleset('mine', rule('neg-neg', ops.neg(ops.neg(x)), x)).ids()
('neg-neg',)

See Also:
    rewrite.lang.pyrules : the implementation.
"""

from rewrite.lang.pyrules import Compute, OpNamespace, compute, example, ops, rule, ruleset, trace_term

__all__ = ["ops", "OpNamespace", "rule", "ruleset", "example", "trace_term", "compute", "Compute"]
