"""The server program: a lowered graph, its FHE plan, parameters and precomputed tables.

Format (envelope kind 5)::

    metadata {"parameters": {...}, "fingerprint",
              "graph": {nodes: [{op, operands, spec, attrs}], inputs, outputs}  (graph_format)
              "plan": {partition_of, precision_of_partition, lookups, folded_roundings},
              "tables": [[node id, section]],      static lookups' tables (*shape, 2**p_eff)
              "operand_bounds": [[node id, min, max]]}   for lookups tabulated at run time
    sections constants, index arrays, tables …

A lookup whose table depends on a clear runtime argument (``x < y`` with ``y`` clear) has
no stored table: the server tabulates it per call with the interpreter's rule for its op,
which needs its attributes to be data (a ``univariate`` function is not).
"""
from __future__ import annotations

import numpy as np

from ..core.bounds import Bounds
from ..crypto.parameters import TFHEParameters
from ..ir.graph import Graph
from ..ir.ops import OpKind
from ..lowered.fhe_plan import FHEPlan, TableLookupPlan
from ..lowered.tables import tabulate
from .envelope import Kind, decode_envelope, encode_envelope
from .errors import SerializationError
from .graph_format import (
    ArrayTable,
    Tabulated,
    decode_graph,
    decode_plan,
    decode_value,
    describe,
    encode_graph,
    encode_plan,
    encode_value,
)
from .specs import check_fingerprint, parameters_from_json, parameters_to_json

_WHAT = Kind.SERVER_PROGRAM.label


def is_static(graph: Graph, lookup: TableLookupPlan) -> bool:
    """The table depends on nothing but the encrypted operand (other operands constant)."""
    node = graph[lookup.node_id]
    return all(o == lookup.operand_id or graph[o].op is OpKind.CONSTANT for o in node.operands)


class Program:
    """What runs on the server; it holds no keys and no Python functions."""

    def __init__(self, graph: Graph, plan: FHEPlan, parameters: TFHEParameters,
                 tables: dict[int, np.ndarray], operand_bounds: dict[int, Bounds]):
        self.graph, self.plan, self.parameters = graph, plan, parameters
        self.tables, self.operand_bounds = tables, operand_bounds

    @staticmethod
    def from_circuit(circuit) -> Program:
        graph, plan = circuit.analysis.lowered, circuit.analysis.plan
        tables, bounds = {}, {}
        for lookup in plan.lookups.values():
            if is_static(graph, lookup):
                tables[lookup.node_id] = np.ascontiguousarray(
                    circuit.tables.tables(lookup), dtype=np.int64)
            elif lookup.operand_id in circuit.analysis.lowered_bounds:
                bounds[lookup.operand_id] = circuit.analysis.lowered_bounds[lookup.operand_id]
        return Program(graph, plan, circuit.parameters, tables, bounds)

    # -- what the runtime asks ----------------------------------------------------------------
    def is_static(self, lookup: TableLookupPlan) -> bool:
        return lookup.node_id in self.tables

    def table_source(self, lookup: TableLookupPlan, operands=None) -> np.ndarray:
        table = self.tables.get(lookup.node_id)
        if table is not None:
            return table
        return tabulate(self.graph, lookup, operands, self.operand_bounds.get(lookup.operand_id))

    # -- format --------------------------------------------------------------------------------
    def serialize(self) -> bytes:
        arrays = ArrayTable()
        graph = encode_graph(self.graph, arrays, droppable=lambda node: node.id in self.tables)
        table_sections = []
        for node_id, table in self.tables.items():
            name = f"t{node_id}"
            arrays.arrays[name] = table
            table_sections.append([node_id, name])
        metadata = {"parameters": parameters_to_json(self.parameters),
                    "fingerprint": self.parameters.fingerprint(), "graph": graph,
                    "plan": encode_plan(self.plan), "tables": table_sections,
                    "operand_bounds": [[i, encode_value(b.min, arrays), encode_value(b.max, arrays)]
                                       for i, b in self.operand_bounds.items()]}
        return encode_envelope(Kind.SERVER_PROGRAM, metadata, arrays.arrays)

    @staticmethod
    def deserialize(data: bytes) -> Program:
        envelope = decode_envelope(data, Kind.SERVER_PROGRAM)
        metadata, arrays = envelope.metadata, ArrayTable(envelope.arrays)
        parameters = parameters_from_json(metadata.get("parameters"), _WHAT)
        check_fingerprint(parameters, metadata.get("fingerprint"), _WHAT)
        graph = decode_graph(metadata.get("graph"), arrays, _WHAT)
        plan = decode_plan(metadata.get("plan"), graph, _WHAT)
        try:
            tables = {int(i): arrays.get(name, _WHAT) for i, name in metadata["tables"]}
            bounds = {int(i): Bounds(decode_value(low, arrays, _WHAT),
                                     decode_value(high, arrays, _WHAT))
                      for i, low, high in metadata["operand_bounds"]}
        except (KeyError, TypeError, ValueError):
            raise SerializationError(f"corrupted {_WHAT}: malformed table list") from None
        program = Program(graph, plan, parameters, tables, bounds)
        program._check()
        return program

    def _check(self) -> None:
        size = self.parameters.polynomial_size
        for lookup in self.plan.lookups.values():
            node = self.graph[lookup.node_id]
            if (2 << lookup.effective_precision) > size:
                raise SerializationError(f"corrupted {_WHAT}: {describe(node)} reads "
                                         f"{lookup.effective_precision} bits, too many for N={size}")
            table = self.tables.get(lookup.node_id)
            if table is None:
                if any(isinstance(v, Tabulated) for v in node.attrs.values()):
                    raise SerializationError(f"corrupted {_WHAT}: {describe(node)} has neither "
                                             f"tables nor a function")
                continue
            expected = tuple(node.spec.shape) + (1 << lookup.effective_precision,)
            if table.shape != expected or table.dtype != np.int64:
                raise SerializationError(f"corrupted {_WHAT}: the tables of {describe(node)} have "
                                         f"shape {table.shape}, expected {expected}")
        if set(self.tables) - set(self.plan.lookups):
            raise SerializationError(f"corrupted {_WHAT}: tables for nodes that are no lookups")
