"""Pictures of graphs as files: ``graph.save("g.svg" | "g.dot" | "g.png")`` and
``circuit.draw(save_to=...)`` (Concrete's API). The package root plugs :func:`save_picture`
into :mod:`fhe_assistant.compiler.drawing`, since the compiler layer draws nothing itself.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .render import GraphvizMissing, dot_to_svg, graphviz_available
from .reprs import _view_and_program, graph_dot_of

FORMATS = ("svg", "png", "dot", "pdf")


def picture_format(path: Path, format: str | None) -> str:
    chosen = (format or path.suffix.lstrip(".") or "png").lower()
    if chosen not in FORMATS:
        raise ValueError(f"cannot save a graph as {chosen!r}: use one of "
                         f"{', '.join('.' + f for f in FORMATS)}")
    return chosen


def save_picture(obj, path=None, *, format: str | None = None,
                 horizontal: bool = False) -> Path:
    """Write the graph of ``obj`` (GraphView, FHEProgram or Circuit) to ``path``.

    The format follows the suffix (``.svg``, ``.png``, ``.pdf``: drawn by Graphviz;
    ``.dot``: its source text); no path: a temporary ``.png``. Returns the path written.
    """
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="fhe-graph-")) / "graph.png"
    path = Path(path)
    chosen = picture_format(path, format)
    _view_and_program(obj)          # a clear TypeError for anything else
    dot = graph_dot_of(obj)
    if horizontal:
        dot = dot.replace("rankdir=TB", "rankdir=LR", 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if chosen == "dot":
        path.write_text(dot + "\n", encoding="utf-8")
    elif chosen == "svg":
        path.write_text(dot_to_svg(dot) + "\n", encoding="utf-8")
    else:
        if not graphviz_available():
            dot_to_svg(dot)         # raises GraphvizMissing with the install command
        result = subprocess.run([shutil.which("dot"), f"-T{chosen}", "-Gdpi=144", "-o",
                                 str(path)], input=dot.encode("utf-8"), capture_output=True,
                                timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"dot failed: {result.stderr.decode('utf-8', 'replace')[-2000:]}")
    return path


__all__ = ["FORMATS", "GraphvizMissing", "save_picture"]
