"""Progress bars for long work, shown with tqdm: a widget bar in Jupyter (``tqdm.auto``),
a text bar on stderr in a terminal. ``import fhe_assistant`` makes this the default
listener of :mod:`fhe_assistant.core.progress`; the run panel uses its own.
"""
from __future__ import annotations

import sys

from ..core.progress import Task

#: Work shorter than this shows no bar at all (most encrypted runs of small circuits).
SHOW_AFTER_SECONDS = 0.5


class TqdmBars:
    """A tqdm bar per task; notices as one line (via ``tqdm.write``, between bars)."""

    def __init__(self):
        from tqdm.auto import tqdm

        self._tqdm = tqdm
        self._bars: dict[int, object] = {}

    def started(self, task: Task) -> None:
        in_bytes = task.unit == "B"
        bar = self._tqdm(total=task.total, desc=task.description, unit=task.unit or "it",
                         unit_scale=in_bytes, unit_divisor=1024 if in_bytes else 1000,
                         delay=SHOW_AFTER_SECONDS, leave=True, file=sys.stderr)
        if task.detail:
            bar.set_postfix_str(task.detail, refresh=False)
        self._bars[id(task)] = bar

    def advanced(self, task: Task) -> None:
        bar = self._bars.get(id(task))
        if bar is not None:
            bar.update(task.done - bar.n)

    def finished(self, task: Task) -> None:
        bar = self._bars.pop(id(task), None)
        if bar is not None:
            bar.update(task.done - bar.n)
            bar.close()

    def noticed(self, message: str) -> None:
        self._tqdm.write(f"fhe_assistant: {message}", file=sys.stderr)


def default_bars() -> TqdmBars | None:
    """tqdm bars when tqdm is installed, else no display."""
    try:
        return TqdmBars()
    except ImportError:
        return None
