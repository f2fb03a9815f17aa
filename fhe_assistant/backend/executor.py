"""Runs a lowered graph on ciphertexts: leveled ops on LWE arrays, lookups as KS + PBS
or, for the lookups the program marks so (9–16 bits), as WoP-PBS.

Encrypted values are uint64 arrays ``(lwe_size, *shape)``: the coefficient axis comes first,
so the clear rules' data-movement code (reshape, index, concatenate …), which treats axis 0
as a batch, applies to ciphertexts unchanged. Clear values are batches of one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..core.errors import EvaluationError
from ..crypto.key_set import KeySetParameters
from ..crypto.parameters import TFHEParameters
from ..interpret.batching import align, align_all, batch_axes
from ..interpret.convolution import conv_batched
from ..interpret.interpreter import constant_value
from ..interpret.rules import RULES, _matmul_operands
from ..ir.node import Node
from ..ir.ops import DATA_MOVEMENT_OPS, RUNTIME_INDEX_OPERANDS, OpKind
from ..ir.printer import node_error
from ..lowered.fhe_plan import TableLookupPlan
from ..lowered.program import LoweredProgram
from ..lowered.wop_lookups import wop_input_bit_width, wop_tables
from .tfhe import encode, make_test_vectors

#: (ciphertexts (m, source lwe_size), test vectors (m, N), (source, target) partitions)
#: -> ciphertexts (m, target lwe_size): keyswitch to the target's small key, bootstrap
Bootstrapper = Callable[[np.ndarray, np.ndarray, tuple[int, int]], np.ndarray]

#: (ciphertexts (m, lwe_size) holding an index x < 2**q at Δ = 2**(63 − p_in), one encoded
#: table uint64 (2**q,), q, p_in) -> ciphertexts (m, lwe_size) of table[x], same big key
WopLookup = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]


def _as_uint64(value: np.ndarray) -> np.ndarray:
    """Clear integers as two's complement words (never via float: tfhe-notes §5.7)."""
    return np.asarray(value).astype(np.int64).astype(np.uint64)


def trivial(clear: np.ndarray, precision: int, lwe_size: int) -> np.ndarray:
    """Noiseless ciphertexts of clear values (mask 0): for constants that meet ciphertexts."""
    body = encode(clear[0], precision)
    out = np.zeros((lwe_size,) + body.shape, dtype=np.uint64)
    out[-1] = body
    return out


