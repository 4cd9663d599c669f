"""What each variable of a rule's pattern stands for, read from the op schemas, and a first input that runs.

A variable in a ``Tensor`` position is a tensor; in an ``int``, ``int[]``, ``float``, ``Scalar``, ``bool``,
``MemoryFormat``, ``ScalarType`` or ``str`` position it is a literal of that kind (`operand_kinds`). Soundness
checks draw values by kind; `skeleton` finds one assignment of ranks (every size 2) and literal values on which
the pattern runs in torch, by a bounded search over the pattern's calls bottom-up, so that shape-coupled
patterns (a conv and its batch norm) get inputs that fit before Hypothesis varies them.

>>> from unify import var
>>> x, p = var('x'), var('p')
>>> kinds = operand_kinds(('permute', ('neg', x), p))
>>> kinds[x].kind, kinds[p].kind
('tensor', 'ints')
>>> sk = skeleton(('permute', ('neg', x), p), kinds)
>>> len(sk[p]) == sk[x]
True

See Also
--------
rewrite.check.inputs : the Hypothesis strategies built on these kinds.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from fxcore.ops import default_table
from fxcore.view.pattern import is_op_term
from unify import isvar

__all__ = ["Kind", "operand_kinds", "evaluate_term", "runs", "literal_candidates", "derived_candidates", "skeleton", "skeletons", "SIZE"]

#: every size of a skeleton's tensors
SIZE = 2
_RANKS = (2, 1, 4, 3, 0, 5)
_OPTIONAL_RANKS = (1, 2, 4, 3, 0, 5, None)  # an optional tensor is mostly a per-channel vector (bias, norm stats)
_MAX_EVALS = 1500
_MAX_ACCEPTS = 12
_PER_VISIT = 400  # evaluations at a call of variables only; a sixth at a call of calls, before it blames them


@dataclass(frozen=True)
class Kind:
    """What a variable stands for: ``kind`` one of tensor, int, ints, float, scalar, bool, memory_format, dtype,
    str, unsupported; ``optional`` (it may be None); ``length`` of an ``int[N]`` (0: any); ``default``: the
    schema's default, a literal candidate."""

    kind: str
    optional: bool = False
    length: int = 0
    default: object = None


def _kind_of(param) -> Kind:
    if param is None:
        return Kind("tensor")
    default = param.default if param.has_default else None
    part = param.type.split("|")[0]
    optional = part.endswith("?")
    base = part.rstrip("?")
    if param.list_len is not None:
        return Kind("ints", optional, param.list_len, default)
    simple = {"Tensor": "tensor", "Any": "tensor", "int": "int", "SymInt": "int", "float": "float",
              "Scalar": "scalar", "bool": "bool", "MemoryFormat": "memory_format", "ScalarType": "dtype",
              "str": "str"}
    return Kind(simple.get(base, "unsupported"), optional, 0, default)


def operand_kinds(pattern, table=None) -> dict:
    """``{variable: Kind}`` for the pattern's variables, in first-occurrence order, from the op schemas.

    A variable inside a literal list (``squeeze(y, (d,))``) is an ``int``; the first position that binds a
    variable decides its kind.

    >>> from unify import var
    >>> x, d = var('x'), var('d')
    >>> [k.kind for k in operand_kinds(('squeeze', ('unsqueeze', x, d), (d,))).values()]
    ['tensor', 'int']
    """
    table = default_table() if table is None else table
    kinds: dict = {}
    todo = [(pattern, None)]
    while todo:
        t, param = todo.pop()
        if isvar(t):
            kinds.setdefault(t, _kind_of(param))
        elif is_op_term(t):
            params = _params(table, t[0])
            todo.extend(reversed([(a, params[i] if i < len(params) else None) for i, a in enumerate(t[1:])]))
        elif type(t) in (tuple, list):
            elem = _Elem(param)
            todo.extend(reversed([(a, elem) for a in t]))
    return kinds


class _Elem:
    """The parameter of one element of a literal list."""

    has_default = False
    list_len = None

    def __init__(self, param):
        base = (param.type.split("|")[0].rstrip("?") if param is not None else "int")
        self.type = base.split("[")[0] if "[" in base else "int"


def _params(table, head) -> tuple:
    if not isinstance(head, str):
        return ()
    try:
        return table.op(head).params
    except Exception:  # an op the table does not know: its operands are tensors
        return ()


def evaluate_term(term, env: dict, table=None):
    """The value of ``term`` computed eagerly with the callables apply would emit; ``env`` maps variables to values.

    >>> from unify import var
    >>> x = var('x')
    >>> evaluate_term(('add', ('neg', x), 1.0, 1), {x: torch.tensor([2.0])})
    tensor([-1.])
    """
    table = default_table() if table is None else table
    if isvar(term):
        return env[term]
    if is_op_term(term):
        args = tuple(evaluate_term(a, env, table) for a in term[1:])
        head = term[0]
        if not isinstance(head, str):
            return head(*args)
        if len(args) < len(table.op(head).params):
            args = table.normalize_call(head, args)
        a, kw = table.emit_args(head, args)
        return table.call_target(head, args)(*a, **kw)
    if type(term) in (tuple, list):
        return type(term)(evaluate_term(a, env, table) for a in term)
    return term


