"""Post-training quantization of a float program's op-graph into an integer program.

The float function is traced (one sample), evaluated on calibration data, and rewritten
node by node:

| float op                                   | integer program                               |
|--------------------------------------------|-----------------------------------------------|
| input                                      | client-side quantizer (per feature), encrypted |
| ``x + c``, ``x * c``, ``-x``, ``x / c``    | nothing: the affine map of ``x`` changes      |
| ``x @ W``, ``W @ x``                       | ``q @ qW`` (``W`` times the input scales, quantized per output channel) |
| ``sum``, reshapes, indexing, concatenation | the same op on the integers                   |
| ``x + y``, ``x * y`` (both encrypted)      | integer ops after aligning scales with clear integer multipliers |
| a chain of other elementwise ops (relu, sigmoid …) | one table lookup: dequantize, apply the chain, requantize, optionally after ``round_bit_pattern`` |

Trailing elementwise chains at an output run in the clear after decryption
(``clear_outputs``): a logistic regression's sigmoid costs no bootstrap.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..analysis.bit_widths import assign_bit_widths
from ..analysis.fhe_plan import build_plan
from ..core.bounds import Bounds
from ..core.dtypes import integer_bit_width
from ..core.errors import InputError
from ..interpret.interpreter import constant_value, evaluate_graph
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import DATA_MOVEMENT_OPS, ELEMENTWISE_OPS, OpKind
from .affine import QValue, compress, last_axis_vector, varies_only_along_last
from .builder import IntegerProgramBuilder, rounding_lsbs
from .n_bits import NBits
from .quantizers import QuantizationParameters, UniformQuantizer

_COMPARISONS = frozenset({OpKind.LESS, OpKind.LESS_EQUAL, OpKind.EQUAL, OpKind.NOT_EQUAL,
                          OpKind.GREATER, OpKind.GREATER_EQUAL})


@dataclass(frozen=True)
class QuantizationOptions:
    """How a float program is quantized.

    Attributes
    ----------
    n_bits
        Widths of inputs, weights and table-lookup outputs (activations).
    rounding_threshold_bits
        Round each table lookup's input (an accumulator) to this many bits with
        ``round_bit_pattern``; ``None`` keeps it exact (and possibly too wide for FHE).
    per_channel
        One scale per feature / output channel where the program allows it.
    clear_outputs
        Run trailing elementwise chains (sigmoid, softmax's exp …) after decryption.
    """

    n_bits: NBits = field(default_factory=NBits)
    rounding_threshold_bits: int | None = None
    per_channel: bool = True
    clear_outputs: bool = True


@dataclass(frozen=True)
class LookupRecord:
    """One table lookup the quantizer created (for reports and views)."""

    name: str
    float_nodes: tuple[int, ...]
    accumulator_bit_width: int
    lsbs_removed: int
    output_bit_width: int
    element_count: int

    @property
    def input_bit_width(self) -> int:
        return self.accumulator_bit_width - self.lsbs_removed


@dataclass
class OutputDecoder:
    """Turns a decrypted output back into floats, finishing clear trailing ops."""

    value: QValue
    clear_nodes: tuple[int, ...] = ()
    clear_input: int | None = None
    float_graph: Graph | None = None
    constants: dict | None = None

    def __call__(self, q: np.ndarray) -> np.ndarray:
        x = self.value.dequantize(q)
        if not self.clear_nodes:
            return x
        return _run_chain(self.float_graph, self.constants, self.clear_input, self.clear_nodes, x)


@dataclass
class QuantizedProgram:
    """The result: integer graph, input quantizers and output decoders."""

    float_graph: Graph
    graph: Graph
    input_quantizers: list[QuantizationParameters]
    decoders: list[OutputDecoder]
    lookups: list[LookupRecord]
    options: QuantizationOptions

    def quantize_inputs(self, inputs) -> list[np.ndarray]:
        return [p.quantize(x) for p, x in zip(self.input_quantizers, inputs)]

    def decode(self, outputs) -> list[np.ndarray]:
        return [decoder(q) for decoder, q in zip(self.decoders, outputs)]

    @property
    def lookup_count(self) -> int:
        """Table lookups per sample (one PBS per element)."""
        return sum(record.element_count for record in self.lookups)


def _run_chain(graph: Graph, constants: dict, input_id: int, nodes, x: np.ndarray) -> np.ndarray:
    """Evaluate a chain of float nodes (batched) from the value of ``input_id``."""
    values = {input_id: np.asarray(x, dtype=np.float64)}
    with np.errstate(all="ignore"):
        for node_id in nodes:
            node = graph[node_id]
            operands = [values[o] if o in values else constants[o] for o in node.operands]
            values[node_id] = RULES[node.op](node, operands)
    return np.asarray(values[nodes[-1]], dtype=np.float64)


@dataclass
class _Region:
    input_id: int
    nodes: list[int]


def _describe(node: Node) -> str:
    where = f" at {node.location}" if node.location else ""
    return f"%{node.id} = {node.label}{where}"


class PostTrainingQuantizer:
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
        self.pending: dict[int, _Region] = {}
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
                    and len(encrypted) == 1:
                ok &= self._channel_ok(user_id)
            elif self._is_divide_by_constant(user):
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
        raise InputError(f"internal: no quantized value for {_describe(self.g[node_id])}")

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

    # -- the rewrite --------------------------------------------------------------------------
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
        elif op in (OpKind.MAXIMUM, OpKind.MINIMUM) or op in _COMPARISONS:
            self._two_encrypted_compare(node)
        else:
            raise InputError(f"cannot quantize {_describe(node)}: {op.value} on "
                             f"{len(encrypted)} encrypted operand(s) is not supported; "
                             f"supported: linear ops with constants, matmul/dot with constant "
                             f"weights, sums, shape ops, + and * between encrypted values, and "
                             f"elementwise functions of one encrypted value")

    def _data_movement(self, node: Node) -> None:
        parts = [self.qvalue(o) for o in node.operands]
        int_node = self.builder.op(node.op, [p.node for p in parts], node.attrs)
        with np.errstate(all="ignore"):
            scale = RULES[node.op](node, [np.broadcast_to(p.scale, p.shape)[None] for p in parts])[0]
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
        q_weights = np.clip(np.rint(scaled / column_scale), -levels, levels).astype(np.int64)
        int_node = self.builder.op(OpKind.MATMUL, [source, self._int_constant(q_weights)])
        self.qvalues[node.id] = QValue.of(int_node, column_scale, offset, node.spec.shape)

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
            raise InputError(f"cannot quantize {_describe(node)}: its operands have a "
                             f"non-positive scale")
        nodes = [self._integer_offsets(v) for v in values]
        int_node = self.builder.op(node.op, nodes)
        if node.op in _COMPARISONS:
            self.qvalues[node.id] = QValue.of(int_node, 1.0, 0.0, node.spec.shape)
        else:
            self.qvalues[node.id] = QValue.of(int_node, scale, 0.0, node.spec.shape)

    # -- table lookups ------------------------------------------------------------------------
    def _extend_region(self, node: Node, encrypted: int) -> bool:
        """Append an elementwise op to the pending lookup that computes its operand (free)."""
        region = self.pending.get(encrypted)
        if region is None or self.users[encrypted] != [node.id] or encrypted in self.g.outputs:
            return False
        del self.pending[encrypted]
        self.pending[node.id] = _Region(region.input_id, region.nodes + [node.id])
        return True

    def _elementwise(self, node: Node, encrypted: int) -> None:
        self.qvalue(encrypted)
        self.pending[node.id] = _Region(encrypted, [node.id])

    def _materialize(self, node_id: int) -> QValue:
        region = self.pending.pop(node_id)
        shape = self.g[node_id].spec.shape
        value = self._broadcast(self.qvalues[region.input_id], shape)
        graph, constants, input_id, nodes = self.g, self.constants, region.input_id, \
            tuple(region.nodes)

        def chain(x):
            return _run_chain(graph, constants, input_id, nodes, x)

        name = _lookup_name([self.g[i].label for i in nodes])
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
        self.lookups.append(LookupRecord(name, float_nodes, width, lsbs, params.n_bits,
                                         int(np.prod(value.shape, dtype=np.int64))))
        return QValue.of(int_node, params.scale, -params.zero_point * params.scale, value.shape)

    # -- outputs ------------------------------------------------------------------------------
    def _output(self, node_id: int) -> OutputDecoder:
        if not self.g[node_id].is_encrypted:
            raise InputError(f"output {_describe(self.g[node_id])} does not depend on the "
                             f"inputs; return only values computed from them")
        if node_id in self.pending and self.options.clear_outputs:
            region = self.pending.pop(node_id)
            value = self._not_a_rounded_lookup(self._narrow_output(self.qvalue(region.input_id)))
            return OutputDecoder(value, tuple(region.nodes), region.input_id, self.g,
                                 self.constants)
        return OutputDecoder(self._not_a_rounded_lookup(self._narrow_output(self.qvalue(node_id))))

    def _narrow_output(self, value: QValue) -> QValue:
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
        return self._lookup(value, None, "output_requant", (), True, ("output", value.node))

    def _not_a_rounded_lookup(self, value: QValue) -> QValue:
        """The compiler folds a rounding only into lookups that are not circuit outputs
        (``analysis.fhe_plan.folded_roundings``): such an output ends on a free ``+ 0``."""
        node = self.builder.graph[value.node]
        if node.op is not OpKind.UNIVARIATE or \
                self.builder.graph[node.operands[0]].op is not OpKind.ROUND_BIT_PATTERN:
            return value
        plus_zero = self.builder.op(OpKind.ADD, [value.node, self._int_constant(0)])
        return QValue.of(plus_zero, value.scale, value.offset, value.shape)


def _lookup_name(labels: list[str]) -> str:
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
