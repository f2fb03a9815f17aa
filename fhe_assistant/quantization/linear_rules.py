"""Quantization rules of linear ops: they change affine maps or become leveled integer ops.

Each rule takes the :class:`~fhe_assistant.quantization.state.QuantizationState` and a float
node and returns the node's :class:`~fhe_assistant.quantization.affine.QValue`, adding the
integer nodes it needs to ``state.builder``. ``x @ W`` lives in ``matmul_rules``.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from ..interpret.rules import RULES
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.printer import node_error
from .affine import QValue
from .lookup_rules import quantized_value
from .rescaling import broadcast, integer_offsets, uniformize
from .state import QuantizationState

COMPARISONS = frozenset({OpKind.LESS, OpKind.LESS_EQUAL, OpKind.EQUAL, OpKind.NOT_EQUAL,
                         OpKind.GREATER, OpKind.GREATER_EQUAL})


def move_data(state: QuantizationState, node: Node) -> QValue:
    """Reshape, transpose, index, concatenate …: the same op on the integers and the maps."""
    parts = _clear_parts_on_scale(state, node, [quantized_value(state, o)
                                                for o in node.operands])
    int_node = state.builder.op(node.op, [p.node for p in parts], node.attrs)
    with np.errstate(all="ignore"):
        scale = RULES[node.op](node, [np.broadcast_to(p.scale, p.shape)[None] for p in parts])[0]
        offset = RULES[node.op](node, [np.broadcast_to(p.offset, p.shape)[None]
                                       for p in parts])[0]
    return QValue.of(int_node, scale, offset, node.spec.shape)


def _clear_parts_on_scale(state: QuantizationState, node: Node, parts: list[QValue]
                          ) -> list[QValue]:
    """Clear operands (zeros plus an offset) carried on the encrypted operands' scale, so that
    concatenating padding keeps the result's scale as uniform as the encrypted parts'."""
    encrypted = [p for o, p in zip(node.operands, parts) if state.float_graph[o].is_encrypted]
    scale = encrypted[0].scale if encrypted else None
    if scale is None or any(np.shape(p.scale) != np.shape(scale) or np.any(p.scale != scale)
                            for p in encrypted):
        return parts
    result = []
    for o, part in zip(node.operands, parts):
        if not state.float_graph[o].is_encrypted and np.ndim(scale) <= len(part.shape):
            try:
                np.broadcast_shapes(np.shape(scale), part.shape)
                part = QValue.of(part.node, scale, part.offset, part.shape)
            except ValueError:
                pass
        result.append(part)
    return result


def add_or_subtract(state: QuantizationState, node: Node) -> QValue:
    """``x ± c`` and ``c - x`` change the map; ``x ± y`` adds integers on a common scale."""
    sign = 1.0 if node.op is OpKind.ADD else -1.0
    shape = node.spec.shape
    encrypted = state.encrypted_operands(node)
    if len(encrypted) == 1:
        value = broadcast(state.builder, quantized_value(state, encrypted[0]), shape)
        constant = state.constant_operand(node, encrypted[0])
        if node.operands[0] == encrypted[0]:
            return QValue.of(value.node, value.scale, value.offset + sign * constant, shape)
        return QValue.of(value.node, -value.scale, constant - value.offset, shape)  # c - x
    a, b = (quantized_value(state, o) for o in node.operands)
    if not (a.same_map(b) or np.allclose(np.broadcast_to(a.scale, shape),
                                         np.broadcast_to(b.scale, shape))):
        a, b = uniformize(state, a, b)
    int_node = state.builder.op(node.op, [a.node, b.node])
    return QValue.of(int_node, np.broadcast_to(a.scale, shape), a.offset + sign * b.offset,
                     shape)


def negate(state: QuantizationState, node: Node) -> QValue:
    """``-x``: the map's sign flips."""
    value = quantized_value(state, state.encrypted_operands(node)[0])
    return QValue.of(value.node, -value.scale, -value.offset, value.shape)


def multiply(state: QuantizationState, node: Node) -> QValue:
    """``x * c`` scales the map; ``x * y`` multiplies integers with their offsets folded in."""
    shape = node.spec.shape
    encrypted = state.encrypted_operands(node)
    if len(encrypted) == 1:
        value = broadcast(state.builder, quantized_value(state, encrypted[0]), shape)
        constant = state.constant_operand(node, encrypted[0])
        return QValue.of(value.node, value.scale * constant, value.offset * constant, shape)
    a, b = (quantized_value(state, o) for o in node.operands)
    int_node = state.builder.op(OpKind.MULTIPLY, [integer_offsets(state.builder, a),
                                                  integer_offsets(state.builder, b)])
    scale = np.broadcast_to(a.scale, shape) * np.broadcast_to(b.scale, shape)
    return QValue.of(int_node, scale, 0.0, shape)


def divide_by_constant(state: QuantizationState, node: Node) -> QValue:
    """``x / c``: the map is divided."""
    value = broadcast(state.builder, quantized_value(state, node.operands[0]), node.spec.shape)
    divisor = state.constants[node.operands[1]][0]
    return QValue.of(value.node, value.scale / divisor, value.offset / divisor, node.spec.shape)


def sum_(state: QuantizationState, node: Node) -> QValue:
    """``np.sum``: integers summed on a scale uniform along the summed axes."""
    value = quantized_value(state, node.operands[0])
    axis, keepdims = node.attrs.get("axis"), bool(node.attrs.get("keepdims"))
    if not value.has_uniform_scale:
        full = np.broadcast_to(value.scale, value.shape)
        axes = range(len(value.shape)) if axis is None else \
            [a % len(value.shape) for a in np.atleast_1d(axis)]
        if not all(np.all(full == np.take(full, [0], axis=a)) for a in axes):
            value = uniformize(state, value)[0]
    int_node = state.builder.op(OpKind.SUM, [value.node], node.attrs)
    full_scale = np.broadcast_to(value.scale, value.shape)
    scale = np.max(full_scale, axis=axis, keepdims=keepdims) if full_scale.ndim else \
        full_scale
    offset = np.sum(np.broadcast_to(value.offset, value.shape), axis=axis, keepdims=keepdims)
    return QValue.of(int_node, scale, offset, node.spec.shape)


def compare_encrypted(state: QuantizationState, node: Node) -> QValue:
    """``maximum``, ``minimum`` or a comparison of two encrypted values, on one scale."""
    values = uniformize(state, *(quantized_value(state, o) for o in node.operands))
    scale = float(values[0].scale)
    if scale <= 0:
        raise node_error(InputError, node, "cannot be quantized: its operands have a "
                         "non-positive scale")
    int_node = state.builder.op(node.op, [integer_offsets(state.builder, v) for v in values])
    if node.op in COMPARISONS:
        return QValue.of(int_node, 1.0, 0.0, node.spec.shape)
    return QValue.of(int_node, scale, 0.0, node.spec.shape)
