"""Small self-contained SVG charts (no plotting library): histograms and line plots.

They render in a live widget, in a saved notebook and on GitHub alike.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dot import escape_html
from .inspect import Histogram

PALETTE = ("#1d91c0", "#e5484d", "#2f9e44", "#f08c00", "#7048e8")
_FONT = 'font-family="Helvetica,Arial,sans-serif"'


def format_number(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    if abs(value) >= 1e4 or (value != 0 and abs(value) < 1e-2):
        return f"{value:.2g}"
    return f"{value:.3g}"


@dataclass(frozen=True, slots=True)
class Frame:
    """The plotting area inside an SVG of ``width`` × ``height``."""

    width: int
    height: int
    left: int = 44
    right: int = 12
    top: int = 22
    bottom: int = 28

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom

    def x(self, value: float, low: float, high: float) -> float:
        span = (high - low) or 1.0
        return self.left + (value - low) / span * self.inner_width

    def y(self, value: float, low: float, high: float) -> float:
        span = (high - low) or 1.0
        return self.top + (1 - (value - low) / span) * self.inner_height


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 10,
          color: str = "#444", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}" {_FONT} {extra}>{escape_html(text)}</text>')


def _open(frame: Frame, title: str, css_class: str) -> list[str]:
    parts = [f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{frame.width}" '
             f'height="{frame.height}" viewBox="0 0 {frame.width} {frame.height}">']
    if title:
        parts.append(_text(frame.left, 14, title, "start", 11, "#222", 'font-weight="bold"'))
    return parts


def histogram_svg(histogram: Histogram, title: str = "", width: int = 340, height: int = 150,
                  color: str = PALETTE[0]) -> str:
    """Bars of a ``Histogram``; the axis shows its minimum and maximum."""
    frame = Frame(width, height)
    parts = _open(frame, title, "fhe-histogram")
    edges, counts = histogram.edges, histogram.counts
    top = max(int(counts.max()) if counts.size else 0, 1)
    low, high = float(edges[0]), float(edges[-1])
    for count, left, right in zip(counts, edges[:-1], edges[1:]):
        x0, x1 = frame.x(left, low, high), frame.x(right, low, high)
        y = frame.y(count, 0, top)
        parts.append(f'<rect x="{x0 + 0.5:.1f}" y="{y:.1f}" width="{max(x1 - x0 - 1, 0.8):.1f}" '
                     f'height="{frame.top + frame.inner_height - y:.1f}" fill="{color}">'
                     f'<title>[{format_number(left)}, {format_number(right)}): {count}</title>'
                     f'</rect>')
    base = frame.top + frame.inner_height
    parts.append(f'<line x1="{frame.left}" y1="{base}" x2="{frame.width - frame.right}" '
                 f'y2="{base}" stroke="#888"/>')
    parts.append(_text(frame.left, base + 14, format_number(histogram.minimum), "start"))
    parts.append(_text(frame.width - frame.right, base + 14, format_number(histogram.maximum),
                       "end"))
    parts.append(_text(frame.left - 4, frame.top + 8, str(top), "end", 9))
    parts.append(_text(frame.left - 4, base, "0", "end", 9))
    parts.append(_text(frame.left + frame.inner_width / 2, base + 14,
                       f"{histogram.total} values", "middle", 9, "#777"))
    parts.append("</svg>")
    return "".join(parts)


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw),
               default=raw)
    start = np.ceil(low / step) * step
    return [float(v) for v in np.arange(start, high + step * 1e-9, step)]


def line_chart_svg(x: Sequence[float], series: Sequence[tuple[str, Sequence[float]]], *,
                   title: str = "", x_label: str = "", width: int = 340, height: int = 170,
                   step: bool = False, markers: bool = False,
                   right: Sequence[tuple[str, Sequence[float]]] = (),
                   right_limit: float | None = None, highlight_x: float | None = None) -> str:
    """Lines of ``series`` against ``x``; ``right`` series share a second axis (from 0).

    ``step`` draws a staircase (a lookup table); ``right_limit`` draws a dashed line on the
    right axis (the bit-width limit); ``highlight_x`` marks the current setting.
    """
    frame = Frame(width, height, right=40 if right else 12, bottom=32 if x_label else 26,
                  top=36 if (right or len(series) > 1) else 22)
    parts = _open(frame, title, "fhe-line-chart")
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        parts.append(_text(width / 2, height / 2, "no data", "middle", 10, "#999"))
        return "".join(parts) + "</svg>"
    x_low, x_high = float(x.min()), float(x.max())
    values = [np.asarray(y, dtype=np.float64) for _, y in series]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([0.0])
    y_low, y_high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if y_low == y_high:
        y_low, y_high = y_low - 1, y_high + 1
    base = frame.top + frame.inner_height
    for tick in _ticks(y_low, y_high):
        y = frame.y(tick, y_low, y_high)
        parts.append(f'<line x1="{frame.left}" y1="{y:.1f}" x2="{frame.left + frame.inner_width}"'
                     f' y2="{y:.1f}" stroke="#eee"/>')
        parts.append(_text(frame.left - 4, y + 3, format_number(tick), "end", 9))
    if highlight_x is not None and x_low <= highlight_x <= x_high:
        hx = frame.x(highlight_x, x_low, x_high)
        parts.append(f'<line class="fhe-current" x1="{hx:.1f}" y1="{frame.top}" x2="{hx:.1f}" '
                     f'y2="{base}" stroke="#ff8c00" stroke-width="2" stroke-dasharray="3,2"/>')
    for index, ((label, _), y_values) in enumerate(zip(series, values)):
        color = PALETTE[index % len(PALETTE)]
        parts.append(_polyline(frame, x, y_values, (x_low, x_high), (y_low, y_high), color,
                               step, markers, label))
    if right:
        right_values = [np.asarray(v, dtype=np.float64) for _, v in right]
        highest = max((float(np.nanmax(v)) for v in right_values if v.size), default=1.0)
        r_low, r_high = 0.0, max(highest, float(right_limit or 0)) + 1
        if right_limit is not None:
            color = PALETTE[len(right) % len(PALETTE)]      # the last right series': the limit
            ly = frame.y(right_limit, r_low, r_high)
            parts.append(f'<line x1="{frame.left}" y1="{ly:.1f}" '
                         f'x2="{frame.left + frame.inner_width}" y2="{ly:.1f}" stroke="{color}" '
                         f'stroke-dasharray="5,3" stroke-opacity="0.6"/>')
            parts.append(_text(frame.left + frame.inner_width - 3, ly - 3,
                               f"limit {format_number(right_limit)} bits", "end", 8, color))
        for index, ((label, _), values_r) in enumerate(zip(right, right_values)):
            color = PALETTE[(index + 1) % len(PALETTE)]
            parts.append(_polyline(frame, x, values_r, (x_low, x_high), (r_low, r_high), color,
                                   False, True, label))
        for tick in _ticks(r_low, r_high):
            y = frame.y(tick, r_low, r_high)
            parts.append(_text(frame.left + frame.inner_width + 4, y + 3, format_number(tick),
                               "start", 9, "#777"))
    parts.append(f'<line x1="{frame.left}" y1="{base}" x2="{frame.left + frame.inner_width}" '
                 f'y2="{base}" stroke="#888"/>')
    for tick in _ticks(x_low, x_high, 6):
        tx = frame.x(tick, x_low, x_high)
        parts.append(_text(tx, base + 12, format_number(tick), "middle", 9))
    if x_label:
        parts.append(_text(frame.left + frame.inner_width / 2, height - 3, x_label, "middle", 9,
                           "#666"))
    labels = [(label, PALETTE[i % len(PALETTE)]) for i, (label, _) in enumerate(series)]
    labels += [(f"{label} (right)", PALETTE[(i + 1) % len(PALETTE)])
               for i, (label, _) in enumerate(right)]
    if len(labels) > 1 or right:
        lx = frame.left
        for label, color in labels:
            parts.append(f'<rect x="{lx}" y="{frame.top - 13}" width="10" height="3" '
                         f'fill="{color}"/>')
            parts.append(_text(lx + 13, frame.top - 9, label, "start", 9, color))
            lx += int(5.2 * len(label)) + 24
    parts.append("</svg>")
    return "".join(parts)


def _polyline(frame: Frame, x: np.ndarray, y: np.ndarray, x_range, y_range, color: str,
              step: bool, markers: bool, label: str) -> str:
    points = []
    for i, (xv, yv) in enumerate(zip(x, y)):
        if not np.isfinite(yv):
            continue
        px, py = frame.x(xv, *x_range), frame.y(yv, *y_range)
        if step and points:
            points.append(f"{px:.1f},{points[-1].split(',')[1]}")
        points.append(f"{px:.1f},{py:.1f}")
    parts = [f'<polyline fill="none" stroke="{color}" stroke-width="1.8" '
             f'points="{" ".join(points)}"><title>{escape_html(label)}</title></polyline>']
    if markers:
        for xv, yv in zip(x, y):
            if np.isfinite(yv):
                parts.append(f'<circle cx="{frame.x(xv, *x_range):.1f}" '
                             f'cy="{frame.y(yv, *y_range):.1f}" r="2.6" fill="{color}">'
                             f'<title>{format_number(xv)}: {format_number(yv)}</title></circle>')
    return "".join(parts)


def waterfall_svg(stages: Sequence[tuple[str, float]], title: str = "accuracy on the way to FHE",
                  width: int = 420, height: int = 170) -> str:
    """Bars of accuracy per stage (float → quantized → simulated with FHE errors → …), each
    labelled with its value and its change from the previous stage in points, so the stage
    that loses accuracy stands out. The axis starts a little under the lowest bar."""
    frame = Frame(width, height, left=36, bottom=30)
    parts = _open(frame, title, "fhe-waterfall")
    if not stages:
        parts.append(_text(width / 2, height / 2, "no data", "middle", 10, "#999"))
        return "".join(parts) + "</svg>"
    values = [float(v) for _, v in stages]
    low = max(min(values) - max(0.05, 0.25 * (max(values) - min(values))), 0.0)
    high = max(max(values), low + 1e-9)
    base = frame.top + frame.inner_height
    slot = frame.inner_width / len(stages)
    for tick in _ticks(low, high, 3):
        y = frame.y(tick, low, high)
        parts.append(f'<line x1="{frame.left}" y1="{y:.1f}" x2="{frame.left + frame.inner_width}"'
                     f' y2="{y:.1f}" stroke="#eee"/>')
        parts.append(_text(frame.left - 4, y + 3, format_number(tick), "end", 9))
    previous = None
    for index, (name, value) in enumerate(zip((n for n, _ in stages), values)):
        x = frame.left + index * slot + slot * 0.15
        y = frame.y(value, low, high)
        drop = None if previous is None else (value - previous) * 100
        color = PALETTE[0] if drop is None or drop >= -0.05 else PALETTE[1]
        parts.append(f'<rect class="fhe-stage" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{max(base - y, 0.8):.1f}" fill="{color}">'
                     f'<title>{escape_html(name)}: {value:.4f}</title></rect>')
        label = f"{value:.3f}" if drop is None else f"{value:.3f} ({drop:+.1f} pt)"
        parts.append(_text(x + slot * 0.35, y - 3, label, "middle", 9, color))
        parts.append(_text(x + slot * 0.35, base + 12, name, "middle", 9))
        previous = value
    parts.append(f'<line x1="{frame.left}" y1="{base}" x2="{frame.left + frame.inner_width}" '
                 f'y2="{base}" stroke="#888"/>')
    parts.append("</svg>")
    return "".join(parts)
