"""The explorer's state and logic without any widget: what a slider move, a click or a sort
does, as plain method calls returning HTML/SVG strings (tested without a browser; the widget
classes only forward events here and put the strings on screen).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..core.dtypes import Integer
from . import html
from .charts import histogram_svg, line_chart_svg, waterfall_svg
from .dot import graph_dot
from .inspect import lookup_plot, node_details, node_values, value_histogram
from .render import dot_to_svg
from .table import COLUMNS, node_rows
from .targets import Built, Target
from .verdict import Verdict, verdict_of


@dataclass(eq=False)
class Snapshot:
    """One setting's program and everything derived from it."""

    settings: dict[str, int]
    built: Built
    verdict: Verdict
    timings: dict[str, float] = field(default_factory=dict)
    values: dict[int, np.ndarray] | None = None
    fhe_stages: dict[str, float] = field(default_factory=dict)   # waterfall, after a compile

    @property
    def program(self):
        return self.built.program

    @property
    def accuracy(self) -> float | None:
        return self.built.accuracy


@dataclass(frozen=True, slots=True)
class SweepPoint:
    value: int
    accuracy: float | None
    max_bit_width: int
    max_lookup_bit_width: int
    compatible: bool


class SweepPoints(list):
    """The points of a sweep (a list of :class:`SweepPoint`) that reads as a table: text
    outside Jupyter, an HTML table inside; ``to_dataframe()`` gives the pandas frame."""

    def to_dataframe(self):
        import pandas as pd

        columns = ["value", "accuracy", "max_bit_width", "max_lookup_bit_width", "compatible"]
        return pd.DataFrame([[getattr(p, c) for c in columns] for p in self], columns=columns)

    def __repr__(self) -> str:
        return repr(self.to_dataframe()) if self else "SweepPoints([])"

    def _repr_html_(self) -> str:
        return self.to_dataframe().to_html(index=False)


def accuracy_text(snapshot: Snapshot) -> str:
    if snapshot.accuracy is None:
        return ""
    return f"accuracy {snapshot.accuracy:.1%}"


