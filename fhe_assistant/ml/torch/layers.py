"""Where a graph node came from in the user's model: its ONNX node and torch module.

Nodes of an imported model carry a :class:`LayerLocation` instead of a source line, so
every message, printed graph (``show_locations``) and view that names a node's location
names the layer: ``layer conv2 (Conv /conv2/Conv)``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...core.location import SourceLocation


def layer_of(node_name: str, op_type: str) -> str:
    """The torch module path of an ONNX node named by torch's exporter (``/conv2/Conv`` →
    ``conv2``, ``/layer1/0/conv1/Conv`` → ``layer1.0.conv1``); functional calls in the top
    module (``/Relu_1``) and unnamed nodes keep their node name or op type."""
    parts = [p for p in node_name.split("/") if p]
    if len(parts) >= 2:
        return ".".join(parts[:-1])
    return parts[0] if parts else op_type


@dataclass(frozen=True, slots=True)
class LayerLocation(SourceLocation):
    """An ONNX node (``function``: its layer; ``filename``: the node name; ``lineno``: its
    position in the ONNX graph)."""

    op_type: str = ""

    @property
    def layer(self) -> str:
        return self.function

    @property
    def code(self) -> str:
        return ""

    def __str__(self) -> str:
        return f"layer {self.function} ({self.op_type} {self.filename})"
