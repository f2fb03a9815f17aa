"""Graphviz rendering and the static rich displays (what a saved notebook shows)."""
from __future__ import annotations

import re

import pytest

from fhe_assistant.widgets import graph_html, graph_svg, render
from fhe_assistant.widgets.html import images_as_svgs, svg_image, svgs_as_images
from fhe_assistant.widgets.render import GraphvizMissing, dot_to_svg, svg_size
from fhe_assistant.widgets.reprs import repr_html, repr_svg


def g_nodes(svg: str) -> list[str]:
    return re.findall(r'<g id="[^"]*" class="node[^"]*">\s*<title>([^<]*)</title>', svg)


def test_svg_has_one_g_node_per_graph_node(relu_program):
    svg = graph_svg(relu_program)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert sorted(g_nodes(svg)) == sorted(f"n{i}" for i in range(len(relu_program.graph.graph)))
    width, height = svg_size(svg)
    assert width > 0 and height > 0


def test_svg_of_a_graph_view_alone(linear_program):
    assert len(g_nodes(graph_svg(linear_program.graph))) == 5
    assert repr_svg(linear_program.graph) == graph_svg(linear_program.graph)


def test_html_of_a_program_names_the_problems(wide_program):
    html = graph_html(wide_program)
    assert "<svg" not in html and len(g_nodes(images_as_svgs(html)[0])) == 9
    assert "not FHE-compatible: 3 nodes to fix" in html
    assert html.count('class="fhe-verdict-item"') == 3
    assert "round_bit_pattern" in html and "bit width" in html
    assert repr_html(wide_program) == html


def test_html_of_a_circuit_lists_its_parameters():
    import numpy as np
    from widget_programs import linear_model

    circuit = linear_model.compile(np.arange(4).reshape(-1, 1))
    html = graph_html(circuit)
    assert "FHE-compatible" in html and "parameters" in html and "PBS count" in html
    assert len(g_nodes(images_as_svgs(html)[0])) == 5


def test_inline_svgs_become_images_that_decode_back():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><g class="node"><title>n0</title></g></svg>'
    html = svgs_as_images(f"<p>a</p>{svg}<p>b</p>{svg}")
    assert html.count("<img") == 2 and "<svg" not in html and html.startswith("<p>a</p>")
    assert images_as_svgs(html) == [svg, svg]
    assert svg_image(svg, "graph").startswith('<img alt="graph"')


def test_missing_graphviz_is_a_clear_error_and_reprs_fall_back(monkeypatch, relu_program):
    monkeypatch.setattr(render, "graphviz_available", lambda: False)
    render.dot_to_svg.cache_clear()
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        dot_to_svg("digraph { a }")
    assert repr_svg(relu_program.graph) is None and repr_html(relu_program) is None
    render.dot_to_svg.cache_clear()
