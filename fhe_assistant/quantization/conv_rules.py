"""Quantization rule of ``conv``: integer convolution with weights quantized per output channel.

``conv(x, W)`` with ``x ≈ s * q + o`` and a scale ``s`` uniform within each input channel is
``conv(q, W * s) + conv(o, W)``: the input scales fold into the weights (which are then
quantized symmetrically per output channel to ``n_bits["weights"]``) and the offsets become a
constant offset of the output (computed with the same zero padding). A channel whose weights
share one magnitude (sum pooling, average pooling) gets weights in ``{-1, 0, 1}``: exact, and
no accumulator bit spent on resolution it does not need.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from ..interpret.convolution import conv_batched
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.printer import node_error
from .affine import QValue
from .lookup_rules import quantized_value
from .rescaling import int_constant, uniformize
from .state import QuantizationState


def _per_input_channel(value: QValue) -> np.ndarray | None:
    """The scale as one number per input channel (axis 0), or ``None`` if it varies within one."""
    full = np.broadcast_to(value.scale, value.shape).reshape(value.shape[0], -1)
    if np.all(full == full[:, :1]):
        return full[:, 0].astype(np.float64)
    return None


def quantize_conv_weights(weights: np.ndarray, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer weights and one scale per output channel (axis 0), symmetric."""
    flat = weights.reshape(weights.shape[0], -1)
    levels = (1 << (n_bits - 1)) - 1
    magnitude = np.max(np.abs(flat), axis=1)
    nonzero = np.abs(flat) > 0
    uniform = np.array([np.allclose(np.abs(row[mask]), m, rtol=1e-9, atol=0)
                        for row, mask, m in zip(flat, nonzero, magnitude)])
    scale = np.where(uniform, magnitude, magnitude / max(levels, 1))
    scale = np.where(scale > 0, scale, 1.0)
    q = np.clip(np.rint(flat / scale[:, None]), -levels, levels).astype(np.int64)
    return q.reshape(weights.shape), scale


def conv(state: QuantizationState, node: Node) -> QValue:
    """``conv(x, W)`` with a constant ``W``: ``conv(q, qW)``, scales per output channel."""
    x_id, w_id = node.operands
    if state.float_graph[w_id].is_encrypted or not state.float_graph[x_id].is_encrypted:
        raise node_error(InputError, node, "cannot be quantized: only a convolution of an "
                         "encrypted input with constant weights is supported")
    value = quantized_value(state, x_id)
    channel_scale = _per_input_channel(value)
    if channel_scale is None:
        value = uniformize(state, value)[0]
        channel_scale = np.full(value.shape[0], float(value.scale))
    weights = np.asarray(state.constants[w_id][0], dtype=np.float64)
    groups = node.attrs["groups"]
    out_channels, per_group = weights.shape[0], weights.shape[1]
    group_of_output = np.arange(out_channels) // (out_channels // groups)
    input_channel = group_of_output[:, None] * per_group + np.arange(per_group)[None, :]
    scaled = weights * channel_scale[input_channel].reshape(
        (out_channels, per_group) + (1,) * (weights.ndim - 2))
    q_weights, weight_scale = quantize_conv_weights(scaled, state.n_bits.weights)
    attrs = node.attrs
    offset = conv_batched(np.broadcast_to(value.offset, value.shape)[None].astype(np.float64),
                          weights, attrs["strides"], attrs["pads"], attrs["dilations"],
                          groups)[0]
    int_node = state.builder.op(OpKind.CONV, [value.node, int_constant(state.builder, q_weights)],
                                dict(attrs))
    shape = node.spec.shape
    scale = weight_scale.reshape((out_channels,) + (1,) * (len(shape) - 1))
    return QValue.of(int_node, np.broadcast_to(scale, shape), offset, shape)
