"""How an `fxcore.ops.table.OpTable` emits canonical ops as calls: the mixin with its emission methods.

>>> from fxcore.ops import default_table
>>> default_table().emit_args('sum', ('x', (1,), True, None))
(('x', (1,), True), {'dtype': None})

See Also
--------
fxcore.ops.emit : the `EmitSpec` values; fxcore.edit.dialect : emitting aten overloads into aten graphs.
"""
from __future__ import annotations

from typing import Optional

from fxcore.ops.emit import EmitChoice, EmitSpec, emit_call
from fxcore.ops.model import OpsError, OpSignatureError

__all__ = ["TableEmission"]


class TableEmission:
    """`emit_spec`, `call_target`, `emit_args`, `emittable` of an `OpTable` (reads its ``_emits``, ``_defs``,
    ``torch_ops`` and ``op``)."""

    def emit_spec(self, name: str, operands: Optional[tuple] = None) -> EmitSpec:
        """How to emit canonical op ``name`` as a call_function (raises `OpsError` if it has none).

        With ``operands``, an `EmitChoice` picks the way that fits them.
        """
        spec = self._emits.get(name)
        if spec is None and self.torch_ops is not None and name not in self._defs:
            spec = self.torch_ops.emit(name)
        if spec is None:
            self.op(name)
            raise OpsError(f"op {name!r} has no call target to emit; register one with "
                           f"table.extended(emits=[EmitSpec({name!r}, target)])")
        if operands is not None and isinstance(spec, EmitChoice):
            return spec.pick(operands)
        return spec

    def call_target(self, name: str, operands: Optional[tuple] = None):
        """The callable to emit for canonical op ``name`` (e.g. ``torch.add``, ``F.linear``), for these
        ``operands`` when the op's callable depends on them (`EmitChoice`).

        >>> from fxcore.ops import default_table
        >>> default_table().call_target('linear')
        <built-in function linear>

        See Also
        --------
        emit_args
        """
        return self.emit_spec(name, operands).target

    def emit_args(self, name: str, operands: tuple) -> tuple:
        """``(args, kwargs)`` that make ``call_target(name)`` compute ``name`` on canonical ``operands``.

        >>> from fxcore.ops import default_table
        >>> default_table().emit_args('sum', ('x', (1,), True, None))
        (('x', (1,), True), {'dtype': None})

        See Also
        --------
        call_target
        """
        d = self.op(name)
        if len(operands) != len(d.params):
            raise OpSignatureError(f"{name} takes {len(d.params)} operands {d.param_names}, got {len(operands)}")
        operands = tuple(operands)
        return emit_call(self.emit_spec(name, operands), d, operands)

    def emittable(self) -> tuple:
        """Names of the ops listed here that have a call target, in table order (each op read from torch emits
        its own overload, `TorchOps.emit`)."""
        return tuple(n for n in self._defs if n in self._emits)
