"""``ClickableHTML``: HTML/SVG that reports clicks to Python, with optional zoom and pan.

A thin anywidget: Python sets ``html``; a click on an element with ``data-node`` or on a
Graphviz node (``<g class="node"><title>n12</title>``) sends ``{"kind": "select",
"node": 12}``, a double click ``{"kind": "toggle", …}``, a click on ``data-sort`` sends
``{"kind": "sort", "column": …}``. Without anywidget it degrades to a plain
``ipywidgets.HTML`` (no clicks; the explorer's dropdown still selects nodes).
"""
from __future__ import annotations

from collections.abc import Callable

import ipywidgets
import traitlets

_ESM = r"""
function nodeOf(target) {
  const item = target.closest("[data-node]");
  if (item && !item.classList.contains("fhe-inspector")) {
    return parseInt(item.getAttribute("data-node"), 10);
  }
  const g = target.closest("g.node");
  if (g) {
    const title = g.querySelector("title");
    const match = title && /^n(\d+)/.exec(title.textContent.trim());
    if (match) return parseInt(match[1], 10);
  }
  return null;
}

function render({ model, el }) {
  const zoomable = model.get("zoomable");
  const box = document.createElement("div");
  const content = document.createElement("div");
  box.className = "fhe-box";
  content.className = "fhe-content";
  box.appendChild(content);
  el.appendChild(box);
  const view = { scale: 1, x: 0, y: 0, touched: false };
  const apply = () => {
    if (zoomable) content.style.transform =
      `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  };
  const fit = () => {
    const svg = content.querySelector("svg");
    if (!svg) return;
    const w = svg.width.baseVal.value || 1, h = svg.height.baseVal.value || 1;
    const tallest = model.get("height");
    box.style.height = `${Math.max(160, Math.min(tallest, h * 1.3 + 24))}px`;
    const bw = box.clientWidth || 600, bh = box.clientHeight || 400;
    let s = Math.min(1.3, bw / w, (bh - 12) / h);
    if (s < 0.55) s = Math.min(0.55, bw / w);
    view.scale = s;
    view.x = Math.max(0, (bw - w * s) / 2);
    view.y = Math.max(0, (bh - h * s) / 2);
    view.touched = false;
    apply();
  };
  const zoom = (factor, cx, cy) => {
    const s = Math.min(4, Math.max(0.05, view.scale * factor));
    view.x = cx - (cx - view.x) * (s / view.scale);
    view.y = cy - (cy - view.y) * (s / view.scale);
    view.scale = s;
    view.touched = true;
    apply();
  };
  if (zoomable) {
    box.style.cssText = `position:relative;overflow:hidden;height:${model.get("height")}px;` +
      "border:1px solid #ddd;border-radius:6px;background:#fcfcfc;cursor:grab;";
    content.style.cssText = "transform-origin:0 0;position:absolute;left:0;top:0;";
    const bar = document.createElement("div");
    bar.className = "fhe-zoombar";
    bar.style.cssText = "position:absolute;right:6px;top:6px;z-index:2;display:flex;gap:3px;";
    for (const [label, action, tip] of [["+", () => zoom(1.25, box.clientWidth / 2,
        box.clientHeight / 2), "zoom in (or ctrl + wheel)"], ["−", () => zoom(0.8,
        box.clientWidth / 2, box.clientHeight / 2), "zoom out"], ["fit", fit, "fit"]]) {
      const b = document.createElement("button");
      b.textContent = label;
      b.title = tip;
      b.style.cssText = "min-width:26px;height:22px;border:1px solid #bbb;border-radius:4px;" +
        "background:white;cursor:pointer;font-size:12px;padding:0 5px;";
      b.addEventListener("click", (e) => { e.stopPropagation(); action(); });
      bar.appendChild(b);
    }
    box.appendChild(bar);
    let drag = null;
    box.addEventListener("pointerdown", (e) => {
      if (e.target.closest(".fhe-zoombar")) return;
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (drag.moved) {
        view.x = drag.vx + dx; view.y = drag.vy + dy; view.touched = true; apply();
        box.style.cursor = "grabbing";
      }
    });
    window.addEventListener("pointerup", () => {
      if (drag && drag.moved) box.dataset.justDragged = "1";
      drag = null; box.style.cursor = "grab";
    });
    box.addEventListener("wheel", (e) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      const r = box.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
  }
  el.addEventListener("click", (e) => {
    if (box.dataset.justDragged) { delete box.dataset.justDragged; return; }
    const sort = e.target.closest("[data-sort]");
    if (sort) { model.send({ kind: "sort", column: sort.getAttribute("data-sort") }); return; }
    const node = nodeOf(e.target);
    if (node !== null) model.send({ kind: "select", node });
  });
  el.addEventListener("dblclick", (e) => {
    const node = nodeOf(e.target);
    if (node !== null) model.send({ kind: "toggle", node });
    else if (zoomable) fit();
  });
  const draw = () => {
    content.innerHTML = model.get("html");
    if (zoomable && !view.touched) requestAnimationFrame(fit); else apply();
  };
  model.on("change:html", draw);
  draw();
}
export default { render };
"""

try:
    import anywidget

    class ClickableHTML(anywidget.AnyWidget):
        _esm = _ESM
        html = traitlets.Unicode("").tag(sync=True)
        zoomable = traitlets.Bool(False).tag(sync=True)
        height = traitlets.Int(460).tag(sync=True)

        def __init__(self, on_event: Callable[[dict], None] | None = None, **kwargs):
            super().__init__(**kwargs)
            self._on_event = on_event
            self.on_msg(self._receive)

        def _receive(self, _widget, content, _buffers) -> None:
            if self._on_event is not None and isinstance(content, dict):
                self._on_event(content)

    CLICKS = True
except ImportError:  # pragma: no cover - anywidget is a dependency; this keeps a fallback
    class ClickableHTML(ipywidgets.HTML):  # type: ignore[no-redef]
        html = traitlets.Unicode("")
        zoomable = traitlets.Bool(False)
        height = traitlets.Int(460)

        def __init__(self, on_event=None, **kwargs):
            super().__init__(**kwargs)
            self._on_event = on_event
            self.value = self.html
            self.observe(lambda change: setattr(self, "value", change["new"]), "html")

    CLICKS = False
