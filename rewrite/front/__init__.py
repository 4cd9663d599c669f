"""The front ends: the CLI and demo, the model zoo, pictures, the torch.compile backend, replace_pattern.

Owns `cli` (``python -m rewrite``: a package, one module per command), `demo` (prepare + rewrite), `zoo`
(traceable models for the demo and tests), `picture` (Graphviz DOT; before/after SVG and HTML), `save`
(a rewritten module as an importable folder), `report_json` (an apply's report as JSON), `backend`
(``torch.compile(model, backend=rewrite.backend(rs))``) and `subgraph_rewriter` (torch.fx.subgraph_rewriter's
`replace_pattern` API).

May import everything below it: `unify`, `fxcore`, `rewrite.errors`, `rewrite.lang`,
`rewrite.engine`, `rewrite.check`.

>>> from rewrite.front import zoo
>>> 'resnet_basic' in zoo.names()
True

See Also:
    rewrite : the public API, re-exported from here and below.
"""

from rewrite.front.backend import RewriteBackend, backend
from rewrite.front.subgraph_rewriter import replace_pattern, replace_pattern_with_filters

__all__ = ["backend", "RewriteBackend", "replace_pattern", "replace_pattern_with_filters"]
