"""What a newcomer meets first: progress on long work, locations named as IPython names
them, built-in models' layer labels, pictures as files, readable reprs, the launcher as
root, quantized inputs that simulate takes as they are."""
from __future__ import annotations

import os
import shutil
import types

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.core import progress
from fhe_assistant.widgets import launch


class Recorder:
    def __init__(self):
        self.events = []

    def started(self, task):
        self.events.append(("start", task.description, task.total, task.unit))

    def advanced(self, task):
        self.events.append(("advance", task.done))

    def finished(self, task):
        self.events.append(("end", task.description, task.done))

    def noticed(self, message):
        self.events.append(("notice", message))


def small_lookup():
    @fhe.compiler({"x": "encrypted"})
    def lookup(x):
        return fhe.LookupTable([3, 1, 0, 2])[x]

    return lookup.compile(np.arange(4))


def test_keygen_reports_progress_up_to_the_expected_key_size():
    circuit = small_lookup()
    recorder = Recorder()
    with progress.reporting_to(recorder):
        circuit.keygen(seed=1)
    expected = circuit.statistics["evaluation_keys_bytes"]
    assert recorder.events[0] == ("start", "keygen", expected, "B")
    assert recorder.events[-1] == ("end", "keygen", expected)
    advances = [done for kind, done, *_ in recorder.events if kind == "advance"]
    assert advances == sorted(advances) and len(advances) >= 2


def test_encrypted_batch_reports_one_step_per_sample():
    circuit = small_lookup()
    circuit.keygen(seed=2)
    recorder = Recorder()
    with progress.reporting_to(recorder):
        result = circuit.encrypt_run_decrypt_batch(np.array([0, 1, 2, 3]))
    assert list(result) == [3, 1, 0, 2]
    assert ("start", "encrypted run", 4, "sample") in recorder.events
    assert ("end", "encrypted run", 4) in recorder.events


def test_first_kernel_compilation_is_announced_once():
    from fhe_assistant.backend import compile_notice

    listener = compile_notice._FirstCompilation()
    ours = types.SimpleNamespace(data={"dispatcher": types.SimpleNamespace(
        py_func=types.SimpleNamespace(__module__="fhe_assistant.backend.tfhe.fft"))})
    theirs = types.SimpleNamespace(data={"dispatcher": types.SimpleNamespace(
        py_func=types.SimpleNamespace(__module__="somebody.else"))})
    recorder = Recorder()
    with progress.reporting_to(recorder):
        listener.on_start(theirs)
        listener.on_start(ours)
        listener.on_start(ours)
    assert recorder.events == [("notice", compile_notice.MESSAGE)]
    assert "compiling TFHE kernels (once, ~25 s" in compile_notice.MESSAGE


def test_silenced_and_default_listener():
    recorder = Recorder()
    progress.set_default_listener(lambda: recorder)
    try:
        with progress.task("work", total=2) as step:
            step.advance(2)
        with progress.silenced():
            progress.notice("not shown")
    finally:
        from fhe_assistant import _progress_bars

        progress.set_default_listener(_progress_bars)
    assert recorder.events == [("start", "work", 2, ""), ("advance", 2), ("end", "work", 2)]


def test_a_notebook_cell_is_named_as_ipython_names_it():
    pytest.importorskip("IPython")
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    defined = shell.run_cell("import numpy as np, fhe_assistant as fhe\n"
                             "@fhe.compiler({'x': 'encrypted'})\n"
                             "def wide(x):\n"
                             "    return (x * 7) % 13\n", store_history=True)
    count = defined.execution_count
    failed = shell.run_cell("wide.compile(np.arange(1000), maximum_tlu_bit_width=8)",
                            store_history=True)
    message = str(failed.error_in_exec)
    assert isinstance(failed.error_in_exec, fhe.CompilationError)
    assert f"Cell In[{count}], line 4" in message, message
    assert "ipykernel" not in message and "<ipython-input" not in message
    assert "return (x * 7) % 13" in message


