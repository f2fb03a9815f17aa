"""Bounds over an inputset: one batched pass of the interpreter that records min/max."""
from __future__ import annotations

import numpy as np

from ..core.bounds import Bounds
from ..interpret.interpreter import evaluate_graph
from ..ir.graph import Graph
from ..ir.node import Node

#: Samples per interpreter pass: bounds stay exact, memory stays bounded.
DEFAULT_CHUNK = 8192


def measure_bounds(graph: Graph, inputs: list[np.ndarray], chunk: int = DEFAULT_CHUNK
                   ) -> dict[int, Bounds]:
    """Each node's [min, max] over the whole inputset (batched inputs, one per parameter)."""
    table: dict[int, Bounds] = {}

    def record(node: Node, value: np.ndarray) -> None:
        if value.size == 0:
            return
        observed = Bounds.of(value)
        previous = table.get(node.id)
        table[node.id] = observed if previous is None else previous.union(observed)

    total = inputs[0].shape[0]
    for start in range(0, total, chunk):
        evaluate_graph(graph, [x[start:start + chunk] for x in inputs], hook=record)
    return table
