"""Static rich displays of graphs, programs and circuits (no kernel needed to read them).

``GraphView._repr_svg_`` and ``FHEProgram._repr_html_`` call ``repr_svg`` / ``repr_html``
(imported lazily inside those methods); both return None when Graphviz is missing, so
Jupyter falls back to the text display.
"""
from __future__ import annotations

from . import html
from .dot import graph_dot
from .render import GraphvizMissing, dot_to_svg
from .runner import circuit_facts
from .verdict import verdict_of


def _view_and_program(obj):
    """(GraphView, program or None) from a GraphView, FHEProgram or Circuit."""
    if hasattr(obj, "analysis") and hasattr(obj, "graph"):
        return obj.graph, obj
    if hasattr(obj, "bounds") and hasattr(obj, "graph"):
        return obj, None
    raise TypeError(f"expected a GraphView, FHEProgram or Circuit, got {type(obj).__name__}")


def graph_dot_of(obj, selected: int | None = None, expanded=()) -> str:
    """DOT text of a graph view, program or circuit, red where the program breaks FHE."""
    view, program = _view_and_program(obj)
    broken, limit = {}, 8
    if program is not None:
        verdict = verdict_of(program)
        broken, limit = verdict.broken_nodes(), verdict.limit
    return graph_dot(view.graph, view.bounds, limit=limit, lookup_nodes=view.lookup_nodes,
                     broken=broken, selected=selected, expanded=expanded)


def graph_svg(obj, selected: int | None = None, expanded=()) -> str:
    """The graph as an SVG string (raises ``GraphvizMissing`` without ``dot``)."""
    return dot_to_svg(graph_dot_of(obj, selected, expanded))


def graph_html(obj) -> str:
    """Legend and graph (and for a program its verdict; for a circuit its parameters).

    The graph is an ``<img>`` of the SVG, which survives the sanitizers of untrusted
    notebooks and GitHub (``graph_svg`` gives the inline SVG)."""
    view, program = _view_and_program(obj)
    svg = graph_svg(obj)
    parts = ['<div class="fhe-static">']
    if program is not None:
        verdict = verdict_of(program)
        parts.append(html.verdict_header_html(verdict))
        parts.append(html.legend_html(verdict.limit))
    else:
        parts.append(html.legend_html())
    parts.append(f'<div class="fhe-graph" data-node-count="{len(view.graph)}" '
                 f'style="max-width:100%;overflow:auto">{svg}</div>')
    if program is not None:
        if not verdict.compatible:
            parts.append(html.verdict_items_html(verdict))
        if hasattr(program, "parameters"):
            parameters, sizes = circuit_facts(program)
            parts.append('<div style="display:flex;gap:24px">' +
                         html.key_value_html("parameters", parameters) +
                         html.key_value_html("keys", sizes) + "</div>")
    parts.append("</div>")
    return html.svgs_as_images("".join(parts))


def repr_svg(view) -> str | None:
    """For ``GraphView._repr_svg_``."""
    try:
        return graph_svg(view)
    except GraphvizMissing:
        return None


def repr_html(program) -> str | None:
    """For ``FHEProgram._repr_html_`` (circuits included) and ``GraphView._repr_html_``."""
    try:
        return graph_html(program)
    except GraphvizMissing:
        return None
