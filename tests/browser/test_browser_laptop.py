"""The explorer on a 1280×800 laptop screen: the graph's text stays legible (fit to width
with a minimum scale), what does not fit is announced and reachable, layer groups
collapse, the "expand fused" button and the node table's code column are not cut off.
Screenshots: tests/browser/artifacts/laptop_*.png.
"""
from __future__ import annotations

import pytest
from test_browser_notebooks import ARTIFACTS, WAIT, open_notebook, run_all_cells

pytestmark = pytest.mark.browser

#: Smallest rendered height (px) of a graph label's text: Graphviz's 9 pt detail line at
#: the minimum scale 0.75 is about 7 px tall as a text box; the 11 pt title about 9 px.
MIN_TITLE_PX = 8.5

TEXT_HEIGHTS = """svg => [...svg.querySelectorAll('g.node text[font-weight="bold"]')]
  .map(t => t.getBoundingClientRect().height)"""

OUTSIDE = """box => {
  const r = box.getBoundingClientRect();
  return [...box.querySelectorAll('svg g.node')].filter(g => {
    const b = g.getBoundingClientRect();
    return b.bottom > r.bottom + 1 || b.right > r.right + 1 || b.top < r.top - 1;
  }).length;
}"""


OUTPUT_INSIDE = """box => {
  const r = box.getBoundingClientRect();
  const outputs = [...box.querySelectorAll('svg g.node.output')];
  return outputs.length > 0 && outputs.every(g => {
    const b = g.getBoundingClientRect();
    return b.bottom <= r.bottom + 1 && b.top >= r.top - 1;
  });
}"""


def first_explorer(page, lab, name: str):
    """Run the notebook; its first explorer and graph box, scrolled into view."""
    open_notebook(page, lab, name)
    run_all_cells(page)
    explorer = page.locator(".fhe-explorer").first
    explorer.wait_for(state="attached", timeout=WAIT)
    graph_box = explorer.locator(".fhe-graph-widget .fhe-box").first
    graph_box.locator("svg g.node").first.wait_for(timeout=WAIT)
    graph_box.scroll_into_view_if_needed()
    return explorer, graph_box


def test_explorer_is_readable_on_a_laptop_screen(laptop_page, lab):
    page = laptop_page
    explorer, graph_box = first_explorer(page, lab, "03_tuning_quantization.ipynb")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "laptop_03_explorer.png"))

    heights = graph_box.locator("svg").first.evaluate(TEXT_HEIGHTS)
    assert heights and min(heights) >= MIN_TITLE_PX, heights
    hidden = graph_box.evaluate(OUTSIDE)
    more = graph_box.locator(".fhe-more")
    if hidden:             # what does not fit is announced, and the wheel brings it in
        assert more.is_visible() and "more below" in more.inner_text()
        box = graph_box.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(30):           # the wheel pans the graph (not the page) until the end
            if graph_box.evaluate(OUTPUT_INSIDE):
                break
            page.mouse.wheel(0, 120)
            page.wait_for_timeout(60)
        assert graph_box.evaluate(OUTPUT_INSIDE), "the output node was not brought into view"
        assert "below" not in more.inner_text()
        page.screenshot(path=str(ARTIFACTS / "laptop_03_scrolled.png"))
    else:
        assert not more.is_visible()

    explorer.scroll_into_view_if_needed()
    button = explorer.locator("button.widget-button", has_text="expand fused").first
    assert button.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), button.inner_text()
    assert "expand fused" in button.inner_text()

    explorer.locator(".lm-TabBar-tab", has_text="Nodes").first.click()
    table = explorer.locator(".fhe-table").first
    table.wait_for(timeout=WAIT)
    table.scroll_into_view_if_needed()
    fits = table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "laptop_03_nodes_table.png"))
    assert fits, "the node table is wider than its box (code column cut off)"


DEEP_MODEL = """import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
import fhe_assistant as fhe
from fhe_assistant.ml import MLPClassifier
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
model = MLPClassifier(hidden_layer_sizes=(8,) * 8, max_iter=300, random_state=0,
                      n_bits=4, rounding_threshold_bits=6).fit(X, y)
explorer = fhe.explore(model, X[:200], y[:200])
explorer"""


def test_layer_groups_of_a_deep_model_collapse_on_a_laptop_screen(laptop_page, lab):
    """An 8-layer MLP (over 40 nodes): one frame per layer; double-clicking a frame folds
    the layer into one box, double-clicking the box unfolds it."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(DEEP_MODEL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, lab.root / "deep_model.ipynb")
    page = laptop_page
    _, graph_box = first_explorer(page, lab, "deep_model.ipynb")
    clusters = graph_box.locator("svg g.cluster")
    assert clusters.count() >= 6
    assert "hidden layer 1" in clusters.first.inner_html()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "laptop_deep_model.png"))
    before = graph_box.locator("svg g.node").count()
    clusters.first.locator("path, polygon").first.dispatch_event("dblclick")
    folded = graph_box.locator("svg g.node:has(title:text-is('b0'))")
    folded.wait_for(timeout=WAIT)
    assert graph_box.locator("svg g.node").count() < before
    assert "hidden layer 1" in folded.inner_html()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "laptop_deep_model_collapsed.png"))
    folded.locator("path, polygon").first.dispatch_event("dblclick")
    graph_box.locator("svg g.cluster title:text-is('cluster_b0')").wait_for(
        state="attached", timeout=WAIT)
    assert graph_box.locator("svg g.node").count() == before
