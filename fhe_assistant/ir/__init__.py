"""The op-graph: ``OpKind``, ``Node``, ``Graph`` and the text printer."""
from .graph import Graph
from .node import Node
from .ops import DATA_MOVEMENT_OPS, ELEMENTWISE_OPS, LINEAR_OPS, TABLE_LOOKUP_OPS, OpKind

__all__ = ["DATA_MOVEMENT_OPS", "ELEMENTWISE_OPS", "LINEAR_OPS", "TABLE_LOOKUP_OPS", "Graph",
           "Node", "OpKind"]
