"""The explorer without a browser: events go in, widget state comes out."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from widget_programs import CONFIGURATION, build_quantized, relu_half, too_wide

from fhe_assistant.widgets import explore
from fhe_assistant.widgets.explore import make_target
from fhe_assistant.widgets.html import images_as_svgs
from fhe_assistant.widgets.runner import Progress, run_encrypted
from fhe_assistant.widgets.targets import CompilerTarget, FunctionTarget, ProgramTarget


def test_explore_a_decorated_function():
    explorer = explore(relu_half, np.arange(16), configuration=CONFIGURATION)
    assert 'data-compatible="true"' in explorer.header.value
    assert explorer.graph.html.count('class="node') == 9
    assert 'data-node-count="9"' in explorer.graph.html
    assert explorer.graph.zoomable and not explorer.sliders
    assert "Click a node" in explorer.inspector.value
    assert [label for label, _ in explorer.picker.options][:2] == ["—", "%0 x uint4"]
    assert "%8 = floor_divide(%6, %7)" in explorer.text.value
    assert "updated in" in explorer.status.value


def test_clicks_select_nodes_everywhere():
    explorer = explore(relu_half, np.arange(16), configuration=CONFIGURATION)
    explorer.handle_event({"kind": "select", "node": 6})
    assert explorer.session.selected == 6 and explorer.picker.value == 6
    assert 'class="fhe-inspector" data-node="6"' in explorer.inspector.value
    assert "fhe-histogram" in explorer.inspector.value
    assert "fhe-line-chart" in explorer.inspector.value          # the lookup's table
    assert "selected" in explorer.graph.html
    assert 'data-node="6" style="cursor:pointer;background:#fff1dc"' in explorer.table.html
    explorer.picker.value = 2                                     # the dropdown
    assert explorer.session.selected == 2 and "%2 multiply" in explorer.inspector.value


def test_verdict_items_select_their_node_and_fused_lookups_expand():
    explorer = explore(too_wide, np.arange(64), configuration=CONFIGURATION)
    assert explorer.verdict.html.count('class="fhe-verdict-item"') == 3
    assert "not FHE-compatible: 3 nodes to fix" in explorer.header.value
    explorer.handle_event({"kind": "select", "node": 1})           # a click on an item
    assert not explorer.expand_button.disabled
    explorer.handle_event({"kind": "toggle", "node": 1})           # a double click
    assert explorer.session.expanded == {1} and "n1s0" in explorer.graph.html
    assert explorer.expand_button.description == "collapse fused"
    explorer.toggle_expanded()
    assert explorer.session.expanded == set() and "n1s0" not in explorer.graph.html


def test_header_clicks_sort_the_node_table():
    explorer = explore(too_wide, np.arange(64), configuration=CONFIGURATION)
    assert explorer.session.sort_by == "bit_width" and not explorer.session.ascending
    explorer.handle_event({"kind": "sort", "column": "id"})
    assert (explorer.session.sort_by, explorer.session.ascending) == ("id", True)
    first_row = explorer.table.html.index("<tbody><tr")
    assert explorer.table.html[first_row:].startswith('<tbody><tr data-node="0"')
    explorer.handle_event({"kind": "sort", "column": "id"})
    assert explorer.session.ascending is False


def test_sliders_retrace_and_redraw():
    explorer = explore(build_quantized, sliders={"n_bits": (2, 8), "rounding": (0, 4)})
    assert set(explorer.sliders) == {"n_bits", "rounding"}
    assert explorer.session.verdict.compatible
    svg_before = explorer.graph.html
    explorer.sliders["n_bits"].value = 5                           # a slider move
    assert explorer.session.snapshot.settings == {"n_bits": 5, "rounding": 0}
    assert not explorer.session.verdict.compatible
    assert explorer.graph.html != svg_before and "broken" in explorer.graph.html
    assert 'data-compatible="false"' in explorer.header.value
    assert "accuracy 100.0%" in explorer.header.value
    explorer.set(rounding=2)
    assert explorer.sliders["rounding"].value == 2 and explorer.session.verdict.compatible
    timings = explorer.session.snapshot.timings
    assert {"trace+bounds", "verdict", "accuracy", "dot+svg"} <= set(timings)


def test_selection_survives_a_slider_move_and_the_sweep_plots():
    explorer = explore(build_quantized, sliders={"n_bits": (2, 8)})
    explorer.select(2)
    explorer.set(n_bits=5)
    assert explorer.session.selected == 2 and "%2 matmul" in explorer.inspector.value
    svg = explorer.plot_sweep()
    assert "accuracy and bit width against n_bits" in svg
    points = explorer.session.sweep_points
    assert [p.value for p in points] == list(range(2, 9))
    assert [p.compatible for p in points] == [True, True, True, False, False, False, False]


def test_a_failing_build_keeps_the_last_good_state():
    def build(n_bits=3):
        if n_bits > 4:
            raise ValueError("too many bits for this example")
        return build_quantized(n_bits)

    explorer = explore(build, sliders={"n_bits": (2, 6)})
    explorer.set(n_bits=5)
    assert "too many bits" in explorer.status.value
    assert explorer.session.snapshot.settings == {"n_bits": 3}


def test_static_html_for_saved_notebooks():
    explorer = explore(relu_half, np.arange(16), configuration=CONFIGURATION)
    explorer.select(6)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("fhe explorer: FHE-compatible (9 nodes")
    static = bundle["text/html"]
    assert "<svg" not in static and images_as_svgs(static)[0].count('class="node') == 9
    assert len(images_as_svgs(static)) == 3                        # graph, histogram, table
    assert 'class="fhe-inspector" data-node="6"' in static


def test_targets_for_each_kind_of_argument(relu_program):
    assert isinstance(make_target(relu_half, np.arange(16)), CompilerTarget)
    assert isinstance(make_target(relu_program), ProgramTarget)
    assert isinstance(make_target(build_quantized, sliders={"n_bits": (2, 4)}), FunctionTarget)
    plain = make_target(lambda x: x + 1, np.arange(4))
    assert isinstance(plain, CompilerTarget)
    assert plain.build({}).program.is_compatible
    with pytest.raises(TypeError, match="inputset"):
        make_target(relu_half)
    with pytest.raises(TypeError, match="cannot explore"):
        make_target(42)


def test_run_panel_simulates_without_compiling():
    explorer = explore(too_wide, np.arange(64), configuration=CONFIGURATION)
    assert explorer.run_panel.run_button.disabled                  # not compatible
    explorer.run_panel.sample.value = 3
    columns = explorer.run_panel.simulate()
    expected = too_wide.function(3)
    assert columns == {"clear (numpy)": expected, "simulated (exact)": expected}
    assert "fhe-output" in explorer.run_panel.outputs.value


class FakeRuntime:
    def __init__(self, graph, block: threading.Event | None = None):
        self.graph, self.block = graph, block
        self.last_timings = SimpleNamespace(stages={"bootstrap": 0.5, "total": 0.6})

    def run(self, keys, values, on_node):
        for node in self.graph.nodes:
            on_node(node)
            if self.block is not None:
                self.block.wait(5)
        return [values[0] + 1]


class FakeCircuit:
    """The circuit API the run panel uses, without the TFHE backend."""

    def __init__(self, program, block=None):
        self.analysis = program.analysis
        self.keys_generated = False
        self.evaluation_keys = "keys"
        self.runtime = FakeRuntime(program.analysis.lowered, block)

    def keygen(self):
        self.keys_generated = True

    def encrypt(self, *args):
        return args[0] * 10

    def decrypt(self, value):
        return value // 10


def test_encrypted_run_reports_every_stage(relu_program):
    events: list[Progress] = []
    record = run_encrypted(FakeCircuit(relu_program), (4,), events.append)
    stages = [e.stage for e in events]
    assert stages[0] == "keygen" and stages[1] == "encrypt" and stages[-2:] == ["decrypt", "done"]
    assert [s for s in stages if s.startswith("PBS")] == ["PBS layer 1/2", "PBS layer 2/2"]
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert record.outputs == 4 and record.pbs_count == 2 and not record.cancelled
    assert {"keygen", "encrypt", "run", "decrypt", "run: bootstrap"} <= set(record.seconds)


def test_encrypted_run_can_be_cancelled(relu_program):
    cancel, block = threading.Event(), threading.Event()
    events: list[Progress] = []
    circuit = FakeCircuit(relu_program, block)
    worker = threading.Thread(target=lambda: events.append(
        run_encrypted(circuit, (4,), events.append, cancel)))
    worker.start()
    cancel.set()
    block.set()
    worker.join(10)
    record = events[-1]
    assert record.cancelled and record.outputs is None
    assert events[-2].stage == "cancelled"


def test_run_panel_compiles_runs_and_shows_outputs_side_by_side(monkeypatch):
    from fhe_assistant.widgets import run_panel

    explorer = explore(relu_half, np.arange(16), configuration=CONFIGURATION)
    monkeypatch.setattr(run_panel, "compile_built", lambda built: FakeCircuit(built.program))
    monkeypatch.setattr(FakeCircuit, "simulate", lambda self, *a: 99, raising=False)
    monkeypatch.setattr(run_panel, "circuit_facts",
                        lambda circuit: ({"lwe_dimension": 512}, {"evaluation keys": "1 MiB"}))
    panel = explorer.run_panel
    panel.sample.value = 7
    assert panel.sample.max == 15 and not panel.run_button.disabled
    thread = panel.compile_and_run()                               # background, as the button
    record = panel.wait(10)
    assert not thread.is_alive() and record.error == "" and not record.cancelled
    assert panel.columns == {"clear (numpy)": relu_half.function(7), "simulated (FHE)": 99,
                             "encrypted (decrypted)": 7}
    assert panel.progress.value == 1.0 and panel.progress.bar_style == "success"
    assert "lwe_dimension" in panel.facts.value and "parameter choice" in panel.timings.value
    assert panel.cancel_button.disabled and not panel.run_button.disabled


def test_built_in_models_get_width_rounding_and_pruning_sliders():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from fhe_assistant import ml

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = ml.MLPClassifier(hidden_layer_sizes=(8,), max_iter=2000, random_state=0, n_bits=4,
                             rounding_threshold_bits=6).fit(X[:400], y[:400])
    # the 8-bit limit makes the unrounded 10-bit accumulator break (16 bits would take it)
    explorer = explore(model, X[400:], y[400:],
                       configuration=CONFIGURATION)
    assert list(explorer.sliders) == ["input_bits", "weight_bits", "output_bits",
                                      "rounding_bits", "pruning_percent"]
    assert explorer.session.verdict.compatible
    accuracy = explorer.session.snapshot.accuracy
    assert 0.8 < accuracy <= 1.0
    explorer.sliders["rounding_bits"].value = 0
    assert not explorer.session.verdict.compatible and "broken" in explorer.graph.html
    explorer.set(rounding_bits=6, pruning_percent=50)
    assert explorer.session.verdict.compatible
    points = explorer.session.sweep()
    assert [p.value for p in points] == list(range(2, 9))
    assert explorer.plot_sweep().count("<polyline") == 3


def test_launcher_opens_jupyterlab_on_the_notebooks(capsys):
    from fhe_assistant.widgets import launch

    folder = launch.find_notebooks()
    assert folder is not None and (folder / "01_quickstart.ipynb").is_file()
    assert launch.main(["--dry-run", "--no-browser", "--port", "8899"]) == 0
    line = capsys.readouterr().out
    assert "-m jupyter lab" in line and f"--ServerApp.root_dir={folder}" in line
    assert "--port=8899" in line and "--no-browser" in line
    assert line.strip().endswith("01_quickstart.ipynb")
    assert launch.problems() == []
