"""Quantization of non-linear ops: table lookups.

A chain of elementwise ops fed by one encrypted value becomes one lookup that reads the
(rounded) integers, dequantizes, applies the chain and requantizes. The chain stays
*pending* (``state.pending``) while it grows; :func:`quantized_value` turns it into the
lookup the first time its value is needed.
"""
from __future__ import annotations

import numpy as np

from ..analysis.bit_widths import assign_bit_widths
from ..core.bounds import Bounds
from ..core.dtypes import integer_bit_width
from ..core.errors import InputError
from ..core.location import located_at
from ..ir.node import Node
from ..ir.ops import ELEMENTWISE_OPS, OpKind
from ..ir.printer import node_error
from ..lowered.fhe_plan import build_plan
from .affine import QValue
from .builder import IntegerProgramBuilder, rounding_lsbs
from .program import LookupRecord, run_chain
from .quantizers import UniformQuantizer
from .rescaling import broadcast, int_constant
from .state import QuantizationState, Region, unsupported


def quantized_value(state: QuantizationState, node_id: int) -> QValue:
    """The quantized value of a float node (building its pending lookup if it has one)."""
    if node_id in state.qvalues:
        return state.qvalues[node_id]
    if node_id in state.pending:
        return materialize(state, node_id)
    if node_id in state.constants:  # a clear value used where an encrypted one goes
        value = state.constants[node_id][0]
        zeros = state.builder.constant(np.zeros(np.shape(value), dtype=np.int64))
        return QValue.of(zeros, 1.0, value, np.shape(value))
    raise node_error(InputError, state.float_graph[node_id], "has no quantized value (an "
                     "internal error of the quantizer)")


# -- rules --------------------------------------------------------------------------------
def start_lookup(state: QuantizationState, node: Node) -> Region:
    """An elementwise function of one encrypted value: the first node of a pending lookup."""
    encrypted = state.encrypted_operands(node)
    if len(encrypted) != 1:
        raise unsupported(state, node)
    quantized_value(state, encrypted[0])
    return Region(encrypted[0], [node.id])


def extend_pending(state: QuantizationState, node: Node) -> Region | None:
    """The pending lookup computing the one encrypted operand of an elementwise ``node``,
    extended by ``node`` (free), or ``None`` when the operand has no pending lookup
    of its own (used elsewhere too, or an output)."""
    encrypted = state.encrypted_operands(node)
    if len(encrypted) != 1 or node.op not in ELEMENTWISE_OPS:
        return None
    operand = encrypted[0]
    region = state.pending.get(operand)
    if region is None or state.users[operand] != [node.id] or \
            operand in state.float_graph.outputs:
        return None
    del state.pending[operand]
    return Region(region.input_id, region.nodes + [node.id])


# -- building lookups ----------------------------------------------------------------------
def materialize(state: QuantizationState, node_id: int) -> QValue:
    """The pending lookup ending at ``node_id`` as a lookup node of the integer program."""
    region = state.pending.pop(node_id)
    shape = state.float_graph[node_id].spec.shape
    value = broadcast(state.builder, state.qvalues[region.input_id], shape)
    graph, constants, input_id, nodes = state.float_graph, state.constants, region.input_id, \
        tuple(region.nodes)

    def chain(x):
        return run_chain(graph, constants, input_id, nodes, x)

    name = lookup_name([graph[i].label for i in nodes])
    # built when a later op needs it: its nodes point at the ops it computes
    with located_at(graph[nodes[-1]].location if nodes else None):
        result = lookup(state, value, chain, name, nodes, state.channel_ok(node_id), node_id)
    state.qvalues[node_id] = result
    return result


