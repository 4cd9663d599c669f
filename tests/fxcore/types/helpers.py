"""Shared helpers for the gradual-type tests: strict type comparison (dims and dtype)."""
from fxcore.types import TensorType

__all__ = ["same_type"]


def same_type(a, b) -> bool:
    """``a == b`` and, for tensor types, the same dtype (``==`` on TensorType ignores dtype, as torch's).

    >>> import torch
    >>> same_type(TensorType((2,), torch.float16), TensorType((2,), torch.float32))
    False
    """
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(same_type, a, b))
    if isinstance(a, TensorType) and isinstance(b, TensorType):
        return a == b and a.dtype == b.dtype
    return a == b
