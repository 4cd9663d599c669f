"""Graph surgery for a match: build the replacement, redirect uses, erase what died, keep ``meta``.

``replace_match(gm, match, replacement, rule_id=...)`` instantiates the
replacement (a term over canonical ops, or a Python callable) as new
call_function nodes just before the match's root, points every use of the
root(s) at the new value, and erases the nodes left dead (never impure ones).
New nodes inherit the root's ``stack_trace`` and ``nn_module_stack``, get
``meta['rewrite_rule'] = rule_id``, and ``meta['val']`` when their inputs carry
FakeTensor values.  Recompiling is left to the caller (once per apply).

See Also
--------
fxcore.match.find_matches : where matches come from.
"""
from __future__ import annotations

import functools
import operator
import re
from typing import Any, Callable, NamedTuple

import torch
from torch.fx import Graph, GraphModule, Node

from unify.variable import Var, isvar

from fxcore import ops as _ops
from fxcore.match.bindings import Bindings
from fxcore.view.canonical import CanonicalView, literal_equal
from fxcore.match.compiled import Match, dead_getitem
from fxcore.edit.node_edits import erase, rename, retarget
from fxcore.ops.emit import EmitChoice
from fxcore.ops.model import Attr
from fxcore.view.pattern import is_op_term
from fxcore.edit.meta import copy_meta, fake_mode_of, inherited_meta, propagate_val

__all__ = ["replace_match", "rewrite_match", "Rewritten", "instantiate", "ReplacementError", "reads_no_node_args"]


class ReplacementError(ValueError):
    """A replacement that cannot be built: unbound variable, a literal where a node is needed, bad arity."""


def _graph_of(gm: GraphModule | Graph) -> Graph:
    return gm if isinstance(gm, Graph) else gm.graph


def instantiate(graph: Graph, term: Any, bindings, table=None, attrs: dict | None = None) -> Any:
    """Build ``term`` as nodes at the graph's current insertion point; returns the value (node or literal).

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> g = fx.Graph(); a = g.placeholder('a')
    >>> out = instantiate(g, ('mul', var('x'), ('sigmoid', var('x'))), {var('x'): a})
    >>> out.target is torch.mul, out.args[1].target is torch.sigmoid
    (True, True)

    See Also
    --------
    replace_match
    """
    table = _ops.default_table() if table is None else table
    attrs = {} if attrs is None else attrs
    bindings = _plain(bindings)
    if type(term) is not tuple and type(term) is not list:  # a variable or literal: no nodes to build
        return _leaf(graph, term, bindings, attrs)
    if is_op_term(term) and _flat(term):  # one call over leaves: no stack
        return _call(graph, term[0], tuple([_leaf(graph, k, bindings, attrs) for k in term[1:]]), table)
    done: list = []
    todo: list = [(False, term)]
    while todo:  # iterative post-order: deep replacement terms are fine
        built, t = todo.pop()
        if built:
            n = len(t) - 1 if is_op_term(t) else len(t)
            args = tuple(done[len(done) - n:]) if n else ()
            del done[len(done) - n:]
            done.append(_call(graph, t[0], args, table) if is_op_term(t) else type(t)(args))
        elif is_op_term(t) or (type(t) in (tuple, list)):
            kids = t[1:] if is_op_term(t) else t
            todo.append((True, t))
            todo.extend((False, k) for k in reversed(kids))
        else:
            done.append(_leaf(graph, t, bindings, attrs))
    return done[0]


def _flat(term: tuple) -> bool:
    """No operand of ``term`` is a tuple or list (its operands are variables and literals)."""
    for k in term[1:]:
        if type(k) is tuple or type(k) is list:
            return False
    return True


def _plain(bindings) -> Any:
    """The dict behind a `Bindings` (same keys, same order; lookups skip ``Mapping``'s Python layer), else ``bindings``.

    >>> from unify import var
    >>> _plain(Bindings([(var('x'), 1)])), _plain({1: 2})
    ({~x: 1}, {1: 2})
    """
    return bindings._d if type(bindings) is Bindings else bindings


_UNBOUND = object()
_getitem = operator.getitem


