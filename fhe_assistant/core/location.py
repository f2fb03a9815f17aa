"""Source locations of user code, captured while tracing."""
from __future__ import annotations

import linecache
import os
import sys
from dataclasses import dataclass

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NUMPY_DIR = os.path.dirname(os.path.abspath(__import__("numpy").__file__))


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A file and line in the user's code (a notebook cell shows as ``<ipython-input-…>``)."""

    filename: str
    lineno: int
    function: str = ""

    @property
    def code(self) -> str:
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        return f"{os.path.basename(self.filename)}:{self.lineno}"


def user_location() -> SourceLocation | None:
    """The innermost frame outside this package and numpy: where the user wrote the op."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not (filename.startswith(_PACKAGE_DIR) or filename.startswith(_NUMPY_DIR)
                or frame.f_code.co_filename.startswith("<__array_function__")):
            return SourceLocation(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None
