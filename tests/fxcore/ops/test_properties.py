"""Properties of normalize_call over the whole table: positional/keyword invariance, idempotence."""
import pytest
from hypothesis import given, strategies as st

from fxcore import ops
from fxcore.ops import REQUIRED

T = ops.default_table()
NAMES = T.names()


class Marker:
    """Stands for a pattern variable bound to a required operand."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


def _full_operands(d):
    """A complete canonical operand tuple: defaults filled, a distinct marker for each required param."""
    required = {p.name: Marker(p.name) for p in d.params if p.default is REQUIRED}
    return ops.normalize_call(d.name, (), required)


@given(name=st.sampled_from(NAMES), data=st.data())
def test_any_positional_keyword_split_normalizes_alike(name, data):
    d = T.op(name)
    full = _full_operands(d)
    k = data.draw(st.integers(0, len(full)), label="positional count")
    kw_names = [p.name for p in d.params[k:]]
    keep = data.draw(st.lists(st.sampled_from(kw_names), unique=True) if kw_names else st.just([]), label="kw")
    required = [p.name for p in d.params[k:] if p.default is REQUIRED]
    kwargs = {n: full[d.index(n)] for n in sorted(set(keep) | set(required), key=kw_names.index)}
    kwargs = dict(data.draw(st.permutations(list(kwargs.items())), label="kw order")) if kwargs else {}
    assert ops.normalize_call(name, full[:k], kwargs) == full


@pytest.mark.parametrize("name", NAMES)
def test_normalize_call_is_idempotent(name):
    full = _full_operands(T.op(name))
    once = ops.normalize_call(name, full)
    assert ops.normalize_call(name, once) == once


@given(dim=st.one_of(st.integers(-3, 3), st.lists(st.integers(-3, 3), min_size=1, max_size=3)))
def test_int_list_params_accept_int_or_sequence(dim):
    expected = (dim,) if isinstance(dim, int) else tuple(dim)
    assert ops.normalize_call("sum", ("x", dim)) == ("x", expected, False, None)
    assert ops.normalize_call("amax", ("x",), {"dim": dim}) == ("x", expected, False)
