"""The quantization rules: one function per ``OpKind`` (the table the quantizer walks with).

A rule ``(state, node) -> QValue | Region`` quantizes one float node whose value depends
on an input: it reads the quantized values of the operands from
:class:`~fhe_assistant.quantization.state.QuantizationState`, adds integer nodes to
``state.builder`` and returns either the node's quantized value (a ``QValue``) or a pending
lookup (a ``Region``: elementwise float nodes that will become one table lookup). Clear
nodes are folded into constants without a rule; an op with no row, or a row that cannot
handle the node's operands, is refused with an error naming the node.

Adding an op = one row here (and its rule, where an existing one does not fit) + tests.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..ir.node import Node
from ..ir.ops import DATA_MOVEMENT_OPS, OpKind
from .affine import QValue
from .conv_rules import conv
from .linear_rules import (
    COMPARISONS,
    compare_encrypted,
    divide_by_constant,
    move_data,
    multiply,
    negate,
    sum_,
)
from .lookup_rules import start_lookup
from .matmul_rules import matmul
from .quantizers import UniformQuantizer
from .residual_rules import add_encrypted, maximum_same_map
from .state import QuantizationState, Region, unsupported

Rule = Callable[[QuantizationState, Node], QValue | Region]


def quantize_input(state: QuantizationState, node: Node) -> QValue:
    """A program input: a client-side quantizer (per feature where allowed), calibrated."""
    batch = np.asarray(state.calibration[node.attrs["index"]], dtype=np.float64)
    per_channel = state.options.per_channel and node.spec.shape and state.channel_ok(node.id)
    quantizer = UniformQuantizer(state.n_bits.inputs, is_signed=True,
                                 channel_axis=-1 if per_channel else None,
                                 integer_zero_point=False).calibrate(batch)
    params = quantizer.parameters
    state.input_quantizers.append(params)
    node_id = state.builder.input(node.attrs["name"], node.attrs["index"], params.quantize(batch))
    return QValue.of(node_id, params.scale, -params.zero_point * params.scale, node.spec.shape)


def ufunc(state: QuantizationState, node: Node) -> QValue | Region:
    """``x / c`` changes the map; any other numpy function of one value is a lookup."""
    if state.is_divide_by_constant(node):
        return divide_by_constant(state, node)
    return start_lookup(state, node)


def compare(state: QuantizationState, node: Node) -> QValue | Region:
    """Against a constant: a lookup; between two encrypted values: on one scale."""
    if len(state.encrypted_operands(node)) == 1:
        return start_lookup(state, node)
    return compare_encrypted(state, node)


def integer_only(state: QuantizationState, node: Node) -> QValue:
    """``fhe.bits``, ``truncate_bit_pattern``, ``multivariate`` and run-time tables act on
    integers a program already has; a float function has no such values, so the node is
    refused by name (with its source line) rather than guessed at."""
    raise unsupported(state, node)


#: ``OpKind`` → the rule that quantizes a node of that op (``CONSTANT`` is never encrypted).
QUANTIZATION_RULES: dict[OpKind, Rule] = {
    OpKind.INPUT: quantize_input,
    OpKind.ADD: add_encrypted,
    OpKind.SUBTRACT: add_encrypted,
    OpKind.NEGATIVE: negate,
    OpKind.MULTIPLY: multiply,
    OpKind.MATMUL: matmul,
    OpKind.CONV: conv,
    OpKind.SUM: sum_,
    OpKind.UFUNC: ufunc,
    OpKind.MAXIMUM: lambda state, node: maximum_same_map(state, node, compare),
    OpKind.MINIMUM: lambda state, node: maximum_same_map(state, node, compare),
    **{op: compare for op in COMPARISONS},
    **{op: move_data for op in DATA_MOVEMENT_OPS},
    # elementwise functions of one encrypted value: one table lookup per chain
    **{op: start_lookup for op in (
        OpKind.POWER, OpKind.FLOOR_DIVIDE, OpKind.REMAINDER, OpKind.ABSOLUTE, OpKind.CLIP,
        OpKind.WHERE, OpKind.ROUND_BIT_PATTERN, OpKind.ASTYPE, OpKind.LOOKUP_TABLE,
        OpKind.UNIVARIATE, OpKind.TLU)},
    **{op: integer_only for op in (
        OpKind.EXTRACT_BITS, OpKind.TRUNCATE_BIT_PATTERN, OpKind.MULTIVARIATE,
        OpKind.DYNAMIC_TLU)},
}
