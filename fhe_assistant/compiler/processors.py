"""``fhe.GraphProcessor``: user code that inspects the graph during ``compile`` (Concrete's
``additional_pre_processors`` / ``additional_post_processors`` options).

Pre-processors see the user's graph with the bit widths its measured bounds need;
post-processors see it with the widths values are encoded at (each encrypted node the
precision of its partition), i.e. after bit-width assignment. Both get a ``GraphView``
(``fhe.Graph``): ``input_nodes``, ``query_nodes``, ``node.output.dtype`` … A processor can
stop the compilation with :meth:`GraphProcessor.error`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from ..core.dtypes import Integer
from ..core.errors import CompilationError
from ..ir.rewrite import retyped
from .graph_view import GraphView


class GraphProcessor(ABC):
    """Base class of graph processors: implement ``apply(graph)``."""

    @abstractmethod
    def apply(self, graph: GraphView) -> None:
        """Inspect (or reject) ``graph``."""

    @staticmethod
    def error(graph: GraphView, highlights) -> None:
        """Stop the compilation, naming each highlighted node and its message."""
        lines = [f"%{node.id}: {message}" for node, messages in highlights.items()
                 for message in (messages if isinstance(messages, list) else [messages])]
        raise CompilationError("Function you are trying to compile cannot be compiled\n\n"
                               + graph.format() + "\n\n" + "\n".join(lines))


def assigned_view(view: GraphView) -> GraphView:
    """``view`` with each encrypted integer node typed at its encoding precision."""
    dtypes = {i: Integer(width, view.graph[i].spec.dtype.is_signed)
              for i, width in view.assigned_bit_widths.items()
              if isinstance(view.graph[i].spec.dtype, Integer)}
    return GraphView(retyped(view.graph, dtypes), view.bounds, view.lookup_nodes,
                     view.assigned_bit_widths)


def run_processors(configuration, view: GraphView, after_assignment: bool) -> None:
    """Apply the configuration's pre- (or post-) processors to the user's graph."""
    processors = configuration.additional_post_processors if after_assignment else \
        configuration.additional_pre_processors
    if not processors:
        return
    graph = assigned_view(view) if after_assignment else view
    for processor in processors:
        processor.apply(graph)
