"""``ClickableHTML``: HTML/SVG that reports clicks to Python, with optional zoom and pan.

A thin anywidget: Python sets ``html``; a click on an element with ``data-node`` or on a
Graphviz node (``<g class="node"><title>n12</title>``) sends ``{"kind": "select",
"node": 12}``, a double click ``{"kind": "toggle", …}`` (on a layer group, its box ``b3`` or
its frame ``cluster_b3``: ``{"kind": "block", "block": 3}``), a click on ``data-sort`` sends
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

// A collapsed layer group (node ``b3``) or the frame of an expanded one (``cluster_b3``).
function blockOf(target) {
  const g = target.closest("g.node, g.cluster");
  const title = g && g.querySelector("title");
  const match = title && /^(?:cluster_)?b(\d+)$/.exec(title.textContent.trim());
  return match ? parseInt(match[1], 10) : null;
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
  const more = document.createElement("div");
  more.className = "fhe-more";
  more.style.cssText = "position:absolute;left:0;right:0;bottom:0;z-index:2;display:none;" +
    "text-align:center;font:bold 11px sans-serif;color:#444;padding:8px 3px 3px;" +
    "pointer-events:none;background:linear-gradient(rgba(252,252,252,0)," +
    "rgba(252,252,252,1) 55%);";
  const apply = () => {
    if (!zoomable) return;
    content.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    const svg = content.querySelector("svg");
    if (!svg) return;
    const below = view.y + (svg.height.baseVal.value || 0) * view.scale - box.clientHeight;
    const right = view.x + (svg.width.baseVal.value || 0) * view.scale - box.clientWidth;
    const hidden = [below > 4 ? "below" : "", right > 4 ? "to the right" : ""].filter(Boolean);
    more.textContent = hidden.length ?
      `more ${hidden.join(" and ")}: scroll, or drag the graph` : "";
    more.style.display = hidden.length ? "block" : "none";
  };
  // Fit: the whole graph when that keeps its text legible (scale >= MIN_SCALE: Graphviz's
  // 14 pt labels stay >= 10 px); otherwise fit to the width (never below MIN_SCALE), let the
  // box grow to its height limit, and show what lies below (wheel or drag to reach it).
  const MIN_SCALE = 0.75;
  const fit = () => {
    const svg = content.querySelector("svg");
    if (!svg) return;
    const w = svg.width.baseVal.value || 1, h = svg.height.baseVal.value || 1;
    const tallest = model.get("height");
    const bw = box.clientWidth || 600;
    let s = Math.min(1.3, bw / w, (tallest - 12) / h);
    if (s < MIN_SCALE) s = Math.max(MIN_SCALE, Math.min(1, bw / w));
    box.style.height = `${Math.max(160, Math.min(tallest, h * s + 24))}px`;
    const bh = box.clientHeight || 400;
    view.scale = s;
    view.x = Math.max(0, (bw - w * s) / 2);
    view.y = Math.max(0, Math.min(12, (bh - h * s) / 2));
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
    box.appendChild(more);
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
      if (!(e.ctrlKey || e.metaKey)) {
        // a plain wheel pans the graph while there is more of it that way, then the page
        const svg = content.querySelector("svg");
        if (!svg) return;
        const h = svg.height.baseVal.value * view.scale, w = svg.width.baseVal.value * view.scale;
        const dy = e.deltaY, dx = e.deltaX;
        const canY = (dy > 0 && view.y + h > box.clientHeight) || (dy < 0 && view.y < 0);
        const canX = (dx > 0 && view.x + w > box.clientWidth) || (dx < 0 && view.x < 0);
        if (!canY && !canX) return;
        e.preventDefault();
        if (canY) view.y = Math.min(Math.max(view.y - dy, box.clientHeight - h - 12), 12);
        if (canX) view.x = Math.min(Math.max(view.x - dx, box.clientWidth - w - 12), 12);
        view.touched = true;
        apply();
        return;
      }
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
    const block = blockOf(e.target);
    if (block !== null) { model.send({ kind: "block", block }); return; }
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
