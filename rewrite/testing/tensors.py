"""`tensors_for`: example inputs for a GraphModule, one per placeholder, of the shapes and dtypes it records.

Shapes and dtypes come from each placeholder's ``meta['val']`` (make_fx, torch.export), ``meta['example_value']``
(dynamo) or ``meta['tensor_meta']`` (``ShapeProp``, `fx_graphs`); a placeholder without them needs ``shapes=``.
Values are drawn element by element (so Hypothesis shrinks them): floats in [-10, 10], integers in
[-100, 100], booleans; pass ``elements=`` for others (``st.floats()`` brings nan, inf and -0.0).

>>> import torch, torch.fx as fx
>>> from hypothesis import given, settings
>>> gm = fx.symbolic_trace(lambda x: x.neg())
>>> @settings(max_examples=3, database=None)
... @given(tensors_for(gm, shapes={'x': (2, 3)}))
... def test(inputs):
...     assert inputs[0].shape == (2, 3) and gm(*inputs).shape == (2, 3)
>>> test()
>>> tensors_for(gm)
Traceback (most recent call last):
...
hypothesis.errors.InvalidArgument: tensors_for(gm): placeholder 'x' has no meta['val'], ... pass shapes={'x': (2, 3)} ...

See Also
--------
rewrite.testing.graphs.fx_graphs, tensor_values
"""
from __future__ import annotations

import torch
import torch.fx as fx
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = ["tensors_for", "tensor_values", "placeholder_types"]


def tensor_values(shape: tuple, dtype: torch.dtype, elements: st.SearchStrategy | None = None):
    """A strategy of tensors of ``shape`` and ``dtype``, drawn element by element (shrinkable).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3, database=None)
    ... @given(tensor_values((2, 1), torch.int64))
    ... def test(t):
    ...     assert t.shape == (2, 1) and t.dtype == torch.int64
    >>> test()
    """
    shape = tuple(int(n) for n in shape)
    if elements is None:
        if dtype == torch.bool:
            elements = st.booleans()
        elif dtype.is_floating_point:
            elements = st.floats(-10, 10, width=16 if dtype in (torch.float16, torch.bfloat16) else 32)
        else:
            elements = st.integers(-100, 100)
    numel = 1
    for n in shape:
        numel *= n
    return st.lists(elements, min_size=numel, max_size=numel).map(
        lambda xs: torch.tensor(xs, dtype=dtype).reshape(shape))


def _meta_type(node: fx.Node):
    """``(shape, dtype)`` from a placeholder's metadata, a Python scalar's value, or None if it has none."""
    val = node.meta.get("val", node.meta.get("example_value"))
    if isinstance(val, (bool, int, float)):
        return val
    if isinstance(val, torch.Tensor):
        return tuple(val.shape), val.dtype
    tm = node.meta.get("tensor_meta")
    if tm is not None and hasattr(tm, "shape"):
        return tuple(tm.shape), tm.dtype
    return None


def placeholder_types(gm: fx.GraphModule, shapes=None, dtypes=None) -> tuple:
    """Per placeholder: ``(shape, dtype)``, or a Python scalar it takes as it is; `InvalidArgument` if unknown.

    >>> import torch.fx as fx
    >>> placeholder_types(fx.symbolic_trace(lambda x: x + 1), shapes={'x': (3,)})
    (((3,), torch.float32),)
    """
    shapes, dtypes, out = dict(shapes or {}), dict(dtypes or {}), []
    names = [n.name for n in gm.graph.nodes if n.op == "placeholder"]
    for name in sorted(set(shapes) | set(dtypes)):
        if name not in names:
            raise InvalidArgument(f"tensors_for(gm, shapes/dtypes=...): {name!r} is not a placeholder of the "
                                  f"graph; its placeholders are {names}")
    for node in gm.graph.nodes:
        if node.op != "placeholder":
            continue
        found = _meta_type(node)
        if node.name in shapes or (found is None and node.name in dtypes):
            found = (tuple(shapes.get(node.name, ())), dtypes.get(node.name, torch.float32))
        elif isinstance(found, tuple) and node.name in dtypes:
            found = (found[0], dtypes[node.name])
        if found is None:
            raise InvalidArgument(
                f"tensors_for(gm): placeholder {node.name!r} has no meta['val'], meta['example_value'] or "
                f"meta['tensor_meta'] to read its shape from; pass shapes={{{node.name!r}: (2, 3)}} (and "
                f"dtypes={{{node.name!r}: torch.float32}} if not float32), or propagate shapes first "
                f"(torch.fx.passes.shape_prop.ShapeProp(gm).propagate(*inputs))")
        if isinstance(found, tuple):
            try:
                found = (tuple(int(n) for n in found[0]), found[1])
            except (TypeError, ValueError):
                raise InvalidArgument(f"tensors_for(gm): placeholder {node.name!r} has symbolic sizes "
                                      f"{tuple(found[0])}; pass shapes={{{node.name!r}: (...)}} with sizes to "
                                      f"draw") from None
        out.append(found)
    return tuple(out)


def tensors_for(gm: fx.GraphModule, *, shapes=None, dtypes=None, elements=None) -> st.SearchStrategy[tuple]:
    """A strategy of example inputs for ``gm``: a tuple with one value per placeholder, in order.

    ``shapes`` / ``dtypes`` (``{placeholder name: ...}``) give or override what the metadata says;
    ``elements`` is the strategy of each tensor element (default: small finite values of the dtype).
    Checked when built (`hypothesis.errors.InvalidArgument`).

    See Also
    --------
    placeholder_types, tensor_values
    """
    if not isinstance(gm, fx.GraphModule):
        raise InvalidArgument(f"tensors_for(gm): gm must be a torch.fx.GraphModule, not {type(gm).__name__}; "
                              f"trace the model first, e.g. torch.fx.symbolic_trace(model)")
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"tensors_for(elements={elements!r}): elements must be a strategy, e.g. st.floats()")
    kinds = placeholder_types(gm, shapes, dtypes)
    return st.tuples(*(tensor_values(*k, elements) if isinstance(k, tuple) else st.just(k) for k in kinds))