def _leaf(graph: Graph, t: Any, bindings, attrs: dict) -> Any:
    if isvar(t):
        value = bindings.get(t, _UNBOUND) if type(bindings) is dict else (bindings[t] if t in bindings else _UNBOUND)
        if value is _UNBOUND:
            names = ", ".join(map(repr, bindings)) or "none"
            raise ReplacementError(f"replacement uses variable {t!r}, which the pattern does not bind "
                                   f"(bound: {names}); use only variables of the pattern")
        t = value
    if isinstance(t, Attr):
        if t.qualname not in attrs:
            attrs[t.qualname] = graph.get_attr(t.qualname)
        return attrs[t.qualname]
    return t


def _call(graph: Graph, head: Any, operands: tuple, table) -> Node:
    if isinstance(head, str):
        target, args, kwargs, name = _emitted(head, operands, table)
        if name is not None:
            return _create_call(graph, target, args, kwargs, name)
        return graph.call_function(target, args, kwargs)
    return graph.call_function(head, operands)


def _emitted(head: str, operands: tuple, table) -> tuple:
    """``(target, args, kwargs, name)`` of a call of op ``head`` on ``operands``; ``name`` is FX's name for it
    when an emit plan knows it, else None."""
    plan = _emit_plan(table, head, len(operands))
    if plan is not None:
        target, positional, keywords, name = plan
        args = operands if positional is None else tuple([operands[i] for i in positional])
        return target, args, {kw: operands[i] for kw, i in keywords} if keywords else {}, name
    try:
        if len(operands) < len(table.op(head).params):  # short terms get the op's defaults
            operands = table.normalize_call(head, operands)
        args, kwargs = table.emit_args(head, operands)
    except _ops.OpSignatureError as exc:
        raise ReplacementError(f"replacement {head}(...): {exc}") from None
    return table.call_target(head, operands), args, kwargs, None


_NOT_IN_NAMES = functools.partial(re.compile("[^0-9a-zA-Z_]+").sub, "_")  # as FX's namespace cleans a name


