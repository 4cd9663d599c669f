"""Order independence on graphs: the same graph whatever order the rules fire in.

``rewrite.apply(gm, rs, seed=s)`` draws the rule order and the worklist order from ``s`` (as MLIR's greedy
driver's randomizer does).  `order_independence` applies the rule set to a fresh copy of the module for the
rule set's own order and for each seed, and compares the results by `canonical_graph`: structure, targets and
literal arguments, never node names, with commutative operands in a canonical order.  When two differ, the
report shows both graphs' code with their seeds (and, given ``example_inputs``, whether their outputs agree).

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from rewrite.pyrules import ops, rule, ruleset
>>> x = var('x')
>>> rivals = ruleset('rivals', rule('relu-relu', ops.relu(ops.relu(x)), ops.relu(x)),
...                  rule('relu-clamp', ops.relu(ops.relu(x)), ops.clamp_min(x, 0)))
>>> make = lambda: fx.symbolic_trace(lambda a: torch.relu(torch.relu(a)).exp())
>>> report = order_independence(make, rivals, seeds=8)
>>> report.independent, report.witness.seeds
(False, (None, 1))

See Also
--------
rewrite.engine.apply.apply : ``seed=``.
"""
from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

import torch
import torch.fx as fx

__all__ = ["canonical_graph", "order_independence", "assert_order_independent", "OrderReport", "OrderWitness"]


def _digest(*parts) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def _tensor_key(t: torch.Tensor) -> tuple:
    data = t.detach().to("cpu").contiguous()
    try:
        content = hashlib.sha1(data.numpy().tobytes()).hexdigest()
    except (TypeError, RuntimeError):  # dtypes numpy lacks (bfloat16): their values as text
        content = _digest(data.float().tolist() if data.is_floating_point() else data.tolist())
    return ("tensor", str(t.dtype), tuple(t.shape), content)


def _literal_key(value) -> object:
    if isinstance(value, torch.Tensor):
        return _tensor_key(value)
    if isinstance(value, float):
        return ("float", repr(value))  # (-0.0 is not 0.0)
    return (type(value).__name__, repr(value))


def _attr(gm: fx.GraphModule, target: str):
    owner = gm
    for part in target.split("."):
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    return owner


def _target_key(node: fx.Node, gm: fx.GraphModule) -> object:
    if node.op == "get_attr":  # what it reads, not the name it was given (folding names new tensors by order)
        value = _attr(gm, node.target)
        return _tensor_key(value) if isinstance(value, torch.Tensor) else ("attr", node.target)
    if node.op == "call_module":
        return ("module", node.target, type(_attr(gm, node.target)).__name__)
    if node.op == "placeholder":
        return None
    target = node.target
    return getattr(target, "__module__", ""), getattr(target, "__qualname__", None) or str(target)


def _swappable(node: fx.Node, table) -> bool:
    """Whether the node's first two positional arguments commute (per the op table)."""
    if node.op not in ("call_function", "call_method") or len(node.args) < 2:
        return False
    from fxcore import ops
    try:
        op = ops.canonical_op(node, table)
        return isinstance(op, str) and ops.is_commutative(op, ops.node_operands(node, table), table)
    except Exception:  # an op the table cannot read: keep its operand order
        return False


def canonical_graph(gm: fx.GraphModule, *, table=None) -> tuple:
    """A hashable canonical form of ``gm``'s graph: equal for graphs that differ only in node names, node
    order, attribute names holding equal tensors, or the order of commutative operands.

    Each node gets a digest of its op, target and arguments (nodes by their digests, literals by value,
    placeholders by position); the form is the sorted multiset of digests (so duplicated nodes count) and
    the outputs' digests.

    >>> import torch, torch.fx as fx
    >>> a = fx.symbolic_trace(lambda x, y: torch.relu(x) + y)
    >>> b = fx.symbolic_trace(lambda x, y: y + torch.relu(x))
    >>> c = fx.symbolic_trace(lambda x, y: torch.relu(y) + x)
    >>> canonical_graph(a) == canonical_graph(b), canonical_graph(a) == canonical_graph(c)
    (True, False)

    See Also
    --------
    order_independence
    """
    digests: dict = {}
    placeholders = 0
    outputs = ()
    for node in gm.graph.nodes:
        def arg_key(a):
            return ("node", digests[a]) if isinstance(a, fx.Node) else _literal_key(a)
        args = [fx.node.map_aggregate(a, arg_key) for a in node.args]
        if _swappable(node, table):
            args[0], args[1] = sorted(args[:2], key=repr)
        kwargs = tuple(sorted((k, fx.node.map_aggregate(v, arg_key)) for k, v in node.kwargs.items()))
        if node.op == "placeholder":
            key = ("placeholder", placeholders)
            placeholders += 1
        else:
            key = (node.op, _target_key(node, gm), tuple(args), kwargs)
        digests[node] = _digest(key)
        if node.op == "output":
            outputs = tuple(args)
    counts: dict = {}
    for d in digests.values():
        counts[d] = counts.get(d, 0) + 1
    return tuple(sorted(counts.items())), repr(outputs)


