"""Pictures of graphs: Graphviz DOT text, and a before/after SVG or HTML page with the changes highlighted.

No dependency. ``to_dot`` is rendered with ``dot -Tsvg graph.dot -o graph.svg`` where Graphviz is
installed; ``before_after_svg`` / ``before_after_html`` lay the graphs out themselves (one row per depth,
linear in the graph's size) and are opened in any browser: the nodes a rewrite removed or changed are red
on the left, the nodes it made are green on the right.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.relu(x))
>>> print(to_dot(gm).splitlines()[0])
digraph "<lambda>" {
>>> print(to_dot(gm).splitlines()[3])
  "relu" [label="relu\\nrelu", shape=box];
>>> before = snapshot(gm)
>>> svg = before_after_svg(before, snapshot(gm))
>>> svg.startswith("<svg") and "relu" in svg
True

See Also:
    rewrite.front.cli: ``python -m rewrite apply ... --dot out.dot --html diff.html --svg diff.svg``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import torch.fx as fx

__all__ = ["to_dot", "GraphSnapshot", "NodeView", "snapshot", "changes", "before_after_svg", "before_after_html"]

_SHAPES = {"placeholder": "invhouse", "output": "house", "get_attr": "note"}


def _quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, newlines as DOT's ``\\n`` line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def _target(node: fx.Node) -> str:
    target = node.target
    return target if isinstance(target, str) else getattr(target, "__name__", str(target))


def _label(node: fx.Node) -> str:
    rule = node.meta.get("rewrite_rule")
    return f"{node.name}\n{_target(node)}" + (f"\n[{rule}]" if rule else "")


def to_dot(gm: fx.GraphModule, name: str | None = None) -> str:
    """DOT text for ``gm``'s graph; nodes made by a rule (``meta['rewrite_rule']``) are filled."""
    lines = [f"digraph {_quote(name or type(gm).__name__)} {{", "  node [fontname=monospace, shape=box];"]
    for node in gm.graph.nodes:
        style = ', style=filled, fillcolor="#c6e9c6"' if "rewrite_rule" in node.meta else ""
        shape = _SHAPES.get(node.op, "box")
        lines.append(f"  {_quote(node.name)} [label={_quote(_label(node))}, shape={shape}{style}];")
        for source in node.all_input_nodes:
            lines.append(f"  {_quote(source.name)} -> {_quote(node.name)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class NodeView:
    """One node as a picture needs it: name, kind (``node.op``), target, input names, the rule that made it."""

    name: str
    op: str
    target: str
    inputs: tuple[str, ...]
    rule: str | None = None


@dataclass(frozen=True)
class GraphSnapshot:
    """A graph's nodes in order, detached from the graph (take one before ``apply`` changes it)."""

    nodes: tuple[NodeView, ...]


def snapshot(gm: fx.GraphModule) -> GraphSnapshot:
    """The nodes of ``gm``'s graph as plain values (linear; cheap next to an apply)."""
    return GraphSnapshot(tuple(NodeView(n.name, n.op, _target(n), tuple(s.name for s in n.all_input_nodes),
                                        n.meta.get("rewrite_rule")) for n in gm.graph.nodes))


def changes(before: GraphSnapshot, after: GraphSnapshot) -> tuple[frozenset, frozenset]:
    """(names of before's nodes that were removed or changed, names of after's nodes that are new or changed).

    A node is changed when its name stays but its target or inputs differ (a rewrite that retargets the
    matched root keeps its name), or when a rule made it.

    >>> a = GraphSnapshot((NodeView("x", "placeholder", "x", ()), NodeView("neg", "call_function", "neg", ("x",))))
    >>> b = GraphSnapshot((NodeView("x", "placeholder", "x", ()),))
    >>> changes(a, b)
    (frozenset({'neg'}), frozenset())
    """
    old = {n.name: n for n in before.nodes}
    new = {n.name: n for n in after.nodes}

    def same(a: NodeView, b: NodeView | None) -> bool:
        return b is not None and (a.op, a.target, a.inputs) == (b.op, b.target, b.inputs)

    removed = frozenset(n.name for n in before.nodes if not same(n, new.get(n.name)))
    made = frozenset(n.name for n in after.nodes if n.rule is not None or not same(n, old.get(n.name)))
    return removed, made


_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _COLUMNS, _MARGIN = 150, 34, 20, 30, 12, 20
_STYLE = {"plain": ("#ffffff", "#8a8a8a"), "removed": ("#f8d0d0", "#c0392b"), "new": ("#c6e9c6", "#2e7d32")}


def _layout(graph: GraphSnapshot) -> tuple[dict, int, int]:
    """Positions (x, y of the box's top-left) per node name: one band per depth, at most _COLUMNS wide."""
    depth: dict[str, int] = {}
    bands: dict[int, list[str]] = {}
    for node in graph.nodes:
        d = 1 + max((depth[i] for i in node.inputs if i in depth), default=-1)
        depth[node.name] = d
        bands.setdefault(d, []).append(node.name)
    where, row, width = {}, 0, 0
    for d in sorted(bands):
        names = bands[d]
        for start in range(0, len(names), _COLUMNS):
            for col, name in enumerate(names[start:start + _COLUMNS]):
                where[name] = (col * (_BOX_W + _GAP_X), row * (_BOX_H + _GAP_Y))
            width = max(width, min(len(names), _COLUMNS) * (_BOX_W + _GAP_X) - _GAP_X)
            row += 1
    return where, max(width, _BOX_W), max(row * (_BOX_H + _GAP_Y) - _GAP_Y, _BOX_H)


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _panel(graph: GraphSnapshot, marked: frozenset, mark: str, dx: int, dy: int, title: str) -> tuple[list, int, int]:
    """SVG elements for one graph at offset (dx, dy): a title, the edges, then the boxes on top."""
    where, width, height = _layout(graph)
    shown: dict[str, str] = {}  # escaped text, once per distinct target (a graph repeats a few targets)

    def text(value: str) -> str:
        found = shown.get(value)
        if found is None:
            found = shown[value] = escape(value)
        return found

    parts = [f'<text x="{dx}" y="{dy - 8}" class="title">{escape(title)}</text>']
    half = _BOX_W // 2
    for node in graph.nodes:
        x2, y2 = where[node.name]
        for source in node.inputs:
            if source in where:
                x1, y1 = where[source]
                parts.append(f'<line x1="{dx + x1 + half}" y1="{dy + y1 + _BOX_H}" x2="{dx + x2 + half}" '
                             f'y2="{dy + y2}" class="edge"/>')
    for node in graph.nodes:
        x, y = where[node.name]
        fill, stroke = _STYLE[mark if node.name in marked else "plain"]
        rule = f" [{node.rule}]" if node.rule else ""
        name = text(node.name)
        parts.append(f'<g><title>{name}: {node.op} {text(node.target)}{text(rule)}</title><rect x="{dx + x}" '
                     f'y="{dy + y}" width="{_BOX_W}" height="{_BOX_H}" rx="4" fill="{fill}" stroke="{stroke}"/>'
                     f'<text x="{dx + x + 6}" y="{dy + y + 14}">{text(_short(node.name))}</text>'
                     f'<text x="{dx + x + 6}" y="{dy + y + 28}" class="target">'
                     f'{text(_short(node.target + rule))}</text></g>')
    return parts, width, height


def before_after_svg(before: GraphSnapshot, after: GraphSnapshot, title: str = "") -> str:
    """One SVG with both graphs side by side: removed or changed nodes red (left), new ones green (right).

    >>> a = GraphSnapshot((NodeView("x", "placeholder", "x", ()), NodeView("neg", "call_function", "neg", ("x",))))
    >>> b = GraphSnapshot((NodeView("x", "placeholder", "x", ()),))
    >>> svg = before_after_svg(a, b)
    >>> svg.count('fill="#f8d0d0"'), svg.count('fill="#c6e9c6"')
    (1, 0)
    """
    removed, made = changes(before, after)
    top = _MARGIN + 24 + (20 if title else 0)
    left, lw, lh = _panel(before, removed, "removed", _MARGIN, top,
                          f"before: {len(before.nodes)} nodes, {len(removed)} removed or changed")
    right, rw, rh = _panel(after, made, "new", _MARGIN + lw + 4 * _GAP_X, top,
                           f"after: {len(after.nodes)} nodes, {len(made)} new or changed")
    width, height = _MARGIN * 2 + lw + 4 * _GAP_X + rw, top + max(lh, rh) + _MARGIN
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
            "<style>.edge{stroke:#9a9a9a;stroke-width:1} .title{font-size:14px;font-weight:bold} "
            ".target{fill:#555}</style>",
            f'<rect width="{width}" height="{height}" fill="#fcfcfc"/>']
    if title:
        head.append(f'<text x="{_MARGIN}" y="{_MARGIN + 10}" class="title">{escape(title)}</text>')
    return "\n".join(head + left + right + ["</svg>"]) + "\n"


def before_after_html(before: GraphSnapshot, after: GraphSnapshot, title: str = "fx-rewrite: before / after",
                      summary: str = "") -> str:
    """A self-contained HTML page (no script, no network) around :func:`before_after_svg`, with a legend.

    >>> page = before_after_html(GraphSnapshot(()), GraphSnapshot(()), summary="0 rewrites")
    >>> page.startswith("<!DOCTYPE html>") and "0 rewrites" in page
    True
    """
    legend = ('<p><span style="background:#f8d0d0;border:1px solid #c0392b">&nbsp;removed or changed&nbsp;</span> '
              '<span style="background:#c6e9c6;border:1px solid #2e7d32">&nbsp;new or changed (the rule in '
              'brackets)&nbsp;</span> hover a node for its target</p>')
    body = escape(summary).replace("\n", "<br>\n")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head>\n"
            "<body style=\"font-family:sans-serif\">\n<h1 style=\"font-size:18px\">" + escape(title) + "</h1>\n"
            + legend + "\n<pre>" + body + "</pre>\n<div style=\"overflow:auto\">\n"
            + before_after_svg(before, after) + "</div>\n</body></html>\n")
