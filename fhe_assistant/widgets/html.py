"""HTML fragments of the assistant's panels (inline styles only: they survive sanitizers,
saved notebooks and GitHub's renderer). Clickable elements carry ``data-node`` (select a
node) or ``data-sort`` (sort the table); the widget front end turns clicks into messages.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence

import numpy as np

from .colors import BROKEN, bit_width_color, legend, text_color
from .dot import escape_html as esc
from .inspect import NodeDetails
from .verdict import Verdict

GOOD = "#2f9e44"
FONT = "font-family:Helvetica,Arial,sans-serif;"
MONO = "font-family:SFMono-Regular,Menlo,Consolas,monospace;"


def badge(text: str, color: str, title: str = "") -> str:
    tip = f' title="{esc(title)}"' if title else ""
    return (f'<span{tip} style="display:inline-block;padding:1px 8px;border-radius:10px;'
            f'background:{color};color:white;font-weight:bold;font-size:12px;{FONT}">'
            f'{esc(text)}</span>')


def legend_html(limit: int = 8) -> str:
    """A one-line legend of the bit-width colour scale."""
    cells = []
    for entry in legend(limit):
        cells.append(f'<span style="display:inline-flex;align-items:center;margin-right:7px">'
                     f'<span style="display:inline-block;width:13px;height:11px;'
                     f'background:{entry.fill};border:1px solid {entry.border};'
                     f'margin-right:3px"></span>{esc(entry.label)}</span>')
    return (f'<div class="fhe-legend" style="font-size:11px;color:#444;{FONT}margin:2px 0 4px">'
            f'<b style="margin-right:6px">bit width</b>{"".join(cells)}'
            f'<div style="color:#666;margin-top:2px">double border: table lookup · dashed: '
            f'clear value · thick border: input / output · orange: selected</div></div>')


def verdict_header_html(verdict: Verdict, extra: str = "") -> str:
    """Badge, headline and summary line."""
    color = GOOD if verdict.compatible else BROKEN
    mark = "✓" if verdict.compatible else "✗"
    return (f'<div class="fhe-verdict-header" data-compatible="{str(verdict.compatible).lower()}"'
            f' style="{FONT}font-size:13px;margin:2px 0">'
            f'{badge(f"{mark} {verdict.headline}", color)}'
            f'<span style="margin-left:8px;color:#444">{esc(verdict.summary)}</span>'
            f'{extra}{warnings_html(verdict.warnings)}</div>')


def warnings_html(warnings) -> str:
    """Warnings under the verdict's headline (amber: the program compiles regardless)."""
    if not warnings:
        return ""
    items = "".join(f'<div class="fhe-warning" style="margin:2px 0">⚠ {esc(w)}</div>'
                    for w in warnings)
    return (f'<div class="fhe-warnings" style="color:#8a5300;background:#fff8e6;'
            f'border-left:4px solid #f0a020;padding:3px 8px;margin-top:4px;font-size:12.5px">'
            f'{items}</div>')


def verdict_items_html(verdict: Verdict, selected: int | None = None) -> str:
    """The offending nodes, each with its line and the suggested fix (click to select)."""
    if verdict.compatible:
        return (f'<div class="fhe-verdict" style="{FONT}color:{GOOD};padding:6px">'
                f'✓ Every node can run on ciphertexts: no table lookup reads more than '
                f'{verdict.limit} bits.</div>')
    rows = []
    for item in verdict.items:
        border = "#ff8c00" if item.node_id == selected else "#f1b0b2"
        where = f'<span style="color:#666">{esc(item.location)}</span>' if item.location else ""
        code = (f'<div style="{MONO}font-size:12px;background:#f6f6f6;padding:2px 6px;'
                f'margin:3px 0;border-radius:3px">{esc(item.code)}</div>' if item.code else "")
        rows.append(
            f'<div class="fhe-verdict-item" data-node="{item.node_id}" style="cursor:pointer;'
            f'border:1px solid {border};border-left:4px solid {BROKEN};border-radius:4px;'
            f'padding:4px 8px;margin:4px 0;background:#fff8f8">'
            f'<b>%{item.node_id}</b> <span style="color:{BROKEN}">{esc(item.kind)}</span> '
            f'{where}<div>{esc(item.message)}</div>{code}'
            f'<div style="color:{GOOD}">fix: {esc(item.suggestion)}</div></div>')
    return f'<div class="fhe-verdict" style="{FONT}font-size:12.5px">{"".join(rows)}</div>'


def _row(name: str, value: str, mono: bool = False) -> str:
    style = MONO if mono else ""
    return (f'<tr><td style="color:#666;padding:1px 8px 1px 0;vertical-align:top;'
            f'white-space:nowrap">{esc(name)}</td><td style="{style}">{esc(value)}</td></tr>')


