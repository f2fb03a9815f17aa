"""``FHEProgram``: a traced, measured program — compatible with FHE or not (yet)."""
from __future__ import annotations

import numpy as np

from ..core.dtypes import Integer
from ..core.errors import CompilationError
from .configuration import Configuration
from .graph_view import GraphView
from .inputs import InputSlot, batch_of_arguments, call_arguments
from .pipeline import ProgramAnalysis
from .simulation import simulate_exact


def _integer(dtype) -> Integer:
    """An input's integer type (a float input, legal only while tracing, shows as int64)."""
    return dtype if isinstance(dtype, Integer) else Integer(64, True)


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

    def _input_slots(self) -> list[InputSlot]:
        """Shapes only: the exact simulation wraps nothing, values are not range-checked."""
        graph = self.analysis.lowered
        return [InputSlot(name, graph[i].spec.shape, graph[i].is_encrypted,
                          _integer(graph[i].spec.dtype), wraps=False)
                for name, i in zip(self.input_names, graph.inputs)]

    @staticmethod
    def _results(outputs: list[np.ndarray], batched: bool):
        results = [o if batched else o[0] for o in outputs]
        results = [r.item() if isinstance(r, (np.ndarray, np.generic)) and np.ndim(r) == 0
                   else r for r in results]
        return results[0] if len(results) == 1 else tuple(results)

    def _simulate(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return simulate_exact(self.analysis.lowered, self.analysis.lowered_bounds, inputs)

    def simulate(self, *args):
        """Run one call on clear integers; an argument whose shape is not the input's is
        refused (``ValueError``, Concrete's text), never read as a batch: see
        ``simulate_batch``."""
        return self._results(self._simulate(call_arguments(args, self._input_slots())), False)

    def simulate_batch(self, *args):
        """Run ``n`` calls at once: every argument has a leading axis of ``n`` samples;
        results have the same leading axis (one vectorized evaluation, not a loop)."""
        return self._results(self._simulate(batch_of_arguments(args, self._input_slots())),
                             True)

    def __call__(self, *args):
        """Evaluate the traced graph on one call's clear values (Concrete's ``Graph.__call__``)."""
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