def test_built_in_model_nodes_are_labelled_by_layer():
    from sklearn.datasets import make_classification

    from fhe_assistant.ml import MLPClassifier
    from fhe_assistant.widgets.locations import shown_location

    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=50, random_state=0).fit(X, y)
    model.compile(X)
    graph = model.fhe_circuit.graph.graph
    places = {shown_location(node)[0] for node in graph.nodes if node.op.value != "constant"}
    assert any(p.startswith("hidden layer 1 (4→6") for p in places), places
    assert any(p.startswith("output layer (6→") for p in places), places
    assert not any("test_newcomer.py" in p for p in places), places


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_draw_and_save_write_pictures(tmp_path):
    circuit = small_lookup()
    png = circuit.draw(save_to=tmp_path / "circuit.png")
    assert png == tmp_path / "circuit.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert circuit.draw().suffix == ".png"
    svg = circuit.graph.save(tmp_path / "g.svg")
    assert svg.read_text().lstrip().startswith("<svg") and "lookup_table" in svg.read_text()
    dot = circuit.graph.save(str(tmp_path / "g.dot"))
    assert dot.read_text().startswith("digraph fhe {")
    assert "rankdir=LR" in circuit.graph.save(tmp_path / "h.dot", horizontal=True).read_text()
    with pytest.raises(ValueError, match="cannot save a graph as 'jpg'"):
        circuit.graph.save(tmp_path / "g.jpg")


def test_explore_is_listed_in_dir():
    assert "explore" in dir(fhe) and callable(fhe.explore)


def test_quantized_inputs_go_to_simulate_batch_as_they_are():
    weights = np.linspace(-1, 1, 8).reshape(4, 2)
    quantized = fhe.quantize(lambda x: x @ weights, n_bits=6)
    X = np.random.default_rng(0).uniform(-1, 1, (30, 4))
    circuit = quantized.compile(X)
    integers = quantized.quantize_inputs(X[:5])
    assert isinstance(integers, np.ndarray) and integers.shape == (5, 4)
    floats = quantized.dequantize_outputs(circuit.simulate_batch(integers))
    assert floats.shape == (5, 2)
    np.testing.assert_allclose(floats, quantized(X[:5]))

    two = fhe.quantize(lambda x, y: x * 2 + y, n_bits=6)
    circuit = two.compile(X, X)
    pair = two.quantize_inputs(X[:3], X[:3])
    assert isinstance(pair, tuple) and len(pair) == 2
    assert two.dequantize_outputs(circuit.simulate_batch(pair)).shape == (3, 4)


def test_sweep_points_read_as_a_table_and_explorer_repr_is_short(linear_program):
    pytest.importorskip("ipywidgets")
    from sklearn.datasets import load_iris

    from fhe_assistant.ml import LogisticRegression

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    explorer = fhe.explore(LogisticRegression(n_bits=4).fit(X, y), X, y)
    points = explorer.session.sweep([2, 3])
    text = repr(points)
    assert "accuracy" in text and "max_lookup_bit_width" in text and "SweepPoint(" not in text
    assert "<table" in points._repr_html_() and len(points.to_dataframe()) == 2
    shown = repr(explorer)
    assert shown.startswith("<fhe explorer: FHE-compatible") and "<div" not in shown
    assert len(shown.splitlines()) <= 3 + len(explorer.session.verdict.warnings)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX only")
def test_launcher_passes_allow_root_as_root(capsys, monkeypatch):
    monkeypatch.setattr(launch, "running_as_root", lambda: True)
    assert launch.main(["--dry-run", "--no-browser"]) == 0
    assert "--allow-root" in capsys.readouterr().out
    monkeypatch.setattr(launch, "running_as_root", lambda: False)
    assert launch.main(["--dry-run", "--no-browser"]) == 0
    assert "--allow-root" not in capsys.readouterr().out
    assert launch.main(["--dry-run", "--allow-root"]) == 0
    assert "--allow-root" in capsys.readouterr().out


def test_layer_groups_collapse_into_one_box_with_edges_kept():
    from sklearn.datasets import make_classification

    from fhe_assistant.ml import MLPClassifier
    from fhe_assistant.widgets.dot import graph_dot, repeated_blocks

    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    model = MLPClassifier(hidden_layer_sizes=(8, 8), max_iter=200, random_state=0).fit(X, y)
    model.compile(X)
    view = model.fhe_circuit.graph
    blocks = repeated_blocks(view.graph)
    assert [b.label.split(" (")[0] for b in blocks] == ["hidden layer 1", "hidden layer 2",
                                                        "output layer"]
    whole = graph_dot(view.graph, view.bounds, clusters=True)
    folded = graph_dot(view.graph, view.bounds, clusters=True, collapsed={0})
    assert "subgraph cluster_b0" in whole and "subgraph cluster_b0" not in folded
    assert "b0 [" in folded and "▸ hidden layer 1" in folded
    for node_id in blocks[0].node_ids:
        assert f"n{node_id} [" not in folded and f"n{node_id} ->" not in folded
    assert f"n{view.graph.inputs[0]} -> b0" in folded          # the input still feeds it
    assert any(line.strip().startswith("b0 -> n") for line in folded.splitlines())


