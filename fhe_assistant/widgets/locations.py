"""Which source locations to show: the user's code, not a library's frames.

A program rebuilt by a library (a built-in model's quantized program, a replayed graph)
is traced from inside that library's call stack, and when a slider triggers it, from
inside traitlets: such frames name no line the user wrote, so views leave them out.
"""
from __future__ import annotations

import os
import sysconfig
from functools import lru_cache

from ..ir.node import Node

_PACKAGE_DIRECTORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@lru_cache(maxsize=1)
def library_directories() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {os.path.abspath(paths[key]) for key in ("stdlib", "platstdlib", "purelib",
                                                     "platlib") if key in paths}
    return tuple(sorted(found))


def is_user_file(filename: str) -> bool:
    """False for files of installed packages, the standard library and this package
    (a program it rebuilds, such as a quantized model replayed for compilation)."""
    if not filename or filename.startswith("<frozen"):
        return False
    path = os.path.abspath(filename)
    return not any(path.startswith(directory + os.sep)
                   for directory in library_directories() + (_PACKAGE_DIRECTORY,))


def shown_location(node: Node) -> tuple[str, str]:
    """(where, code) of a node's user location — ``model.py:12`` or ``Cell In[4], line 2``
    with its line of code, a model's layer label with no code — or empty strings."""
    location = node.location
    if location is None:
        return "", ""
    if location.label and not location.filename:
        return location.label, ""
    if not is_user_file(location.filename):
        return "", ""
    return str(location), location.code
