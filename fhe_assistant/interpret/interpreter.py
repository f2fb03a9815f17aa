"""Walk a graph in order, one rule per op, on batched clear values."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..ir.graph import Graph
from .rules import RULES
from .walk import NodeHook, constant_value, walk_graph

__all__ = ["NodeHook", "constant_value", "evaluate_graph"]


def evaluate_graph(graph: Graph, inputs: Sequence[np.ndarray], hook: NodeHook | None = None,
                   keep: bool = False, overrides: dict | None = None
                   ) -> list[np.ndarray] | dict[int, np.ndarray]:
    """Evaluate ``graph`` on batched inputs (each of shape ``(batch, *input_shape)``).

    ``hook(node, value)`` sees every node's value and may return a replacement (the
    bounds recorder reads values; simulation with injected errors replaces them).
    ``overrides[node_id](operands)`` replaces a node's rule (FHE-faithful table lookups).
    Returns the outputs, or every node's value when ``keep``. Values no longer needed are
    dropped as the walk goes, so large inputsets stay within memory.
    """
    return walk_graph(graph, inputs, RULES, hook, keep, overrides)
