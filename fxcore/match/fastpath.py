"""A matching program turned into a chain of closures: the same search as ``fxcore.match.engine``, without the interpreter.

``fxcore.match.engine`` interprets a ``Program`` instruction by instruction and
records how far it got, so that a failure can be explained.  Deciding *whether*
a node matches needs neither: ``compile_fast(program)`` builds one closure per
instruction, each holding its operands as constants and calling the next, and a
commutative choice point simply tries its continuation twice.  The order of the
search, and so the first solution, is the interpreter's: written operand order
first, then swapped.

Only single-root programs without jumps (``ignore_literals``) and of bounded
length are compiled (each instruction is a Python call frame); ``compile_fast``
returns None for the others, which the interpreter runs.

>>> import torch, torch.fx as fx
>>> from unify import var
>>> from fxcore.view.canonical import CanonicalView
>>> from fxcore.match.program import compile_program
>>> view = CanonicalView()
>>> program = compile_program(('mul', var('x'), ('sigmoid', var('x'))), view)
>>> run = compile_fast(program)
>>> gm = fx.symbolic_trace(lambda a: torch.sigmoid(a) * a)
>>> mul = [n for n in gm.graph.nodes if n.name == 'mul'][0]
>>> sol = run(mul, view, None)
>>> [n.name for n in sol.matched], sol.slots[0].name
(['mul', 'sigmoid'], 'a')

See Also
--------
fxcore.match.engine : the interpreter (and the explanations of failures).
fxcore.match.CompiledPattern : uses this when it can.
"""
from __future__ import annotations

from typing import Callable

from torch.fx import Node

from fxcore.match.engine import UNBOUND, Solution
from fxcore.match.program import BIND, CHECK, COMM, LIT, OP, SEQ, VAR, Program

__all__ = ["compile_fast", "MAX_FAST_LENGTH"]

_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (one per match)

MAX_FAST_LENGTH = 64
"""Longer programs are left to the iterative interpreter (one call frame per instruction here)."""


def compile_fast(program: Program, table=None) -> Callable | None:
    """``run(root, view, accept) -> Solution | None``, or None if the program is not compiled.

    Every step returns False or the accepted ``Solution``, which travels back up the chain.
    With the op ``table`` the program was compiled against, an inner node of an op that table calls
    pure whatever its operands is not asked `CanonicalView.impure` when the view reads that table.

    See Also
    --------
    fxcore.match.engine.first : the same answer, with explanations.
    """
    code = program.code
    if len(program.root_regs) != 1 or len(code) > MAX_FAST_LENGTH:
        return None
    for ins in code:
        if ins[0] not in _BUILDERS or (ins[0] in (OP, SEQ, BIND) and ins[-1] >= 0):
            return None
    nregs, nslots = program.nregs, len(program.variables)

    def finish(regs, slots, matched, view, accept):
        sol = _new(Solution, (tuple(slots), tuple(matched), (regs[0],)))
        if accept is not None and accept(sol) is not None:
            return False
        return sol  # a non-empty tuple: true, and handed back up the chain

    step = finish
    for ins in reversed(code):
        step = _op(ins, step, table) if ins[0] == OP else _BUILDERS[ins[0]](ins, step)

    def run(root: Node, view, accept) -> Solution | None:
        regs = [None] * nregs
        regs[0] = root
        return step(regs, [UNBOUND] * nslots, [], view, accept) or None

    return run


def _always_pure(table, key) -> bool:
    """Does ``table`` call op ``key`` pure whatever its operands (as `CanonicalView.impure` reads it)?"""
    if table is None or not isinstance(key, str) or key not in table:
        return False
    d = table.op(key)
    return not d.impure and not d.impure_if


def _op(ins, nxt, table=None):
    _, reg, key, n, out, inner, _jump = ins
    end = out + n
    pure = _always_pure(table, key)  # then only a view of another table is asked

    def op(regs, slots, matched, view, accept):
        node = regs[reg]
        if not isinstance(node, Node):
            return False
        found = view.resolve(node)
        if found[0] != key:
            return False
        operands = found[1]
        if len(operands) != n:
            return False
        if inner and (not pure or view.table is not table) and view.impure(node):
            return False
        regs[out:end] = operands
        matched.append(node)
        return nxt(regs, slots, matched, view, accept)
    return op


def _seq(ins, nxt):
    _, reg, n, out, _jump = ins
    end = out + n

    def seq(regs, slots, matched, view, accept):
        v = regs[reg]
        if not isinstance(v, (list, tuple)) or len(v) != n:
            return False
        regs[out:end] = v
        return nxt(regs, slots, matched, view, accept)
    return seq


def _lit(ins, nxt):
    _, reg, value = ins

    def lit(regs, slots, matched, view, accept):
        v = regs[reg]
        if isinstance(v, Node) or not view.literal_equal(value, v):
            return False
        return nxt(regs, slots, matched, view, accept)
    return lit


def _var(ins, nxt):
    _, reg, slot, guard, loose = ins

    def var(regs, slots, matched, view, accept):
        v = regs[reg]
        bound = slots[slot]
        if bound is UNBOUND:
            if guard is not None and not guard(v):
                return False
            slots[slot] = v
            found = nxt(regs, slots, matched, view, accept)
            if not found:
                slots[slot] = UNBOUND  # an earlier choice point may come back through here
            return found
        if bound is v or view.same(bound, v) or (loose and not isinstance(v, Node)):
            return nxt(regs, slots, matched, view, accept)
        return False
    return var


def _bind(ins, nxt):
    _, reg, slot, _jump = ins

    def bind(regs, slots, matched, view, accept):
        v = regs[reg]
        if not isinstance(v, Node):
            return False
        bound = slots[slot]
        if bound is UNBOUND:
            slots[slot] = v
            found = nxt(regs, slots, matched, view, accept)
            if not found:
                slots[slot] = UNBOUND
            return found
        return nxt(regs, slots, matched, view, accept) if view.same(bound, v) else False
    return bind


def _check(ins, nxt):
    _, reg, accepts = ins

    def check(regs, slots, matched, view, accept):
        v = regs[reg]
        if isinstance(v, Node) or not accepts(v):
            return False
        return nxt(regs, slots, matched, view, accept)
    return check


def _comm(ins, nxt):
    _, i, j, conds = ins

    def comm(regs, slots, matched, view, accept):
        a, b = regs[i], regs[j]
        depth = len(matched)
        found = nxt(regs, slots, matched, view, accept)
        if found:
            return found
        if a is b or not all(view.same(regs[r], v) for r, v in conds):
            return False
        del matched[depth:]
        regs[i], regs[j] = b, a
        return nxt(regs, slots, matched, view, accept)
    return comm


_BUILDERS = {OP: _op, SEQ: _seq, LIT: _lit, VAR: _var, BIND: _bind, CHECK: _check, COMM: _comm}
