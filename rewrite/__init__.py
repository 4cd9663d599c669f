"""Declarative rewriting of torch.fx graphs: rule sets, apply, checks, testing, CLI.

>>> import torch, torch.fx as fx, rewrite
>>> gm = fx.symbolic_trace(lambda x: torch.neg(torch.neg(x)) * torch.sigmoid(x))
>>> gm = rewrite.apply(gm, rewrite.load("std:std"))
>>> print(rewrite.report_of(gm).format().splitlines()[0])
rule set 'std': 2 rewrites, 6 -> 3 nodes in ... ms

See Also:
    rewrite.apply.apply, rewrite.loader.load, rewrite.normalize.normalize
"""

from .apply import ApplyError, apply
from .backend import backend
from .errors import (ArgumentError, DuplicateRuleError, ExampleError, GuardSyntaxError, IncludeCycleError,
                     IncludeError, NonTerminationError, RuleError, RuleSetNotFoundError, RuleSyntaxError,
                     RuleValidationError, UnboundVariableError, UnknownKeyError, UnknownOpError,
                     UnsafeGuardError)
from .examples import assert_examples, check_examples
from .loader import load, loads, std_names
from .normalize import normalize, normalize_full
from .report import Report, report_of
from .rule import Compute, Example, Rule
from .ruleset import RuleSet
from .subgraph import replace_pattern, replace_pattern_with_filters

__all__ = [
    "apply", "ApplyError", "backend", "load", "loads", "std_names", "normalize", "normalize_full",
    "Report", "report_of", "Rule", "RuleSet", "Compute", "Example", "check_examples", "assert_examples",
    "replace_pattern", "replace_pattern_with_filters",
    "RuleError", "RuleSyntaxError", "GuardSyntaxError", "UnsafeGuardError", "RuleValidationError",
    "UnknownKeyError", "UnknownOpError", "ArgumentError", "UnboundVariableError", "DuplicateRuleError",
    "IncludeError", "IncludeCycleError", "RuleSetNotFoundError", "NonTerminationError", "ExampleError",
]
