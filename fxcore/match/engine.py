"""Run a compiled matching program against a node: an iterative search with immutable choice points.

State is a register file and a slot file (variable bindings).  A choice point
(commutative operands, extra roots of a multi-output pattern) saves *frozen*
copies of both, so a failed branch can never leak a binding into the next one:
backtracking resumes from the saved tuples, it never undoes mutations.  There
is no recursion, so patterns and graphs of any depth are fine.

The search remembers the furthest instruction it reached before failing (the
best partial match), which ``fxcore.match.diagnose`` turns into a readable reason.

See Also
--------
fxcore.match.program : the instruction set.
fxcore.match : the public front.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, NamedTuple, Sequence

from torch.fx import Node

from fxcore.match.program import COMM, ROOT, Program

__all__ = ["UNBOUND", "Solution", "Failure", "search", "first"]


class _Unbound:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNBOUND"


UNBOUND = _Unbound()
"""Marker of an empty variable slot."""


class Solution(NamedTuple):
    """A complete assignment: slot values, matched op nodes (in match order) and the root nodes."""

    slots: tuple
    matched: tuple[Node, ...]
    roots: tuple[Node, ...]


class Failure(NamedTuple):
    """The furthest point a search reached: instruction index, the value there, slots, and a reason."""

    pc: int
    value: Any
    slots: tuple
    reason: Any = None  # None: "the instruction at pc failed on value"; else a post-check reason


def _op(ins, regs, slots, matched, view):
    node = regs[ins[1]]
    if not isinstance(node, Node):
        return ins[6] if ins[6] >= 0 else False
    if view.key(node) != ins[2]:
        return False
    args = view.operands(node)
    if len(args) != ins[3]:
        return False
    if ins[5] and view.impure(node):
        return False
    out = ins[4]
    regs[out:out + ins[3]] = args
    matched.append(node)
    return True


def _seq(ins, regs, slots, matched, view):
    v = regs[ins[1]]
    if not isinstance(v, (list, tuple)) or len(v) != ins[2]:
        return ins[4] if ins[4] >= 0 and not isinstance(v, (list, tuple)) else False
    out = ins[3]
    regs[out:out + ins[2]] = v
    return True


def _lit(ins, regs, slots, matched, view):
    v = regs[ins[1]]
    return not isinstance(v, Node) and view.literal_equal(ins[2], v)


def _var(ins, regs, slots, matched, view):
    v = regs[ins[1]]
    bound = slots[ins[2]]
    if bound is UNBOUND:
        if ins[3] is not None and not ins[3](v):
            return False
        slots[ins[2]] = v
        return True
    return view.same(bound, v) or (ins[4] and not isinstance(v, Node))


def _bind(ins, regs, slots, matched, view):
    v = regs[ins[1]]
    if not isinstance(v, Node):  # only nodes are named (ignore_literals: skip the subpattern)
        return ins[3] if ins[3] >= 0 else False
    bound = slots[ins[2]]
    if bound is UNBOUND:
        slots[ins[2]] = v
        return True
    return view.same(bound, v)


def _check(ins, regs, slots, matched, view):
    v = regs[ins[1]]
    return not isinstance(v, Node) and ins[2](v)


_STEPS: tuple = (_op, _seq, _lit, _var, _bind, _check)  # indexed by opcode: OP, SEQ, LIT, VAR, BIND, CHECK


_NOTHING_TRIED = Failure(-1, None, ())


def search(program: Program, view, root: Node, candidates: Callable | None = None,
           accept: Callable | None = None) -> Iterator[Solution]:
    """Yield every solution of ``program`` rooted at ``root``; the generator returns the best ``Failure``.

    ``candidates(i, slots)`` gives the candidate nodes of extra root ``i``;
    ``accept(solution)`` returns None to accept a solution or a reason to reject it.

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> from fxcore.match.program import compile_program
    >>> class V:  # a tiny exact-target view, enough for this example
    ...     def pattern_key(self, op, n): return op, None
    ...     def swaps(self, key): return ()
    ...     def key(self, n): return n.target if n.op == 'call_function' else None
    ...     def operands(self, n): return n.args
    ...     def impure(self, n): return False
    ...     def same(self, a, b): return a is b
    ...     def literal_equal(self, a, b): return a == b
    >>> g = fx.Graph(); a = g.placeholder('a'); r = g.call_function(torch.relu, (a,))
    >>> sols = list(search(compile_program((torch.relu, var('x')), V()), V(), r))
    >>> sols[0].slots == (a,), sols[0].matched == (r,)
    (True, True)

    See Also
    --------
    first
    """
    found: list = []
    best = _solve(program, view, root, candidates, accept, found)
    yield from found
    return best


def _solve(program: Program, view, root: Node, candidates, accept, found: list | None, explain: bool = True):
    """Run the search; append solutions to ``found`` (stop at the first if ``found`` is None).

    Returns the first solution when ``found`` is None and one exists, else the best ``Failure``
    (None without ``explain``: the caller only wants to know whether there is a solution, so the
    furthest point reached is not tracked).
    """
    code, n = program.code, len(program.code)
    regs = [None] * program.nregs
    regs[0] = root
    slots: list = [UNBOUND] * len(program.variables)
    matched: list = []
    stack: list = []
    best = _NOTHING_TRIED
    root_regs = program.root_regs
    steps = _STEPS
    pc = 0
    while True:
        if pc == n:
            sol = Solution(tuple(slots), tuple(matched),
                           (root,) if len(root_regs) == 1 else tuple(regs[r] for r in root_regs))
            reason = accept(sol) if accept is not None else None
            if reason is None:
                if found is None:
                    return sol
                found.append(sol)
            elif explain and pc >= best[0]:
                best = Failure(pc, root, sol.slots, reason)
            ok = False
        else:
            ins = code[pc]
            kind = ins[0]
            if kind == COMM or kind == ROOT:
                alts = _alternatives(ins, regs, program, slots, candidates, view)
                if alts:
                    stack.append((pc + 1, alts, 1, tuple(regs), tuple(slots), len(matched)))
                    _assign(regs, alts[0])
                    pc += 1
                    continue
                ok = False
            else:
                ok = steps[kind](ins, regs, slots, matched, view)
            if ok is True:
                pc += 1
                continue
            if ok is not False:  # a jump (ignore_literals: skip a subtree)
                pc = ok
                continue
            if explain and pc > best[0]:
                best = Failure(pc, regs[ins[1]], tuple(slots))
        # backtrack to the most recent choice point with an untried alternative
        while stack:
            at, alts, i, saved_regs, saved_slots, mlen = stack[-1]
            if i >= len(alts):
                stack.pop()
                continue
            stack[-1] = (at, alts, i + 1, saved_regs, saved_slots, mlen)
            regs, slots = list(saved_regs), list(saved_slots)
            del matched[mlen:]
            _assign(regs, alts[i])
            pc = at
            break
        else:
            if not explain:
                return None
            return best if best is not _NOTHING_TRIED else Failure(-1, root, ())


def _assign(regs: list, assignment: Sequence) -> None:
    for reg, value in assignment:
        regs[reg] = value


def _alternatives(ins, regs, program: Program, slots, candidates, view) -> tuple:
    """The alternatives of a choice point, each a tuple of ``(register, value)`` assignments."""
    if ins[0] == COMM:
        a, b = regs[ins[1]], regs[ins[2]]
        keep = ((ins[1], a), (ins[2], b))
        if a is b or not all(view.same(regs[r], v) for r, v in ins[3]):
            return (keep,)
        return (keep, ((ins[1], b), (ins[2], a)))
    if candidates is None:
        return ()
    taken = [regs[r] for r in program.root_regs[:ins[2]]]
    return tuple(((ins[1], c),) for c in candidates(ins[2], slots) if not any(c is t for t in taken))


def first(program: Program, view, root: Node, candidates: Callable | None = None,
          accept: Callable | None = None, *, explain: bool = True) -> Solution | Failure | None:
    """The first accepted solution of ``program`` at ``root``, or the best ``Failure`` (None if not ``explain``).

    >>> import torch, torch.fx as fx
    >>> from unify import var
    >>> from fxcore.match.program import compile_program
    >>> class V:
    ...     def pattern_key(self, op, n): return op, None
    ...     def swaps(self, key): return ()
    ...     def key(self, n): return n.target if n.op == 'call_function' else None
    ...     def operands(self, n): return n.args
    ...     def impure(self, n): return False
    ...     def same(self, a, b): return a is b
    ...     def literal_equal(self, a, b): return a == b
    >>> g = fx.Graph(); a = g.placeholder('a'); r = g.call_function(torch.relu, (a,))
    >>> first(compile_program((torch.neg, var('x')), V()), V(), r).pc
    0

    See Also
    --------
    search
    """
    return _solve(program, view, root, candidates, accept, None, explain)