class Session:
    """Holds the target, the current setting and selection; computes every view."""

    def __init__(self, target: Target, settings: Mapping[str, int] | None = None):
        self.target = target
        self.selected: int | None = None
        self.expanded: set[int] = set()
        self.collapsed: set[int] = set()       # indices of layer groups drawn as one box
        self.sort_by, self.ascending = "bit_width", False
        self.sweep_points: list[SweepPoint] = []
        self.sweep_settings: dict[str, int] = {}
        self.snapshot = self.compute({**target.defaults(), **(settings or {})})

    # -- settings ----------------------------------------------------------------------------
    def compute(self, settings: Mapping[str, int]) -> Snapshot:
        """Re-trace (which measures bounds), then the verdict and the accuracy."""
        settings = {k.name: k.clamp(settings.get(k.name, k.default)) for k in self.target.knobs}
        start = time.perf_counter()
        built = self.target.build(settings)
        traced = time.perf_counter()
        verdict = verdict_of(built.program, self.target.warnings(built))
        done = time.perf_counter()
        accuracy = built.extra.get("seconds_accuracy", 0.0)
        timings = {"trace+bounds": traced - start - accuracy, "verdict": done - traced}
        if built.accuracy is not None:
            timings["accuracy"] = accuracy
        return Snapshot(settings, built, verdict, timings)

    def update(self, **settings: int) -> Snapshot:
        """Apply a slider change; the selection is kept when the node still exists."""
        self.snapshot = self.compute({**self.snapshot.settings, **settings})
        if self.selected is not None and self.selected >= len(self.program.graph.graph):
            self.selected = None
        self.expanded = {i for i in self.expanded if i < len(self.program.graph.graph)}
        return self.snapshot

    @property
    def program(self):
        return self.snapshot.program

    @property
    def verdict(self) -> Verdict:
        return self.snapshot.verdict

    # -- interactions ------------------------------------------------------------------------
    def select(self, node_id: int | None) -> None:
        if node_id is not None and not 0 <= node_id < len(self.program.graph.graph):
            raise IndexError(f"no node %{node_id}")
        self.selected = node_id

    def toggle_expanded(self, node_id: int) -> bool:
        """Show or hide a fused lookup's subgraph; returns whether it is now expanded."""
        node = self.program.graph.graph[node_id]
        if "subgraph" not in node.attrs:
            return False
        self.expanded ^= {node_id}
        return node_id in self.expanded

    def toggle_block(self, index: int) -> bool:
        """Collapse a layer group (a cluster of the graph) into one box, or expand it back;
        returns whether it is now collapsed."""
        self.collapsed ^= {int(index)}
        return int(index) in self.collapsed

    def sort(self, column: str) -> None:
        """A header click: sort by ``column``, or reverse when it is already the key."""
        if column == self.sort_by:
            self.ascending = not self.ascending
        else:
            self.sort_by, self.ascending = column, column not in ("bit_width", "is_tlu",
                                                                  "breaks")

    # -- views -------------------------------------------------------------------------------
    def dot(self) -> str:
        view = self.program.graph
        return graph_dot(view.graph, view.bounds, limit=self.verdict.limit,
                         lookup_nodes=view.lookup_nodes, broken=self.verdict.broken_nodes(),
                         selected=self.selected, expanded=self.expanded,
                         collapsed=self.collapsed)

    def svg(self) -> str:
        start = time.perf_counter()
        svg = dot_to_svg(self.dot())
        self.snapshot.timings["dot+svg"] = time.perf_counter() - start
        return svg

    def header_html(self) -> str:
        accuracy = accuracy_text(self.snapshot)
        extra = (f'<span class="fhe-accuracy" style="margin-left:10px;font-weight:bold">'
                 f'{accuracy}</span>' if accuracy else "")
        return html.verdict_header_html(self.verdict, extra)

    def verdict_html(self) -> str:
        return html.verdict_items_html(self.verdict, self.selected)

    def table_html(self) -> str:
        rows = node_rows(self.program, self.sort_by, self.ascending)
        return html.table_html(rows, COLUMNS, sort_by=self.sort_by, ascending=self.ascending,
                               selected=self.selected)

    def values(self) -> dict[int, np.ndarray] | None:
        """Every node's values over the inputset (computed once per setting)."""
        if self.snapshot.values is None and self.snapshot.built.inputset is not None:
            self.snapshot.values = node_values(self.program, self.snapshot.built.inputset)
        return self.snapshot.values

    def details_html(self) -> str:
        if self.selected is None:
            return html.details_html(None)
        node_id = self.selected
        details = node_details(self.program, node_id)
        charts, notes = [], []
        values = self.values()
        if values is not None and node_id in values:
            charts.append(histogram_svg(value_histogram(values[node_id]),
                                        f"values of %{node_id} over the inputset"))
        elif values is None:
            notes.append("pass the inputset to see value histograms")
        plot = lookup_plot(self.program, node_id, values)
        if plot is not None:
            if plot.series:
                charts.append(line_chart_svg(plot.x, plot.series, step=True,
                                             title=f"table of %{node_id}",
                                             x_label=f"input %{plot.operand_id}"))
            if plot.note:
                notes.append(plot.note)
        node = self.program.graph.graph[node_id]
        if "subgraph" in node.attrs:
            state = "shown" if node_id in self.expanded else "hidden"
            notes.append(f"fused subgraph {state} in the graph (toggle with “expand”)")
        return html.details_html(details, charts, notes)

    def node_options(self) -> list[tuple[str, int]]:
        """(label, id) pairs for a node dropdown."""
        options = []
        for node in self.program.graph.graph.nodes:
            dtype = node.spec.dtype
            width = f" {dtype}" if isinstance(dtype, Integer) else ""
            options.append((f"%{node.id} {node.label}{width}", node.id))
        return options

    # -- accuracy waterfall (targets that score a float model: torch / ONNX) ----------------
    def waterfall_stages(self) -> list[tuple[str, float]]:
        """float → quantized from the build, then the stages a compiled circuit adds."""
        built = self.snapshot.built
        return list((built.extra.get("waterfall") or {}).items()) + \
            list(self.snapshot.fhe_stages.items())

    def add_fhe_stages(self, circuit) -> None:
        """Score the setting with the compiled circuit's lookup errors (the run panel calls
        this once it has compiled), so the waterfall shows what FHE noise costs."""
        score = getattr(self.target, "score_with_fhe_errors", None)
        built = self.snapshot.built
        if score is not None and "waterfall" in built.extra and circuit is not None:
            self.snapshot.fhe_stages["with FHE errors"] = score(built, circuit)

    def waterfall_html(self) -> str:
        stages = self.waterfall_stages()
        return waterfall_svg(stages) if stages else ""

    # -- tuning ------------------------------------------------------------------------------
    def sweep(self, values: Iterable[int] | None = None) -> SweepPoints:
        """Accuracy and bit widths at each value of the target's sweep knob (``n_bits``)."""
        target = self.target
        if target.sweep_name is None:
            return SweepPoints()
        values = target.sweep_values() if values is None else values
        points = SweepPoints()
        for value in values:
            built = target.build(target.sweep_setting(self.snapshot.settings, int(value)))
            program = built.program
            points.append(SweepPoint(int(value), built.accuracy,
                                     program.graph.maximum_integer_bit_width(is_encrypted_filter=True),
                                     program.analysis.plan.max_lookup_precision,
                                     program.is_compatible))
        self.sweep_points = points
        self.sweep_settings = dict(self.snapshot.settings)
        return points

    def sweep_svg(self) -> str:
        if not self.sweep_points:
            return ""
        name = self.target.sweep_name
        x = [p.value for p in self.sweep_points]
        series = []
        if any(p.accuracy is not None for p in self.sweep_points):
            series.append(("accuracy", [np.nan if p.accuracy is None else p.accuracy
                                        for p in self.sweep_points]))
        right = [("max bit width", [p.max_bit_width for p in self.sweep_points]),
                 ("max TLU input", [p.max_lookup_bit_width for p in self.sweep_points])]
        svg = line_chart_svg(x, series,
                              title=f"accuracy and bit width against {name}", x_label=name,
                              markers=True, right=right, right_limit=self.verdict.limit,
                              highlight_x=self.target.sweep_position(self.snapshot.settings),
                              width=520,
                              height=190)
        return svg + self.sweep_note()

    def sweep_note(self) -> str:
        """A warning when the knobs the sweep held fixed have moved since."""
        target = self.target
        swept = set(target.sweep_setting({}, 0))
        changed = {k: v for k, v in self.sweep_settings.items()
                   if k not in swept and self.snapshot.settings.get(k) != v}
        if not changed:
            return ""
        text = ", ".join(f"{k}={v}" for k, v in changed.items())
        return (f'<div class="fhe-sweep-note" style="color:#b35c00;font-size:11px">'
                f'plotted with {html.esc(text)}: press the button again to update</div>')
