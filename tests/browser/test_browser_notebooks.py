"""The notebooks in a real browser: JupyterLab 4 + ipywidgets 8 + the system Chromium.

Runs notebook 01, checks the graph SVG has one ``g.node`` per graph node and that a click
selects a node; runs notebook 03, moves a slider and checks that the graph and the verdict
change. Screenshots are written to tests/browser/artifacts/.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.browser

FIRST_WAIT = 90_000     # ms: cold JupyterLab and the first kernel on 2 cores
WAIT = 30_000

ALL_CELLS_RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


def open_notebook(page, lab, name: str) -> None:
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=FIRST_WAIT)
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count():
        dialog.first.click()
    sidebar = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if sidebar.count():            # collapse the file browser: more room for the widgets
        sidebar.first.click()


SOME_CELL_STARTED = """() => [...document.querySelectorAll(
  '.jp-Notebook .jp-CodeCell .jp-InputPrompt')].some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""


def run_all_cells(page, timeout: int = 240_000) -> None:
    """Run > Run All Cells, again if the kernel was not ready to take the first request."""
    page.wait_for_selector(".jp-StatusBar-TextItem:has-text('Idle')", timeout=FIRST_WAIT)
    for attempt in range(3):
        first = page.locator(".jp-Notebook .jp-CodeCell").first
        first.scroll_into_view_if_needed()
        first.locator(".jp-InputPrompt").click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(SOME_CELL_STARTED, timeout=20_000)
            break
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"failure-run-all-{attempt}.png"))
            if attempt == 2:
                raise
    try:
        page.wait_for_function(ALL_CELLS_RAN, timeout=timeout)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure-run-all.png"))
        raise
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=timeout)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                          " .jp-RenderedText:has-text('Traceback')")
    assert errors.count() == 0, errors.first.inner_text()


def screenshot(page, locator, name: str) -> None:
    locator.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    locator.screenshot(path=str(ARTIFACTS / name))


def graph_state(explorer) -> tuple[str, str]:
    graph = explorer.locator(".fhe-graph").first
    return graph.inner_html(), explorer.locator(".fhe-verdict-header").first.get_attribute(
        "data-compatible")


def test_quickstart_graph_has_one_element_per_node_and_clicks_select(page, lab):
    open_notebook(page, lab, "01_quickstart.ipynb")
    saved = page.locator(".jp-OutputArea .fhe-explorer-static").first
    saved.wait_for(state="attached", timeout=WAIT)   # saved outputs: readable without a kernel
    saved.scroll_into_view_if_needed()
    screenshot(page, saved, "01_saved_static.png")
    image = saved.locator(".fhe-graph img").first
    assert image.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    run_all_cells(page)
    explorer = page.locator(".fhe-explorer").first
    explorer.wait_for(state="attached", timeout=WAIT)
    explorer.scroll_into_view_if_needed()
    assert page.locator(".fhe-explorer-static").count() == 0    # live widgets replaced them
    graph = explorer.locator(".fhe-graph").first
    graph.locator("svg g.node").first.wait_for(timeout=WAIT)
    expected = int(graph.get_attribute("data-node-count"))
    assert expected == 5                                # x, [2], matmul, 2, add
    assert graph.locator("svg g.node").count() == expected
    assert "FHE-compatible" in explorer.locator(".fhe-verdict-header").first.inner_text()
    screenshot(page, explorer, "01_quickstart_explorer.png")

    lookup_explorer = page.locator(".fhe-explorer").nth(1)
    lookup_explorer.scroll_into_view_if_needed()
    lookup_graph = lookup_explorer.locator(".fhe-graph").first
    count = int(lookup_graph.get_attribute("data-node-count"))
    assert lookup_graph.locator("svg g.node").count() == count
    assert lookup_graph.locator("svg g.node.lookup").count() == 2
    lookup_graph.locator("svg g.node:has(title:text-is('n6'))").click()
    lookup_explorer.locator(".fhe-inspector[data-node='6']").wait_for(timeout=WAIT)
    assert lookup_explorer.locator(".fhe-inspector svg.fhe-line-chart").count() == 1
    assert lookup_explorer.locator(".fhe-inspector svg.fhe-histogram").count() == 1
    assert lookup_graph.locator("svg g.node.selected title").text_content() == "n6"
    screenshot(page, lookup_explorer, "01_quickstart_lookup_selected.png")

    content = lookup_explorer.locator(".fhe-graph-widget .fhe-content").first
    before = content.evaluate("el => el.style.transform")
    lookup_explorer.locator(".fhe-zoombar button", has_text="+").first.click()
    zoomed = content.evaluate("el => el.style.transform")
    assert zoomed != before and "scale(" in zoomed
    box = lookup_explorer.locator(".fhe-graph-widget .fhe-box").first.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] - 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + box["height"] - 60, steps=5)
    page.mouse.up()
    assert content.evaluate("el => el.style.transform") != zoomed       # panned


