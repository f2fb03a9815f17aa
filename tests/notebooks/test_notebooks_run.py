"""Every notebook runs top to bottom in a fresh kernel (nbclient), with outputs asserted."""
from __future__ import annotations

import re

import pytest
from run_notebooks import NOTEBOOKS, cell_text, code_cells, execute

from fhe_assistant.widgets.html import images_as_svgs

pytestmark = pytest.mark.notebook


def run(name: str) -> list[str]:
    notebook = execute(NOTEBOOKS / name)
    texts = [cell_text(cell) for cell in code_cells(notebook)]
    for text in texts:
        assert "Traceback" not in text, text[-3000:]
    return texts


def graph_node_count(html: str) -> int:
    """``g.node`` elements of the first graph (an SVG image) in a static explorer."""
    graph = html[html.index('class="fhe-graph"'):]
    return len(re.findall(r'<g id="[^"]*" class="node', images_as_svgs(graph)[0]))


def test_01_quickstart():
    texts = run("01_quickstart.ipynb")
    assert "max bit width: 4" in texts[0] and "simulate([3]) = 8" in texts[0]
    assert "%4 = add(%2, %3)" in texts[1]
    assert "fhe explorer: FHE-compatible (5 nodes" in texts[2]
    assert graph_node_count(texts[2]) == 5
    assert "2 table lookups" in texts[3] and 'class="fhe-inspector" data-node="6"' in texts[3]
    charts = "".join(images_as_svgs(texts[3]))
    assert "fhe-histogram" in charts and "fhe-line-chart" in charts


def test_02_debugging_bit_widths():
    texts = run("02_debugging_bit_widths.ipynb")
    assert "not FHE-compatible" in texts[1] and "round_bit_pattern" in texts[1]
    # a cell is named as IPython names it, not by the kernel's temporary file
    assert re.search(r"at Cell In\[\d+\], line \d+", texts[1]), texts[1]
    assert "ipykernel_" not in texts[1]
    assert "tlu-too-wide" in texts[2]
    assert texts[3].startswith("CompilationError")
    assert "not FHE-compatible: 1 node to fix" in texts[4]
    assert "FHE-compatible" in texts[5] and "lsbs removed: 2" in texts[5]
    assert "fhe explorer: FHE-compatible" in texts[6]
    assert "max bit width: 8" in texts[7]


def test_03_tuning_quantization():
    texts = run("03_tuning_quantization.ipynb")
    assert "float accuracy" in texts[0]
    assert "fhe explorer: FHE-compatible" in texts[1]
    assert "fhe-line-chart" in "".join(images_as_svgs(texts[1]))          # the sweep
    assert "fhe_compatible" in texts[2]
    lines = [line for line in texts[4].splitlines() if line.strip()]   # streams may split
    assert "'n_bits': 2" in lines[0] and "→ FHE-compatible" in lines[0]
    assert "'n_bits': 5" in lines[1] and "not FHE-compatible" in lines[1]
    assert "'rounding': 3" in lines[2] and "→ FHE-compatible" in lines[2]
    assert "max_lookup_bit_width" in texts[4] and "SweepPoint(" not in texts[4]   # a table
    assert texts[4].count("</tr>") == 8                                 # header + 7 values


@pytest.mark.slow
def test_04_encrypted_inference():
    texts = run("04_encrypted_inference.ipynb")
    assert "1 PBS" in texts[0]
    assert "bootstraps: 1" in texts[1]
    assert "clear: 13  simulated: 13  encrypted: 13" in texts[2]
    assert "encrypted: [ 1  7 26 57]  clear: [ 1  7 26 57]" in texts[3]
    assert "decrypted on the client: 31  clear: 31" in texts[4]
    assert "'encrypted (decrypted)': 7" in texts[5] and "'simulated (FHE)': 7" in texts[5]
    assert 'class="fhe-run-static"' in texts[5] and "lwe_dimension" in texts[5]


def test_binder_installs_the_project_and_opens_the_notebooks():
    binder = NOTEBOOKS.parent / "binder"
    assert "graphviz" in (binder / "apt.txt").read_text().split()
    post_build = (binder / "postBuild").read_text()
    assert 'pip install --no-cache-dir -e ".[notebook]"' in post_build
    assert (binder / "postBuild").stat().st_mode & 0o111
    requirements = (binder / "requirements.txt").read_text()
    assert "jupyterlab" in requirements and "anywidget" in requirements
    assert "notebooks/01_quickstart.ipynb" in requirements
    pyproject = (NOTEBOOKS.parent / "pyproject.toml").read_text()
    assert "notebook = [" in pyproject


def test_notebooks_are_saved_with_a_kernelspec_and_without_widget_views():
    import nbformat

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        assert notebook.metadata["kernelspec"]["name"] == "python3", path.name
        assert "widgets" not in notebook.metadata, path.name
        for cell in code_cells(notebook):
            for output in cell.get("outputs", []):
                assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})


@pytest.mark.slow
def test_05_torch_models():
    pytest.importorskip("torch")
    texts = run("05_torch_models.ipynb")
    assert "float accuracy: 0.9" in texts[0]
    assert "{'conv': {'range': (" in texts[1] and "layer Relu" in texts[1]
    assert "simulated with FHE errors" in texts[2]
    assert "FHE-compatible" in texts[3] and "2 table lookups (37 PBS)" in texts[3]
    assert re.search(r"encrypted prediction: (\d)  simulated: \1", texts[4])
