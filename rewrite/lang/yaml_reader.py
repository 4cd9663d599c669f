"""Safe YAML reading with positions: every mapping, sequence and scalar keeps its file:line:col.

YAML is only *composed* (into nodes) by a :class:`yaml.SafeLoader` subclass;
scalars are then constructed by the safe constructor one by one.  Nothing is
ever built by ``yaml.load``/``unsafe_load``; tags other than the standard safe
ones are rejected.  Duplicate mapping keys, which YAML silently accepts, are
an error here.

>>> doc = read_yaml('ruleset: demo\\nrules:\\n  - id: a\\n', 'f.yaml')
>>> doc.get('rules').items[0].get('id').value, str(doc.get('rules').items[0].get('id').pos)
('a', 'f.yaml:3:9')

See Also
--------
rewrite.lang.loader : builds rules from these values.
"""
from __future__ import annotations

from dataclasses import dataclass

import yaml

from rewrite.errors import RuleSyntaxError, SourcePos

__all__ = ["YValue", "YMap", "YSeq", "read_yaml"]


MAX_NESTING = 100  # YAML collections inside each other: a rule file needs a few levels

# libyaml's C parser when PyYAML has it (the wheels do): scanning in C is most of reading a big rule file
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TooDeep(Exception):
    def __init__(self, mark):
        super().__init__(mark)
        self.mark = mark


def _compose(loader) -> yaml.Node | None:
    """The document's node tree from the parser's events, iteratively (PyYAML's composer recurses once per level
    of nesting), with anchors and aliases, and tags resolved as the safe loader resolves them."""
    loader.get_event()  # StreamStart
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # DocumentStart
    anchors: dict = {}
    stack: list = []  # open collections: (node, pending key for a mapping or None)
    root = None
    while True:
        event = loader.get_event()
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            node = stack.pop()[0]  # (put into its parent when it opened)
            if not stack:
                root = node
            continue
        if isinstance(event, yaml.DocumentEndEvent):
            break
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                                  event.start_mark)
            node = anchors[event.anchor]
        else:
            node = _open(loader, event, stack, anchors)
            if node is None:
                continue  # a collection opened: its items come next
        root = _attach(stack, node, root)
    loader.get_event()  # StreamEnd (a second document is an error, as in yaml.safe_load)
    if not loader.check_event(yaml.StreamEndEvent) and loader.check_event():
        raise yaml.composer.ComposerError("expected a single document", None, "but found another document",
                                          loader.peek_event().start_mark)
    return root


def _open(loader, event, stack, anchors):
    """A scalar's node, or None after opening a collection (pushed on ``stack``)."""
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.ScalarNode, event.value,
                                                                          event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
    else:
        kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
        tag = event.tag if event.tag not in (None, "!") else loader.resolve(kind, None, event.implicit)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        if len(stack) >= MAX_NESTING:
            raise _TooDeep(event.start_mark)
    if event.anchor is not None:
        anchors[event.anchor] = node
    if isinstance(node, yaml.ScalarNode):
        return node
    _attach(stack, node, None)
    stack.append([node, None])
    return None


def _attach(stack, node, root):
    """Put ``node`` into the innermost open collection (a mapping takes keys and values in turn)."""
    if not stack:
        return node
    top = stack[-1]
    parent = top[0]
    if isinstance(parent, yaml.SequenceNode):
        parent.value.append(node)
    elif top[1] is None:
        top[1] = node
    else:
        parent.value.append((top[1], node))
        top[1] = None
    return root


@dataclass(frozen=True)
class YValue:
    """A scalar with its position; ``expr_pos`` is where the text of the scalar starts."""

    value: object
    pos: SourcePos
    expr_pos: SourcePos

    kind = "scalar"


@dataclass(frozen=True)
class YMap:
    """A mapping: ``entries`` are ``(key, key_pos, value)`` in file order."""

    entries: tuple
    pos: SourcePos

    kind = "mapping"

    def keys(self) -> tuple:
        """The keys in file order."""
        return tuple(k for k, _, _ in self.entries)

    def get(self, key, default=None):
        """The value for ``key`` (a YValue, YMap or YSeq), or ``default``."""
        for k, _, v in self.entries:
            if k == key:
                return v
        return default

    def key_pos(self, key) -> SourcePos:
        """Where ``key`` is written."""
        for k, p, _ in self.entries:
            if k == key:
                return p
        return self.pos


