"""Termination for the apply driver: a rewrite budget and cycle detection.

Each rewrite replaces the value at one *site* (a lineage of roots: the original
root, then what replaced it, and so on). The driver fingerprints every value a
site takes, structurally and hash-consed (a node's fingerprint is its canonical
op and the fingerprints of its operands; nodes that existed before the apply are
leaves), so a site that comes back to a value it had before is a cycle:
``add(a, b) -> add(b, a) -> add(a, b)``. The rules fired along that loop are
named in the :class:`~rewrite.errors.NonTerminationError`.

A value is fingerprinted only when it is rewritten (the driver asks for a new
root's fingerprint while its arguments are intact, just before the surgery), and
an original root (a leaf) only when its site is rewritten again, so a site
rewritten once, the common case, costs no fingerprint at all. The price: a cycle
is reported when its repeated value is about to be rewritten again, one rewrite
after the value came back. A value that
came back but is never rewritten again does not loop, and is not reported.

>>> class N:
...     def __init__(self, op, *args):
...         self.op, self.args = op, args
>>> a, b = N("input"), N("input")
>>> describe = lambda n: (n.op, n.args)
>>> watch = TerminationWatch(budget=10, describe=describe, is_new=lambda n: n.op != "input")
>>> ab, ba, ab2, ba2 = N("add", a, b), N("add", b, a), N("add", a, b), N("add", b, a)
>>> watch.record("swap", ab, ba)
>>> watch.record("swap", ba, ab2)
>>> watch.record("swap", ab2, ba2)
Traceback (most recent call last):
  ...
rewrite.errors.NonTerminationError: rules ['swap'] rewrite in a cycle: ...

See Also:
    rewrite.engine.apply.apply, rewrite.engine.normalize.normalize (the same check on plain terms)
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from rewrite.errors import NonTerminationError

__all__ = ["TerminationWatch", "default_budget"]


def default_budget(graph_size: int) -> int:
    """The default rewrite budget for a graph: generous, proportional to its size.

    >>> default_budget(10), default_budget(10_000)
    (1000, 80000)
    """
    return max(1000, 8 * graph_size)


class TerminationWatch:
    """Counts rewrites against a budget and detects sites that revisit a value."""

    def __init__(self, budget: int, describe: Callable[[Any], tuple], is_new: Callable[[Any], bool]):
        self.budget = budget
        self._describe = describe
        self._created = is_new
        self._renewed: set = set()  # original nodes a rewrite turned into another call (rewrite_match's reuse)
        self._interned: dict[tuple, int] = {}
        self._leaves = 0  # the last leaf print handed out (see _leaf)
        self._fingerprint: dict[Any, int] = {}
        self._site: dict[Any, int] = {}
        # per site, its values: (fingerprint, or the original root whose fingerprint is taken when needed,
        # rule that made the value, how many rewrites had been made then)
        self._history: list[list[tuple[Any, str, int]]] = []
        self._fired: list[str] = []

    def before_rewrite(self, root: Any) -> None:
        """Take ``root``'s fingerprint now if it reads arguments the coming surgery may change (a new node's).

        An original node's fingerprint is a leaf: taken when a cycle check needs it, if ever.
        """
        if root not in self._fingerprint and (root in self._renewed or self._created(root)):  # (_is_new)
            self.fingerprint(root)

    def _is_new(self, node: Any) -> bool:
        return node in self._renewed or self._created(node)

    def record(self, rule_id: str, old_root: Any, new_value: Any) -> None:
        """Note that ``rule_id`` replaced ``old_root`` by ``new_value``; raise on a cycle or budget.

        :meth:`before_rewrite` must have seen ``old_root`` before the surgery that changed its
        arguments; ``new_value``'s fingerprint is taken if it is rewritten in turn.
        """
        self._fired.append(rule_id)
        site = self._site.pop(old_root, None)
        reused = new_value is old_root  # the root itself became the new value: its old print is due now
        if site is None:  # a first rewrite (the common case): no fingerprint needed yet
            site = len(self._history)
            first = old_root
            if reused:  # its print before the surgery: taken by before_rewrite, or an original node's leaf
                first = self._fingerprint.get(old_root)
                if first is None:
                    first = self.fingerprint(old_root) if self._is_new(old_root) else self._leaf()
            fired = len(self._fired)
            self._history.append([(first, "", fired - 1), (None, rule_id, fired)])
        else:  # old_root is the site's pending value: its fingerprint is due now
            history = self._history[site]
            old_print = self.fingerprint(old_root)
            history[-1] = (old_print, *history[-1][1:])
            for index in range(len(history) - 1):
                value, rule, when = history[index]
                if type(value) is not int:  # the site's original root
                    value = self.fingerprint(value)
                    history[index] = (value, rule, when)
                if value == old_print:  # every rule fired from the value's rewrite to now took part (here or
                    self._raise_cycle(self._fired[history[index + 1][2] - 1:history[-1][2]], old_root)  # below)
            history.append((None, rule_id, len(self._fired)))  # new_value: fingerprinted if rewritten in turn
        if reused:  # a new value from now on, whose fingerprint reads its (new) arguments
            self._fingerprint.pop(old_root, None)
            self._renewed.add(old_root)
        self._site[new_value] = site
        if len(self._fired) > self.budget:
            self._raise_budget()

    def fingerprint(self, value: Any) -> int:
        """A hash-consed structural id for ``value`` (iterative: deep chains are fine)."""
        known = self._fingerprint.get(value)
        if known is not None:
            return known
        stack = [value]
        while stack:
            item = stack[-1]
            if item in self._fingerprint:
                stack.pop()
                continue
            if not self._is_new(item):
                self._fingerprint[item] = self._leaf()
                stack.pop()
                continue
            op, operands = self._describe(item)
            pending = [o for o in operands if self._is_new_node(o) and o not in self._fingerprint]
            if pending:
                stack.extend(pending)
                continue
            key = (op, tuple(self._operand_print(o) for o in operands))
            self._fingerprint[item] = self._intern(key)
            stack.pop()
        return self._fingerprint[value]

    def _is_new_node(self, operand: Any) -> bool:
        return hasattr(operand, "op") and hasattr(operand, "args")

    def _operand_print(self, operand: Any) -> Any:
        if self._is_new_node(operand):
            return ("node", self._fingerprint[operand])
        return ("literal", repr(operand))

    def _intern(self, key: tuple) -> int:
        return self._interned.setdefault(key, len(self._interned))

    def _leaf(self) -> int:
        """A print equal to no other: a node that existed before the apply is itself, whatever it computes
        (negative, apart from the interned ones; a count of its own, as reused roots' prints are dropped)."""
        self._leaves -= 1
        return self._leaves

    def _raise_cycle(self, cycle: list[str], where: Any) -> None:
        rules = list(dict.fromkeys(cycle))
        name = getattr(where, "name", repr(where))
        raise NonTerminationError(
            f"rules {rules} rewrite in a cycle: after {' -> '.join(cycle)} the value at "
            f"node {name!r} is back to what it was",
            hint="make the rules orient one way (e.g. only rewrite towards a canonical operand "
                 "order), add a guard that stops one of them, or disable one of them",
        )

    def _raise_budget(self) -> None:
        recent = Counter(self._fired[-max(10, len(self._fired) // 4):])
        busiest = [rule for rule, _ in sorted(recent.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
        raise NonTerminationError(
            f"rewrite budget of {self.budget} exhausted; the rules firing most recently are {busiest}",
            hint="if the rule set does terminate on this graph, pass a larger max_rewrites; "
                 "otherwise one of these rules keeps re-enabling itself or another: add a guard",
        )