def test_verdict_warns_on_degenerate_quantization_and_unscaled_inputs():
    from sklearn.datasets import load_breast_cancer

    from fhe_assistant.ml import LogisticRegression, MLPClassifier

    X, y = load_breast_cancer(return_X_y=True)
    scaled = (X - X.mean(0)) / X.std(0)
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0, n_bits=4,
                          rounding_threshold_bits=6).fit(scaled, y)
    explorer = fhe.explore(model, scaled, y)
    assert explorer.session.verdict.warnings == ()
    explorer.set(weight_bits=1)                  # 1-bit signed weights: all 0
    warnings = explorer.session.verdict.warnings
    assert explorer.session.verdict.compatible
    assert any("quantizes to 0" in w and "weight_bits" in w for w in warnings), warnings
    assert any("no better than chance" in w for w in warnings), warnings
    assert "fhe-warning" in explorer.session.header_html()

    raw = fhe.explore(LogisticRegression(n_bits=4, max_iter=50).fit(X, y), X, y)
    assert any("unscaled" in w and "StandardScaler" in w for w in raw.session.verdict.warnings)


def test_constant_output_of_a_plain_program_is_a_warning():
    from fhe_assistant.widgets.verdict import verdict_of

    @fhe.compiler({"x": "encrypted"})
    def collapsed(x):
        return x // 16

    warnings = verdict_of(collapsed.trace(np.arange(16))).warnings
    assert len(warnings) == 1 and "is 0 for every sample" in warnings[0]


def test_run_panel_shows_keygen_progress_and_says_when_keys_are_reused():
    from fhe_assistant.widgets.runner import run_encrypted

    circuit = small_lookup()
    reports = []
    first = run_encrypted(circuit, (np.int64(2),), reports.append)
    assert first.outputs == 0 and not first.keys_reused
    keygen = [r for r in reports if r.stage == "keygen" and "MiB" in r.message]
    assert keygen and keygen[-1].message.startswith("keygen: ")
    fractions = [r.fraction for r in reports]
    assert all(b >= a - 1e-9 for a, b in zip(fractions, fractions[1:]))
    assert float(first.timings()["keygen"]) > 0

    second = run_encrypted(circuit, (np.int64(3),), [].append)
    assert second.outputs == 2 and second.keys_reused
    assert second.timings()["keygen"] == "reused (generated earlier)"
    assert "keygen" not in second.seconds


FIRST_RUN = """
import numpy as np
import fhe_assistant as fhe
from fhe_assistant.core import progress

notices = []

class Notices:
    def started(self, task): pass
    def advanced(self, task): pass
    def finished(self, task): pass
    def noticed(self, message): notices.append(message)

@fhe.compiler({"x": "encrypted"})
def lookup(x):
    return fhe.LookupTable([3, 1, 0, 2])[x]

circuit = lookup.compile(np.arange(4))
with progress.reporting_to(Notices()):
    circuit.keygen(seed=3)
    assert circuit.encrypt_run_decrypt(2) == 0
print("NOTICES", notices)
"""


@pytest.mark.slow
def test_the_first_run_on_a_fresh_kernel_cache_says_it_compiles(tmp_path):
    """A fresh numba cache (as on a new machine): the first keygen/run announces the
    compilation once; the next process loads the cache and says nothing."""
    import subprocess
    import sys

    environment = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    outputs = [subprocess.run([sys.executable, "-c", FIRST_RUN], env=environment,
                              capture_output=True, text=True, timeout=900)
               for _ in range(2)]
    for output in outputs:
        assert output.returncode == 0, output.stderr[-3000:]
    first, second = (next(line for line in o.stdout.splitlines() if line.startswith("NOTICES"))
                     for o in outputs)
    assert first.count("compiling TFHE kernels (once, ~25 s") == 1, first
    assert second == "NOTICES []"
