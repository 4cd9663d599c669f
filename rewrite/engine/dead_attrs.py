"""Attributes a rewrite left unread: the parameters, buffers and submodules that rewritten nodes read and no
node reads any more (a folded conv's old weight, the batch norm's statistics and module, make_fx's
``_param_constantN``), and attributes a rule added that nothing reads. Removed after apply, journaled.

>>> import torch, torch.fx as fx
>>> class M(torch.nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.a, self.b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
...     def forward(self, x):
...         return self.a(x) + self.b(x)
>>> gm = fx.symbolic_trace(M())
>>> node = [n for n in gm.graph.nodes if n.target == 'b'][0]
>>> _ = node.replace_all_uses_with(node.args[0]); gm.graph.erase_node(node)
>>> dead_attributes(gm, candidates=('b',))
('b',)
>>> remove_attributes(gm, ('b',))
>>> hasattr(gm, 'b'), hasattr(gm, 'a')
(False, True)

See Also
--------
rewrite.engine.apply.apply : calls these once the rewriting is done, before lint and recompile.
"""
from __future__ import annotations

from typing import Iterable

import torch
import torch.fx as fx

__all__ = ["dead_attributes", "remove_attributes"]


def _reads(node: fx.Node) -> bool:
    """Does ``node`` read an attribute for something? (A get_attr whose value nobody uses does not.)"""
    return isinstance(node.target, str) and (node.op == "call_module" or node.op == "get_attr" and bool(node.users))


def _read_targets(gm: fx.GraphModule) -> tuple[set[str], set[str]]:
    """The attribute paths the graph reads, and every dotted prefix of them (modules on the way)."""
    graph = gm.graph  # (FX's side table by op: no walk over the other nodes)
    read = {n.target for op in ("get_attr", "call_module") for n in graph.find_nodes(op=op) if _reads(n)}
    prefixes = {path[:i] for path in read for i, c in enumerate(path) if c == "."}
    return read, prefixes


def dead_attributes(gm: fx.GraphModule, candidates: Iterable[str]) -> tuple[str, ...]:
    """The paths among ``candidates``, and the submodules holding them, that name an attribute of ``gm`` no
    node reads: not read itself, nothing read inside it, and no module around it called (a called module uses
    all it holds). A dead submodule stands for everything in it. Sorted, unique.

    A batch norm folded into its conv leaves ``bn.num_batches_tracked`` unread as well, though no rewritten
    node read it: its module ``bn`` is dead, and goes whole.
    """
    read, prefixes = _read_targets(gm)
    wanted = set()
    for path in candidates:
        parts = path.split(".")
        wanted.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    dead = set()
    for path in wanted:
        if path in read or path in prefixes or not _exists(gm, path):
            continue
        parts = path.split(".")
        if any(".".join(parts[:i]) in read for i in range(1, len(parts))):
            continue  # a module around it is called or read whole
        dead.add(path)
    return tuple(p for p in sorted(dead) if not _under_any(p, dead))


def _under_any(path: str, paths: set) -> bool:
    """Is ``path`` inside one of ``paths`` (``a.b.c`` inside ``a`` or ``a.b``)?"""
    parts = path.split(".")
    return any(".".join(parts[:i]) in paths for i in range(1, len(parts)))


def _exists(gm: torch.nn.Module, path: str) -> bool:
    owner, _, name = path.rpartition(".")
    try:
        module = gm.get_submodule(owner) if owner else gm
    except AttributeError:
        return False
    return hasattr(module, name)


def remove_attributes(gm: fx.GraphModule, paths: Iterable[str]) -> None:
    """Delete each attribute path from ``gm`` (a submodule, parameter, buffer or plain attribute), and the
    get_attr nodes that read one of them for nobody (exported graphs keep such nodes for buffers)."""
    paths = tuple(paths)
    gone = set(paths)
    for node in [n for n in gm.graph.find_nodes(op="get_attr") if not n.users]:
        if node.target in gone or _under_any(node.target, gone):
            gm.graph.erase_node(node)
    for path in paths:
        owner, _, name = path.rpartition(".")
        module = gm.get_submodule(owner) if owner else gm
        for table in (module._modules, module._parameters, module._buffers):
            if name in table:
                del table[name]
                break
        else:
            delattr(module, name)
