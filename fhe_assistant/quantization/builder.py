"""Building an integer program node by node, evaluated on a calibration batch as it grows.

Post-training quantization needs the integer values of a node (the width of an accumulator,
the range of an activation) before it can choose the next nodes. ``IntegerProgramBuilder``
adds nodes through the tracer's context (so shapes are inferred as in a traced function)
and evaluates each new node at once with the interpreter's rule: the batch values are
always up to date. ``replay`` turns the finished graph back into a function the compiler
can trace.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from ..core.dtypes import integer_bit_width
from ..core.location import located_at
from ..interpret.interpreter import constant_value, evaluate_graph
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.ops import LINEAR_OPS, OpKind
from ..tracing.context import TraceContext, spec_of_array
from ..tracing.extensions import round_bit_pattern
from ..tracing.tracer import Tracer, as_operand, wrap


class IntegerProgramBuilder:
    """An integer graph under construction plus every node's value on a calibration batch."""

    def __init__(self) -> None:
        self.context = TraceContext()
        self.values: dict[int, np.ndarray] = {}

    @property
    def graph(self) -> Graph:
        return self.context.graph

    def input(self, name: str, index: int, batch: np.ndarray) -> int:
        spec = spec_of_array(np.asarray(batch[0]), is_encrypted=True)
        node = self.context.add_node(OpKind.INPUT, [], {"name": name, "index": index}, None, spec)
        self.values[node.id] = np.asarray(batch, dtype=np.int64)
        return node.id

    def constant(self, value) -> int:
        node_id = as_operand(self.context, np.asarray(value))
        self.values[node_id] = constant_value(self.graph[node_id])
        return node_id

    def op(self, op: OpKind, operands: Sequence[int], attrs: dict | None = None) -> int:
        node = self.context.add_node(op, list(operands), attrs)
        with np.errstate(all="ignore"):
            value = RULES[op](node, [self.values[o] for o in operands])
        self.values[node.id] = np.asarray(value).astype(np.int64) if np.asarray(value).dtype.kind \
            == "b" else np.asarray(value)
        return node.id

    def partition_bit_width(self, node_id: int) -> int:
        """Widest value among the nodes linearly linked to ``node_id`` so far.

        The compiler encodes such values at one precision (their partition's); a lookup
        reading ``node_id`` reads at that precision minus the bits rounded away.
        """
        graph, seen, stack, width = self.graph, set(), [node_id], 1
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            node = graph[current]
            if not node.is_encrypted:
                continue
            values = self.values[current]
            if values.size:
                width = max(width, integer_bit_width(int(values.min()), int(values.max())))
            if node.op in LINEAR_OPS or node.op is OpKind.ROUND_BIT_PATTERN and current == node_id:
                stack.extend(node.operands)
        return width

    def finish(self, outputs: Sequence[int], name: str) -> Graph:
        graph = self.graph
        graph.outputs = list(outputs)
        graph.name = name
        return graph


def rounding_lsbs(values: np.ndarray, target_bit_width: int, partition_bit_width: int = 1) -> int:
    """Fewest low bits to round away so that ``values`` fit ``target_bit_width`` bits.

    The width counts the sign bit and includes the values rounding up may create (a value
    just under a power of two rounds up to it), as the compiler will see them; values
    sharing the partition (``partition_bit_width``) widen it too.
    """
    values = np.asarray(values)
    if values.size == 0:
        return 0
    low, high = int(values.min()), int(values.max())
    width = max(integer_bit_width(low, high), partition_bit_width)
    for lsbs in range(width + 1):
        if lsbs:
            rounded = round_bit_pattern(np.array([low, high]), lsbs)
            width_after = max(width, integer_bit_width(min(low, int(rounded.min())),
                                                       max(high, int(rounded.max()))))
        else:
            width_after = width
        if width_after - lsbs <= target_bit_width:
            return lsbs
    return width


def is_leveled(graph: Graph) -> bool:
    """True when every node is linear on ciphertexts: the program needs no bootstrap."""
    return all(node.op in LINEAR_OPS or node.op in (OpKind.INPUT, OpKind.CONSTANT)
               for node in graph.nodes)


def evaluate(graph: Graph, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Exact int64 evaluation of an integer program on batches (the virtual library)."""
    return evaluate_graph(graph, [np.asarray(x, dtype=np.int64) for x in inputs])


def replay(graph: Graph, name: str | None = None) -> Callable:
    """A function whose trace is ``graph`` (its nodes re-added to the caller's trace).

    Its parameters are named after the graph's inputs, as ``fhe.compiler`` requires.
    """

    def program(*arguments):
        if not all(isinstance(a, Tracer) for a in arguments):  # one clear sample
            results = [r[0] for r in evaluate(graph, [np.asarray(a)[None] for a in arguments])]
            return results[0] if len(results) == 1 else tuple(results)
        context = arguments[0]._context
        mapping: dict[int, int] = {}
        for node in graph.nodes:
            if node.op is OpKind.INPUT:
                mapping[node.id] = arguments[node.attrs["index"]]._node_id
            elif node.op is OpKind.CONSTANT:
                with located_at(node.location):         # the layer it belongs to
                    mapping[node.id] = as_operand(context, node.attrs["value"])
            else:
                mapping[node.id] = context.add_node(node.op, [mapping[o] for o in node.operands],
                                                    node.attrs, node.location).id
        results = tuple(wrap(context, context.graph[mapping[o]]) for o in graph.outputs)
        return results[0] if len(results) == 1 else results

    parameters = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                  for n in graph.input_names]
    program.__signature__ = inspect.Signature(parameters)
    program.__name__ = name or graph.name
    program.__qualname__ = program.__name__
    return program