def test_tuning_slider_redraws_graph_and_verdict(page, lab):
    open_notebook(page, lab, "03_tuning_quantization.ipynb")
    run_all_cells(page)
    explorer = page.locator(".fhe-explorer").first
    explorer.wait_for(state="attached", timeout=WAIT)
    explorer.scroll_into_view_if_needed()
    explorer.locator(".fhe-graph svg g.node").first.wait_for(timeout=WAIT)
    screenshot(page, explorer, "03_tuning_before.png")
    before_svg, before_verdict = graph_state(explorer)
    before_accuracy = explorer.locator(".fhe-accuracy").inner_text()

    # rounding_bits → 0: the activation lookups read the unrounded accumulators
    slider = explorer.locator(".widget-slider",
                              has=page.locator("label", has_text="rounding_bits"))
    readout = slider.locator(".widget-readout")
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(12):
        if readout.inner_text().strip() == "0":
            break
        handle.press("ArrowLeft")
        page.wait_for_timeout(120)
    assert readout.inner_text().strip() == "0"
    explorer.locator(".fhe-verdict-header[data-compatible='false']").wait_for(timeout=WAIT)
    explorer.locator(".fhe-graph svg g.node.broken").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(300)                     # the rest of the redraw's messages
    after_svg, after_verdict = graph_state(explorer)
    assert before_verdict == "true" and after_verdict == "false"
    assert after_svg != before_svg, "the graph was not redrawn"
    assert "accuracy" in explorer.locator(".fhe-accuracy").inner_text()
    assert "accuracy" in before_accuracy
    screenshot(page, explorer, "03_tuning_after.png")

    # a verdict item selects its node in the graph; the inspector shows the lookup's table
    explorer.locator(".fhe-verdict-item[data-node='3']").click()
    explorer.locator(".fhe-inspector[data-node='3']").wait_for(timeout=WAIT)
    explorer.locator(".fhe-graph svg g.node.selected:has(title:text-is('n3'))").wait_for(
        timeout=WAIT)
    assert explorer.locator(".fhe-inspector svg.fhe-line-chart").count() == 1
    assert "10-bit" in explorer.locator(".fhe-inspector").inner_text()
    screenshot(page, explorer, "03_tuning_broken_selected.png")
    page.screenshot(path=str(ARTIFACTS / "03_tuning_page.png"), full_page=False)


def test_run_panel_runs_encrypted_in_the_background(page, lab):
    open_notebook(page, lab, "04_encrypted_inference.ipynb")
    run_all_cells(page)
    explorer = page.locator(".fhe-explorer").first
    explorer.wait_for(state="attached", timeout=WAIT)
    explorer.scroll_into_view_if_needed()
    explorer.locator(".lm-TabBar-tab", has_text="Run").first.click()
    sample = explorer.locator(".widget-inline-hbox", has=page.locator("label", has_text="sample"))
    field = sample.locator("input").first
    field.fill("9")
    field.press("Enter")
    explorer.locator("button", has_text="Compile & run encrypted").click()
    explorer.locator(".fhe-output[data-kind='encrypted (decrypted)']:text-is('21')").wait_for(
        timeout=120_000)                                    # 9 * 9 // 4 + 1, decrypted
    assert explorer.locator(".fhe-output[data-kind='simulated (FHE)']").inner_text() == "21"
    explorer.locator(".fhe-stage[data-stage='done']").wait_for(timeout=WAIT)
    assert "lwe_dimension" in explorer.inner_text()
    screenshot(page, explorer, "04_run_panel.png")
