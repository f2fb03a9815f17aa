"""The notebook assistant: ipywidgets views over the library (nothing imports this package).

``explore`` opens the assistant; ``graph_svg`` / ``graph_html`` draw a graph, program or
circuit statically. The pure data-preparation functions (DOT text, colours, histograms,
verdict items, run stages) live in the submodules and are tested without a browser.
"""
from .explore import explore
from .reprs import graph_dot_of, graph_html, graph_svg

__all__ = ["explore", "graph_dot_of", "graph_html", "graph_svg"]
