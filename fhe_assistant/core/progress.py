"""Progress of long work (key generation, kernel compilation, encrypted batches).

The code doing the work reports, it never prints: it opens a :func:`task` and advances it,
or sends a one-off :func:`notice`. Whoever shows progress listens:

* :func:`reporting_to` sends the reports of the work done inside the ``with`` block (this
  thread or task only) to a listener — the notebook's run panel does this;
* otherwise they go to the default listener, set once with :func:`set_default_listener`
  (``import fhe_assistant`` sets tqdm bars: a widget in Jupyter, text in a terminal);
* :func:`silenced` drops them (benchmarks, tests).

Examples
--------
>>> from fhe_assistant.core import progress
>>> seen = []
>>> class Recorder:
...     def started(self, task): seen.append(("start", task.description, task.total))
...     def advanced(self, task): seen.append(("advance", task.done))
...     def finished(self, task): seen.append(("end", task.done))
...     def noticed(self, message): seen.append(("notice", message))
>>> with progress.reporting_to(Recorder()):
...     with progress.task("keygen", total=2, unit="GGSW") as step:
...         step.advance()
...         step.advance()
>>> seen
[('start', 'keygen', 2), ('advance', 1), ('advance', 2), ('end', 2)]
"""
from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ProgressListener", "Task", "notice", "reporting_to", "set_default_listener",
           "silenced", "task"]


@dataclass
class Task:
    """One piece of long work: what it is, how much there is (``total``, None when
    unknown) in which ``unit`` (``"B"`` for bytes), how much is done, and a ``detail``
    line for the reader (e.g. the expected key size)."""

    description: str
    total: float | None = None
    unit: str = ""
    detail: str = ""
    done: float = 0
    started_at: float = field(default_factory=time.perf_counter)
    _listener: ProgressListener | None = field(default=None, repr=False)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started_at

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)

    def advance(self, amount: float = 1) -> None:
        self.done += amount
        if self._listener is not None:
            self._listener.advanced(self)


class ProgressListener(Protocol):
    def started(self, task: Task) -> None: ...

    def advanced(self, task: Task) -> None: ...

    def finished(self, task: Task) -> None: ...

    def noticed(self, message: str) -> None: ...


_SILENT = object()
_current: contextvars.ContextVar = contextvars.ContextVar("fhe_progress_listener", default=None)
_default_factory: Callable[[], ProgressListener | None] | None = None
_default: ProgressListener | None = None


def set_default_listener(factory: Callable[[], ProgressListener | None] | None) -> None:
    """Where reports go outside :func:`reporting_to`: ``factory()`` is called on the first
    report (so that importing the package loads no display library); None: nowhere."""
    global _default_factory, _default
    _default_factory, _default = factory, None


def _listener() -> ProgressListener | None:
    global _default, _default_factory
    chosen = _current.get()
    if chosen is _SILENT:
        return None
    if chosen is not None:
        return chosen
    if _default is None and _default_factory is not None:
        factory, _default_factory = _default_factory, None
        try:
            _default = factory()
        except Exception:       # a display that cannot load must not break the work
            _default = None
    return _default


@contextmanager
def reporting_to(listener: ProgressListener | None) -> Iterator[None]:
    """Send the reports made inside the block (this thread/context) to ``listener``."""
    token = _current.set(_SILENT if listener is None else listener)
    try:
        yield
    finally:
        _current.reset(token)


def silenced():
    """No reports inside the block."""
    return reporting_to(None)


@contextmanager
def task(description: str, total: float | None = None, unit: str = "",
         detail: str = "") -> Iterator[Task]:
    """Report one piece of long work; advance the yielded :class:`Task` as it goes."""
    listener = _listener()
    current = Task(description, total, unit, detail, _listener=listener)
    if listener is not None:
        listener.started(current)
    try:
        yield current
    finally:
        if listener is not None:
            listener.finished(current)


def notice(message: str) -> None:
    """A one-off message about the work (e.g. that kernels compile on this first call)."""
    listener = _listener()
    if listener is not None:
        listener.noticed(message)
