"""Helpers shared by the rewrite tests."""

import torch
import torch.fx as fx


def fingerprint(gm: fx.GraphModule):
    """Everything observable about a module's graph: order, names, ops, args, users, meta identity, attributes."""
    rows = []
    for node in gm.graph.nodes:
        rows.append((
            node.name, node.op, node.target,
            fx.node.map_arg(node.args, lambda a: a.name),
            fx.node.map_arg(dict(node.kwargs), lambda a: a.name),
            tuple(u.name for u in node.users),
            id(node.meta),
        ))
    state = sorted(n for n, _ in (*gm.named_parameters(), *gm.named_buffers()))
    return rows, len(gm.graph.nodes), gm.graph._len, state


def dag_program(steps):
    """A function of one tensor built from ``(kind, back)`` steps, each on the latest value ``a`` and an earlier
    value ``other`` (``back`` steps before it): ``mul`` is ``a * other``, ``mul_sig`` ``other * sigmoid(other)``,
    ``revived`` ``other * cos(cos(other))``, any other kind ``torch.<kind>(a)``. Random steps make random DAGs.
    """
    def program(a):
        seen = [a]
        for kind, back in steps:
            other = seen[-1 - back % len(seen)]
            if kind == "mul":
                a = a * other
            elif kind == "mul_sig":
                a = other * torch.sigmoid(other)
            elif kind == "revived":
                a = other * torch.cos(torch.cos(other))
            else:
                a = getattr(torch, kind)(a)
            seen.append(a)
        return a
    return program


def assert_fixpoint(gm: fx.GraphModule, rules) -> None:
    """Apply ``rules``; the graph is valid and a second apply finds nothing left to do."""
    from rewrite import apply, report_of
    apply(gm, rules)
    gm.graph.lint()
    apply(gm, rules)
    assert report_of(gm).rewrites == ()


def feeding_rules():
    """Rules that build what other rules consume: sin -> neg(neg(cos)) feeds neg-neg, whose result feeds
    exp(cos(.)); cos(cos(.)) makes a sigmoid for silu. Not identities (sin is not cos): for testing the driver,
    not the numbers."""
    from rewrite.pyrules import ops, rule, ruleset
    from unify import var
    x, y = var("x"), var("y")
    return ruleset("feeding",
                   rule("sin-to-negneg-cos", ops.sin(x), ops.neg(ops.neg(ops.cos(x)))),
                   rule("neg-neg", ops.neg(ops.neg(x)), x),
                   rule("exp-cos", ops.exp(ops.cos(x)), ops.tan(x)),
                   rule("cos-cos", ops.cos(ops.cos(x)), ops.sigmoid(x)),
                   rule("relu-relu", ops.relu(ops.relu(x)), ops.relu(x)),
                   rule("silu", ops.mul(x, ops.sigmoid(x)), ops.silu(x)),
                   rule("mul-neg", ops.mul(ops.neg(x), y), ops.neg(ops.mul(x, y))),
                   rule("tanh-silu", ops.tanh(ops.silu(x)), ops.silu(ops.tanh(x))))
