"""``graph.save(path)`` and ``circuit.draw(save_to=...)``: the facade's entry points for
pictures. Drawing lives in ``widgets/`` (Graphviz), which no library layer imports; the
package root registers it here when it loads (see ``fhe_assistant/__init__.py``).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

_save_picture: Callable[..., Path] | None = None


def register(save_picture: Callable[..., Path]) -> None:
    global _save_picture
    _save_picture = save_picture


def save_picture(obj, path=None, **options) -> Path:
    if _save_picture is None:
        raise RuntimeError("drawing graphs needs the fhe_assistant package's widgets "
                           "(import fhe_assistant registers them)")
    return _save_picture(obj, path, **options)
