"""An undo journal for a GraphModule: every change made while it is open can be rolled back.

Copying a graph costs 30-45 us per node, more than a whole rewrite pass is allowed,
so ``apply`` is made all-or-nothing by journaling instead: the journal listens to
the GraphModule's create / replace / erase hooks (which every public FX mutation
fires) and, on rollback, undoes the events in reverse order. Attributes that a
rule adds to the module (folded parameters) are journaled through
:meth:`GraphJournal.add_attr`. Moving a node (``Node.prepend``/``append``) fires
no hook, so the journal also keeps the node order it opened with and restores
it if it changed.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.neg(torch.neg(x)))
>>> before = gm.code
>>> outer = list(gm.graph.nodes)[2]
>>> with GraphJournal(gm) as journal:
...     _ = outer.replace_all_uses_with(outer.args[0].args[0])
...     gm.graph.erase_node(outer)
...     journal.rollback()
>>> gm.recompile().src == before
True

See Also:
    rewrite.engine.apply.apply: the driver that opens one journal per apply.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx as fx

from fxcore.edit.node_edits import deaf_to_renames
from fxcore.edit.surgery import reads_no_node_args

__all__ = ["GraphJournal", "JournalError"]


class JournalError(RuntimeError):
    """The journal cannot be used as asked (e.g. a second journal on one module)."""


# Events are tagged tuples (cheaper than objects: a rewrite records several, in FX's hooks):
#   (_CREATED, node)                         a node was created
#   (_REWIRED, user, args, kwargs)           ``user``'s arguments are about to change (its old ones)
#   (_ERASED, node, next_node, args, kwargs)  ``node`` is about to be erased (where it was, its arguments)
#   (_REUSED, node, target, args, kwargs, name, meta)  ``node`` is about to become another call (before_reuse);
#                                            ``meta`` a copy (the node keeps its dict)
#   (_ADDED_ATTR, name)                      an attribute was added to the module
#   (_MODULES, state)                        the module tree's attributes as they were (see keep_modules)
# FX never mutates a node's args tuple or kwargs (an ``immutable_dict``); it replaces them, so keeping
# references is enough.
_CREATED, _REWIRED, _ERASED, _REUSED = "created", "rewired", "erased", "reused"
_ADDED_ATTR, _MODULES = "added_attr", "modules"


class GraphJournal:
    """Record the changes made to ``gm`` while open; ``rollback()`` undoes them all.

    Use as a context manager; the hooks are removed on exit whatever happens.

    See Also:
        GraphJournal.rollback, GraphJournal.add_attr
    """

    def __init__(self, gm: fx.GraphModule):
        self.gm = gm
        self.events: list[tuple] = []
        self.created: set[fx.Node] = set()  # every node created while open (some may be erased since)
        self._open = False
        self._replaying = False
        self._users_before: dict[fx.Node, tuple[fx.Node, ...]] = {}
        self._order: list[fx.Node] = []

    # -- context management -------------------------------------------------
    def __enter__(self) -> "GraphJournal":
        if getattr(self.gm, "_rewrite_journal_open", False):
            raise JournalError(
                "a GraphJournal is already open on this module; nested applies on one "
                "module are not supported: finish the outer apply first"
            )
        self.gm._rewrite_journal_open = True
        self._order = list(self.gm.graph.nodes)
        self.gm._register_create_node_hook(self._on_create)
        self.gm._register_replace_node_hook(self._on_replace)
        self.gm._register_erase_node_hook(self._on_erase)
        self._open = True
        return self

    def __exit__(self, *exc_info) -> None:
        self.gm._unregister_create_node_hook(self._on_create)
        self.gm._unregister_replace_node_hook(self._on_replace)
        self.gm._unregister_erase_node_hook(self._on_erase)
        del self.gm._rewrite_journal_open
        self._open = False

    # -- hooks ----------------------------------------------------------------
    @reads_no_node_args  # lets surgery give a new node its arguments after this hook ran
    def _on_create(self, node: fx.Node) -> None:
        if self._replaying:
            return
        self.events.append((_CREATED, node))
        self.created.add(node)

    @deaf_to_renames  # a reused root's rename is journaled by before_reuse; a rename changes no arguments
    def _on_replace(self, old: fx.Node, new: str, user: fx.Node) -> None:
        if self._replaying:
            return
        # Restoring the user's arguments re-registers it with every input (``old`` is one of them).
        before = self._users_before  # _remember_users, inlined: one call per rewired user
        for i in user._input_nodes:
            if i not in before and len(i.users) > 1:
                before[i] = tuple(i.users)
        self.events.append((_REWIRED, user, user._args, user._kwargs))

    def _on_erase(self, node: fx.Node) -> None:
        if self._replaying:
            return
        before = self._users_before  # _remember_users, inlined: the commonest event
        for i in node._input_nodes:
            if i not in before and len(i.users) > 1:
                before[i] = tuple(i.users)
        self.events.append((_ERASED, node, node._next, node._args, node._kwargs))

    def before_reuse(self, node: fx.Node) -> None:
        """Journal ``node`` as it is, before it is turned into another call in place (its target, arguments,
        name and ``meta``'s contents: see `fxcore.edit.surgery.rewrite_match`), which fires no FX hook."""
        self._remember_users(node._input_nodes)
        self.events.append((_REUSED, node, node.target, node._args, node._kwargs, node.name, dict(node.meta)))

    def _remember_users(self, nodes) -> None:
        # A node that loses a user gets it back at the end of its users dict on rollback; remember the
        # original order the first time it is touched. A node with one user or none has no order to keep
        # (rollback gives it back its original users, so at most one) and is not remembered: every loss of
        # an original user is journaled, so a node with several is seen with all of them the first time.
        before = self._users_before
        for node in nodes:
            if node not in before:
                users = node.users
                if len(users) > 1:
                    before[node] = tuple(users)

    def add_attr(self, name: str, value: Any) -> str:
        """Add a new attribute to the module, journaled: a submodule, parameter, buffer (plain tensor) or value."""
        if hasattr(self.gm, name):
            raise JournalError(f"attribute {name!r} already exists on the module; pick a fresh name")
        if isinstance(value, torch.nn.Module):
            self.gm.add_submodule(name, value)
        elif isinstance(value, torch.nn.Parameter):
            self.gm.register_parameter(name, value)
        elif isinstance(value, torch.Tensor):
            self.gm.register_buffer(name, value)
        else:
            setattr(self.gm, name, value)
        self.events.append((_ADDED_ATTR, name))
        return name

    def keep_modules(self) -> None:
        """Journal every module's attributes as they are now (submodules, parameters, buffers, plain ones).

        For changes made outside the journal's hooks, e.g. torch's ``_replace_attributes``, which deletes
        unused submodules and copies attributes in: rollback puts the module tree back as it was here.
        """
        state = [(m, dict(m.__dict__), dict(m._modules), dict(m._parameters), dict(m._buffers))
                 for m in self.gm.modules()]
        self.events.append((_MODULES, state))

    def changed_nodes(self) -> list[fx.Node]:
        """Nodes created or rewired while open (some may be erased since), oldest first, no repeats."""
        seen: dict[fx.Node, None] = {}
        for event in self.events:
            if event[0] is _CREATED or event[0] is _REWIRED or event[0] is _REUSED:
                seen[event[1]] = None
        return list(seen)

    def attribute_candidates(self) -> list[str]:
        """The attribute paths erased get_attr and call_module nodes read, and those `add_attr` added: what
        may be left unread once the rewriting is done (`rewrite.engine.dead_attrs`)."""
        out = []
        for event in self.events:
            if event[0] is _ERASED and event[1].op in ("get_attr", "call_module"):
                out.append(event[1].target)
            elif event[0] is _ADDED_ATTR:
                out.append(event[1])
        return out

    @property
    def changed(self) -> bool:
        """True when anything was recorded."""
        return bool(self.events)

    # -- undo -----------------------------------------------------------------
    def rollback(self) -> None:
        """Undo every recorded change, newest first; the journal is empty afterwards."""
        graph = self.gm.graph
        self._replaying = True
        try:
            self._undo(graph)
        finally:
            self._replaying = False
        self.events.clear()
        self.created.clear()
        self._users_before.clear()

    def _undo(self, graph: fx.Graph) -> None:
        for event in reversed(self.events):
            kind = event[0]
            if kind is _CREATED:
                if not event[1]._erased:
                    graph.erase_node(event[1])
            elif kind is _REWIRED:
                _, user, args, kwargs = event
                user._update_args_kwargs(args, kwargs)
            elif kind is _ERASED:
                _restore_erased(graph, *event[1:])
            elif kind is _REUSED:
                _restore_reused(graph, *event[1:])
            elif kind is _MODULES:
                _restore_modules(event[1])
            else:
                delattr(self.gm, event[1])
        for node, order in self._users_before.items():
            _reorder_users(node, order)
        if list(graph.nodes) != self._order:  # a node was moved
            for node in self._order:
                graph._root._prepend(node)  # to the end, in the original order


def _restore_erased(graph: fx.Graph, node: fx.Node, next_node: fx.Node, args: tuple, kwargs: dict) -> None:
    """Put an erased node back where it was, with its arguments and uses."""
    # an erased node keeps stale links to its old neighbours, which _prepend would splice together:
    # harmless while they are still adjacent, corrupting once a node was moved in between
    node._prev = node._next = node
    next_node._prepend(node)
    node._erased = False
    graph._len += 1
    graph._find_nodes_lookup_table.insert(node)
    node._update_args_kwargs(args, kwargs)


def _restore_reused(graph: fx.Graph, node: fx.Node, target: Any, args: tuple, kwargs: dict, name: str,
                    meta: dict) -> None:
    """Give a reused node back its call, name and ``meta``."""
    node.target = target  # Node.__setattr__ moves it back in FX's per-target table
    node._update_args_kwargs(args, kwargs)
    node.meta.clear()
    node.meta.update(meta)
    if node.name != name:  # as Node._rename does, with the name it had (still reserved: names are never freed)
        node.name = name
        graph._graph_namespace._rename_object(node, name)


def _restore_modules(state: list) -> None:
    """Put every module's attributes back as `GraphJournal.keep_modules` saw them."""
    for module, attrs, modules, parameters, buffers in state:
        module.__dict__.clear()
        module.__dict__.update(attrs)  # the same _modules/_parameters/_buffers dicts: refill them next
        for live, saved in ((module._modules, modules), (module._parameters, parameters),
                            (module._buffers, buffers)):
            live.clear()
            live.update(saved)


def _reorder_users(node: fx.Node, order: tuple[fx.Node, ...]) -> None:
    """Put ``node.users`` back in ``order`` (users not in it keep their place after)."""
    users = node.users
    ranked = [u for u in order if u in users] + [u for u in users if u not in set(order)]
    entries = [(u, users[u]) for u in ranked]
    users.clear()
    users.update(entries)
