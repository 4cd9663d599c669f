"""A Python rule set in both styles (used by tests/rewrite/lang/test_rule.py)."""
import torch

from unify import var
from rewrite.pyrules import ops, rule, ruleset

x = var("x")

RULESET = ruleset(
    "pyset",
    rule("silu", lambda x: x * torch.sigmoid(x), lambda x: torch.nn.functional.silu(x)),
    rule("neg-neg", ops.neg(ops.neg(x)), x, examples=[("neg(neg(t))", "t")]),
)
