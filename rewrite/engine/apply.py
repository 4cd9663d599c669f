"""``rewrite.apply(gm, ruleset)``: a worklist driver that rewrites a GraphModule to a fixpoint.

Candidates come from an index by canonical root op, so rules whose root op is
absent from the graph cost nothing; after a rewrite only the new nodes and the
users above them (up to the deepest pattern's depth) are revisited. The order is
the rule set's (priority, then specificity, then file order). Every change is
journaled: on any error the module is left exactly as it was. The changed nodes
are linted (``rewrite.engine.lint.lint_changed``) and the module recompiled once, at
the end.

See Also:
    rewrite.engine.plan.RulePlan, rewrite.engine.driver.Driver, rewrite.engine.journal.GraphJournal,
    rewrite.engine.termination.TerminationWatch, rewrite.engine.report.Report
"""

from __future__ import annotations

import time

import torch.fx as fx

from fxcore.edit.dialect import is_aten_graph
from fxcore.edit.gc_pause import gc_paused
from fxcore.ops import default_table
from rewrite.engine.dead_attrs import dead_attributes, remove_attributes
from rewrite.engine.driver import Driver
from rewrite.engine.journal import GraphJournal
from rewrite.engine.lint import lint_changed
from rewrite.engine.plan import RulePlan, shuffled
from rewrite.engine.report import Report
from rewrite.engine.termination import default_budget
from rewrite.errors import ApplyError, ReplacementTypeError
from rewrite.lang.assumptions import assumption_names
from rewrite.lang.loader import load
from rewrite.lang.ruleset import RuleSet

__all__ = ["apply", "example_vals", "ApplyError", "ReplacementTypeError", "RulePlan"]


def apply(gm: fx.GraphModule, ruleset, *, max_rewrites: int | None = None, once: bool = False,
          dry_run: bool = False, table=None, assume=(), seed: int | None = None,
          example_inputs=None) -> fx.GraphModule:
    """Rewrite ``gm`` in place with ``ruleset`` (a RuleSet, a rule file or ``"std:NAME"``); return it.

    ``assume`` grants named assumptions (`rewrite.lang.assumptions`: ``"no-signed-zeros"``, ``"no-infs"``,
    ``"no-nans"``, ``"finite-math"``) on top of the rule set's own ``assume:``; a rule that assumes what is not
    granted does not fire, and the report lists it (`Report.skipped`) and, per rewrite, what it relied on.
    ``seed`` draws the order of the rules and of the worklist from a random generator, as MLIR's greedy
    driver's randomizer does: a confluent rule set gives the same graph whatever the seed; without it the
    order is the rule set's and the graph's.

    ``example_inputs`` (tensors, as the module takes them) give a graph without ``meta['val']`` (symbolic_trace)
    the shapes and dtypes guards read: fake tensors, propagated before rewriting (`FakeTensorProp`; the model
    is never run on data). Nodes keep those values; if apply fails or is a dry run, they are removed again.

    New nodes are emitted in the graph's dialect: aten overloads in a graph of aten calls (``make_fx``,
    ``torch.export``), torch callables otherwise (`fxcore.edit.dialect`).
    ``once=True`` makes one sweep over the graph (new nodes are not revisited);
    ``dry_run=True`` finds and reports the rewrites, then leaves the module as it
    was. The :class:`~rewrite.engine.report.Report` is in ``gm.meta['rewrite_report']``
    (see :func:`rewrite.engine.report.report_of`). On any error the module is exactly
    as it was before the call. Python's cyclic garbage collector is paused while it runs
    (`fxcore.edit.gc_pause`).
    """
    if not isinstance(gm, fx.GraphModule):
        raise TypeError(f"rewrite.apply needs a torch.fx.GraphModule, got {type(gm).__name__}; trace the "
                        f"model first, e.g. torch.fx.symbolic_trace(model) or torch.export.export(model, "
                        f"args).module()")
    if max_rewrites is not None and (isinstance(max_rewrites, bool) or not isinstance(max_rewrites, int)
                                     or max_rewrites < 0):
        raise TypeError(f"max_rewrites must be a non-negative int (or None for the default budget), not "
                        f"{max_rewrites!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int (or None for the rule set's order), not {seed!r}")
    if not isinstance(ruleset, RuleSet):
        ruleset = load(ruleset)
    table = default_table() if table is None else table
    plan = RulePlan.build(ruleset, table, tuple(sorted(set(ruleset.assume + assumption_names(assume)))),
                          is_aten_graph(gm.graph))  # (decomposed forms are aten calls: other graphs need none)
    if seed is not None:
        plan = shuffled(plan, seed)
    budget = default_budget(len(gm.graph.nodes)) if max_rewrites is None else max_rewrites
    added = example_vals(gm, example_inputs) if example_inputs is not None else []
    try:
        with gc_paused():  # what the run allocates dies by refcount as _rewrite returns (fxcore.edit.gc_pause)
            report = _rewrite(gm, plan, table, budget, once, dry_run, seed)
    except BaseException:
        _forget_vals(added)
        raise
    if dry_run:
        _forget_vals(added)
    gm.meta["rewrite_report"] = report
    return gm


