"""Hypothesis strategies of calls to every canonical op: operands by schema, tensors drawn as shapes.

``op_case(name)`` draws the canonical operands of one call of op ``name``: tensor operands are
`Spec` values (shape, dtype, value range), the rest literals. Shapes are drawn freely (wrong ranks
and mismatched sizes included) or related to an earlier operand (same shape, broadcastable,
matching channels), so both accepted and rejected calls come up. Parameters with a schema default
keep it unless `OVERRIDES` draws them.

>>> from hypothesis import find
>>> case = find(op_case('transpose'), lambda ops: len(ops[0].shape) == 2)
>>> case[0].shape, case[1:]
((1, 1), (0, 0))

See Also
--------
tests.fxcore.types.test_soundness : the property that runs these calls.
"""
from __future__ import annotations

from hypothesis import strategies as st

from fxcore.ops import REQUIRED, default_table
from tests.fxcore.types.op_families import OVERRIDES
from tests.fxcore.types.op_makers import Rel, Spec, T, materialize, shapes

__all__ = ["Spec", "op_case", "OVERRIDES", "CASE_OPS", "EXCLUDED", "EMIT", "materialize", "shapes"]

TABLE = default_table()

EMIT = ("fxcore.ops emits an optional operand left at its None default positionally (torch.squeeze(x, None), "
        "torch.prod(x, None, False), aten.sym_size.int(x, None)), which torch's bindings reject; those calls are "
        "drawn with an explicit dim")

EXCLUDED = {
    "_assert": "an assertion: no value to type", "_assert_async": "an assertion: no value to type",
    "_assert_scalar": "an assertion: no value to type", "print": "I/O: returns None",
    "setitem": "an in-place store: returns None",
}
"""Ops the property leaves out, and why (their rules return the type of None)."""

CASE_OPS = tuple(n for n in TABLE.listed() if n not in EXCLUDED)
"""The ops written out in the table (the ones with inference rules; ops read from torch's registry have none)."""


@st.composite
def op_case(draw, name: str) -> tuple:
    """The canonical operands of one call of op ``name``."""
    op = TABLE.op(name)
    over = OVERRIDES.get(name) or OVERRIDES.get(op.inplace_of or "", {})
    got: dict = {}
    first_tensor = None
    for p in op.params:
        if p.name in got:  # drawn early by another operand's maker
            continue
        if p.name in over:
            got[p.name] = over[p.name](draw, got)
        elif p.type == "Tensor" and p.default is REQUIRED:
            got[p.name] = T()(draw, got) if first_tensor is None else Rel(first_tensor)(draw, got)
        elif p.default is not REQUIRED:
            got[p.name] = p.default
        else:
            raise KeyError(f"op_cases: say how to draw {name}'s operand {p.name!r} ({p.type}) in OVERRIDES")
        if p.type == "Tensor" and first_tensor is None:
            first_tensor = p.name
    return tuple(got[p.name] for p in op.params)
