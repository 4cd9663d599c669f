"""The rule language: the frozen rule model and the front ends that compile to it.

Owns `rule` (`Rule`, `Example`, `Compute`), `ruleset` (`RuleSet`: ordered, named, includes,
enable/disable, overlap warnings), `syntax` (terms parsed with `ast`), `guards` and `guard_ops` (the
allowlist interpreter for `when:`), `facts` (what a guard may read of a tensor), `yaml_reader` (safe
YAML with positions), `rule_builder` and `loader` (YAML files and `std:` names), `pyrules` (Python
rule sets; the public front is `rewrite.pyrules`).

May import: `unify`, `fxcore`, `rewrite.errors`. Never `rewrite.engine`, `rewrite.check` or
`rewrite.front`.

>>> from rewrite.lang import loads
>>> loads("ruleset: s\\nrules:\\n  - {id: neg-neg, pattern: neg(neg(x)), replacement: x}").ids()
('neg-neg',)

See Also:
    rewrite.engine : what runs the rules.
"""

from rewrite.lang.loader import load, loads, std_names
from rewrite.lang.rule import Compute, Example, Rule
from rewrite.lang.ruleset import RuleSet

__all__ = ["Rule", "Example", "Compute", "RuleSet", "load", "loads", "std_names"]
