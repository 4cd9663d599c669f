"""A picture of a graph: Graphviz DOT text, with the nodes a rewrite made highlighted.

No dependency: render it with ``dot -Tsvg graph.dot -o graph.svg`` where Graphviz is installed.

>>> import torch, torch.fx as fx
>>> gm = fx.symbolic_trace(lambda x: torch.relu(x))
>>> print(to_dot(gm).splitlines()[0])
digraph "<lambda>" {
>>> print(to_dot(gm).splitlines()[3])
  "relu" [label="relu\\nrelu", shape=box];

See Also:
    rewrite.front.cli: ``python -m rewrite apply ... --dot out.dot``.
"""

from __future__ import annotations

import torch.fx as fx

__all__ = ["to_dot"]

_SHAPES = {"placeholder": "invhouse", "output": "house", "get_attr": "note"}


def _quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, newlines as DOT's ``\\n`` line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def _label(node: fx.Node) -> str:
    target = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
    rule = node.meta.get("rewrite_rule")
    return f"{node.name}\n{target}" + (f"\n[{rule}]" if rule else "")


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
