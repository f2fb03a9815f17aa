"""Tell the user, once, that the TFHE kernels are being compiled.

numba compiles each kernel on its first call (``cache=True`` keeps the machine code on
disk, so this happens once per installation): about 25 s on two cores, which looks like a
hang without a word. numba signals every real compilation (never a load from its cache)
with a ``numba:compile`` event; on the first one for a kernel of this package, this sends
a :func:`fhe_assistant.core.progress.notice`. ``fhe-assistant warmup`` compiles them ahead.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from numba.core import event

from ..core import progress

MESSAGE = "compiling TFHE kernels (once, ~25 s; `fhe-assistant warmup` does it ahead)"
_PACKAGE = __name__.rsplit(".", 2)[0]


def _is_ours(numba_event) -> bool:
    dispatcher = (numba_event.data or {}).get("dispatcher")
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
    return module.startswith(_PACKAGE + ".")


class _FirstCompilation(event.Listener):
    def __init__(self):
        self.announced = False
        self._lock = threading.Lock()

    def on_start(self, numba_event) -> None:
        if not _is_ours(numba_event):
            return
        with self._lock:
            if self.announced:
                return
            self.announced = True
        progress.notice(MESSAGE)

    def on_end(self, numba_event) -> None:
        pass


_listener: _FirstCompilation | None = None


def install() -> None:
    """Listen to numba's compilations (idempotent)."""
    global _listener
    if _listener is None:
        _listener = _FirstCompilation()
        event.register("numba:compile", _listener)


class _Counter(event.Listener):
    def __init__(self):
        self.count = 0

    def on_start(self, numba_event) -> None:
        if _is_ours(numba_event):
            self.count += 1

    def on_end(self, numba_event) -> None:
        pass


@contextmanager
def count_compilations() -> Iterator[_Counter]:
    """Counts the kernels of this package numba compiles inside the block (``.count``)."""
    counter = _Counter()
    event.register("numba:compile", counter)
    try:
        yield counter
    finally:
        event.unregister("numba:compile", counter)
