"""Rewrite rules of post-training quantization for non-linear ops: table lookups.

A chain of elementwise ops fed by one encrypted value becomes one lookup that reads the
(rounded) integers, dequantizes, applies the chain and requantizes. Mixed into
:class:`~fhe_assistant.quantization.post_training.PostTrainingQuantizer`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis.bit_widths import assign_bit_widths
from ..analysis.fhe_plan import build_plan
from ..core.bounds import Bounds
from ..core.dtypes import integer_bit_width
from ..ir.node import Node
from ..ir.ops import OpKind
from .affine import QValue
from .builder import IntegerProgramBuilder, rounding_lsbs
from .program import LookupRecord, run_chain
from .quantizers import UniformQuantizer


@dataclass
class Region:
    """Float nodes waiting to become one lookup, and the value they start from."""

    input_id: int
    nodes: list[int]


class LookupRules:
    """Elementwise chains → pending regions → lookups (with rounding and requantization)."""

    def _extend_region(self, node: Node, encrypted: int) -> bool:
        """Append an elementwise op to the pending lookup that computes its operand (free)."""
        region = self.pending.get(encrypted)
        if region is None or self.users[encrypted] != [node.id] or encrypted in self.g.outputs:
            return False
        del self.pending[encrypted]
        self.pending[node.id] = Region(region.input_id, region.nodes + [node.id])
        return True

    def _elementwise(self, node: Node, encrypted: int) -> None:
        self.qvalue(encrypted)
        self.pending[node.id] = Region(encrypted, [node.id])

    def _materialize(self, node_id: int) -> QValue:
        region = self.pending.pop(node_id)
        shape = self.g[node_id].spec.shape
        value = self._broadcast(self.qvalues[region.input_id], shape)
        graph, constants, input_id, nodes = self.g, self.constants, region.input_id, \
            tuple(region.nodes)

        def chain(x):
            return run_chain(graph, constants, input_id, nodes, x)

        name = lookup_name([self.g[i].label for i in nodes])
        result = self._lookup(value, chain, name, nodes, self._channel_ok(node_id), node_id)
        self.qvalues[node_id] = result
        return result

    def _lookup(self, value: QValue, chain, name: str, float_nodes: tuple[int, ...],
                per_channel: bool, key) -> QValue:
        """One table lookup: (rounded) integers → dequantize → ``chain`` → requantize."""
        accumulator = self.builder.values[value.node]
        width = integer_bit_width(int(accumulator.min()), int(accumulator.max())) \
            if accumulator.size else 1
        lsbs = 0
        if self.options.rounding_threshold_bits is not None:
            lsbs = rounding_lsbs(accumulator, self.options.rounding_threshold_bits,
                                 self.builder.partition_bit_width(value.node)) \
                + self.extra_lsbs.get(key, 0)
        read = value.node
        if lsbs:
            read = self.builder.op(OpKind.ROUND_BIT_PATTERN, [value.node],
                                   {"lsbs_to_remove": lsbs})
        chain = chain or (lambda x: x)
        calibration = chain(value.dequantize(self.builder.values[read]))
        calibration = np.nan_to_num(calibration, nan=0.0, posinf=0.0, neginf=0.0)
        per_channel = self.options.per_channel and bool(value.shape) and per_channel
        quantizer = UniformQuantizer(self.n_bits.outputs, is_signed=bool(calibration.min() < 0),
                                     channel_axis=-1 if per_channel else None,
                                     integer_zero_point=False).calibrate(calibration)
        params = quantizer.parameters
        scale_in, offset_in = value.scale, value.offset

        def lookup(q):
            x = np.asarray(q, dtype=np.float64) * scale_in + offset_in
            y = np.nan_to_num(chain(x), nan=0.0, posinf=0.0, neginf=0.0)
            return params.quantize(y)

        lookup.__name__ = name
        int_node = self.builder.op(OpKind.UNIVARIATE, [read], {"function": lookup})
        self.lookup_keys[int_node] = key
        step = float(np.max(np.abs(value.scale))) * (1 << lsbs)
        self.lookups.append(LookupRecord(name, float_nodes, width, lsbs, params.n_bits,
                                         int(np.prod(value.shape, dtype=np.int64)), step))
        return QValue.of(int_node, params.scale, -params.zero_point * params.scale, value.shape)

    def _narrow_output(self, value: QValue, output_id: int) -> QValue:
        """Requantize a wide output computed from lookup outputs with one more lookup.

        Decrypting a ``p``-bit output needs noise ``2**(p - p_lookup)`` times smaller than
        a lookup does; an accumulator of activations times 8-bit weights (20 bits) would
        force huge parameters. A lookup that rounds it to ``rounding_threshold_bits`` and
        requantizes to ``n_bits["outputs"]`` keeps the decrypted width small.
        """
        if not self.lookups or self.options.rounding_threshold_bits is None:
            return value
        node = self.builder.graph[value.node]
        values = self.builder.values[value.node]
        width = integer_bit_width(int(values.min()), int(values.max())) if values.size else 1
        if node.op is OpKind.UNIVARIATE or width <= self.n_bits.outputs:
            return value
        return self._lookup(value, None, "output_requant", (), True, ("output", output_id))

    def _not_a_rounded_lookup(self, value: QValue) -> QValue:
        """The compiler folds a rounding only into lookups that are not circuit outputs
        (``analysis.fhe_plan.folded_roundings``): such an output ends on a free ``+ 0``."""
        node = self.builder.graph[value.node]
        if node.op is not OpKind.UNIVARIATE or \
                self.builder.graph[node.operands[0]].op is not OpKind.ROUND_BIT_PATTERN:
            return value
        plus_zero = self.builder.op(OpKind.ADD, [value.node, self._int_constant(0)])
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
    plan = build_plan(assign_bit_widths(graph, bounds))
    return {keys[node_id]: lookup.effective_precision - threshold
            for node_id, lookup in plan.lookups.items()
            if node_id in keys and lookup.effective_precision > threshold}

