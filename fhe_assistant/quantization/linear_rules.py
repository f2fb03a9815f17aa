"""Rewrite rules of post-training quantization for linear ops (no bootstrap).

Mixed into :class:`~fhe_assistant.quantization.post_training.PostTrainingQuantizer`; they
read and write its ``builder`` (the integer program), ``qvalues`` (float node → quantized
value) and ``constants``.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from ..interpret.rules import RULES
from ..ir.node import Node
from ..ir.ops import OpKind
from .affine import QValue, compress, last_axis_vector, varies_only_along_last
from .program import describe
from .quantizers import UniformQuantizer

COMPARISONS = frozenset({OpKind.LESS, OpKind.LESS_EQUAL, OpKind.EQUAL, OpKind.NOT_EQUAL,
                         OpKind.GREATER, OpKind.GREATER_EQUAL})


class LinearRules:
    """Linear ops change affine maps or become leveled integer ops."""

    def _int_constant(self, array) -> int:
        return self.builder.constant(np.asarray(array).astype(np.int64))

    def _broadcast(self, value: QValue, shape: tuple[int, ...]) -> QValue:
        if tuple(value.shape) == tuple(shape):
            return value
        node = self.builder.op(OpKind.BROADCAST_TO, [value.node], {"shape": tuple(shape)})
        return QValue.of(node, value.scale, value.offset, shape)

    def _rescale(self, value: QValue, scale: float) -> QValue:
        """The same value on a uniform ``scale`` via clear integer multipliers (no bootstrap)."""
        full = np.broadcast_to(value.scale, value.shape)
        multipliers = np.rint(full / scale).astype(np.int64)
        if np.all(multipliers == 1):
            return QValue.of(value.node, scale, value.offset, value.shape)
        node = self.builder.op(OpKind.MULTIPLY,
                               [value.node, self._int_constant(compress(multipliers, value.shape))])
        return QValue.of(node, scale, value.offset, value.shape)

    def _uniform_scale_for(self, *values: QValue) -> float:
        top = max(float(np.max(np.abs(v.scale))) for v in values)
        levels = (1 << (self.n_bits.weights - 1)) - 1
        return top / max(levels, 1)

    def _uniformize(self, *values: QValue) -> list[QValue]:
        """Bring values onto one scalar scale (identity when they already share one)."""
        if all(v.has_uniform_scale for v in values) and \
                len({float(v.scale) for v in values}) == 1:
            return list(values)
        scale = self._uniform_scale_for(*values)
        return [self._rescale(v, scale) for v in values]

    def _integer_offsets(self, value: QValue) -> int:
        """An integer node ``q + round(offset / scale)``: ``x ≈ scale * node``."""
        full_scale = np.broadcast_to(value.scale, value.shape)
        shift = np.rint(np.divide(np.broadcast_to(value.offset, value.shape), full_scale,
                                  out=np.zeros(value.shape), where=full_scale != 0))
        if not np.any(shift):
            return value.node
        return self.builder.op(OpKind.ADD, [value.node, self._int_constant(
            compress(shift, value.shape))])

    def _data_movement(self, node: Node) -> None:
        parts = [self.qvalue(o) for o in node.operands]
        int_node = self.builder.op(node.op, [p.node for p in parts], node.attrs)
        with np.errstate(all="ignore"):
            scale = RULES[node.op](node, [np.broadcast_to(p.scale, p.shape)[None]
                                          for p in parts])[0]
            offset = RULES[node.op](node, [np.broadcast_to(p.offset, p.shape)[None]
                                           for p in parts])[0]
        self.qvalues[node.id] = QValue.of(int_node, scale, offset, node.spec.shape)

    def _add(self, node: Node, encrypted: list[int]) -> None:
        sign = 1.0 if node.op is OpKind.ADD else -1.0
        shape = node.spec.shape
        if len(encrypted) == 1:
            value = self._broadcast(self.qvalue(encrypted[0]), shape)
            other = next(o for o in node.operands if o != encrypted[0])
            constant = self.constants[other][0]
            if node.operands[0] == encrypted[0]:
                self.qvalues[node.id] = QValue.of(value.node, value.scale,
                                                  value.offset + sign * constant, shape)
            else:  # c - x
                self.qvalues[node.id] = QValue.of(value.node, -value.scale,
                                                  constant - value.offset, shape)
            return
        a, b = (self.qvalue(o) for o in node.operands)
        if not (a.same_map(b) or np.allclose(np.broadcast_to(a.scale, shape),
                                             np.broadcast_to(b.scale, shape))):
            a, b = self._uniformize(a, b)
        int_node = self.builder.op(node.op, [a.node, b.node])
        self.qvalues[node.id] = QValue.of(int_node, np.broadcast_to(a.scale, shape),
                                          a.offset + sign * b.offset, shape)

    def _multiply(self, node: Node, encrypted: list[int]) -> None:
        shape = node.spec.shape
        if len(encrypted) == 1:
            value = self._broadcast(self.qvalue(encrypted[0]), shape)
            other = next(o for o in node.operands if o != encrypted[0])
            constant = self.constants[other][0]
            self.qvalues[node.id] = QValue.of(value.node, value.scale * constant,
                                              value.offset * constant, shape)
            return
        a, b = (self.qvalue(o) for o in node.operands)
        int_node = self.builder.op(OpKind.MULTIPLY, [self._integer_offsets(a),
                                                     self._integer_offsets(b)])
        scale = np.broadcast_to(a.scale, shape) * np.broadcast_to(b.scale, shape)
        self.qvalues[node.id] = QValue.of(int_node, scale, 0.0, shape)

    def _matmul(self, node: Node, encrypted: list[int]) -> None:
        a_id, b_id = node.operands
        if len(encrypted) == 2:
            a, b = self._uniformize(self.qvalue(a_id)), self._uniformize(self.qvalue(b_id))
            a, b = a[0], b[0]
            int_node = self.builder.op(OpKind.MATMUL, [self._integer_offsets(a),
                                                       self._integer_offsets(b)])
            self.qvalues[node.id] = QValue.of(int_node, float(a.scale) * float(b.scale), 0.0,
                                              node.spec.shape)
            return
        left = a_id == encrypted[0]
        value = self.qvalue(encrypted[0])
        weights = np.asarray(self.constants[b_id if left else a_id][0], dtype=np.float64)
        shape = value.shape
        offset_full = np.broadcast_to(value.offset, shape)
        offset = offset_full @ weights if left else weights @ offset_full
        n_w = self.n_bits.weights
        if left and shape and varies_only_along_last(value.scale, shape):
            vector = last_axis_vector(value.scale, shape)
            scaled = weights * (vector.reshape(-1, 1) if weights.ndim >= 2 else vector)
        elif not left and len(shape) == 1:
            scaled = weights * last_axis_vector(value.scale, shape)
        else:
            value = self._uniformize(value)[0]
            scaled = weights * float(value.scale)
        if left and len(shape) == 1 and weights.ndim == 2 and self.options.per_channel \
                and self.options.rounding_threshold_bits is not None:
            self._matmul_equalized(node, value, scaled, offset)
            return
        if left:
            axis = -1 if weights.ndim >= 2 and self.options.per_channel else None
        else:
            axis = -2 if weights.ndim >= 2 and self.options.per_channel else None
        quantizer = UniformQuantizer(n_w, is_signed=True, is_symmetric=True,
                                     channel_axis=axis).calibrate(scaled)
        q_weights = quantizer.quantize(scaled)
        weight_scale = quantizer.scale
        if not left and axis is not None and len(shape) == 1:
            weight_scale = np.reshape(weight_scale, (-1,))
        operands = [value.node, self._int_constant(q_weights)] if left else \
            [self._int_constant(q_weights), value.node]
        int_node = self.builder.op(OpKind.MATMUL, operands)
        self.qvalues[node.id] = QValue.of(int_node, np.broadcast_to(weight_scale, node.spec.shape)
                                          if np.ndim(weight_scale) else weight_scale, offset,
                                          node.spec.shape)

    def _matmul_equalized(self, node: Node, value: QValue, scaled: np.ndarray,
                          offset: np.ndarray) -> None:
        """``q @ W`` with per-column scales that give every column the same integer reach.

        An accumulator rounded to ``rounding_threshold_bits`` before its lookup shares one
        rounding (hence one resolution) across its columns: a column whose values reach a
        fifth of the widest column's would keep two bits fewer. Scales are chosen from
        each column's calibrated ``max |q @ W|`` instead of its largest weight; the few
        columns whose weights would then outgrow ``n_bits["weights"]`` keep the max-abs
        scale (and a smaller reach).
        """
        levels = (1 << (self.n_bits.weights - 1)) - 1
        source = value.node
        ints = self.builder.values[source].astype(np.float64)
        exact = ints @ scaled                                    # (samples, columns)
        shift = self._centering_shift(ints, scaled, exact)
        if shift is not None:
            source = self.builder.op(OpKind.ADD, [source, self._int_constant(-shift)])
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
        column_scale = column_scale * self._headroom(ints, scaled / column_scale)
        q_weights = np.clip(np.rint(scaled / column_scale), -levels, levels).astype(np.int64)
        int_node = self.builder.op(OpKind.MATMUL, [source, self._int_constant(q_weights)])
        self.qvalues[node.id] = QValue.of(int_node, column_scale, offset, node.spec.shape)

    def _headroom(self, ints: np.ndarray, weights: np.ndarray) -> float:
        """Factor (≥ 1) dividing the weights so that ``accumulator_margin`` fits in the
        accumulator's power-of-two range above the calibrated extremes."""
        margin = self.options.accumulator_margin
        reach = float(np.max(np.abs(ints @ np.rint(weights)))) if ints.size else 0.0
        if margin <= 1 or reach <= 0:
            return 1.0
        bound = float(1 << int(reach).bit_length())   # the signed range the compiler gives
        return max(1.0, margin * reach / bound)

    @staticmethod
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

    def _sum(self, node: Node) -> None:
        value = self.qvalue(node.operands[0])
        axis, keepdims = node.attrs.get("axis"), bool(node.attrs.get("keepdims"))
        if not value.has_uniform_scale:
            full = np.broadcast_to(value.scale, value.shape)
            axes = range(len(value.shape)) if axis is None else \
                [a % len(value.shape) for a in np.atleast_1d(axis)]
            if not all(np.all(full == np.take(full, [0], axis=a)) for a in axes):
                value = self._uniformize(value)[0]
        int_node = self.builder.op(OpKind.SUM, [value.node], node.attrs)
        full_scale = np.broadcast_to(value.scale, value.shape)
        scale = np.max(full_scale, axis=axis, keepdims=keepdims) if full_scale.ndim else \
            full_scale
        offset = np.sum(np.broadcast_to(value.offset, value.shape), axis=axis, keepdims=keepdims)
        self.qvalues[node.id] = QValue.of(int_node, scale, offset, node.spec.shape)

    def _two_encrypted_compare(self, node: Node) -> None:
        values = [self.qvalue(o) for o in node.operands]
        values = self._uniformize(*values)
        scale = float(values[0].scale)
        if scale <= 0:
            raise InputError(f"cannot quantize {describe(node)}: its operands have a "
                             f"non-positive scale")
        nodes = [self._integer_offsets(v) for v in values]
        int_node = self.builder.op(node.op, nodes)
        if node.op in COMPARISONS:
            self.qvalues[node.id] = QValue.of(int_node, 1.0, 0.0, node.spec.shape)
        else:
            self.qvalues[node.id] = QValue.of(int_node, scale, 0.0, node.spec.shape)