def example_vals(gm: fx.GraphModule, example_inputs) -> list[fx.Node]:
    """Give a graph without ``meta['val']`` the fake values ``FakeTensorProp`` computes from ``example_inputs``;
    returns the nodes that got one (none if some node has a value already: the graph has its own).

    >>> import torch, torch.fx as fx
    >>> gm = fx.symbolic_trace(lambda x: torch.relu(x) * 1)
    >>> [n.name for n in example_vals(gm, (torch.ones(2, 3),))], tuple(gm.graph.find_nodes(op="call_function",
    ...                                                                   target=torch.relu)[0].meta["val"].shape)
    (['x', 'relu', 'mul', 'output'], (2, 3))
    """
    if any("val" in n.meta for n in gm.graph.nodes):
        return []
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.passes.fake_tensor_prop import FakeTensorProp
    inputs = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    placeholders = gm.graph.find_nodes(op="placeholder")
    if len(inputs) != len(placeholders):
        raise TypeError(f"example_inputs has {len(inputs)} value(s) but the graph takes {len(placeholders)} "
                        f"({', '.join(n.name for n in placeholders)}); pass one per input, as to the module")
    try:
        FakeTensorProp(gm, FakeTensorMode(allow_non_fake_inputs=True)).propagate(*inputs)
    except Exception as exc:
        _forget_vals(gm.graph.nodes)
        raise ApplyError(f"example_inputs do not run through the graph (on fake tensors): {type(exc).__name__}: "
                         f"{exc}\n  the module was left unchanged; pass inputs of the shapes and dtypes the "
                         f"module takes") from None
    return [n for n in gm.graph.nodes if "val" in n.meta]


def _forget_vals(nodes) -> None:
    for node in nodes:
        node.meta.pop("val", None)


def _rewrite(gm: fx.GraphModule, plan: RulePlan, table, budget: int, once: bool, dry_run: bool,
             seed: int | None = None) -> Report:
    """The journaled run of `apply`: rewrite, lint the changed nodes, recompile; roll back on any error."""
    started, nodes_before = time.perf_counter(), len(gm.graph.nodes)
    recompiled = False
    with GraphJournal(gm) as journal:
        try:
            driver = Driver(gm, plan, table, journal, budget, once, seed)
            driver.run()
            if dry_run:
                journal.rollback()
            elif journal.changed:
                driver.removed = dead_attributes(gm, journal.attribute_candidates())
                if driver.removed:
                    journal.keep_modules()  # (rollback puts them back)
                    remove_attributes(gm, driver.removed)
                lint_changed(gm.graph, journal.changed_nodes())
                recompiled = True
                gm.recompile()
        except BaseException:
            journal.rollback()
            if recompiled:
                gm.recompile()
            raise
    return driver.report(nodes_before, len(gm.graph.nodes), time.perf_counter() - started, dry_run)