def details_html(details: NodeDetails | None, charts: Sequence[str] = (),
                 notes: Sequence[str] = ()) -> str:
    """The node inspector: a key/value table, the issues, then histogram and table plots."""
    if details is None:
        return (f'<div style="{FONT}color:#777;padding:8px">Click a node in the graph '
                f'(or pick one above) to inspect it.</div>')
    fill = (BROKEN if details.issues else
            bit_width_color(details.bit_width) if details.encrypted and details.bit_width
            else "#ffffff")
    title = (f'<div style="{FONT}font-size:14px;font-weight:bold;margin-bottom:4px">'
             f'<span style="background:{fill};color:{text_color(fill)};padding:0 6px;'
             f'border:1px solid #999;border-radius:3px">{esc(details.title)}</span>'
             f'{" " + badge("table lookup", "#225ea8") if details.is_lookup else ""}</div>')
    rows = [_row("expression", f"%{details.node_id} = {details.expression}", True),
            _row("type", details.spec, True)]
    if details.bounds:
        rows.append(_row("bounds", details.bounds, True))
    if details.tag:
        rows.append(_row("tag", details.tag))
    if details.location:
        rows.append(_row("source", details.location))
    if details.code:
        rows.append(_row("code", details.code, True))
    if details.fused_ops:
        rows.append(_row("fused ops", " · ".join(details.fused_ops)))
    if details.users:
        rows.append(_row("used by", ", ".join(f"%{u}" for u in details.users)))
    issues = "".join(f'<div style="color:{BROKEN};margin-top:3px">✗ {esc(message)}<br>'
                     f'<span style="color:{GOOD}">fix: {esc(fix)}</span></div>'
                     for message, fix in zip(details.issues, details.suggestions))
    note_html = "".join(f'<div style="color:#777;font-size:11px">{esc(n)}</div>' for n in notes)
    return (f'<div class="fhe-inspector" data-node="{details.node_id}" '
            f'style="{FONT}font-size:12.5px">{title}'
            f'<table style="border-collapse:collapse;font-size:12px">{"".join(rows)}</table>'
            f'{issues}<div style="margin-top:6px">{"".join(charts)}</div>{note_html}</div>')


def table_html(rows: Sequence[Mapping[str, object]], columns: Sequence[str], *,
               sort_by: str | None = None, ascending: bool = True, selected: int | None = None,
               limit: int | None = None, max_height: int = 320) -> str:
    """A sortable table of nodes: header cells carry ``data-sort``, rows ``data-node``."""
    arrow = "▲" if ascending else "▼"
    head = "".join(
        f'<th data-sort="{esc(c)}" style="cursor:pointer;text-align:left;padding:2px 8px;'
        f'position:sticky;top:0;background:#f3f3f3;border-bottom:1px solid #ccc">'
        f'{esc(c)}{" " + arrow if c == sort_by else ""}</th>' for c in columns)
    body = []
    for row in rows[:limit]:
        node_id = row.get("id")
        background = "#fff1dc" if node_id == selected else (
            "#fff3f3" if row.get("breaks") else "transparent")
        cells = []
        for column in columns:
            value = row.get(column)
            # code wraps (monospace) instead of running off the table's right edge
            style = ("padding:1px 8px;white-space:pre-wrap;word-break:break-word;"
                     f"min-width:14em;{MONO}" if column == "code"
                     else "padding:1px 8px;white-space:nowrap")
            if column == "bit_width" and isinstance(value, (int, np.integer)) \
                    and row.get("encrypted"):
                fill = BROKEN if row.get("breaks") else bit_width_color(int(value))
                style += f";background:{fill};color:{text_color(fill)}"
            cells.append(f'<td style="{style}">{esc(_cell(value))}</td>')
        body.append(f'<tr data-node="{node_id}" style="cursor:pointer;background:{background}">'
                     f'{"".join(cells)}</tr>')
    return (f'<div class="fhe-table" style="max-height:{max_height}px;overflow:auto;{FONT}'
            f'font-size:12px"><table style="border-collapse:collapse;width:100%">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return str(value)


def key_value_html(title: str, values: Mapping[str, object]) -> str:
    rows = "".join(_row(k, _cell(v), True) for k, v in values.items())
    return (f'<div style="{FONT}font-size:12px"><b>{esc(title)}</b>'
            f'<table style="border-collapse:collapse">{rows}</table></div>')


def outputs_html(columns: Mapping[str, object]) -> str:
    """Clear, simulated and encrypted outputs side by side."""
    cells = []
    for name, value in columns.items():
        text = "—" if value is None else np.array2string(np.asarray(value), threshold=64)
        cells.append(f'<div style="flex:1;min-width:120px;padding:4px 8px;border:1px solid '
                     f'#ddd;border-radius:4px;margin-right:6px"><div style="color:#666">'
                     f'{esc(name)}</div><div class="fhe-output" data-kind="{esc(name)}" '
                     f'style="{MONO}font-size:13px">{esc(text)}</div></div>')
    return f'<div style="display:flex;{FONT}font-size:12px">{"".join(cells)}</div>'


_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def svg_image(svg: str, alt: str = "") -> str:
    """An SVG as an ``<img>`` with a data URI: what sanitizers of untrusted notebooks (and
    GitHub) keep, where they strip inline ``<svg>`` elements."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img alt="{esc(alt)}" style="max-width:100%" '
            f'src="data:image/svg+xml;base64,{data}"/>')


def svgs_as_images(html_text: str) -> str:
    """Every inline ``<svg>…</svg>`` of ``html_text`` as an image (for static displays)."""
    return _SVG.sub(lambda match: svg_image(match.group(0)), html_text)


def images_as_svgs(html_text: str) -> list[str]:
    """The SVG documents inside ``svg_image`` data URIs (tests read graphs back with it)."""
    return [base64.b64decode(data).decode("utf-8") for data in
            re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html_text)]