def lookup(state: QuantizationState, value: QValue, chain, name: str,
           float_nodes: tuple[int, ...], per_channel: bool, key) -> QValue:
    """One table lookup: (rounded) integers → dequantize → ``chain`` → requantize."""
    builder, options = state.builder, state.options
    accumulator = builder.values[value.node]
    width = integer_bit_width(int(accumulator.min()), int(accumulator.max())) \
        if accumulator.size else 1
    lsbs = 0
    if options.rounding_threshold_bits is not None:
        lsbs = rounding_lsbs(accumulator, options.rounding_threshold_bits,
                             builder.partition_bit_width(value.node)) \
            + state.extra_lsbs.get(key, 0)
    read = value.node
    if lsbs:
        attrs = {"lsbs_to_remove": lsbs}
        if options.rounding_method == "approximate":  # see lowered.fhe_plan.APPROXIMATE
            attrs["exactness"] = "approximate"
        read = builder.op(OpKind.ROUND_BIT_PATTERN, [value.node], attrs)
    chain = chain or (lambda x: x)
    calibration = chain(value.dequantize(builder.values[read]))
    calibration = np.nan_to_num(calibration, nan=0.0, posinf=0.0, neginf=0.0)
    per_channel = options.per_channel and bool(value.shape) and per_channel
    quantizer = UniformQuantizer(state.n_bits.outputs, is_signed=bool(calibration.min() < 0),
                                 channel_axis=-1 if per_channel else None,
                                 integer_zero_point=False).calibrate(calibration)
    params = quantizer.parameters
    scale_in, offset_in = value.scale, value.offset

    def table(q):
        x = np.asarray(q, dtype=np.float64) * scale_in + offset_in
        y = np.nan_to_num(chain(x), nan=0.0, posinf=0.0, neginf=0.0)
        return params.quantize(y)

    table.__name__ = name
    int_node = builder.op(OpKind.UNIVARIATE, [read], {"function": table})
    state.lookup_keys[int_node] = key
    step = float(np.max(np.abs(value.scale))) * (1 << lsbs)
    state.lookups.append(LookupRecord(name, float_nodes, width, lsbs, params.n_bits,
                                      int(np.prod(value.shape, dtype=np.int64)), step))
    return QValue.of(int_node, params.scale, -params.zero_point * params.scale, value.shape)


def narrow_output(state: QuantizationState, value: QValue, output_id: int) -> QValue:
    """Requantize a wide output computed from lookup outputs with one more lookup.

    Decrypting a ``p``-bit output needs noise ``2**(p - p_lookup)`` times smaller than
    a lookup does; an accumulator of activations times 8-bit weights (20 bits) would
    force huge parameters. A lookup that rounds it to ``rounding_threshold_bits`` and
    requantizes to ``n_bits["outputs"]`` keeps the decrypted width small.
    """
    if not state.lookups or state.options.rounding_threshold_bits is None:
        return value
    node = state.builder.graph[value.node]
    values = state.builder.values[value.node]
    width = integer_bit_width(int(values.min()), int(values.max())) if values.size else 1
    if node.op is OpKind.UNIVARIATE or width <= state.n_bits.outputs:
        return value
    return lookup(state, value, None, "output_requant", (), True, ("output", output_id))


def not_a_rounded_lookup(builder: IntegerProgramBuilder, value: QValue) -> QValue:
    """The compiler folds a rounding only into lookups that are not circuit outputs
    (``lowered.fhe_plan.folded_roundings``): such an output ends on a free ``+ 0``."""
    node = builder.graph[value.node]
    if node.op is not OpKind.UNIVARIATE or \
            builder.graph[node.operands[0]].op is not OpKind.ROUND_BIT_PATTERN:
        return value
    plus_zero = builder.op(OpKind.ADD, [value.node, int_constant(builder, 0)])
    return QValue.of(plus_zero, value.scale, value.offset, value.shape)


def lookup_name(labels: list[str]) -> str:
    if labels == ["maximum"]:
        return "relu_requant"
    return "_".join(labels[:3]) + ("_etc" if len(labels) > 3 else "") + "_requant"


def lookup_excess(builder: IntegerProgramBuilder, keys: dict, threshold: int) -> dict:
    """Lookups reading more than ``threshold`` bits once partitions are known, and by how many.

    A lookup's input shares its precision with every value linearly linked to it; a link
    made after the lookup was built (``x + f(x)``) can widen it past the threshold.
    """
    graph = builder.graph
    bounds = {node.id: Bounds.of(builder.values[node.id]) for node in graph.nodes
              if node.id in builder.values and builder.values[node.id].size}
    plan = build_plan(assign_bit_widths(graph, bounds), bounds)
    return {keys[node_id]: lookup.effective_precision - threshold
            for node_id, lookup in plan.lookups.items()
            if node_id in keys and lookup.effective_precision > threshold}
