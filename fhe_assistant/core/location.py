"""Source locations of user code, captured while tracing, named as the user reads them.

* a file: ``model.py:12``;
* a notebook cell: ``Cell In[4], line 2`` — IPython's own naming (its tracebacks say the
  same), found through IPython's compiler, which maps each cell's temporary file
  (``/tmp/ipykernel_26276/3897713345.py``) to the cell's execution count;
* a role in a program the library builds (a built-in model's layers): the label given with
  :func:`role` (``hidden layer 1 (4→16)``), since no line the user wrote made that node.

A location also carries the user's *tag* (``fhe.tag("attention")`` blocks, nested ones
joined with ``.``): the name the user gave the region of code the node came from. It lives
here because every pass that rewrites a node already carries the node's location to what
replaces it, so a tag follows a node from tracing to the lowered program without any pass
knowing about tags.
"""
from __future__ import annotations

import contextvars
import linecache
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NUMPY_DIR = os.path.dirname(os.path.abspath(__import__("numpy").__file__))


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A file and line in the user's code; ``cell`` is IPython's ``In[n]`` when the file is
    a notebook cell; ``label`` names a role (a model's layer) instead of a line."""

    filename: str
    lineno: int
    function: str = ""
    cell: str = ""
    label: str = ""
    tag: str = ""

    @property
    def code(self) -> str:
        if not self.filename:
            return ""
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        if self.label and not self.filename:
            return self.label
        if self.cell:
            where = f"Cell {self.cell}, line {self.lineno}"
        else:
            where = f"{os.path.basename(self.filename)}:{self.lineno}"
        return f"{where} ({self.label})" if self.label else where


def notebook_cell(filename: str) -> str:
    """``In[4]`` when ``filename`` is the file IPython compiled a cell into, else ""."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    compiler = getattr(shell, "compile", None)
    name_of = getattr(compiler, "format_code_name", None)
    if name_of is None:
        return ""
    try:
        named = name_of(filename)
    except Exception:  # another IPython's compiler: fall back to the file name
        return ""
    return named[1] if named and named[0] == "Cell" else ""


_assigned: contextvars.ContextVar = contextvars.ContextVar("fhe_location", default=None)
_tags: contextvars.ContextVar = contextvars.ContextVar("fhe_tags", default=())


def current_tag() -> str:
    """The tag of nodes created now: the open ``tagged`` blocks' names joined with ``.``."""
    return ".".join(_tags.get())


@contextmanager
def tagged(name: str) -> Iterator[None]:
    """Nodes created inside the block carry the tag ``name`` (inside an outer block: the
    outer tag, ``.``, then ``name``), as Concrete's ``fhe.tag`` does."""
    token = _tags.set(_tags.get() + (str(name),))
    try:
        yield
    finally:
        _tags.reset(token)


def with_current_tag(location: SourceLocation | None) -> SourceLocation | None:
    """``location`` carrying the current tag (unchanged when no tag is open or it has one)."""
    tag = current_tag()
    if location is None or not tag or location.tag:
        return location
    return replace(location, tag=tag)


@contextmanager
def located_at(location: SourceLocation | None) -> Iterator[None]:
    """Nodes created inside the block get ``location`` (e.g. an integer program's nodes
    get the location of the float op they implement). None: no change."""
    if location is None:
        yield
        return
    token = _assigned.set(location)
    try:
        yield
    finally:
        _assigned.reset(token)


def role(label: str):
    """Nodes created inside the block are labelled ``label`` (a model's layer)."""
    return located_at(SourceLocation("", 0, label=label))


def user_location() -> SourceLocation | None:
    """Where the user wrote the op: the location assigned by :func:`located_at`, else the
    innermost frame outside this package and numpy."""
    assigned = _assigned.get()
    if assigned is not None:
        return with_current_tag(assigned)
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not (filename.startswith(_PACKAGE_DIR) or filename.startswith(_NUMPY_DIR)
                or frame.f_code.co_filename.startswith("<__array_function__")):
            name = frame.f_code.co_filename
            return SourceLocation(name, frame.f_lineno, frame.f_code.co_name,
                                  cell=notebook_cell(name), tag=current_tag())
        frame = frame.f_back
    return None
