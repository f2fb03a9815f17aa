"""The walk over a graph's nodes in order, with the op rules passed in.

The clear rules need it too (a fused subgraph is a graph), so it sits below both
:mod:`.rules` and :mod:`.interpreter`, which binds it to the rule table.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..core.errors import EvaluationError, FHEAssistantError
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.printer import node_error

#: a rule: (node, batched operand values) -> batched value
Rule = Callable[[Node, list], np.ndarray]
NodeHook = Callable[[Node, np.ndarray], np.ndarray | None]


def constant_value(node: Node) -> np.ndarray:
    """A constant as a batch of one."""
    value = np.asarray(node.attrs["value"])
    if value.dtype.kind == "b" or value.dtype.kind in "iu":
        value = value.astype(np.int64)
    elif value.dtype.kind == "f":
        value = value.astype(np.float64)
    return value[None]


def walk_graph(graph: Graph, inputs: Sequence[np.ndarray], rules: Mapping[OpKind, Rule],
               hook: NodeHook | None = None, keep: bool = False, overrides: dict | None = None
               ) -> list[np.ndarray] | dict[int, np.ndarray]:
    """Evaluate ``graph`` on batched inputs (each of shape ``(batch, *input_shape)``) with
    ``rules[node.op]`` for each node.

    ``hook(node, value)`` sees every node's value and may return a replacement (the
    bounds recorder reads values; simulation with injected errors replaces them).
    ``overrides[node_id](operands)`` replaces a node's rule (FHE-faithful table lookups).
    Returns the outputs, or every node's value when ``keep``. Values no longer needed are
    dropped as the walk goes, so large inputsets stay within memory.
    """
    if len(inputs) != len(graph.inputs):
        raise EvaluationError(f"expected {len(graph.inputs)} inputs, got {len(inputs)}")
    remaining_uses = {node.id: 0 for node in graph.nodes}
    for node in graph.nodes:
        for operand in node.operands:
            remaining_uses[operand] += 1
    for output in graph.outputs:
        remaining_uses[output] += 1
    values: dict[int, np.ndarray] = {}
    input_position = {node_id: i for i, node_id in enumerate(graph.inputs)}
    for node in graph.nodes:
        if node.op is OpKind.INPUT:
            value = inputs[input_position[node.id]]
        elif node.op is OpKind.CONSTANT:
            value = constant_value(node)
        else:
            operands = [values[o] for o in node.operands]
            rule = overrides.get(node.id) if overrides else None
            try:
                value = rule(operands) if rule is not None else rules[node.op](node, operands)
            except FHEAssistantError:
                raise
            except Exception as error:  # numpy's own errors, named with the node
                raise node_error(EvaluationError, node, "failed", with_code=True,
                                 detail=f": {error}") from error
            if not keep:
                for operand in node.operands:
                    remaining_uses[operand] -= 1
                    if remaining_uses[operand] == 0:
                        del values[operand]
        if hook is not None:
            replaced = hook(node, value)
            if replaced is not None:
                value = replaced
        values[node.id] = value
    if keep:
        return values
    return [values[o] for o in graph.outputs]
