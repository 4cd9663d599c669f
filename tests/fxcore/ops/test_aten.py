"""Audit: every tensor overload of every aten packet the table maps resolves: to its packet's op, a documented alias,
or (an overload the op's schema cannot take) the op named after it."""
import functools

import torch

from fxcore import ops
from fxcore.ops.spellings import aten_spellings

T = ops.default_table()

OWN_OPS = {
    "aten.mm.dtype", "aten.bmm.dtype", "aten.addmm.dtype", "aten.baddbmm.dtype",  # out_dtype: another op
    "aten.round.decimals", "aten.round_.decimals",  # round to decimals: another op
    "aten.where.default",  # where(condition) is nonzero
    "aten.view.dtype",  # a dtype reinterpretation, not a reshape
    "aten.eq.Tensor_list", "aten.ne.Tensor_list",  # list equality (TorchScript), not elementwise
}


class Marker:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


def _sample_args(schema):
    """Required arguments of ``schema`` filled with plausible literals or markers."""
    args, kwargs = [], {}
    for a in schema.arguments:
        if a.has_default_value():
            continue
        ty = str(a.type)
        value = False if ty == "bool" else 1 if ty in ("int", "SymInt") else (1,) if "List[int]" in ty or \
            "List[SymInt]" in ty else Marker(a.name)
        if a.kwarg_only:
            kwargs[a.name] = value
        else:
            args.append(value)
    return tuple(args), kwargs


def _tensor_overloads():
    for target, _ in aten_spellings():
        packet = target if isinstance(target, torch._ops.OpOverloadPacket) else None
        for ov in [getattr(packet, o) for o in packet.overloads()] if packet else [target]:
            schema = ov._schema
            first = str(schema.arguments[0].type) if schema.arguments else ""
            if first in ("Tensor", "List[Tensor]", "Optional[Tensor]") and not any(a.is_out for a in schema.arguments):
                yield ov


@functools.lru_cache(maxsize=None)
def _resolutions():
    return tuple((ov, T.resolve_call(ov, *_sample_args(ov._schema))) for ov in _tensor_overloads())


def test_every_tensor_overload_resolves():
    assert sorted({str(ov) for ov, found in _resolutions() if found is None}) == []


def test_overloads_the_op_cannot_take_are_ops_of_their_own():
    found = {str(ov): name for ov, (name, _) in _resolutions()}
    assert {ov: found[ov] for ov in OWN_OPS} == {ov: ov[len("aten."):] for ov in OWN_OPS}


def test_resolved_overloads_map_to_their_packet_or_a_documented_alias():
    seen = {}
    for ov, found in _resolutions():
        if found is not None:
            seen.setdefault(ov.overloadpacket.__name__, set()).add(found[0].rstrip("_") or found[0])
    assert seen["max"] == {"max", "max.dim", "maximum"}
    assert seen["split_with_sizes"] == {"split"} and seen["_softmax"] == {"softmax"}