@dataclass(frozen=True)
class YSeq:
    """A sequence with its position."""

    items: tuple
    pos: SourcePos

    kind = "sequence"


def _pos(file: str, mark) -> SourcePos:
    return SourcePos(file, mark.line + 1, mark.column + 1)


def _expr_pos(file: str, node: yaml.ScalarNode, lines: list) -> SourcePos:
    mark = node.start_mark
    if node.style in ("'", '"'):
        return SourcePos(file, mark.line + 1, mark.column + 2)
    if node.style in ("|", ">"):
        line = mark.line + 1
        while line < len(lines) and not lines[line].strip():
            line += 1
        text = lines[line] if line < len(lines) else ""
        return SourcePos(file, line + 1, len(text) - len(text.lstrip()) + 1)
    return _pos(file, mark)


def read_yaml(text: str, file: str):
    """Compose ``text`` safely and convert it into YMap/YSeq/YValue with positions.

    Raises :class:`RuleSyntaxError` at the YAML problem's position.

    >>> read_yaml('a: [1, 2', 'f.yaml')
    Traceback (most recent call last):
    ...
    rewrite.errors.RuleSyntaxError: f.yaml:...: YAML syntax error: while parsing a flow sequence ...
    ...

    See Also
    --------
    YMap, YSeq, YValue
    """
    loader = _Loader(text)
    try:
        root = _compose(loader)
        return None if root is None else _convert(root, file, loader, text.splitlines())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(file, mark) if mark is not None else SourcePos(file)
        detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise RuleSyntaxError(f"YAML syntax error: {detail}", pos=where,
                              hint="check indentation, colons and brackets near this position") \
            from None
    except yaml.YAMLError as exc:
        raise RuleSyntaxError(f"YAML error: {exc}", pos=SourcePos(file)) from None
    except _TooDeep as exc:
        raise RuleSyntaxError(f"YAML nested more than {MAX_NESTING} levels deep", pos=_pos(file, exc.mark),
                              hint="a rule file needs a few levels; check for runaway brackets") from None
    finally:
        loader.dispose()


def _convert(root, file, loader, lines):
    """Convert the node tree iteratively (no recursion limit on deeply nested YAML)."""
    out: dict[int, object] = {}
    expanded: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if not ready and (id(node) in out or id(node) in expanded):
            continue  # an alias of a node already converted (or being converted)
        if isinstance(node, yaml.ScalarNode):
            out[id(node)] = _scalar(node, file, loader, lines)
        elif not ready:
            _check_tag(node, file)
            expanded.add(id(node))
            stack.append((node, True))
            stack.extend((k, False) for k in _children(node))
        elif any(id(k) not in out for k in _children(node)):
            raise RuleSyntaxError("recursive YAML alias", pos=_pos(file, node.start_mark),
                                  hint="a value cannot contain an alias of itself")
        elif isinstance(node, yaml.SequenceNode):
            out[id(node)] = YSeq(tuple(out[id(k)] for k in node.value), _pos(file, node.start_mark))
        else:
            out[id(node)] = _mapping(node, file, out)
    return out[id(root)]


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return [n for pair in node.value for n in pair]


def _check_tag(node, file):
    if node.tag not in _SAFE_TAGS:
        raise RuleSyntaxError(f"YAML tag {node.tag!r} is not allowed in a rule file",
                              pos=_pos(file, node.start_mark), hint="remove the tag")


def _scalar(node, file, loader, lines) -> YValue:
    _check_tag(node, file)
    value = loader.construct_object(node, deep=True)
    return YValue(value, _pos(file, node.start_mark), _expr_pos(file, node, lines))


def _mapping(node, file, out) -> YMap:
    entries, seen = [], {}
    for knode, vnode in node.value:
        key = out[id(knode)]
        if not isinstance(key, YValue) or not isinstance(key.value, (str, int, float, bool)):
            raise RuleSyntaxError("mapping keys must be plain scalars",
                                  pos=_pos(file, knode.start_mark))
        if key.value in seen:
            raise RuleSyntaxError(f"duplicate key {key.value!r} (first at line {seen[key.value]})",
                                  pos=key.pos, hint="remove one of the two entries")
        seen[key.value] = key.pos.line
        entries.append((key.value, key.pos, out[id(vnode)]))
    return YMap(tuple(entries), _pos(file, node.start_mark))


_SAFE_TAGS = frozenset("tag:yaml.org,2002:" + t for t in
                       ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))
