"""DOT text to SVG with Graphviz's ``dot`` program (cached: redrawing the same graph is free;
the program is run directly, which halves the time of going through the ``graphviz`` package)."""
from __future__ import annotations

import functools
import re
import shutil
import subprocess

_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


class GraphvizMissing(RuntimeError):
    """``dot`` is not on the PATH."""


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


@functools.lru_cache(maxsize=128)
def dot_to_svg(dot: str) -> str:
    """The SVG element (no XML prolog, no comments) Graphviz draws for ``dot``.

    Raises ``GraphvizMissing`` with the install command when ``dot`` is absent.
    """
    if not graphviz_available():
        raise GraphvizMissing("drawing graphs needs Graphviz's `dot` program: "
                              "apt-get install graphviz (or brew install graphviz, "
                              "or conda install graphviz)")
    result = subprocess.run([shutil.which("dot"), "-Tsvg"], input=dot.encode("utf-8"),
                            capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode('utf-8', 'replace')[-2000:]}")
    svg = result.stdout.decode("utf-8")
    svg = _COMMENT.sub("", _PROLOG.sub("", svg, count=1))
    return svg.strip()


def svg_size(svg: str) -> tuple[float, float]:
    """Width and height in points of a Graphviz SVG."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not match:
        return 0.0, 0.0
    return float(match.group(1)), float(match.group(2))
