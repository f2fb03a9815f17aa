"""Where a graph node came from in the user's model: its torch module (ONNX node's layer).

Nodes of an imported model are located at a *role* (``core.location.role``): a label
``layer conv2`` and no source line, so messages, the printed graph (``show_locations``) and
the notebook views (which group nodes by role) name the layer; the layer's name itself is
kept in the location's ``function`` for reports.
"""
from __future__ import annotations

from ...core.location import SourceLocation


def layer_of(node_name: str, op_type: str) -> str:
    """The torch module path of an ONNX node named by torch's exporter (``/conv2/Conv`` →
    ``conv2``, ``/layer1/0/conv1/Conv`` → ``layer1.0.conv1``); functional calls in the top
    module (``/Relu_1``) and unnamed nodes keep their node name or op type."""
    parts = [p for p in node_name.split("/") if p]
    if len(parts) >= 2:
        return ".".join(parts[:-1])
    return parts[0] if parts else op_type


def layer_location(node_name: str, op_type: str, index: int) -> SourceLocation:
    """The location of the graph nodes made for ONNX node ``index``."""
    layer = layer_of(node_name, op_type)
    return SourceLocation("", index, layer, label=f"layer {layer}", tag=layer)


def layer_name(location: SourceLocation | None) -> str | None:
    """The layer of a node located by :func:`layer_location`, else ``None``."""
    if location is None or location.filename or not location.label.startswith("layer "):
        return None
    return location.function or None


def describe(node, index: int) -> str:
    """An ONNX node in messages: ``layer conv2 (Conv /conv2/Conv)``."""
    return f"layer {layer_of(node.name, node.op_type)} ({node.op_type} " \
           f"{node.name or f'#{index}'})"
