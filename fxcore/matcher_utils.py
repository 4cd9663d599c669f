"""torch.fx.passes.utils.matcher_utils, by import: ``SubgraphMatcher`` and ``InternalMatch`` built on our matcher.

Switch by changing one import::

    from torch.fx.passes.utils.matcher_utils import SubgraphMatcher, InternalMatch   # before
    from fxcore.matcher_utils import SubgraphMatcher, InternalMatch                  # after

>>> from fxcore.matcher_utils import SubgraphMatcher
>>> SubgraphMatcher.__module__
'fxcore.match.subgraph_matcher'

See Also:
    fxcore.match.subgraph_matcher : the implementation.
"""

from fxcore.match.subgraph_matcher import InternalMatch, SubgraphMatcher, SubgraphMatcherWithNameNodeMap

__all__ = ["SubgraphMatcher", "SubgraphMatcherWithNameNodeMap", "InternalMatch"]
