"""Post-training quantization of a float program's op-graph into an integer program.

The float function is traced (one sample), evaluated on calibration data, and rewritten
node by node, each by its op's rule in ``rules.QUANTIZATION_RULES``:

- input: a client-side quantizer (per feature), then encrypted;
- ``x + c``, ``x * c``, ``-x``, ``x / c``: nothing, the affine map of ``x`` changes;
- ``x @ W``, ``W @ x``: ``q @ qW``, ``W`` times the input scales quantized per output
  channel (``matmul_rules``);
- ``sum``, reshapes, indexing, concatenation: the same op on the integers;
- ``x + y``, ``x * y`` (both encrypted): integer ops after aligning scales with clear
  integer multipliers;
- a chain of other elementwise ops (relu, sigmoid …): one table lookup that dequantizes,
  applies the chain and requantizes, after ``round_bit_pattern`` if asked
  (``lookup_rules``).

Trailing elementwise chains at an output run in the clear after decryption
(``clear_outputs``): a logistic regression's sigmoid costs no bootstrap.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from ..core.location import located_at
from ..interpret.interpreter import constant_value, evaluate_graph
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.printer import node_error
from .lookup_rules import (
    extend_pending,
    lookup_excess,
    narrow_output,
    not_a_rounded_lookup,
    quantized_value,
)
from .program import LookupRecord, OutputDecoder, QuantizationOptions, QuantizedProgram
from .rules import QUANTIZATION_RULES
from .state import QuantizationState, Region, unsupported

__all__ = [
    "LookupRecord",
    "OutputDecoder",
    "QuantizationOptions",
    "QuantizedProgram",
    "evaluate_float",
    "quantize_graph",
    "run_rules",
]


def run_rules(state: QuantizationState) -> QuantizedProgram:
    """Walk the float graph once, quantizing each node with its rule, and finish the program."""
    graph = state.float_graph
    for node in graph.nodes:
        if node.op is not OpKind.INPUT and not node.is_encrypted:
            state.constants[node.id] = _fold_constant(node, state.constants)
            continue
        with located_at(node.location):       # integer nodes point at the float op
            result = extend_pending(state, node)   # an elementwise op joining a pending lookup
            if result is None:
                rule = QUANTIZATION_RULES.get(node.op)
                if rule is None:
                    raise unsupported(state, node)
                result = rule(state, node)
        if isinstance(result, Region):
            state.pending[node.id] = result
        else:
            state.qvalues[node.id] = result
    decoders = []
    for output in graph.outputs:
        with located_at(graph[output].location):
            decoders.append(_output(state, output))
    program = state.builder.finish([d.value.node for d in decoders], f"{graph.name}_quantized")
    return QuantizedProgram(graph, program, state.input_quantizers, decoders, state.lookups,
                            state.options)


def _fold_constant(node: Node, constants: dict[int, np.ndarray]) -> np.ndarray:
    """The batched value of a clear node (floats as float64)."""
    if node.op is OpKind.CONSTANT:
        value = constant_value(node)
        return value.astype(np.float64) if value.dtype.kind == "f" else value
    with np.errstate(all="ignore"):
        return np.asarray(RULES[node.op](node, [constants[o] for o in node.operands]))


def _output(state: QuantizationState, node_id: int) -> OutputDecoder:
    graph = state.float_graph
    if not graph[node_id].is_encrypted:
        raise node_error(InputError, graph[node_id], "is an output that does not depend on "
                         "the inputs; return only values computed from them", with_code=True)
    if node_id in state.pending and state.options.clear_outputs:
        region = state.pending.pop(node_id)
        value = narrow_output(state, quantized_value(state, region.input_id), node_id)
        return OutputDecoder(not_a_rounded_lookup(state.builder, value), tuple(region.nodes),
                             region.input_id, graph, state.constants)
    value = narrow_output(state, quantized_value(state, node_id), node_id)
    return OutputDecoder(not_a_rounded_lookup(state.builder, value))


def quantize_graph(float_graph: Graph, calibration: list[np.ndarray],
                   options: QuantizationOptions) -> QuantizedProgram:
    """Post-training quantization of ``float_graph`` calibrated on ``calibration`` batches.

    With ``rounding_threshold_bits``, lookups whose partition turns out wider than planned
    get more bits rounded away and the program is rebuilt (at most a few times).
    """
    extra: dict = {}
    for _ in range(4):
        state = QuantizationState(float_graph, options, calibration, dict(extra))
        program = run_rules(state)
        if options.rounding_threshold_bits is None:
            return program
        excess = lookup_excess(state.builder, state.lookup_keys, options.rounding_threshold_bits)
        if not excess:
            return program
        for key, bits in excess.items():
            extra[key] = extra.get(key, 0) + bits
    return program


def evaluate_float(float_graph: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The float program on batches (the reference the quantized one approximates)."""
    with np.errstate(all="ignore"):
        return evaluate_graph(float_graph, [np.asarray(x, dtype=np.float64) for x in inputs])
