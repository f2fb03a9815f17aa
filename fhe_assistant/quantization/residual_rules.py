"""Quantization rules for two encrypted values on different scales: residual adds, pooling.

``x + y`` where ``y`` is a wide accumulator on a fine scale (a convolution's output) and ``x``
a lookup's output on a coarse one cannot share one scale through small integer multipliers
without losing one of them; as Concrete ML does, the operand that is not already a lookup
output is first requantized by an identity lookup, then both meet on one scale.
``maximum`` of two values on the same affine map with positive scales (the windows of a max
pooling) is the maximum of their integers: no rescaling at all.
"""
from __future__ import annotations

import numpy as np

from ..ir.node import Node
from ..ir.ops import OpKind
from .affine import QValue
from .linear_rules import add_or_subtract
from .lookup_rules import lookup, quantized_value
from .state import QuantizationState

#: Largest relative error of the integer multipliers that put two values on one scale.
_MULTIPLIER_TOLERANCE = 0.02


def _multiplier_error(state: QuantizationState, values: list[QValue]) -> float:
    """Worst relative error of the multipliers ``uniformize`` would use for ``values``."""
    top = max(float(np.max(np.abs(v.scale))) for v in values)
    levels = (1 << (state.n_bits.weights - 1)) - 1
    common = top / max(levels, 1)
    ratios = np.concatenate([np.abs(np.ravel(v.scale)) / common for v in values])
    ratios = ratios[ratios > 0]          # a channel of zero scale holds only zeros
    rounded = np.rint(ratios)
    errors = np.abs(rounded - ratios) / ratios
    return float(np.max(np.where(rounded > 0, errors, 1.0), initial=0.0))


def add_encrypted(state: QuantizationState, node: Node):
    """``x ± y``: as ``add_or_subtract``, after requantizing an operand that would be lost."""
    encrypted = state.encrypted_operands(node)
    if len(encrypted) != 2 or encrypted[0] == encrypted[1]:
        return add_or_subtract(state, node)
    values = [quantized_value(state, o) for o in node.operands]
    if values[0].same_map(values[1]) or _multiplier_error(state, values) <= _MULTIPLIER_TOLERANCE:
        return add_or_subtract(state, node)
    for position, (operand, value) in enumerate(zip(node.operands, values)):
        if state.builder.graph[value.node].op is not OpKind.UNIVARIATE:
            state.qvalues[operand] = lookup(state, value, None, "residual_requant", (), False,
                                            ("residual", node.id, position))
    return add_or_subtract(state, node)


def maximum_same_map(state: QuantizationState, node: Node, fallback):
    """``maximum`` / ``minimum`` of two values on one map with positive scales: on integers."""
    encrypted = state.encrypted_operands(node)
    if len(encrypted) == 2:
        a, b = (quantized_value(state, o) for o in node.operands)
        if a.same_map(b) and np.all(np.asarray(a.scale) > 0):
            int_node = state.builder.op(node.op, [a.node, b.node])
            return QValue.of(int_node, a.scale, a.offset, node.spec.shape)
    return fallback(state, node)
