"""Op weights for fixed coefficients: integer solutions of the strict linear constraints a proof needs.

With an interpretation's coefficients fixed, each rule asks ``sum(a[op] * weight[op]) > 0`` for a row ``a``
(how often each op occurs on the left minus on the right, scaled by the coefficients above it), with every
weight at least 1.  `solve_weights` finds integer weights by the perceptron, which converges whenever
weights exist; `solve_greedily` keeps as many rules as it can, in order, and names the ones in conflict.

>>> solve_weights([{'neg': 1, 'relu': -1}, {'relu': 1, 'exp': -1}], ['neg', 'relu', 'exp'])
{'neg': 3, 'relu': 2, 'exp': 1}
>>> solve_greedily([{'neg': 1, 'relu': -1}, {'relu': 1, 'neg': -1}], ['neg', 'relu'])
({'neg': 2, 'relu': 1}, [1])

See Also
--------
rewrite.check.interpretation : the coefficient search around it.
"""
from __future__ import annotations

__all__ = ["solve_weights", "solve_greedily"]


def _dot(row: dict, weights: dict) -> int:
    return sum(a * weights[s] for s, a in row.items())


def solve_weights(rows, symbols, start: dict | None = None, max_updates: int | None = None):
    """Integer weights ``>= 1`` with ``row . w > 0`` for every row, or None if the perceptron finds none.

    The perceptron adds a violated row (or a unit row for a weight below 1) until none is violated; it
    converges whenever such weights exist (the constraints are homogeneous and strict), so a cap reached
    means none within reach.
    """
    w = dict(start) if start else {s: 1 for s in symbols}
    if any(not any(a > 0 for a in r.values()) for r in rows):
        return None  # a row without a positive entry never holds
    if max_updates is None:
        max_updates = 100 + 10 * len(rows)
    updates, changed = 0, True
    while changed:
        if updates >= max_updates:
            return None
        changed = False
        for row in rows:
            if _dot(row, w) <= 0:
                for s, a in row.items():
                    w[s] += a
                updates, changed = updates + 1, True
        for s in symbols:  # the unit rows: every weight positive
            if w[s] <= 0:
                w[s] += 1
                updates, changed = updates + 1, True
    return w


def solve_greedily(rows, symbols) -> tuple:
    """Weights for as many rows as a greedy pass keeps, in order, and the indices of the rows left out.

    Each row that the current weights violate is added if the perceptron, started from them, satisfies it
    with the rows kept so far; otherwise it is left out.  The rows left out are the conflicts: the rules the
    coefficient search should look at, a handful even when they fight over every weight.
    """
    w, kept, failing = {s: 1 for s in symbols}, [], []
    for i, row in enumerate(rows):
        if _dot(row, w) > 0:
            kept.append(row)
            continue
        found = solve_weights(kept + [row], symbols, start=w)
        if found is None:
            failing.append(i)
        else:
            w = found
            kept.append(row)
    return w, failing
