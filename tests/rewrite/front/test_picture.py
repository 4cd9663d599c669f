"""Before/after pictures: what counts as changed, a layout whose edges all point down and whose boxes never overlap,
self-contained SVG/HTML (a Hypothesis property over random graphs)."""

import torch
import torch.fx as fx
from hypothesis import given, settings, strategies as st

import rewrite
from rewrite.front.picture import (GraphSnapshot, NodeView, _BOX_H, _BOX_W, _layout, before_after_html,
                                   before_after_svg, changes, snapshot)


def test_a_rewrite_marks_the_removed_nodes_left_and_the_new_right():
    gm = fx.symbolic_trace(lambda x: torch.relu(torch.neg(torch.neg(x))) * torch.sigmoid(x))
    before = snapshot(gm)
    rewrite.apply(gm, rewrite.load("std:std"))
    after = snapshot(gm)
    removed, made = changes(before, after)
    assert {"neg", "neg_1"} <= removed
    assert all(n.name in made for n in after.nodes if n.rule)  # every node a rule made is marked new
    assert "x" not in removed and "x" not in made  # the input is untouched
    svg = before_after_svg(before, after, "title")
    assert svg.count('fill="#f8d0d0"') == len(removed) and svg.count('fill="#c6e9c6"') == len(made)


def test_the_html_page_is_self_contained_and_escapes_names():
    graph = GraphSnapshot((NodeView("x<&>", "placeholder", "x", ()),))
    page = before_after_html(graph, graph, title="a <b> title", summary="1 & 2")
    assert "<script" not in page and "a &lt;b&gt; title" in page and "1 &amp; 2" in page and "x&lt;&amp;&gt;" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched


@st.composite
def graphs(draw):
    count = draw(st.integers(1, 60))
    nodes = []
    for i in range(count):
        inputs = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        nodes.append(NodeView(f"n{i}", "call_function", "f", tuple(f"n{j}" for j in inputs)))
    return GraphSnapshot(tuple(nodes))


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_layout_edges_point_down_and_boxes_do_not_overlap(graph):
    where, width, height = _layout(graph)
    assert set(where) == {n.name for n in graph.nodes}
    for node in graph.nodes:
        for source in node.inputs:
            assert where[source][1] < where[node.name][1]  # an input is drawn above its user
    spots = sorted(where.values())
    for (x1, y1), (x2, y2) in zip(spots, spots[1:]):
        assert (x1, y1) != (x2, y2)
    for x, y in spots:
        assert 0 <= x <= width - _BOX_W and 0 <= y <= height - _BOX_H