@dataclass(frozen=True)
class OrderWitness:
    """Two seeds (``None``: the rule set's own order) whose results differ: their code and rule counts, and,
    given example inputs, ``numerically`` "equal" or "different" (else None)."""

    seeds: tuple
    code: tuple
    counts: tuple
    numerically: str | None = None

    def format(self) -> str:
        """Both graphs with their seeds and what fired."""
        parts = []
        for seed, code, counts in zip(self.seeds, self.code, self.counts):
            label = "the rule set's order" if seed is None else f"seed={seed}"
            parts.append(f"--- apply with {label} (fired {dict(counts)}):\n{code.strip()}")
        tail = f"\noutputs on the example inputs: {self.numerically}" if self.numerically else ""
        return "\n".join(parts) + tail

    def to_json(self) -> dict:
        """``{"seeds", "code", "counts", "numerically"}``."""
        return {"seeds": list(self.seeds), "code": list(self.code), "counts": [dict(c) for c in self.counts],
                "numerically": self.numerically}


@dataclass(frozen=True)
class OrderReport:
    """Whether every seed gave the same canonical graph (``independent``), the seeds run, how many distinct
    graphs came out, and the first differing pair (``witness``)."""

    independent: bool
    seeds: tuple
    distinct: int
    witness: OrderWitness | None = None

    def format(self) -> str:
        """One line, then the witness if any."""
        if self.independent:
            return f"order independent: the same graph for {len(self.seeds)} orders"
        return (f"order dependent: {self.distinct} different graphs from {len(self.seeds)} orders\n"
                + self.witness.format())

    def to_json(self) -> dict:
        """``{"independent", "seeds", "distinct", "witness"}``."""
        return {"independent": self.independent, "seeds": list(self.seeds), "distinct": self.distinct,
                "witness": self.witness.to_json() if self.witness else None}


def _seeds(seeds) -> tuple:
    if isinstance(seeds, bool) or not isinstance(seeds, int):
        try:
            return (None, *tuple(seeds))
        except TypeError:
            pass
        raise TypeError(f"seeds must be a count or an iterable of int seeds, not {seeds!r}")
    if seeds < 1:
        raise ValueError(f"seeds must be at least 1, not {seeds}")
    return (None, *range(seeds))


def _numerically(a: fx.GraphModule, b: fx.GraphModule, example_inputs) -> str | None:
    if example_inputs is None:
        return None
    with torch.no_grad():
        out_a, out_b = a(*copy.deepcopy(tuple(example_inputs))), b(*copy.deepcopy(tuple(example_inputs)))
    try:
        torch.testing.assert_close(out_a, out_b, equal_nan=True)
    except AssertionError:
        return "different"
    return "equal"


def order_independence(gm_or_factory, ruleset, *, seeds=20, example_inputs=None, table=None) -> OrderReport:
    """Apply ``ruleset`` for the rule set's order and each seed, each time to a fresh module, and compare.

    ``gm_or_factory`` is a GraphModule (deep-copied per run) or a callable returning a fresh one;
    ``seeds`` a count (seeds ``0..n-1``) or the seeds themselves; ``example_inputs`` go to
    ``apply`` (shapes for guards) and decide the witness's ``numerically``.

    See Also
    --------
    assert_order_independent, canonical_graph
    """
    from rewrite.engine.apply import apply
    from rewrite.engine.report import report_of
    if isinstance(gm_or_factory, fx.GraphModule):
        original = gm_or_factory
        make = lambda: copy.deepcopy(original)  # noqa: E731
    elif callable(gm_or_factory):
        make = gm_or_factory
    else:
        raise TypeError(f"expected a GraphModule or a callable returning one, not {type(gm_or_factory).__name__}")
    runs = []
    for seed in _seeds(seeds):
        gm = make()
        try:
            apply(gm, ruleset, seed=seed, example_inputs=example_inputs)
        except Exception as exc:
            exc.add_note(f"(order_independence: while applying with seed={seed})")
            raise
        runs.append((seed, gm, canonical_graph(gm, table=table), tuple(report_of(gm).counts.items())))
    forms = list(dict.fromkeys(form for _, _, form, _ in runs))
    witness = None
    if len(forms) > 1:
        first = runs[0]
        other = next(r for r in runs if r[2] != first[2])
        witness = OrderWitness((first[0], other[0]), (first[1].code, other[1].code), (first[3], other[3]),
                               _numerically(first[1], other[1], example_inputs))
    return OrderReport(len(forms) == 1, tuple(s for s, *_ in runs), len(forms), witness)


def assert_order_independent(gm_or_factory, ruleset, **kwargs) -> OrderReport:
    """`order_independence`, raising AssertionError with both graphs and their seeds when they differ.

    >>> import torch, torch.fx as fx
    >>> from rewrite.lang import load
    >>> gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)) * 1)
    >>> assert_order_independent(gm, load('std:algebraic'), seeds=3).format()
    'order independent: the same graph for 4 orders'

    See Also
    --------
    order_independence
    """
    report = order_independence(gm_or_factory, ruleset, **kwargs)
    if not report.independent:
        raise AssertionError(report.format())
    return report