class Executor:
    """Evaluates one lowered program; keys come with each run.

    Each value lives under the big key of its key partition (one with a single parameter
    set); a lookup keyswitches from its source partition to its target's and bootstraps
    with the target's keys. ``parameters`` replaces a single-set program's set (tests pass
    noiseless variants).
    """

    def __init__(self, program: LoweredProgram, parameters: TFHEParameters | None = None):
        self.program, self.graph, self.plan = program, program.graph, program.plan
        self.key_set = (program.key_set if parameters is None
                        else KeySetParameters.single(parameters))
        self.parameters = self.key_set.partitions[0]
        self.table_source, self.is_static = program.table_source, program.is_static
        self.lwe_size = self.parameters.big_lwe_dimension + 1  # of partition 0
        self._test_vectors: dict[int, np.ndarray] = {}
        self._wop_tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _lwe_size(self, node_id: int) -> int:
        return self.key_set.partitions[self.program.key_of(node_id)].big_lwe_dimension + 1

    # -- leveled ops -------------------------------------------------------------------------
    def _add_clear(self, node: Node, ciphertexts: np.ndarray, clear: np.ndarray, sign: int):
        rank = len(node.spec.shape)
        ciphertexts = align(ciphertexts, rank)
        body = encode(align(clear, rank)[0], self.plan.precision(node.id))
        shape = (self._lwe_size(node.id),) + tuple(node.spec.shape)
        out = (np.broadcast_to(ciphertexts, shape) if sign > 0
               else np.broadcast_to(np.negative(ciphertexts), shape)).copy()
        out[-1] += np.broadcast_to(body, node.spec.shape)
        return out

    def _linear(self, node: Node, operands: list[np.ndarray], encrypted: list[bool]):
        op = node.op
        if op in (OpKind.ADD, OpKind.SUBTRACT):
            if all(encrypted):
                a, b = align_all(operands, len(node.spec.shape))
                return a + b if op is OpKind.ADD else a - b
            if encrypted[0]:
                sign_of_clear = 1 if op is OpKind.ADD else -1
                return self._add_clear(node, operands[0], sign_of_clear * operands[1], 1)
            return self._add_clear(node, operands[1], operands[0], 1 if op is OpKind.ADD else -1)
        if op is OpKind.NEGATIVE:
            return np.negative(operands[0])
        if op is OpKind.MULTIPLY:
            a, b = align_all([o if e else _as_uint64(o) for o, e in zip(operands, encrypted)],
                             len(node.spec.shape))
            return a * b
        if op is OpKind.MATMUL:
            a, b = [o if e else _as_uint64(o) for o, e in zip(operands, encrypted)]
            a, b, squeeze = _matmul_operands(a, b)
            result = np.matmul(a, b)
            return np.squeeze(result, axis=squeeze) if squeeze is not None else result
        if op is OpKind.CONV:
            attrs = node.attrs
            return conv_batched(operands[0], _as_uint64(operands[1]), attrs["strides"],
                                attrs["pads"], attrs["dilations"], attrs["groups"])
        if op is OpKind.SUM:
            return np.sum(operands[0], axis=batch_axes(node.attrs.get("axis"), operands[0].ndim - 1),
                          keepdims=node.attrs.get("keepdims", False), dtype=np.uint64)
        if op in DATA_MOVEMENT_OPS:
            precision = self.plan.precision(node.id)
            clear_from = RUNTIME_INDEX_OPERANDS.get(op, len(operands))  # indices stay clear
            ciphertexts = [o if e or i >= clear_from
                           else trivial(o, precision, self._lwe_size(node.id))
                           for i, (o, e) in enumerate(zip(operands, encrypted))]
            return RULES[op](node, ciphertexts)
        if op is OpKind.ROUND_BIT_PATTERN and node.id in self.plan.folded_roundings:
            return operands[0]
        raise node_error(EvaluationError, node, "has no encrypted implementation")

    # -- lookups -----------------------------------------------------------------------------
    def _test_vectors_for(self, lookup: TableLookupPlan, clear_operands) -> np.ndarray:
        cached = self._test_vectors.get(lookup.node_id)
        if cached is not None:
            return cached
        tables = self.table_source(lookup, clear_operands)
        flat = tables.reshape(-1, tables.shape[-1])
        # each lookup reads its own input precision (partition, folded rounding)
        target = self.key_set.partitions[self.program.lookup_keys(lookup.node_id)[1]]
        reading = replace(target, message_bit_width=lookup.effective_precision)
        vectors = make_test_vectors(flat, reading, lookup.output_precision)
        if self.is_static(lookup):
            self._test_vectors[lookup.node_id] = vectors
        return vectors

    def _wop_tables_for(self, lookup: TableLookupPlan, clear_operands):
        """(encoded rows uint64 (m, 2**q), row of each element): one WoP-PBS call per row."""
        cached = self._wop_tables.get(lookup.node_id)
        if cached is not None:
            return cached
        rows, row_of_element = wop_tables(self.table_source(lookup, clear_operands), lookup)
        result = (encode(rows, lookup.output_precision), row_of_element)
        if self.is_static(lookup):
            self._wop_tables[lookup.node_id] = result
        return result

    def _wop_lookup(self, lookup: TableLookupPlan, flat: np.ndarray, clear_operands,
                    wop: WopLookup | None) -> np.ndarray:
        """``flat`` (elements, lwe_size), offset added: one WoP-PBS per distinct table."""
        if wop is None:
            raise node_error(EvaluationError, self.graph[lookup.node_id],
                             "is a WoP-PBS lookup, but this run has no WoP evaluation")
        rows, row_of_element = self._wop_tables_for(lookup, clear_operands)
        bits = wop_input_bit_width(lookup)
        if len(rows) == 1:
            return wop(flat, rows[0], bits, lookup.input_precision)
        out = np.empty_like(flat)
        for row in range(len(rows)):
            chosen = row_of_element == row
            out[chosen] = wop(np.ascontiguousarray(flat[chosen]), rows[row], bits,
                              lookup.input_precision)
        return out

    def _lookup(self, node: Node, operands, encrypted, bootstrap: Bootstrapper,
                wop: WopLookup | None = None):
        lookup = self.plan.lookups[node.id]
        position = node.operands.index(lookup.operand_id)
        ciphertexts = operands[position]
        shape = tuple(node.spec.shape)
        size_in = self._lwe_size(lookup.read_id)
        ciphertexts = np.broadcast_to(align(ciphertexts, len(shape)), (size_in,) + shape)
        flat = np.array(ciphertexts.reshape(size_in, -1).T, order="C")
        if lookup.offset:
            flat[:, -1] += encode(np.array(lookup.offset), lookup.input_precision)
        if lookup.reads_bit is not None:
            result = self._bit_read(lookup, flat, bootstrap)
            return np.ascontiguousarray(result.T).reshape((result.shape[1],) + shape)
        clear = None if self.is_static(lookup) else operands
        if self.program.lookup_method(node.id) == "wop":
            result = self._wop_lookup(lookup, flat, clear, wop)
            return np.ascontiguousarray(result.T).reshape((result.shape[1],) + shape)
        vectors = self._test_vectors_for(lookup, clear)
        result = bootstrap(flat, vectors, self.program.lookup_keys(node.id))
        return np.ascontiguousarray(result.T).reshape((result.shape[1],) + shape)

    def _bit_read(self, lookup: TableLookupPlan, flat: np.ndarray, bootstrap: Bootstrapper
                  ) -> np.ndarray:
        """Bit i of ``flat`` (whose bits below i are 0), times 2**i: one step of Concrete's
        exact rounding. Multiplying by 2**(p − i) moves bit i to the top of the torus and
        wraps the bits above it away; a quarter turn centres both halves; a constant test
        vector −h then comes out as −h or +h by the bootstrap's negacyclic sign, and adding
        h = 2**(i−1)·Δ gives 0 or 2**i·Δ."""
        flat *= np.uint64(1 << (lookup.input_precision - lookup.reads_bit))  # wraps mod 2**64
        flat[:, -1] += np.uint64(1 << 62)
        keys = self.program.lookup_keys(lookup.node_id)
        size = self.key_set.partitions[keys[1]].polynomial_size
        half = encode(np.array(1 << lookup.reads_bit), lookup.output_precision) >> np.uint64(1)
        vector = np.negative(np.full((1, size), half, dtype=np.uint64))
        result = bootstrap(flat, vector, keys)
        result[:, -1] += half
        return result

    # -- walk ----------------------------------------------------------------------------------
    def run(self, inputs: list[np.ndarray], bootstrap: Bootstrapper,
            on_node: Callable[[Node], None] | None = None, wop: WopLookup | None = None
            ) -> list[np.ndarray]:
        """``inputs``: ciphertexts ``(lwe_size, *shape)`` or clear batches of one; ``wop``
        evaluates the program's WoP-PBS lookups (needed when it has some)."""
        values: dict[int, np.ndarray] = {}
        position = {node_id: i for i, node_id in enumerate(self.graph.inputs)}
        for node in self.graph.nodes:
            if on_node is not None:
                on_node(node)
            if node.op is OpKind.INPUT:
                values[node.id] = inputs[position[node.id]]
                continue
            if node.op is OpKind.CONSTANT:
                values[node.id] = constant_value(node)
                if node.is_encrypted:  # fhe.zeros & co: trivial (noiseless) ciphertexts
                    values[node.id] = trivial(values[node.id], self.plan.precision(node.id),
                                              self._lwe_size(node.id))
                continue
            operands = [values[o] for o in node.operands]
            encrypted = [self.graph[o].is_encrypted for o in node.operands]
            if not node.is_encrypted:
                values[node.id] = RULES[node.op](node, operands)
            elif node.id in self.plan.lookups:
                values[node.id] = self._lookup(node, operands, encrypted, bootstrap, wop)
            else:
                values[node.id] = self._linear(node, operands, encrypted)
        return [values[o] for o in self.graph.outputs]
