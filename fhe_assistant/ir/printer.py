"""Concrete-style text of a graph: ``%2 = matmul(%1, %0)  # EncryptedScalar<uint3>  ∈ [0, 6]``."""
from __future__ import annotations

from typing import TypeVar

import numpy as np

from ..core.errors import FHEAssistantError
from .ops import OpKind

_Error = TypeVar("_Error", bound=FHEAssistantError)

_MAX_CONSTANT_CHARS = 50
#: Spaces between the longest line and each metadata column (Concrete's layout).
_COLUMN_GAP = 8


def format_constant(value) -> str:
    """Constants print as numpy literals, shortened when long."""
    array = np.asarray(value)
    if array.ndim == 0:
        text = repr(array.item())
    else:
        text = np.array2string(array, separator=", ", threshold=20).replace("\n", "")
        text = " ".join(text.split())
    if len(text) > _MAX_CONSTANT_CHARS:
        text = text[: _MAX_CONSTANT_CHARS - 5] + "…" + text[-4:]
    return text


def format_attribute(value) -> str:
    if isinstance(value, np.ndarray):
        return format_constant(value)
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts).rstrip(":") or ":"
    if isinstance(value, tuple) and any(isinstance(v, slice) or v is None or v is Ellipsis
                                        for v in value):
        return "(" + ", ".join("None" if v is None else "..." if v is Ellipsis
                               else format_attribute(v) for v in value) + ")"
    if isinstance(value, (np.dtype, type)):
        if np.dtype(value) == np.dtype(np.int_):
            return "int_"  # numpy's default integer, named as Concrete prints it
        return np.dtype(value).name
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)


_HIDDEN_ATTRS = {"name", "value", "subgraph", "ufunc", "function", "kwargs", "source_ops",
                 "outputs"}
_DEFAULTS = {"keepdims": False, "axes": None, "axis": None}


def _index_text(index: tuple) -> str:
    parts = []
    for item in index:
        if item is None:
            parts.append("None")
        elif isinstance(item, slice):
            parts.append(format_attribute(item))
        else:
            parts.append(format_attribute(item) if isinstance(item, np.ndarray) else str(item))
    return ", ".join(parts)


def node_expression(node, name_of=lambda i: f"%{i}") -> str:
    """Right-hand side of a node's line."""
    if node.op is OpKind.INPUT:
        return str(node.attrs["name"])
    if node.op is OpKind.CONSTANT:
        return format_constant(node.attrs["value"])
    args = [name_of(o) for o in node.operands]
    if node.op is OpKind.INDEX:
        return f"{args[0]}[{_index_text(node.attrs['index'])}]"
    if node.op is OpKind.EXTRACT_BITS:  # Concrete writes fhe.bits(x)[i] as it is called
        return f"bits({args[0]})[{format_attribute(node.attrs['bits'])}]"
    for key, value in node.attrs.items():
        if key in _HIDDEN_ATTRS or key.startswith("_"):
            continue
        if key in _DEFAULTS and _DEFAULTS[key] is value or (key == "keepdims" and not value):
            continue
        args.append(f"{key}={format_attribute(value)}")
    if node.op is OpKind.TLU:
        return f"subgraph({', '.join(args)})"
    return f"{node.label}({', '.join(args)})"


def node_reference(node, with_code: bool = False) -> str:
    """How messages name a node, in the user's terms: ``%3 = maximum at f.py:12``.

    Its id and op as the printed graph shows them, then the user's source location (the
    location's own text) and, ``with_code``, the source line: ``(np.maximum(x, y))``.
    """
    text = f"%{node.id} = {node.label}"
    if node.location is not None:
        text += f" at {node.location}"
        code = node.location.code if with_code else ""
        if code:
            text += f" ({code})"
    return text


def node_error(error_type: type[_Error], node, message: str, with_code: bool = False,
               detail: str = "") -> _Error:
    """An ``error_type`` about ``node``, carrying it as ``error.node``.

    The message reads ``%3 = add(...) <message> (at f.py:12[: <code>])<detail>``: the node
    as the printed graph shows it, what went wrong, then the user's source location.
    Every layer raises node errors through here, so they read alike.
    """
    head = f"%{node.id} = {node.label}"
    if node.op not in (OpKind.INPUT, OpKind.CONSTANT):
        head += "(...)"
    where = ""
    if node.location is not None:
        code = node.location.code if with_code else ""
        where = f" (at {node.location}{': ' + code if code else ''})"
    error = error_type(f"{head} {message}{where}{detail}")
    error.node = node
    return error


def bounds_text(bounds) -> str:
    """``∈ [0, 9]``; float bounds as Concrete writes them (rounded to 6 digits, ``0.0``)."""
    if isinstance(bounds.min, float) or isinstance(bounds.max, float):
        return f"∈ [{round(float(bounds.min), 6)}, {round(float(bounds.max), 6)}]"
    return f"∈ [{int(bounds.min)}, {int(bounds.max)}]"


def location_text(location) -> str:
    """A location as Concrete's ``show_locations`` column writes it: ``/path/file.py:12``
    (a notebook cell or a model layer: its own text, a temporary file's path means nothing)."""
    if location is None:
        return ""
    if location.filename and not location.cell:
        return f"{location.filename}:{location.lineno}"
    return str(location)


def format_graph(graph, bounds=None, show_locations: bool = False, indent: str = "", *,
                 show_types: bool = True, show_bounds: bool = True, show_tags: bool = True,
                 type_of=None) -> str:
    """The graph as Concrete prints it; ``bounds`` is an optional {node id: Bounds} table.

    Concrete's layout: ids right-aligned on ``=``, then one column per shown kind of
    metadata (type, bounds, ``@ tag``, source location), each starting 8 spaces after the
    longest line so far. ``type_of(node)`` replaces the type text (assigned bit widths).
    """
    lefts = [f"%{node.id} = {node_expression(node)}" for node in graph.nodes]
    id_width = max((len(line.split("=")[0]) for line in lefts), default=0)
    lines = [" " * (id_width - len(line.split("=")[0])) + line for line in lefts]
    columns = []
    if show_types:
        columns.append([f"# {type_of(node) if type_of else node.spec}" for node in graph.nodes])
    if show_bounds and bounds is not None:
        columns.append([bounds_text(bounds[node.id]) if node.id in bounds else ""
                        for node in graph.nodes])
    if show_tags:
        columns.append([f"@ {node.tag}" if node.tag else "" for node in graph.nodes])
    if show_locations:
        columns.append([location_text(node.location) for node in graph.nodes])
    for column in columns:
        longest = max((len(line) for line in lines), default=0)
        lines = [line + " " * (longest - len(line) + _COLUMN_GAP) + text
                 for line, text in zip(lines, column)]
    lines.append(f"return {', '.join(f'%{i}' for i in graph.outputs)}")
    lines = [indent + line.rstrip() for line in lines]
    subgraphs = [node for node in graph.nodes if node.op is OpKind.TLU and "subgraph" in node.attrs]
    if subgraphs and not indent:
        lines += ["", "Subgraphs:"]
        for node in subgraphs:
            lines += ["", f"    %{node.id} = {node_expression(node)}:", ""]
            lines.append(format_graph(node.attrs["subgraph"], None, show_locations,
                                      indent="        ", show_types=show_types,
                                      show_bounds=False, show_tags=show_tags))
    return "\n".join(lines)