def _tensor_ranks(env: dict) -> list:
    return sorted({v.dim() for v in env.values() if isinstance(v, torch.Tensor)}, reverse=True)


def _permutations(rank: int) -> list:
    """Every permutation of up to 3 dims; for more, the identity, the reversal and the cyclic shifts."""
    if rank <= 3:
        return list(itertools.permutations(range(rank)))
    dims = tuple(range(rank))
    return [dims, dims[::-1]] + [dims[k:] + dims[:k] for k in range(1, rank)]


def derived_candidates(env: dict) -> list:
    """Values derived from the literals bound so far: each one again, and a permutation's inverse.

    >>> derived_candidates({'p': (1, 2, 0), 'x': torch.ones(1)})
    [(1, 2, 0), (2, 0, 1)]
    """
    out: list = []
    for v in env.values():
        if isinstance(v, torch.Tensor) or v is None:
            continue
        out.append(v)
        if isinstance(v, tuple) and sorted(v) == list(range(len(v))):
            out.append(tuple(sorted(range(len(v)), key=v.__getitem__)))
    return out


def literal_candidates(kind: Kind, env: dict) -> list:
    """Values worth trying for a literal of ``kind``, given the values bound so far (tensors and literals):
    dims of the tensors' ranks, permutations, shapes of the same size, values of earlier literals and their
    inverses, the schema's default.

    >>> literal_candidates(Kind('ints'), {'t': torch.ones(2, 3)})[:3]
    [(0, 1), (1, 0), (2, 3)]
    """
    ranks = _tensor_ranks(env)
    earlier = [v for v in env.values() if not isinstance(v, torch.Tensor)]
    out: list = [kind.default] if kind.default is not None and kind.kind not in ("unsupported", "str") else []
    if kind.kind == "int":
        out += [0, 1, -1, 2] + [d for r in ranks for d in range(-r - 1, r + 1)]
        out += [v for v in earlier if type(v) is int]
    elif kind.kind == "ints":
        out += _int_lists(kind, env, ranks, earlier)
    elif kind.kind == "float":
        out += [kind.default if isinstance(kind.default, float) else 0.5, 0.0, 1.0, 1e-5, 0.1]
    elif kind.kind == "scalar":
        out += [1, 0, 2, -1, 0.5, 2.0, -0.0]
    elif kind.kind == "bool":
        out += [False, True]
    elif kind.kind == "memory_format":
        out += [torch.contiguous_format, torch.preserve_format, torch.channels_last]
    elif kind.kind == "dtype":
        out += [torch.float32, torch.float64, torch.int64, torch.float16]
    elif kind.kind == "str" and isinstance(kind.default, str):
        out += [kind.default]
    if kind.optional:
        out.append(None)
    return list({(type(v).__name__, repr(v)): v for v in out}.values())


def _int_lists(kind: Kind, env: dict, ranks: list, earlier: list) -> list:
    if kind.length:
        n = kind.length
        return [(1,) * n, (0,) * n, (2,) * n, 1, 0]
    out: list = []
    for r in ranks:
        out += _permutations(r)
    for v in env.values():
        if isinstance(v, torch.Tensor):
            out += [tuple(v.shape), (v.numel(),), (-1,), (1, *v.shape)]
    out += [v for v in derived_candidates(env) if isinstance(v, tuple) and all(type(e) is int for e in v)]
    out += [(0,), (-1,), ()]
    return out


def runs(pattern, env: dict, table=None) -> bool:
    """Whether every call of ``pattern`` whose variables ``env`` binds runs in torch on those values.

    >>> from unify import var
    >>> x, p, q = var('x'), var('p'), var('q')
    >>> runs(('permute', ('permute', x, p), q), {x: torch.ones(2, 3), p: (1, 0)})
    True
    >>> runs(('permute', ('permute', x, p), q), {x: torch.ones(2, 3), p: (2, 0)})
    False
    """
    table = default_table() if table is None else table
    try:
        with torch.no_grad():
            for node in _op_nodes(pattern):
                if all(v in env for v in _node_vars(node)):
                    evaluate_term(node, env, table)
    except Exception:  # torch rejects them
        return False
    return True


def _node_vars(term) -> list:
    out, todo = [], [term]
    while todo:
        t = todo.pop()
        if isvar(t):
            out.append(t)
        elif type(t) in (tuple, list):
            todo.extend(t[1:] if is_op_term(t) else t)
    return out


def _op_nodes(pattern) -> list:
    """The pattern's op terms in post-order (operands before the calls that read them)."""
    out: list = []
    todo = [(pattern, False)]
    while todo:
        t, done = todo.pop()
        if done:
            out.append(t)
        elif is_op_term(t):
            todo.append((t, True))
            todo.extend((a, False) for a in reversed(t[1:]) if type(a) in (tuple, list))
        elif type(t) in (tuple, list):
            todo.extend((a, False) for a in reversed(t))
    return out


