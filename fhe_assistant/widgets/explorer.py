"""``Explorer``: the assistant's widget. A thin view over ``Session`` — every event calls one
session method and puts the strings it returns on screen."""
from __future__ import annotations

import time
import traceback

import ipywidgets

from . import html
from .clickable import ClickableHTML
from .render import GraphvizMissing
from .run_panel import RunPanel
from .session import Session

_FULL = ipywidgets.Layout(width="100%")


class Explorer(ipywidgets.VBox):
    """Graph, node inspector, verdict, node table, tuning sliders and run panel."""

    def __init__(self, session: Session, graph_height: int = 460):
        self.session = session
        self.header = ipywidgets.HTML(layout=_FULL)
        self.status = ipywidgets.HTML()
        self.sliders: dict[str, ipywidgets.IntSlider] = {}
        for knob in session.target.knobs:
            slider = ipywidgets.IntSlider(
                value=session.snapshot.settings[knob.name], min=knob.minimum,
                max=knob.maximum, step=knob.step, description=knob.name,
                continuous_update=False, style={"description_width": "initial"},
                tooltip=knob.description)
            slider.observe(self._on_slider, "value")
            self.sliders[knob.name] = slider
        self.sweep_button = ipywidgets.Button(
            description=f"plot against {session.target.sweep_name}" if session.target.knobs
            else "", icon="line-chart", layout=ipywidgets.Layout(width="220px"))
        self.sweep_button.on_click(lambda _: self.plot_sweep())
        self.sweep_plot = ipywidgets.HTML()
        self.waterfall = ipywidgets.HTML()      # accuracy per stage (torch / ONNX targets)
        self.legend = ipywidgets.HTML(html.legend_html(session.verdict.limit))
        self.graph = ClickableHTML(on_event=self.handle_event, zoomable=True, height=graph_height,
                                   layout=_FULL)
        self.graph.add_class("fhe-graph-widget")
        self.picker = ipywidgets.Dropdown(description="node", layout=ipywidgets.Layout(
            width="240px", min_width="160px", flex="1 1 auto"),
            style={"description_width": "40px"})
        self.picker.observe(self._on_pick, "value")
        self.expand_button = ipywidgets.Button(
            description="expand fused", icon="expand", disabled=True,
            tooltip="show the fused subgraph",
            layout=ipywidgets.Layout(width="auto", min_width="140px", flex="0 0 auto"))
        self.expand_button.on_click(lambda _: self.toggle_expanded())
        self.inspector = ipywidgets.HTML(layout=_FULL)
        self.verdict = ClickableHTML(on_event=self.handle_event)
        self.table = ClickableHTML(on_event=self.handle_event)
        self.text = ipywidgets.HTML()
        self.run_panel = RunPanel(self)
        self.tabs = ipywidgets.Tab([self.verdict, self.table, self.run_panel, self.text])
        for index, title in enumerate(("Compatibility", "Nodes", "Run", "Text")):
            self.tabs.set_title(index, title)
        children = [self.header]
        if self.sliders:
            children.append(ipywidgets.VBox([
                ipywidgets.HBox(list(self.sliders.values()) + [self.sweep_button],
                                layout=ipywidgets.Layout(flex_flow="row wrap")),
                ipywidgets.HBox([self.sweep_plot, self.waterfall],
                                layout=ipywidgets.Layout(flex_flow="row wrap"))]))
        graph_column = ipywidgets.VBox([self.legend, self.graph],
                                       layout=ipywidgets.Layout(flex="3 1 0%", min_width="0"))
        side_column = ipywidgets.VBox(
            [ipywidgets.HBox([self.picker, self.expand_button],
                             layout=ipywidgets.Layout(flex_flow="row wrap")), self.inspector],
            layout=ipywidgets.Layout(flex="2 1 0%", min_width="0", padding="0 0 0 8px"))
        children += [ipywidgets.HBox([graph_column, side_column], layout=_FULL), self.tabs,
                     self.status]
        super().__init__(children, layout=_FULL)
        self.add_class("fhe-explorer")
        self.refresh()

    # -- events (each is one session call then a redraw) -----------------------------------
    def handle_event(self, event: dict) -> None:
        kind = event.get("kind")
        if kind == "select":
            self.select(int(event["node"]))
        elif kind == "toggle":
            self.select(int(event["node"]))
            self.toggle_expanded()
        elif kind == "block":
            self.session.toggle_block(int(event["block"]))
            self.graph.html = self.graph_html()
        elif kind == "sort":
            self.session.sort(str(event["column"]))
            self.table.html = self.session.table_html()

    def _on_slider(self, change) -> None:
        name = next(n for n, s in self.sliders.items() if s is change["owner"])
        if self.session.snapshot.settings.get(name) != change["new"]:
            self.set(**{name: change["new"]})

    def _on_pick(self, change) -> None:
        if change["new"] is not None and change["new"] != self.session.selected:
            self.select(change["new"])

    # -- actions -----------------------------------------------------------------------------
    def set(self, **settings: int) -> None:
        """Change knobs (as a slider does): re-trace, verdict, accuracy, redraw."""
        start = time.perf_counter()
        try:
            self.session.update(**settings)
        except Exception as error:  # a build that fails at this setting: say so, keep the last
            self.status.value = (f'<pre style="color:#e5484d">build failed for {settings}:\n'
                                 f'{html.esc(_short_traceback(error))}</pre>')
            return
        for name, value in self.session.snapshot.settings.items():
            slider = self.sliders.get(name)
            if slider is not None and slider.value != value:
                slider.value = value
        self.refresh(start)

    def select(self, node_id: int | None) -> None:
        self.session.select(node_id)
        self._refresh_selection()

    def toggle_expanded(self) -> None:
        if self.session.selected is not None:
            self.session.toggle_expanded(self.session.selected)
            self._refresh_selection()

    def plot_sweep(self, values=None) -> str:
        if not self.session.target.knobs:
            return ""
        self.sweep_button.disabled = True
        try:
            self.session.sweep(values)
            self.sweep_plot.value = self.session.sweep_svg()
        finally:
            self.sweep_button.disabled = False
        return self.sweep_plot.value

    # -- drawing -----------------------------------------------------------------------------
    def graph_html(self) -> str:
        session = self.session
        try:
            svg = session.svg()
        except GraphvizMissing as error:
            svg = f'<pre style="color:#e5484d">{html.esc(str(error))}</pre>'
        return (f'<div class="fhe-graph" data-node-count="{len(session.program.graph.graph)}" '
                f'data-compatible="{str(session.verdict.compatible).lower()}">{svg}</div>')

    def refresh(self, started: float | None = None) -> None:
        started = time.perf_counter() if started is None else started
        session = self.session
        self.header.value = session.header_html()
        self.legend.value = html.legend_html(session.verdict.limit)
        self.verdict.html = session.verdict_html()
        self.picker.unobserve(self._on_pick, "value")
        self.picker.options = [("—", None)] + session.node_options()
        self.picker.value = session.selected
        self.picker.observe(self._on_pick, "value")
        self.text.value = (f'<pre style="font-size:12px;max-height:360px;overflow:auto">'
                           f'{html.esc(str(session.program))}</pre>')
        self.run_panel.reset()
        if self.sweep_plot.value:
            self.sweep_plot.value = session.sweep_svg()
        self.waterfall.value = session.waterfall_html()
        self._refresh_selection()
        total = time.perf_counter() - started
        timings = " · ".join(f"{k} {v * 1e3:.0f}" for k, v in session.snapshot.timings.items())
        self.status.value = (f'<span class="fhe-timing" style="color:#888;font-size:11px">'
                             f'updated in {total * 1e3:.0f} ms ({timings} ms)</span>')

    def _refresh_selection(self) -> None:
        session = self.session
        self.graph.html = self.graph_html()
        self.inspector.value = session.details_html()
        self.table.html = session.table_html()
        self.verdict.html = session.verdict_html()
        if self.picker.value != session.selected:
            self.picker.unobserve(self._on_pick, "value")
            self.picker.value = session.selected
            self.picker.observe(self._on_pick, "value")
        selected = session.selected
        has_subgraph = (selected is not None and
                        "subgraph" in session.program.graph.graph[selected].attrs)
        self.expand_button.disabled = not has_subgraph
        self.expand_button.description = ("collapse fused" if selected in session.expanded
                                          else "expand fused")

    def static_html(self) -> str:
        """What a saved notebook shows without a kernel: header, legend, graph, inspector,
        verdict (SVGs as images: sanitizers of untrusted notebooks drop inline SVG)."""
        inspector = self.inspector.value if self.session.selected is not None else ""
        return html.svgs_as_images(
                f'<div class="fhe-explorer-static">{self.header.value}{self.sweep_plot.value}'
                f'{self.waterfall.value}'
                f'{self.legend.value}<div style="display:flex;gap:12px;align-items:flex-start">'
                f'<div style="flex:3;min-width:0;overflow:auto">{self.graph_html()}</div>'
                f'<div style="flex:2;min-width:0">{inspector}</div></div>'
                f'{self.verdict.html}{self._run_html()}</div>')

    def _run_html(self) -> str:
        panel = self.run_panel
        if not panel.columns:
            return ""
        return (f'<div class="fhe-run-static" style="margin-top:6px">{panel.outputs.value}'
                f'<div style="display:flex;gap:24px;margin-top:4px">{panel.facts.value}'
                f'{panel.timings.value}</div></div>')

    def __repr__(self) -> str:
        """Outside Jupyter (a terminal, a log): what the explorer shows, in a few lines."""
        session = self.session
        verdict = session.verdict
        graph = session.program.graph
        settings = ", ".join(f"{k}={v}" for k, v in session.snapshot.settings.items())
        lines = [f"<fhe explorer: {verdict.headline} ({verdict.summary})"
                 + (f"; {settings}" if settings else "") + ">"]
        lines += [f"  ⚠ {warning}" for warning in verdict.warnings]
        if session.selected is not None:
            lines.append(f"  selected: {graph.graph[session.selected].label} "
                         f"(%{session.selected})")
        lines.append("  display it in Jupyter for the graph, inspector and sliders; "
                     "print(explorer.session.program) for the text form")
        return "\n".join(lines)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        verdict = self.session.verdict
        bundle["text/plain"] = f"fhe explorer: {verdict.headline} ({verdict.summary})"
        bundle["text/html"] = self.static_html()
        return bundle


def _short_traceback(error: Exception) -> str:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return "".join(lines[-4:])