class _Slot:
    """A probe operand: stands for operand ``i`` when `_emit_plan` asks the table how it emits an op."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i


# id(table) -> (table, {(op, n): plan or None}); the table in the value keeps its id alive. A few tables at most
# in practice (the default one and its aten dialect); emptied if a program makes more than _PLAN_TABLES.
_PLANS: dict[int, tuple[Any, dict]] = {}
_PLAN_TABLES = 64


def _emit_plan(table, head: str, n: int) -> tuple | None:
    """How to emit ``head`` on ``n`` operands: ``(target, positional, keywords, name)``, cached per table, or None.

    ``positional`` is None when the args are the operands themselves, else their indices;
    ``keywords`` are ``(keyword, operand index)`` pairs; ``name`` is FX's name for such a call.  Learnt once by calling
    ``table.emit_args`` on placeholder operands (tables are immutable and emitting only
    rearranges operands). None means "use the general path": short terms (defaults to fill),
    unknown ops and anything that does not emit as a pure rearrangement, whose errors it reports.

    >>> from fxcore.ops import default_table
    >>> import torch
    >>> t = default_table()
    >>> _emit_plan(t, 'add', 3)[0] is torch.add, _emit_plan(t, 'add', 3)[1:]
    (True, ((0, 1), (('alpha', 2),), 'add'))
    >>> _emit_plan(t, 'relu', 1)[1:], _emit_plan(t, 'add', 2), _emit_plan(t, 'no_such_op', 1)
    ((None, (), 'relu'), None, None)
    """
    known = _PLANS.get(id(table))
    if known is None or known[0] is not table:
        if len(_PLANS) >= _PLAN_TABLES:
            _PLANS.clear()
        known = _PLANS[id(table)] = (table, {})
    plans = known[1]
    key = (head, n)
    plan = plans.get(key, _UNBOUND)
    if plan is _UNBOUND:
        plan = plans[key] = _learn_plan(table, head, n)
    return plan


def _learn_plan(table, head: str, n: int) -> tuple | None:
    """`_emit_plan` uncached: probe ``table.emit_args`` with one `_Slot` per operand."""
    try:
        if n != len(table.op(head).params) or isinstance(table.emit_spec(head), EmitChoice):
            return None  # (a choice depends on the operands' values)
        args, kwargs = table.emit_args(head, tuple(_Slot(i) for i in range(n)))
        target = table.call_target(head)
        # FX's name for a call of target (a graph adds a suffix), with what its namespace would replace
        # replaced already (``add.Tensor`` is ``add_tensor``): the name is then taken as it is
        name = _NOT_IN_NAMES(Graph()._target_to_str(target))
    except Exception:  # the general path raises the same error, with its message
        return None
    if type(args) is not tuple or type(kwargs) is not dict:
        return None
    if not all(type(a) is _Slot for a in args) or not all(type(v) is _Slot for v in kwargs.values()):
        return None
    positional = tuple(a.i for a in args)
    return (target, None if positional == tuple(range(n)) else positional,
            tuple((kw, v.i) for kw, v in kwargs.items()), name)


def reads_no_node_args(hook):
    """Mark a create-node hook that reads nothing of the new node but its identity (see `_create_call`).

    >>> reads_no_node_args(lambda node: None)._reads_no_node_args
    True
    """
    hook._reads_no_node_args = True
    return hook


_PLAIN_ARGUMENT_TYPES = frozenset({Node, int, float, bool, str, type(None), torch.dtype, torch.device,
                                   torch.layout, torch.memory_format})


def _blind_to_arguments(hooks) -> bool:
    if hooks:
        for hook in hooks:
            if not getattr(hook, "_reads_no_node_args", False):
                return False
    return True


def _all_plain(values) -> bool:
    plain = _PLAIN_ARGUMENT_TYPES
    for value in values:
        if type(value) not in plain:
            return False
    return True


def _create_call(graph: Graph, target: Any, args: tuple, kwargs: dict, name: str) -> Node:
    """``graph.call_function(target, args, kwargs)``: the same node, name, hooks and bookkeeping, cheaper.

    ``name`` is FX's name for a call of ``target`` (``Graph._target_to_str``), learnt once per
    emit plan. ``create_node`` also walks ``(args, kwargs)`` with pytree to warn about raw
    ``SymInt`` arguments (a third of its cost); when every argument is a node or a plain value
    that warning cannot fire, so the node is created without arguments and given them at once
    with ``Node._update_args_kwargs``: what ``Node.__init__`` does with them, and what the ``args``
    setter calls (the setter, through ``Node.__setattr__``, would also take the node out of
    FX's per-target side table and put it back, which arguments do not affect). Create hooks
    see the node before its arguments then, so this is done only when every hook registered is
    marked `reads_no_node_args` (the undo journal's is); otherwise the ordinary call is made.
    """
    owner = graph.owning_module
    hooks = getattr(owner, "_create_node_hooks", None) if owner is not None else None
    if _blind_to_arguments(hooks) and _all_plain(args) and (not kwargs or _all_plain(kwargs.values())):
        node = graph.create_node("call_function", target, name=name)
        if args or kwargs:
            node._update_args_kwargs(args, kwargs)
        return node
    return graph.create_node("call_function", target, args, kwargs, name=name)


class Rewritten(NamedTuple):
    """What `rewrite_match` did: the new nodes in graph order, the value each root's users now see, the users
    whose arguments now read it (``rewired``) and the nodes that lost a user to the rewrite but live on
    (``survivors``: inputs of erased nodes, the old inputs of a reused root). A match the rewrite made possible
    has one of the new nodes or rewired users in it, or a survivor as an inner node."""

    new_nodes: list[Node]
    values: tuple
    rewired: list[Node] | tuple = ()
    survivors: list[Node] | tuple = ()


def replace_match(gm: GraphModule | Graph, match: Match, replacement: Any, *, rule_id: str,
                  table=None, view=None) -> list[Node]:
    """Replace ``match`` by ``replacement``; returns the new nodes in graph order.

    ``replacement`` is a term (op tuples over the match's variables, literals,
    ``Attr`` values), a tuple of terms (one per root of a multi-output match),
    or a callable ``fn(bindings, graph) -> Node | tuple[Node, ...]`` that adds
    nodes at the current insertion point.  A bare variable redirects uses to
    its node, and so does a term that a matched inner node already computes
    (``relu(relu(x)) -> relu(x)`` keeps the inner ``relu``).

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> from fxcore.match import find_matches
    >>> gm = fx.symbolic_trace(lambda a: torch.neg(torch.neg(a)) + 1)
    >>> m, = find_matches(gm.graph, ('neg', ('neg', var('x'))))
    >>> replace_match(gm, m, var('x'), rule_id='neg-neg')
    []
    >>> [n.op for n in gm.graph.nodes]
    ['placeholder', 'call_function', 'output']

    See Also
    --------
    rewrite_match, instantiate, fxcore.match.find_matches
    """
    return rewrite_match(gm, match, replacement, rule_id=rule_id, table=table, view=view).new_nodes


def rewrite_match(gm: GraphModule | Graph, match: Match, replacement: Any, *, rule_id: str,
                  table=None, view=None, before_reuse: Callable[[Node], None] | None = None,
                  inner_ops: tuple | frozenset | None = None) -> Rewritten:
    """`replace_match`, also saying which value replaced each root.

    ``inner_ops``, the canonical ops of the pattern's inner nodes (`fxcore.match.CompiledPattern.inner_ops`)
    when the caller knows them, spares looking among the matched nodes for one that computes a replacement
    of another op already.

    With ``before_reuse``, a replacement that is one call over the match's variables and literals
    (``sub(a, neg(b)) -> add(a, b)``) is made by turning the root itself into that call, where it
    can be (`_reuse_root`): its target, arguments and name change, its ``meta`` holds what the new
    node's would (provenance, ``rewrite_rule``, a fresh ``val``), and it keeps its place and its users. This
    saves creating a node, redirecting the root's uses and erasing the root, which is most of the
    rewrite's cost in FX. FX fires no hook for such a change, so ``before_reuse(root)`` is called
    first, to journal it (`rewrite.engine.journal.GraphJournal.before_reuse`); it is returned as the one
    new node.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> from fxcore.match import find_matches
    >>> gm = fx.symbolic_trace(lambda a: torch.relu(torch.relu(a)).neg())
    >>> m, = find_matches(gm.graph, ('relu', ('relu', var('x'))))
    >>> done = rewrite_match(gm, m, ('relu', var('x')), rule_id='relu-relu')
    >>> done.new_nodes, [v.name for v in done.values], [n.name for n in gm.graph.nodes]
    ([], ['relu'], ['a', 'relu', 'neg', 'output'])
    """
    graph = _graph_of(gm)
    roots = match.roots or (match.root,)
    bindings = _plain(match.bindings)
    bound = bindings.values()  # nodes and literals: the consumers look at the nodes
    if len(roots) > 1:
        at = min(roots)
        _hoist_inputs(at, match, bound)
    else:  # everything bound is an input of a matched node, so it comes before the root
        at = roots[0]
        if isvar(replacement):
            value = bindings.get(replacement)
        elif inner_ops is not None and (type(replacement) is not tuple or not replacement
                                        or replacement[0] not in inner_ops):
            value = None  # no matched inner node is of the replacement's op
        else:
            value = _computed_by_match(replacement, match, bindings, view, table)
        if isinstance(value, Node):  # a redirect to a bound or matched node: nothing to build
            rewired = _redirect(at, value, [])
            return Rewritten([], (value,), rewired, _erase_dead(match, bound, graph, table, view))
        dropped = None if before_reuse is None else _reuse_root(at, replacement, bindings, gm, table, view,
                                                                  rule_id, before_reuse)
        if dropped is not None:
            survivors = _erase_dead(match, bound, graph, table, view)
            survivors += [n for n in dropped if not n._erased]  # (the matched ones were erased just now)
            return Rewritten([at], (at,), [], survivors)
    before = at.prev
    with graph.inserting_before(at):
        values = _build(graph, roots, replacement, match, table)
    new = _nodes_between(before, at)
    if new:
        _annotate(new, match.root, roots, gm, rule_id)
    rewired = []
    for root, value in zip(roots, values):
        rewired += _redirect(root, value, new)
    return Rewritten(new, values, rewired, _erase_dead(match, bound, graph, table, view))


def _computed_by_match(term: Any, match: Match, bindings: dict, view, table) -> Node | None:
    """A matched inner node that computes ``term`` (an op over variables and literals) already, or None.

    Its canonical op and operands must be the term's: nodes by identity, literals of the same type and
    equal (``1`` is not ``1.0``). Short terms (defaults to fill) and ``Attr`` operands are built instead.
    """
    if type(term) is not tuple or len(match.nodes) < 2 or not term or not isinstance(term[0], str):
        return None
    if view is None:
        view = CanonicalView(table)
    head, root = term[0], match.root
    # inner nodes of the term's op (a cached resolution when the view is the one that matched)
    same_op = [node for node in match.nodes if node is not root and view.resolve(node)[0] == head]
    if not same_op or not _flat(term):
        return None
    operands = []
    for t in term[1:]:
        if isvar(t):
            value = bindings.get(t, _UNBOUND)
            if value is _UNBOUND:
                return None  # building it reports the unbound variable
        elif isinstance(t, Attr):
            return None
        else:
            value = t
        operands.append(value)
    for node in same_op:
        computed = view.resolve(node)[1]
        if len(computed) == len(operands) and all(map(_same_operand, computed, operands)):
            return node
    return None


def _reuse_root(root: Node, term: Any, bindings: dict, gm, table, view, rule_id: str, before_reuse
                ) -> list[Node] | None:
    """Turn ``root`` into the call ``term`` in place (see `rewrite_match`) and return the nodes it read and no
    longer reads; None, changing nothing, when it cannot be: ``term`` is not one call over variables and
    literals (``Attr`` operands need nodes), the root is not a used, pure call_function, or the call would
    read the root itself."""
    if type(term) is not tuple or not term or not isinstance(term[0], str) or not _flat(term):
        return None
    if root.op != "call_function" or not root.users:
        return None
    if view.impure(root) if view is not None else _ops.is_impure(root, table):
        return None  # its effect must stay
    operands = []
    for t in term[1:]:
        if type(t) is Var:  # the commonest, looked up here (_leaf reports an unbound one)
            value = bindings.get(t, _UNBOUND) if type(bindings) is dict else _UNBOUND
            if value is _UNBOUND:
                value = _leaf(root.graph, t, bindings, {})
        elif isinstance(t, Attr):
            return None
        else:
            value = _leaf(root.graph, t, bindings, {})
        if value is root:
            return None
        operands.append(value)
    table = _ops.default_table() if table is None else table
    target, args, kwargs, name = _emitted(term[0], tuple(operands), table)
    fake_mode = fake_mode_of((root,))
    before_reuse(root)
    retarget(root, target)  # FX's per-target side table follows
    read = list(root._input_nodes)  # (FX updates the dict in place)
    root._update_args_kwargs(args, kwargs)
    meta = root.meta  # the same dict (set through Node.__setattr__, a new one would move the node in FX's table)
    kept = inherited_meta(meta, rule_id)
    meta.clear()
    meta.update(kept)
    rename(root, name if name is not None else root.graph._target_to_str(target))
    _raise_if_failed(root, propagate_val(root, gm, fake_mode))
    reads = root._input_nodes
    return [n for n in read if n not in reads]


def _same_operand(a: Any, b: Any) -> bool:
    """Nodes by identity, literals of one type by `literal_equal`."""
    if a is b:
        return True
    if isinstance(a, Node) or isinstance(b, Node) or type(a) is not type(b):
        return False
    return literal_equal(a, b)


def _annotate(new: list[Node], root: Node, roots: tuple, gm, rule_id: str) -> None:
    """Provenance and ``rule_id`` on every new node; ``meta['val']`` when the roots carry FakeTensor values."""
    fake_mode = fake_mode_of(roots)
    for node in new:
        copy_meta(root, node, rule_id)
        if fake_mode is not None:
            _raise_if_failed(node, propagate_val(node, gm, fake_mode))


def _raise_if_failed(node: Node, error: Exception | None) -> None:
    """A replacement node that fails on its inputs' fake tensors is an error now, not when the module runs."""
    if error is not None:
        raise ReplacementError(f"the replacement node {node.name!r} ({node.graph._target_to_str(node.target)}) "
                               f"fails on its inputs' fake tensors: {type(error).__name__}: {error}")


def _build(graph: Graph, roots: tuple, replacement: Any, match: Match, table) -> tuple:
    """The new value of every root."""
    if callable(replacement) and not isvar(replacement) and not is_op_term(replacement):
        out = replacement(match.bindings, graph)
        values = out if isinstance(out, (tuple, list)) else (out,)
    elif len(roots) > 1:
        if type(replacement) is not tuple or is_op_term(replacement) or len(replacement) != len(roots):
            raise ReplacementError(f"a match with {len(roots)} roots needs a tuple of {len(roots)} "
                                   f"replacement terms, got {replacement!r}")
        attrs: dict = {}
        values = tuple(instantiate(graph, r, match.bindings, table, attrs) for r in replacement)
    else:
        values = (instantiate(graph, replacement, match.bindings, table),)
    if len(values) != len(roots):
        raise ReplacementError(f"replacement gave {len(values)} values for {len(roots)} roots")
    return tuple(values)


def _redirect(root: Node, value: Any, new: list[Node]) -> list[Node]:
    """Point the users of ``root`` (but the ``new`` nodes) at ``value``; returns them."""
    if not isinstance(value, Node):
        raise ReplacementError(f"the replacement of node {root.name!r} is the literal {value!r}; a node's "
                               f"value must be replaced by a node (e.g. ('full_like', x, {value!r}))")
    if value is root:
        return []
    if new and not root.users.keys().isdisjoint(new):  # new nodes that use the root keep using it
        fresh = set(new)
        return root.replace_all_uses_with(value, delete_user_cb=lambda user: user not in fresh)
    return root.replace_all_uses_with(value)


def _nodes_between(before: Node, end: Node) -> list[Node]:
    out, n = [], before.next
    while n is not end:
        out.append(n)
        n = n.next
    return out


def _hoist_inputs(at: Node, match: Match, bound) -> None:
    """Move bound nodes (among the ``bound`` values) that sit after the insertion point (multi-output matches) up
    before it."""
    late = [v for v in bound if isinstance(v, Node) and at < v and v not in match.nodes]
    if not late:
        return
    order: dict[Node, None] = {}
    stack = list(late)
    while stack:  # the late nodes and their ancestors after ``at`` (acyclic matches never reach the match)
        n = stack.pop()
        if n not in order and at < n:
            order[n] = None
            stack.extend(n.all_input_nodes)
    for n in sorted(order):
        at.prepend(n)


def _erase_dead(match: Match, bound, graph: Graph, table, view=None) -> list[Node]:
    """Erase matched nodes and bound nodes (the nodes among the ``bound`` values), then their inputs, that have no
    users left but unused getitems (which go with them; never impure nodes). Returns the nodes looked at and
    kept (but placeholders): the inputs of erased nodes among them lost a user.

    Latest first: a stack in graph order, and each erased node's live inputs pushed in graph order.
    """
    impure = view.impure if view is not None else (lambda n: _ops.is_impure(n, table))
    matched, roots = match.nodes, match.roots or (match.root,)
    stack = list(matched)  # in graph order (a Match's nodes are)
    # a bound node is an input of a matched node, so it is reached from there; one that already has no
    # users (a callable replacement rewired its users) is not, and starts on the stack too
    for n in bound:
        if isinstance(n, Node) and not n.users:
            stack = sorted(dict.fromkeys((*stack, *(n for n in bound if isinstance(n, Node) and not n.users))))
            break
    kept = []
    while stack:
        n = stack.pop()
        if n._erased or n.op in ("placeholder", "output"):
            continue
        users = n.users
        if users:  # dead only if every user is an unused getitem (the unread outputs of a multi-output op)
            if next(iter(users)).target is not _getitem or not all(map(dead_getitem, users)) or impure(n):
                kept.append(n)
                continue
            for user in list(users):
                erase(graph, user)
        elif (n in roots or n not in matched) and impure(n):  # the matcher found its inner nodes pure
            kept.append(n)
            continue
        inputs = n._input_nodes
        if len(inputs) == 1:  # the commonest: nothing to sort
            stack.extend([i for i in inputs if not i._erased])
            erase(graph, n)
            continue
        live = [i for i in inputs if not i._erased]  # (FX's all_input_nodes, without the copy)
        erase(graph, n)
        if len(live) > 1:
            live.sort()
        stack.extend(live)
    return kept