def _new_vars(term, seen: set) -> list:
    out: list = []
    todo = list(reversed(term[1:]))
    while todo:
        t = todo.pop()
        if isvar(t) and t not in seen and t not in out:
            out.append(t)
        elif type(t) in (tuple, list) and not is_op_term(t):
            todo.extend(reversed(t))
    return out


def skeleton(pattern, kinds: dict, table=None) -> dict | None:
    """One assignment on which the pattern runs in torch: tensors as ranks (every size `SIZE`), literals as
    values (None for an optional tensor left out); None if a bounded search finds none.

    >>> from unify import var
    >>> x, a, b = var('x'), var('a'), var('b')
    >>> sk = skeleton(('transpose', x, a, b), operand_kinds(('transpose', x, a, b)))
    >>> torch.ones((SIZE,) * sk[x]).transpose(sk[a], sk[b]).dim() == sk[x]
    True
    """
    found = skeletons(pattern, kinds, table, limit=1)
    return found[0] if found else None


def skeletons(pattern, kinds: dict, table=None, *, limit: int = 4, accept=None) -> tuple:
    """Up to ``limit`` different assignments on which the pattern runs (see `skeleton`), in search order;
    ``accept(env)`` (variables to size-`SIZE` tensors and literals), when given, must also hold of each (at
    most `_MAX_ACCEPTS` are asked: e.g. whether the rule fires there).

    >>> from unify import var
    >>> x = var('x')
    >>> [s[x] for s in skeletons(('neg', x), operand_kinds(('neg', x)))]
    [2, 1, 4, 3]
    """
    table = default_table() if table is None else table
    if any(k.kind == "unsupported" or (k.kind == "str" and not isinstance(k.default, str))
           for k in kinds.values()):
        return ()
    out: list = []
    _search(_op_nodes(pattern), 0, {}, kinds, table, [_MAX_EVALS, _MAX_ACCEPTS, accept, False], out, limit)
    return tuple({v: (val.dim() if isinstance(val, torch.Tensor) else val) for v, val in env.items()}
                 for env in out)


def _rank_combos(choices: list) -> list:
    """Every combination of the choices, fewest steps from the first choices first (bounded)."""
    combos = itertools.islice(itertools.product(*(range(len(c)) for c in choices)), 5000)
    return [tuple(c[i] for c, i in zip(choices, idx)) for idx in sorted(combos, key=sum)]


def _literal_assignments(literals: list, env: dict, kinds: dict):
    """The first candidate of each literal, then each literal varied alone over its candidates."""
    firsts, lists = {}, []
    for v in literals:
        cands = literal_candidates(kinds[v], {**env, **firsts})
        if not cands:
            return
        lists.append(cands)
        firsts[v] = cands[0]
    yield dict(firsts)
    for v, cands in zip(literals, lists):
        for c in cands[1:]:
            yield {**firsts, v: c}


def _search(nodes, i, env, kinds, table, budget, out, limit) -> bool:
    """Depth-first over the calls; appends complete assignments to ``out``; True once it holds ``limit``."""
    if i == len(nodes):
        accept = budget[2]
        if accept is not None:
            budget[1] -= 1
            if budget[1] < 0:
                budget[0] = 0
                return True
            if not accept(env):
                budget[3] = True  # back to the first call: the calls above it are not what stops the rule
                return False
        out.append(env)
        return len(out) >= limit
    node = nodes[i]
    new = _new_vars(node, set(env))
    tensors = [v for v in new if kinds[v].kind == "tensor"]
    literals = [v for v in new if kinds[v].kind != "tensor"]
    rank_choices = [list(_OPTIONAL_RANKS) if kinds[v].optional else list(_RANKS) for v in tensors]
    before = len(out)
    local = _PER_VISIT if not any(is_op_term(a) for a in node[1:]) else _PER_VISIT // 6
    combos = _rank_combos(rank_choices)
    for first_only in (True, False):  # every rank combination with the preferred literals, then the others
        for ranks in combos:
            env2 = dict(env)
            env2.update({v: (None if r is None else torch.ones((SIZE,) * r)) for v, r in zip(tensors, ranks)})
            assignments = _literal_assignments(literals, env2, kinds)
            chosen = itertools.islice(assignments, 1) if first_only else itertools.islice(assignments, 1, None)
            for assignment in chosen:
                budget[0], local = budget[0] - 1, local - 1
                if budget[0] < 0 or local < 0:
                    return False
                env3 = {**env2, **assignment}
                try:
                    with torch.no_grad():
                        evaluate_term(node, env3, table)
                except Exception:  # torch rejects these operands: try the next assignment
                    continue
                if _search(nodes, i + 1, env3, kinds, table, budget, out, limit) or budget[0] <= 0:
                    return True
                if i and (len(out) > before or budget[3]):
                    return False  # one assignment of this call is enough: vary the first call's instead
                budget[3] = False
    return False
