"""``FHEProgram``: a traced, measured program — compatible with FHE or not (yet)."""
from __future__ import annotations

import numpy as np

from ..core.errors import CompilationError
from .configuration import Configuration
from .graph_view import GraphView
from .inputs import batch_arguments
from .pipeline import ProgramAnalysis
from .simulation import simulate_exact


class FHEProgram:
    """What ``compiler.trace(inputset)`` returns: graph, bounds, bit widths, compatibility.

    ``simulate`` runs with exact int64 semantics at any bit width, so a program can be
    debugged before it is FHE-compatible.
    """

    def __init__(self, analysis: ProgramAnalysis, configuration: Configuration):
        self.analysis = analysis
        self.configuration = configuration
        plan = analysis.plan
        self.graph = GraphView(analysis.fused, analysis.fused_bounds, frozenset(
            analysis.lowered_to_fused[i] for i in plan.lookups
            if i in analysis.lowered_to_fused), {
            old: plan.precision(new) for old, new in analysis.fused_to_lowered.items()
            if new in plan.partition_of})

    compatibility = property(lambda self: self.analysis.compatibility,
                             doc="Every node that prevents compilation, why, and the fix.")
    passes = property(lambda self: self.analysis.passes,
                      doc="The pipeline's passes in order (name, graph before and after, "
                          "old id -> new id): how the user's graph became what runs.")
    is_compatible = property(lambda self: self.analysis.compatibility.is_compatible,
                             doc="Whether ``compile`` would accept the program.")

    # -- Concrete's ``Graph`` API (``compiler.trace`` returns a Graph there) -----------------
    def format(self, *args, **kwargs) -> str:
        """The printed graph (``GraphView.format``: ``show_bounds``, ``show_tags`` …)."""
        return self.graph.format(*args, **kwargs)

    def maximum_integer_bit_width(self, *args, **kwargs) -> int:
        return self.graph.maximum_integer_bit_width(*args, **kwargs)

    def integer_range(self, *args, **kwargs) -> tuple[int, int] | None:
        return self.graph.integer_range(*args, **kwargs)

    def query_nodes(self, *args, **kwargs):
        return self.graph.query_nodes(*args, **kwargs)

    inputs_count = property(lambda self: self.graph.inputs_count)
    outputs_count = property(lambda self: self.graph.outputs_count)

    @property
    def input_names(self) -> list[str]:
        return self.analysis.lowered.input_names

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        graph = self.analysis.lowered
        return [graph[i].spec.shape for i in graph.inputs]

    def _batched(self, args):
        return batch_arguments(args, self.input_names, self.input_shapes)

    @staticmethod
    def _unbatch(outputs: list[np.ndarray], batched: bool):
        results = [o if batched else o[0] for o in outputs]
        results = [r.item() if isinstance(r, (np.ndarray, np.generic)) and np.ndim(r) == 0
                   else r for r in results]
        return results[0] if len(results) == 1 else tuple(results)

    def simulate(self, *args):
        """Run on clear integers; a leading batch axis on every argument runs a batch."""
        inputs, batched = self._batched(args)
        outputs = simulate_exact(self.analysis.lowered, self.analysis.lowered_bounds, inputs)
        return self._unbatch(outputs, batched)

    def __call__(self, *args):
        """Evaluate the traced graph on clear values (Concrete's ``Graph.__call__``)."""
        return self.simulate(*args)

    def check(self) -> None:
        """Raise one error listing every node that prevents compilation."""
        report = self.analysis.compatibility
        if not report.is_compatible:
            raise CompilationError(f"the function cannot be compiled to FHE, "
                                   f"{len(report.issues)} problem(s):\n  - "
                                   + "\n  - ".join(str(i) for i in report.issues),
                                   list(report.issues))

    def __str__(self) -> str:
        return self.graph.format(show_locations=self.configuration.show_locations)

    def draw(self, *, horizontal: bool = False, save_to=None, show: bool = False):
        """Draw the graph (Concrete's ``circuit.draw``): to ``save_to`` (``.png`` by
        default; ``.svg``, ``.pdf``, ``.dot`` by suffix) or a temporary PNG. Nodes that break
        FHE are red. ``show=True`` also displays it (in Jupyter). Returns the path."""
        from .drawing import save_picture

        path = save_picture(self, save_to, horizontal=horizontal)
        if show:
            try:
                from IPython.display import SVG, Image, display
            except ImportError:
                return path
            display(SVG(filename=str(path)) if path.suffix == ".svg" else Image(str(path)))
        return path

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))
