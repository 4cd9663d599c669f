"""Declarative rewriting of torch.fx graphs: rule sets, apply, checks, testing, CLI.

Subpackages, each importing only those before it: `rewrite.errors` <- `rewrite.lang` (the rule
model, YAML and Python loaders, guards) <- `rewrite.engine` (apply, normalize, report) <-
`rewrite.check` (assurance) <- `rewrite.front` (CLI, demo, zoo, backend, replace_pattern).
`rewrite.pyrules` is the front of Python rule sets.

>>> import torch, torch.fx as fx, rewrite
>>> gm = fx.symbolic_trace(lambda x: torch.neg(torch.neg(x)) * torch.sigmoid(x))
>>> gm = rewrite.apply(gm, rewrite.load("std:std"), example_inputs=(torch.randn(3),))  # shapes for guards
>>> print(rewrite.report_of(gm).format().splitlines()[0])
rule set 'std': 2 rewrites, 6 -> 3 nodes in ... ms

See Also:
    rewrite.engine.apply.apply, rewrite.lang.loader.load, rewrite.engine.normalize.normalize
"""

from rewrite.check import assert_examples, check_examples
from rewrite.engine import (ApplyError, Explanation, ReplacementTypeError, Report, apply, explain, normalize,
                            normalize_full, report_of)
from rewrite.errors import (ArgumentError, DuplicateRuleError, ExampleError, GuardSyntaxError, IncludeCycleError,
                            IncludeError, NonTerminationError, RuleError, RuleSetNotFoundError, RuleSyntaxError,
                            RuleValidationError, UnboundVariableError, UnknownKeyError, UnknownOpError,
                            UnsafeGuardError)
from rewrite.front import backend, replace_pattern, replace_pattern_with_filters
from rewrite.lang import Compute, Example, Rule, RuleSet, load, loads, std_names

__all__ = [
    "apply", "explain", "Explanation", "ApplyError", "ReplacementTypeError", "backend", "load", "loads", "std_names", "normalize", "normalize_full",
    "Report", "report_of", "Rule", "RuleSet", "Compute", "Example", "check_examples", "assert_examples",
    "replace_pattern", "replace_pattern_with_filters",
    "RuleError", "RuleSyntaxError", "GuardSyntaxError", "UnsafeGuardError", "RuleValidationError",
    "UnknownKeyError", "UnknownOpError", "ArgumentError", "UnboundVariableError", "DuplicateRuleError",
    "IncludeError", "IncludeCycleError", "RuleSetNotFoundError", "NonTerminationError", "ExampleError",
]
