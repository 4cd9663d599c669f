"""Compile a pattern term into a flat matching program (preorder instructions over registers).

The program is plain frozen data, interpreted by ``fxcore.match.engine``.  Register 0
holds the candidate root node; an ``OP`` instruction checks the node's op key
and loads its operands into fresh registers, which later instructions test.
Variables live in numbered slots.  Commutative ops get a ``COMM`` choice point
right after their ``OP`` (the swapped order is only tried if the first fails),
and every extra root of a multi-output pattern gets a ``ROOT`` choice point.

How a node is seen (op key, operands, literal equality, commutativity) is a
*view*: ``fxcore.match`` uses the canonical view of ``fxcore.ops``;
``fxcore.matcher_utils`` uses torch's exact-target view.

See Also
--------
fxcore.match.engine : runs a program against a node.
fxcore.match.compile_pattern : the public front.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

from unify.variable import Var, isvar

from fxcore.match.capture import Capture
from fxcore.view.pattern import Approx, Bound, PatternError, Typed, is_op_term

__all__ = ["OP", "SEQ", "LIT", "VAR", "BIND", "CHECK", "COMM", "ROOT", "Program", "Where", "Anchor",
           "CompileOptions", "compile_program", "is_multi"]

OP, SEQ, LIT, VAR, BIND, CHECK, COMM, ROOT = range(8)


@dataclass(frozen=True, eq=False)
class Where:
    """Where an instruction sits in the pattern: its path from the root and the subpattern.

    ``path`` is a linked list ``(parent path, op key, argument index)`` (None at the root), so deep
    patterns cost linear memory; ``steps`` unrolls it.
    """

    path: tuple | None
    pattern: Any
    root: int = 0

    @property
    def steps(self) -> tuple[tuple[Any, int], ...]:
        """The ``(op key, argument index)`` steps from the root down to this instruction."""
        out, link = [], self.path
        while link is not None:
            link, key, i = link
            out.append((key, i))
        return tuple(reversed(out))


@dataclass(frozen=True)
class Anchor:
    """How to find candidates for an extra root: walk users from the node in ``slot`` through ``keys``."""

    slot: int
    keys: tuple[Hashable, ...]


@dataclass(frozen=True)
class CompileOptions:
    """Compiler switches; the defaults are the term-pattern semantics of ``fxcore.match``.

    ``ignore_literals`` reproduces torch's SubgraphMatcher flag: literal
    mismatches are accepted.  ``guards`` maps variables to extra predicates
    (used for torch's ``match_placeholder``).
    """

    ignore_literals: bool = False
    guards: tuple[tuple[Var, Callable[[object], bool]], ...] = ()


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled pattern: instructions, their pattern locations, slots and roots."""

    code: tuple[tuple, ...]
    where: tuple[Where, ...]
    nregs: int
    variables: tuple[Var, ...]
    roots: tuple[Any, ...]
    root_regs: tuple[int, ...]
    root_keys: tuple[Hashable, ...]
    anchors: tuple[Anchor | None, ...]
    named: frozenset = field(default=frozenset())  # slots of bind() variables


def is_multi(pattern: object) -> bool:
    """Whether ``pattern`` is a multi-output pattern: a non-empty tuple of op terms.

    >>> from unify import var
    >>> x = var('x')
    >>> is_multi((('relu', x), ('neg', x))), is_multi(('relu', x))
    (True, False)

    See Also
    --------
    compile_program
    """
    return type(pattern) is tuple and bool(pattern) and all(is_op_term(p) or isinstance(p, (Bound, Capture))
                                                            for p in pattern) and not is_op_term(pattern)


def compile_program(pattern: object, view, options: CompileOptions = CompileOptions()) -> Program:
    """Compile a pattern (an op term, or a tuple of op terms sharing variables) for ``view``.

    >>> from unify import var
    >>> from fxcore.match.program import compile_program, OP, VAR
    >>> class V:  # the smallest view: op names are their own keys
    ...     def pattern_key(self, op, n): return op, None
    ...     def swaps(self, key): return ()
    >>> p = compile_program(('neg', ('neg', var('x'))), V())
    >>> [ins[0] for ins in p.code] == [OP, OP, VAR], p.variables
    (True, (~x,))

    See Also
    --------
    fxcore.match.engine.search
    """
    roots = tuple(pattern) if is_multi(pattern) else (pattern,)
    for r in roots:
        if not (is_op_term(r) or isinstance(r, (Bound, Capture))):
            raise PatternError(f"a pattern root must be an op term like ('relu', x), got {r!r}")
    return _Compiler(view, options).run(roots)


class _Compiler:
    """One compilation: allocates registers and slots, emits instructions in preorder."""

    def __init__(self, view, options: CompileOptions) -> None:
        self.view, self.options = view, options
        self.guards = dict(options.guards)
        self.code: list[tuple] = []
        self.where: list[Where] = []
        self.slots: dict[Var, int] = {}
        self.named: set[int] = set()
        self.done_bound: set[Var] = set()
        self.nregs = 1
        self.root_keys: list[Hashable] = []

    def run(self, roots: tuple) -> Program:
        """Compile every root in order; extra roots start with a ROOT choice point."""
        root_regs, anchors = [], []
        for i, root in enumerate(roots):
            reg = 0 if i == 0 else self._alloc(1)
            if i:
                anchors.append(self._anchor(root))
                self._emit((ROOT, reg, i), Where(None, root, i))
            else:
                anchors.append(None)
            root_regs.append(reg)
            self._walk(root, reg, i)
        return Program(tuple(self.code), tuple(self.where), self.nregs, tuple(self.slots), roots,
                       tuple(root_regs), tuple(self.root_keys), tuple(anchors), frozenset(self.named))

    def _alloc(self, n: int) -> int:
        first, self.nregs = self.nregs, self.nregs + n
        return first

    def _emit(self, ins: tuple, where: Where) -> int:
        self.code.append(ins)
        self.where.append(where)
        return len(self.code) - 1

    def _slot(self, v: Var) -> int:
        return self.slots.setdefault(v, len(self.slots))

    def _walk(self, root: object, reg: int, ri: int) -> None:
        """Emit the instructions of one root, depth first, without recursion."""
        stack: list[tuple[object, int, tuple | None, int | None]] = [(root, reg, None, None)]
        fixups = self._fixups = []  # (pc of a skippable instruction, stack depth at its end)
        while stack:
            self._patch(fixups, len(stack))
            pat, r, path, _ = stack.pop()
            self._one(pat, r, path, ri, stack, fixups)
        self._patch(fixups, 0)

    def _patch(self, fixups: list, depth: int) -> None:
        """Point skippable instructions whose subtree is now fully emitted at the next pc."""
        while fixups and fixups[-1][1] >= depth:
            pc, _ = fixups.pop()
            ins = self.code[pc]
            self.code[pc] = ins[:-1] + (len(self.code),)

    def _one(self, pat, reg: int, path: tuple | None, ri: int, stack: list, fixups: list) -> None:
        """Emit the instruction(s) for one pattern element and push its children."""
        where = Where(path, pat, ri)
        if isinstance(pat, (Bound, Capture)):
            self._bound(pat, reg, path, ri, stack, where)
        elif isvar(pat):
            self._var(pat, reg, where)
        elif isinstance(pat, Typed):
            self._var(pat.var, reg, where, pat.accepts)
        elif isinstance(pat, Approx):
            if not self.options.ignore_literals:
                self._emit((CHECK, reg, pat.accepts), where)
        elif is_op_term(pat):
            self._op(pat, reg, path, ri, stack, fixups, where)
        elif type(pat) in (tuple, list):
            self._seq(pat, reg, path, ri, stack, fixups, where)
        elif not self.options.ignore_literals:
            self._emit((LIT, reg, pat), where)

    def _var(self, v: Var, reg: int, where: Where, guard: Callable | None = None) -> None:
        extra = self.guards.get(v)
        if guard is not None and extra is not None:
            first, second = guard, extra
            guard = lambda x: first(x) and second(x)  # noqa: E731
        self._emit((VAR, reg, self._slot(v), guard or extra, self.options.ignore_literals), where)

    def _bound(self, pat: Bound | Capture, reg: int, path: tuple | None, ri: int, stack: list, where: Where) -> None:
        slot = self._slot(pat.var)
        if isinstance(pat, Bound):  # (a capture's node is an inner node like any other)
            self.named.add(slot)
        if pat.var in self.done_bound:  # a later occurrence of a named subpattern: identity only
            self._emit((VAR, reg, slot, None, False), where)
            return
        self.done_bound.add(pat.var)
        pc = self._emit((BIND, reg, slot, -1), where)
        if self.options.ignore_literals:
            self._fixups.append((pc, len(stack)))
        stack.append((pat.pattern, reg, path, None))

    def _op(self, pat: tuple, reg: int, path: tuple | None, ri: int, stack: list, fixups: list, where: Where) -> None:
        key, args = self.view.pattern_key(pat[0], pat[1:])
        args = pat[1:] if args is None else args
        if path is None:
            self.root_keys.append(key)
        out = self._alloc(len(args))
        pc = self._emit((OP, reg, key, len(args), out, path is not None, -1), where)
        if self.options.ignore_literals:
            fixups.append((pc, len(stack)))
        for i, j, conds in self.view.swaps(key):
            if i < len(args) and j < len(args):
                self._emit((COMM, out + i, out + j, tuple((out + k, v) for k, v in conds)), where)
        for i in reversed(range(len(args))):
            stack.append((args[i], out + i, (path, key, i), None))

    def _seq(self, pat, reg: int, path: tuple | None, ri: int, stack: list, fixups: list, where: Where) -> None:
        out = self._alloc(len(pat))
        pc = self._emit((SEQ, reg, len(pat), out, -1), where)
        if self.options.ignore_literals:
            fixups.append((pc, len(stack)))
        for i in reversed(range(len(pat))):
            stack.append((pat[i], out + i, (path, "[]", i), None))

    def _anchor(self, root: object) -> Anchor | None:
        """The shallowest variable of ``root`` bound by earlier roots, and the op keys on its path."""
        frontier = [(root, ())]
        while frontier:
            nxt = []
            for pat, keys in frontier:
                hit = self._anchor_hit(pat, keys)
                if hit is not None:
                    return hit
                nxt.extend(self._anchor_children(pat, keys))
            frontier = nxt
        return None

    def _anchor_hit(self, pat: object, keys: tuple) -> Anchor | None:
        v = pat.var if isinstance(pat, (Typed, Bound, Capture)) else pat if isvar(pat) else None
        if v is not None and v in self.slots and keys:
            return Anchor(self.slots[v], tuple(reversed(keys)))
        return None

    def _anchor_children(self, pat: object, keys: tuple) -> list:
        if isinstance(pat, (Bound, Capture)):
            return [(pat.pattern, keys)]
        if is_op_term(pat):
            key, args = self.view.pattern_key(pat[0], pat[1:])
            return [(a, keys + (key,)) for a in (pat[1:] if args is None else args)]
        if type(pat) in (tuple, list):
            return [(a, keys) for a in pat]
        return []
