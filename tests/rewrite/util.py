"""Helpers shared by the rewrite tests."""

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
