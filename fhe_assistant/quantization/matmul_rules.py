"""Quantization rule of ``@``: ``q @ qW`` with weights quantized per output channel.

``x @ W`` (or ``W @ x``) with constant ``W`` folds the input's scales into ``W`` and
quantizes the product's weights to ``n_bits["weights"]``; before a rounded lookup the
columns are equalized (see :func:`_equalized_matmul`). ``x @ y`` of two encrypted values
multiplies their integers on uniform scales.
"""
from __future__ import annotations

import numpy as np

from ..ir.node import Node
from ..ir.ops import OpKind
from .affine import QValue, last_axis_vector, varies_only_along_last
from .lookup_rules import quantized_value
from .quantizers import UniformQuantizer
from .rescaling import int_constant, integer_offsets, uniformize
from .state import QuantizationState


def matmul(state: QuantizationState, node: Node) -> QValue:
    """``x @ W``, ``W @ x`` (constant weights) or ``x @ y`` (both encrypted)."""
    builder, options = state.builder, state.options
    a_id, b_id = node.operands
    encrypted = state.encrypted_operands(node)
    if len(encrypted) == 2:
        a = uniformize(state, quantized_value(state, a_id))[0]
        b = uniformize(state, quantized_value(state, b_id))[0]
        int_node = builder.op(OpKind.MATMUL, [integer_offsets(builder, a),
                                              integer_offsets(builder, b)])
        return QValue.of(int_node, float(a.scale) * float(b.scale), 0.0, node.spec.shape)
    left = a_id == encrypted[0]
    value = quantized_value(state, encrypted[0])
    weights = np.asarray(state.constants[b_id if left else a_id][0], dtype=np.float64)
    shape = value.shape
    offset_full = np.broadcast_to(value.offset, shape)
    offset = offset_full @ weights if left else weights @ offset_full
    if left and shape and varies_only_along_last(value.scale, shape):
        vector = last_axis_vector(value.scale, shape)
        scaled = weights * (vector.reshape(-1, 1) if weights.ndim >= 2 else vector)
    elif not left and len(shape) == 1:
        scaled = weights * last_axis_vector(value.scale, shape)
    else:
        value = uniformize(state, value)[0]
        scaled = weights * float(value.scale)
    if left and len(shape) == 1 and weights.ndim == 2 and options.per_channel \
            and options.rounding_threshold_bits is not None:
        return _equalized_matmul(state, node, value, scaled, offset)
    if left:
        axis = -1 if weights.ndim >= 2 and options.per_channel else None
    else:
        axis = -2 if weights.ndim >= 2 and options.per_channel else None
    quantizer = UniformQuantizer(state.n_bits.weights, is_signed=True, is_symmetric=True,
                                 channel_axis=axis).calibrate(scaled)
    q_weights = quantizer.quantize(scaled)
    weight_scale = quantizer.scale
    if not left and axis is not None and len(shape) == 1:
        weight_scale = np.reshape(weight_scale, (-1,))
    operands = [value.node, int_constant(builder, q_weights)] if left else \
        [int_constant(builder, q_weights), value.node]
    int_node = builder.op(OpKind.MATMUL, operands)
    return QValue.of(int_node, np.broadcast_to(weight_scale, node.spec.shape)
                     if np.ndim(weight_scale) else weight_scale, offset, node.spec.shape)


def _equalized_matmul(state: QuantizationState, node: Node, value: QValue, scaled: np.ndarray,
                      offset: np.ndarray) -> QValue:
    """``q @ W`` with per-column scales that give every column the same integer reach.

    An accumulator rounded to ``rounding_threshold_bits`` before its lookup shares one
    rounding (hence one resolution) across its columns: a column whose values reach a
    fifth of the widest column's would keep two bits fewer. Scales are chosen from
    each column's calibrated ``max |q @ W|`` instead of its largest weight; the few
    columns whose weights would then outgrow ``n_bits["weights"]`` keep the max-abs
    scale (and a smaller reach).
    """
    builder = state.builder
    levels = (1 << (state.n_bits.weights - 1)) - 1
    source = value.node
    ints = builder.values[source].astype(np.float64)
    exact = ints @ scaled                                    # (samples, columns)
    shift = _centering_shift(ints, scaled, exact)
    if shift is not None:
        source = builder.op(OpKind.ADD, [source, int_constant(builder, -shift)])
        ints = ints - shift
        exact = ints @ scaled
        offset = offset + shift @ scaled
    reach_out = np.max(np.abs(exact), axis=0)               # per column
    reach_in = np.max(np.abs(scaled), axis=0)
    usable = (reach_out > 0) & (reach_in > 0)
    limits = np.where(usable, levels * reach_out / np.where(reach_in > 0, reach_in, 1), np.inf)
    target = float(np.quantile(limits[usable], 0.1)) if usable.any() else 1.0
    column_scale = np.where(usable, reach_out / np.minimum(target, limits),
                            np.where(reach_in > 0, reach_in / levels, 1.0))
    column_scale = column_scale * _headroom(state.options.accumulator_margin, ints,
                                            scaled / column_scale)
    q_weights = np.clip(np.rint(scaled / column_scale), -levels, levels).astype(np.int64)
    int_node = builder.op(OpKind.MATMUL, [source, int_constant(builder, q_weights)])
    return QValue.of(int_node, column_scale, offset, node.spec.shape)


def _headroom(margin: float, ints: np.ndarray, weights: np.ndarray) -> float:
    """Factor (≥ 1) dividing the weights so that ``margin`` (``accumulator_margin``) fits in
    the accumulator's power-of-two range above the calibrated extremes."""
    reach = float(np.max(np.abs(ints @ np.rint(weights)))) if ints.size else 0.0
    if margin <= 1 or reach <= 0:
        return 1.0
    bound = float(1 << int(reach).bit_length())   # the signed range the compiler gives
    return max(1.0, margin * reach / bound)


def _centering_shift(ints: np.ndarray, scaled: np.ndarray, exact: np.ndarray):
    """An integer shift ``z`` of the inputs that centres the columns of ``(q - z) @ W``.

    The accumulator's precision covers ``[-max|acc|, max|acc|]``; a column whose values
    sit in ``[-350k, 100k]`` wastes a bit. Shifting the *inputs* (a free clear
    subtraction before the product) moves column ``k`` by ``z @ W[:, k]``, with no
    wider intermediate value. ``z`` is the least-squares solution, kept only if it
    narrows the accumulator without more than doubling the inputs' reach.
    """
    center = (exact.max(axis=0) + exact.min(axis=0)) / 2
    if not np.any(center):
        return None
    shift = np.rint(np.linalg.lstsq(scaled.T, center, rcond=None)[0])
    if not np.any(shift):
        return None
    shifted = ints - shift
    if np.abs(shifted).max() > 2 * np.abs(ints).max() + 1:
        return None
    if np.abs(shifted @ scaled).max() >= 0.95 * np.abs(exact).max():
        return None
    return shift.astype(np.int64)
