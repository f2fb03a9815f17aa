"""Post-training quantization of a float program's op-graph into an integer program.

The float function is traced (one sample), evaluated on calibration data, and rewritten
node by node:

- input: a client-side quantizer (per feature), then encrypted;
- ``x + c``, ``x * c``, ``-x``, ``x / c``: nothing, the affine map of ``x`` changes;
- ``x @ W``, ``W @ x``: ``q @ qW``, ``W`` times the input scales quantized per output
  channel (``linear_rules``);
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
from ..interpret.interpreter import constant_value, evaluate_graph
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import DATA_MOVEMENT_OPS, ELEMENTWISE_OPS, OpKind
from .affine import QValue
from .builder import IntegerProgramBuilder
from .linear_rules import COMPARISONS, LinearRules
from .lookup_rules import LookupRules, Region, lookup_excess
from .program import LookupRecord, OutputDecoder, QuantizationOptions, QuantizedProgram, describe
from .quantizers import QuantizationParameters, UniformQuantizer

__all__ = [
    "LookupRecord",
    "OutputDecoder",
    "PostTrainingQuantizer",
    "QuantizationOptions",
    "QuantizedProgram",
    "evaluate_float",
    "quantize_graph",
]


class PostTrainingQuantizer(LinearRules, LookupRules):
    """Rewrites one traced float graph into an integer program (see the module docstring)."""

    def __init__(self, float_graph: Graph, options: QuantizationOptions,
                 extra_lsbs: dict | None = None):
        self.g = float_graph
        self.extra_lsbs = dict(extra_lsbs or {})
        self.lookup_keys: dict[int, object] = {}
        self.options = options
        self.n_bits = options.n_bits
        self.users = float_graph.users()
        self.builder = IntegerProgramBuilder()
        self.constants: dict[int, np.ndarray] = {}
        self.qvalues: dict[int, QValue] = {}
        self.pending: dict[int, Region] = {}
        self.lookups: list[LookupRecord] = []
        self._channel_memo: dict[int, bool] = {}

    # -- entry point --------------------------------------------------------------------------
    def run(self, calibration: list[np.ndarray]) -> QuantizedProgram:
        quantizers = []
        for node in self.g.nodes:
            if node.op is OpKind.INPUT:
                quantizers.append(self._input(node, calibration[node.attrs["index"]]))
            elif not node.is_encrypted:
                self._fold_constant(node)
            else:
                self._visit(node)
        decoders, outputs = [], []
        for output in self.g.outputs:
            decoder = self._output(output)
            decoders.append(decoder)
            outputs.append(decoder.value.node)
        graph = self.builder.finish(outputs, f"{self.g.name}_quantized")
        return QuantizedProgram(self.g, graph, quantizers, decoders, self.lookups, self.options)

    # -- sources ------------------------------------------------------------------------------
    def _input(self, node: Node, batch: np.ndarray) -> QuantizationParameters:
        batch = np.asarray(batch, dtype=np.float64)
        per_channel = self.options.per_channel and node.spec.shape and self._channel_ok(node.id)
        quantizer = UniformQuantizer(self.n_bits.inputs, is_signed=True,
                                     channel_axis=-1 if per_channel else None,
                                     integer_zero_point=False).calibrate(batch)
        params = quantizer.parameters
        node_id = self.builder.input(node.attrs["name"], node.attrs["index"],
                                     params.quantize(batch))
        self.qvalues[node.id] = QValue.of(node_id, params.scale, -params.zero_point * params.scale,
                                          node.spec.shape)
        return params

    def _fold_constant(self, node: Node) -> None:
        if node.op is OpKind.CONSTANT:
            self.constants[node.id] = constant_value(node).astype(np.float64) \
                if constant_value(node).dtype.kind == "f" else constant_value(node)
            return
        operands = [self.constants[o] for o in node.operands]
        with np.errstate(all="ignore"):
            self.constants[node.id] = np.asarray(RULES[node.op](node, operands))

    # -- per-channel analysis -------------------------------------------------------------------
    def _channel_ok(self, node_id: int) -> bool:
        """May this value carry one scale per index of its last axis?"""
        if node_id in self._channel_memo:
            return self._channel_memo[node_id]
        self._channel_memo[node_id] = False  # cycles cannot happen; this guards recursion
        ok = True
        shape = self.g[node_id].spec.shape
        for user_id in self.users[node_id]:
            user = self.g[user_id]
            encrypted = [o for o in user.operands if self.g[o].is_encrypted]
            if user.op is OpKind.MATMUL and len(encrypted) == 1:
                left = user.operands[0] == node_id
                ok &= left or len(shape) == 1
            elif user.op in (OpKind.ADD, OpKind.SUBTRACT, OpKind.MULTIPLY, OpKind.NEGATIVE) \
                    and len(encrypted) == 1 or self._is_divide_by_constant(user):
                ok &= self._channel_ok(user_id)
            elif (user.op in ELEMENTWISE_OPS) and len(encrypted) == 1:
                ok &= True  # a table lookup: per-element maps are free
            else:
                ok = False
        self._channel_memo[node_id] = ok
        return ok

    def _is_divide_by_constant(self, node: Node) -> bool:
        return (node.op is OpKind.UFUNC and node.attrs["ufunc"] is np.true_divide
                and self.g[node.operands[0]].is_encrypted
                and not self.g[node.operands[1]].is_encrypted)

    # -- values ------------------------------------------------------------------------------
    def qvalue(self, node_id: int) -> QValue:
        if node_id in self.qvalues:
            return self.qvalues[node_id]
        if node_id in self.pending:
            return self._materialize(node_id)
        if node_id in self.constants:  # a clear value used where an encrypted one goes
            value = self.constants[node_id][0]
            zeros = self.builder.constant(np.zeros(np.shape(value), dtype=np.int64))
            return QValue.of(zeros, 1.0, value, np.shape(value))
        raise InputError(f"internal: no quantized value for {describe(self.g[node_id])}")

    def _visit(self, node: Node) -> None:
        encrypted = [o for o in node.operands if self.g[o].is_encrypted]
        op = node.op
        if len(encrypted) == 1 and (op in ELEMENTWISE_OPS or self._is_divide_by_constant(node)) \
                and self._extend_region(node, encrypted[0]):
            return
        if op in DATA_MOVEMENT_OPS:
            self._data_movement(node)
        elif op in (OpKind.ADD, OpKind.SUBTRACT):
            self._add(node, encrypted)
        elif op is OpKind.NEGATIVE:
            value = self.qvalue(encrypted[0])
            self.qvalues[node.id] = QValue.of(value.node, -value.scale, -value.offset, value.shape)
        elif op is OpKind.MULTIPLY:
            self._multiply(node, encrypted)
        elif self._is_divide_by_constant(node):
            value = self._broadcast(self.qvalue(node.operands[0]), node.spec.shape)
            divisor = self.constants[node.operands[1]][0]
            self.qvalues[node.id] = QValue.of(value.node, value.scale / divisor,
                                              value.offset / divisor, node.spec.shape)
        elif op is OpKind.MATMUL:
            self._matmul(node, encrypted)
        elif op is OpKind.SUM:
            self._sum(node)
        elif op in ELEMENTWISE_OPS and len(encrypted) == 1:
            self._elementwise(node, encrypted[0])
        elif op in (OpKind.MAXIMUM, OpKind.MINIMUM) or op in COMPARISONS:
            self._two_encrypted_compare(node)
        else:
            raise InputError(f"cannot quantize {describe(node)}: {op.value} on "
                             f"{len(encrypted)} encrypted operand(s) is not supported; "
                             f"supported: linear ops with constants, matmul/dot with constant "
                             f"weights, sums, shape ops, + and * between encrypted values, and "
                             f"elementwise functions of one encrypted value")

    def _output(self, node_id: int) -> OutputDecoder:
        if not self.g[node_id].is_encrypted:
            raise InputError(f"output {describe(self.g[node_id])} does not depend on the "
                             f"inputs; return only values computed from them")
        if node_id in self.pending and self.options.clear_outputs:
            region = self.pending.pop(node_id)
            value = self._narrow_output(self.qvalue(region.input_id), node_id)
            return OutputDecoder(self._not_a_rounded_lookup(value), tuple(region.nodes),
                                 region.input_id, self.g, self.constants)
        value = self._narrow_output(self.qvalue(node_id), node_id)
        return OutputDecoder(self._not_a_rounded_lookup(value))


def quantize_graph(float_graph: Graph, calibration: list[np.ndarray],
                   options: QuantizationOptions) -> QuantizedProgram:
    """Post-training quantization of ``float_graph`` calibrated on ``calibration`` batches.

    With ``rounding_threshold_bits``, lookups whose partition turns out wider than planned
    get more bits rounded away and the program is rebuilt (at most a few times).
    """
    extra: dict = {}
    for _ in range(4):
        quantizer = PostTrainingQuantizer(float_graph, options, extra)
        program = quantizer.run(calibration)
        if options.rounding_threshold_bits is None:
            return program
        excess = lookup_excess(quantizer.builder, quantizer.lookup_keys,
                               options.rounding_threshold_bits)
        if not excess:
            return program
        for key, bits in excess.items():
            extra[key] = extra.get(key, 0) + bits
    return program


def evaluate_float(float_graph: Graph, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The float program on batches (the reference the quantized one approximates)."""
    with np.errstate(all="ignore"):
        return evaluate_graph(float_graph, [np.asarray(x, dtype=np.float64) for x in inputs])
