"""Logic unification: variables, unify/reify, and pattern dispatch (knows nothing of torch)."""
