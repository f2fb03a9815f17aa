"""Concrete-style text of a graph: ``%2 = matmul(%1, %0)  # EncryptedScalar<uint3>  ∈ [0, 6]``."""
from __future__ import annotations

from typing import TypeVar

import numpy as np

from ..core.errors import FHEAssistantError
from .ops import OpKind

_Error = TypeVar("_Error", bound=FHEAssistantError)

_MAX_CONSTANT_CHARS = 50
#: Spaces between the widest expression and the ``# type`` column, and between the widest
#: ``# type`` and the bounds column (the layout of the seed example in the README).
_TYPE_GAP = 5
_BOUNDS_GAP = 3


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
        return np.dtype(value).name
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)


_HIDDEN_ATTRS = {"name", "value", "subgraph", "ufunc", "function", "kwargs", "source_ops"}
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


def format_graph(graph, bounds=None, show_locations: bool = False, indent: str = "") -> str:
    """The graph as Concrete prints it; ``bounds`` is an optional {node id: Bounds} table."""
    lefts = [f"%{node.id} = {node_expression(node)}" for node in graph.nodes]
    types = [f"# {node.spec}" for node in graph.nodes]
    left_width = max((len(s) for s in lefts), default=0) + _TYPE_GAP
    type_width = max((len(s) for s in types), default=0) + _BOUNDS_GAP
    lines = []
    for node, left, type_text in zip(graph.nodes, lefts, types):
        line = f"{left:<{left_width}}{type_text}"
        if bounds is not None and node.id in bounds:
            line = f"{line:<{left_width + type_width}}∈ {bounds[node.id]}"
        if show_locations and node.location is not None:
            line += f"  @ {node.location}"
        lines.append(indent + line.rstrip())
    outputs = ", ".join(f"%{i}" for i in graph.outputs)
    lines.append(f"{indent}return {outputs}")
    subgraphs = [node for node in graph.nodes if node.op is OpKind.TLU and "subgraph" in node.attrs]
    if subgraphs and not indent:
        lines += ["", "Subgraphs:"]
        for node in subgraphs:
            lines += ["", f"    %{node.id} = {node_expression(node)}:", ""]
            lines.append(format_graph(node.attrs["subgraph"], node.attrs.get("subgraph_bounds"),
                                      indent="        "))
    return "\n".join(lines)
