"""Leveled integer nodes that change how a quantized value is carried (no bootstrap).

Two encrypted values meet in one integer op only once their affine maps agree: these
helpers broadcast a value, bring values onto one scale with clear integer multipliers,
and fold an offset into the integers. They add nodes to the program under construction.
"""
from __future__ import annotations

import numpy as np

from ..ir.ops import OpKind
from .affine import QValue, compress
from .builder import IntegerProgramBuilder
from .state import QuantizationState


def int_constant(builder: IntegerProgramBuilder, array) -> int:
    """A clear ``int64`` constant node."""
    return builder.constant(np.asarray(array).astype(np.int64))


def broadcast(builder: IntegerProgramBuilder, value: QValue, shape: tuple[int, ...]) -> QValue:
    """``value`` broadcast to ``shape`` (itself when the shape is already right)."""
    if tuple(value.shape) == tuple(shape):
        return value
    node = builder.op(OpKind.BROADCAST_TO, [value.node], {"shape": tuple(shape)})
    return QValue.of(node, value.scale, value.offset, shape)


def rescale(builder: IntegerProgramBuilder, value: QValue, scale: float) -> QValue:
    """The same value on a uniform ``scale`` via clear integer multipliers."""
    full = np.broadcast_to(value.scale, value.shape)
    multipliers = np.rint(full / scale).astype(np.int64)
    if np.all(multipliers == 1):
        return QValue.of(value.node, scale, value.offset, value.shape)
    node = builder.op(OpKind.MULTIPLY,
                      [value.node, int_constant(builder, compress(multipliers, value.shape))])
    return QValue.of(node, scale, value.offset, value.shape)


def uniformize(state: QuantizationState, *values: QValue) -> list[QValue]:
    """Bring values onto one scalar scale (identity when they already share one).

    The common scale gives the largest scale ``n_bits["weights"]`` levels of resolution.
    """
    if all(v.has_uniform_scale for v in values) and \
            len({float(v.scale) for v in values}) == 1:
        return list(values)
    top = max(float(np.max(np.abs(v.scale))) for v in values)
    levels = (1 << (state.n_bits.weights - 1)) - 1
    scale = top / max(levels, 1)
    return [rescale(state.builder, v, scale) for v in values]


def integer_offsets(builder: IntegerProgramBuilder, value: QValue) -> int:
    """An integer node ``q + round(offset / scale)``: ``x ≈ scale * node``."""
    full_scale = np.broadcast_to(value.scale, value.shape)
    shift = np.rint(np.divide(np.broadcast_to(value.offset, value.shape), full_scale,
                              out=np.zeros(value.shape), where=full_scale != 0))
    if not np.any(shift):
        return value.node
    return builder.op(OpKind.ADD, [value.node, int_constant(builder, compress(shift, value.shape))])
