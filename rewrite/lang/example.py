"""The embedded-example model: a term example (``before`` normalizes to ``after``) that may also run as a graph.

An :class:`Example` is checked on terms (`rewrite.check.examples`) and, when it says how to run (``inputs``
for a term example, or a Python ``model`` snippet with its ``args``), on the FX graph each front end makes of
it (`rewrite.check.graph_examples`). Inputs are data: a tensor is given by its type, ``"float32[2,3]"``
(concrete sizes; the checker draws the values), a literal by its value; nothing in a rule file is ever run.

>>> from unify import var
>>> t = var('t')
>>> ex = Example(('mul', t, 1), t, inputs=(('t', input_spec('float32[2,3]')),))
>>> ex.on_graphs, ex.checked_front_ends()
(True, ('symbolic_trace', 'make_fx', 'export', 'export+run_decompositions'))
>>> input_spec([1, [0, 2]])
(1, (0, 2))

See Also
--------
rewrite.lang.rule_builder : the YAML ``examples:`` entries; rewrite.lang.pyrules.example : Python ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rewrite.errors import RuleValidationError, SourcePos, did_you_mean
from rewrite.lang.facts import TensorFacts, parse_facts

__all__ = ["Example", "FRONT_ENDS", "input_spec", "front_end_names", "named_inputs"]

FRONT_ENDS = ("symbolic_trace", "make_fx", "export", "export+run_decompositions")
"""The front ends a graph example runs on: ``torch.fx.symbolic_trace``, ``make_fx``, ``torch.export``
(``.module()``), and the exported program after ``run_decompositions()`` (core ATen)."""

MAX_INPUT_NUMEL = 1 << 20  # a rule file is data: it may not make the checker allocate gigabytes
_TYPE_LIKE = re.compile(r"^\s*[A-Za-z0-9_]+\s*\[[^\]]*\]\s*$")


@dataclass(frozen=True)
class Example:
    """An embedded example: ``before`` normalizes to ``after``; ``types`` are hints for guards.

    On graphs: ``inputs`` (``(name, TensorFacts | literal)`` pairs, one per variable of ``before``) turn the
    ``before`` term into a module run by every front end of ``front_ends`` (empty: all of `FRONT_ENDS`); a
    ``model`` (an ``nn.Module`` or a callable, Python rule sets only) with ``args`` (tensors, or types such
    as ``"float32[2,3]"``) is such a module written by hand (``before`` is then None; ``after`` may be a
    term the rewritten graph must compute). ``fires``: how often the rule fires on each graph (None: at
    least once).

    >>> import torch
    >>> from unify import var
    >>> Example(('mul', var('t'), 1), var('t'), (('t', TensorFacts((2,), torch.float32)),)).facts()
    {'t': TensorFacts(float32[2])}

    See Also
    --------
    rewrite.check.examples.check_examples, rewrite.check.graph_examples.check_graph_examples
    """

    before: object
    after: object
    types: tuple = ()
    inputs: tuple = ()
    front_ends: tuple = ()
    fires: int | None = None
    model: object = None
    args: tuple = field(default=(), compare=False, repr=False)  # tensors compare elementwise: not compared
    pos: SourcePos | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.fires is not None and (isinstance(self.fires, bool) or not isinstance(self.fires, int)
                                       or self.fires < 0):
            raise RuleValidationError(f"an example's fires must be a count (an int >= 0), not {self.fires!r}",
                                      pos=self.pos, hint="fires: 1")
        object.__setattr__(self, "front_ends", front_end_names(self.front_ends, pos=self.pos))
        object.__setattr__(self, "args", tuple(self.args))

    def facts(self) -> dict:
        """The type hints as a ``{name: TensorFacts}`` dict."""
        return dict(self.types)

    @property
    def on_graphs(self) -> bool:
        """Whether the example also runs on real graphs (it has ``inputs`` or a ``model``)."""
        return bool(self.inputs) or self.model is not None

    @property
    def on_terms(self) -> bool:
        """Whether the example is a term example (a ``before`` term, checked by normalization)."""
        return self.model is None

    def checked_front_ends(self) -> tuple:
        """The front ends the graph check runs: ``front_ends``, or every one of `FRONT_ENDS`."""
        return self.front_ends or FRONT_ENDS


def front_end_names(names, *, pos: SourcePos | None = None) -> tuple:
    """``names`` checked against `FRONT_ENDS`, as a tuple in the order given (a single name is accepted).

    >>> front_end_names('make_fx'), front_end_names(['export', 'symbolic_trace'])
    (('make_fx',), ('export', 'symbolic_trace'))
    >>> front_end_names(['symbolc_trace'])
    Traceback (most recent call last):
    ...
    rewrite.errors.RuleValidationError: unknown front end 'symbolc_trace'
      hint: did you mean 'symbolic_trace'?
    """
    names = (names,) if isinstance(names, str) else tuple(names or ())
    for name in names:
        if name not in FRONT_ENDS:
            raise RuleValidationError(f"unknown front end {name!r}", pos=pos, hint=did_you_mean(name, FRONT_ENDS)
                                      or "use some of: " + ", ".join(FRONT_ENDS))
    if len(set(names)) != len(names):
        raise RuleValidationError(f"a front end is listed twice in {list(names)}", pos=pos,
                                  hint="list each front end once")
    return names


def input_spec(value):
    """An input as the example model keeps it: a type string becomes :class:`TensorFacts` with concrete sizes,
    lists become tuples, other literals stay as they are. Raises :class:`RuleValidationError` with the fix.

    >>> input_spec('int64[4]'), input_spec(2.5), input_spec('tanh')
    (TensorFacts(int64[4]), 2.5, 'tanh')
    >>> input_spec('float32[N, 3]')
    Traceback (most recent call last):
    ...
    rewrite.errors.RuleValidationError: the input 'float32[N, 3]' has a size that is not a number
      hint: give every size, e.g. "float32[2,3]": the checker draws a tensor of that type
    """
    if isinstance(value, TensorFacts):
        return _concrete(value, str(value))
    if isinstance(value, (list, tuple)):
        return tuple(input_spec(v) for v in value)
    if isinstance(value, dict):
        raise RuleValidationError(f"an input cannot be a mapping ({value!r})",
                                  hint='give a tensor type such as "float32[2,3]" or a literal value')
    if isinstance(value, str) and _TYPE_LIKE.match(value):
        try:
            return _concrete(parse_facts(value), value)
        except ValueError as exc:
            raise RuleValidationError(str(exc), hint="dtype[sizes], e.g. float32[2,3] or int64[4]") from None
    return value


def _concrete(facts: TensorFacts, text: str) -> TensorFacts:
    if facts.shape is None or facts.dtype is None or any(not isinstance(d, int) for d in facts.shape):
        raise RuleValidationError(f"the input {text!r} has a size that is not a number",
                                  hint='give every size, e.g. "float32[2,3]": the checker draws a tensor '
                                       'of that type')
    numel = 1
    for d in facts.shape:
        numel *= d
    if numel > MAX_INPUT_NUMEL:
        raise RuleValidationError(f"the input {text!r} has {numel:,} elements, more than an example may draw "
                                  f"({MAX_INPUT_NUMEL:,})", hint="an example needs a few elements: float32[2,3]")
    return facts


def named_inputs(before, inputs, *, pos=None, pos_of=None) -> tuple:
    """``inputs`` (a ``{name: value}`` mapping or pairs) as ``(name, spec)`` pairs in the order of ``before``'s
    variables; every variable needs one, and no other name may appear. Errors are at ``pos_of(name)`` (where
    that input is written) or ``pos``.

    >>> from unify import var
    >>> named_inputs(('add', var('a'), var('b')), {'b': 1, 'a': 'float32[2]'})
    (('a', TensorFacts(float32[2])), ('b', 1))
    >>> named_inputs(('neg', var('t')), {})
    Traceback (most recent call last):
    ...
    rewrite.errors.RuleValidationError: the example's inputs give no value for 't'
      hint: add it, e.g. inputs: {t: "float32[2,3]"} (a tensor type) or a literal value
    """
    from rewrite.lang.syntax import term_variables, var_name
    given = dict(inputs.items() if hasattr(inputs, "items") else inputs)
    names = [var_name(v) for v in term_variables(before)]
    where = (lambda name: (pos_of(name) if pos_of else None) or pos)
    for name in given:
        if name not in names:
            raise RuleValidationError(f"an input for {name!r}, which the example's before does not use",
                                      pos=where(name), hint=did_you_mean(name, names)
                                      or "its variables: " + (", ".join(names) or "none"))
    for name in names:
        if name not in given:
            raise RuleValidationError(f"the example's inputs give no value for {name!r}", pos=pos,
                                      hint=f'add it, e.g. inputs: {{{name}: "float32[2,3]"}} (a tensor type) '
                                           "or a literal value")
    out = []
    for name in names:
        try:
            out.append((name, input_spec(given[name])))
        except RuleValidationError as exc:
            raise exc.located(where(name)) from None
    return tuple(out)

