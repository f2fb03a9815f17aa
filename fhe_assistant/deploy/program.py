"""The server program: a lowered graph, its FHE plan, parameters and precomputed tables.

Format (envelope kind 5)::

    metadata {"parameters": {...}, "fingerprint",
              "graph": {nodes: [{op, operands, spec, attrs}], inputs, outputs}  (graph_format)
              "plan": {partition_of, precision_of_partition, lookups, folded_roundings},
              "tables": [[node id, section]],      static lookups' tables (*shape, 2**p_eff)
              "operand_bounds": [[node id, min, max]]}   for lookups tabulated at run time
    sections constants, index arrays, tables …

A program with WoP-PBS lookups (format version 3, :mod:`.wop_format`) adds
``"wop_parameters"`` and ``"wop_lookups": [node id, …]`` (the lookups that run as WoP-PBS;
the others are native KS + PBS with the KS-PBS part of the same parameters).

A plan with bit reads (the steps of an exact rounding, :mod:`transforms.exact_rounding`)
lists them as ``"bit_reads": [[node id, bit], …]`` and is written as format version 4.
A plan whose approximate roundings' reads have slip windows (:mod:`lowered.tables`) lists
them as ``"slip_windows": [[node id, low, high], …]``: format version 5.

A lookup whose table depends on a clear runtime argument (``x < y`` with ``y`` clear) has
no stored table: the server tabulates it per call with the interpreter's rule for its op,
which needs its attributes to be data (a ``univariate`` function is not).
"""
from __future__ import annotations

import numpy as np

from ..core.bounds import Bounds
from ..lowered.program import DEFAULT_KEY_SET, LoweredProgram
from ..lowered.wop_lookups import MAX_WOP_BIT_WIDTH, WopAssignment, wop_input_bit_width
from .assignment_format import decode_assignment, encode_assignment
from .envelope import (
    BIT_READS_FORMAT_VERSION,
    SLIP_WINDOWS_FORMAT_VERSION,
    WRITTEN_VERSION,
    Kind,
    decode_envelope,
    encode_envelope,
)
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
    has_bit_reads,
    has_slip_windows,
)
from .specs import (
    KEY_SET_FORMAT_VERSION,
    check_fingerprint,
    parameters_from_json,
    parameters_to_json,
)
from .wop_format import WOP_FORMAT_VERSION, read_wop_header, wop_parameters_to_json

_WHAT = Kind.SERVER_PROGRAM.label


class Program(LoweredProgram):
    """The lowered program with its file format: what runs on the server (no keys, no
    Python functions)."""

    @staticmethod
    def of(program: LoweredProgram) -> Program:
        """``program`` as a ``Program`` (its static tables computed once and shared)."""
        if isinstance(program, Program):
            return program
        return Program(program.graph, program.plan, program.parameter_sets,
                       program.operand_bounds, program.tables, program.assignment, program.wop)

    # -- format --------------------------------------------------------------------------------
    def serialize(self) -> bytes:
        arrays = ArrayTable()
        graph = encode_graph(self.graph, arrays, droppable=lambda node: node.id in self.tables)
        bounds = self.dynamic_operand_bounds()
        table_sections = []
        for node_id, table in self.tables.items():
            name = f"t{node_id}"
            arrays.arrays[name] = table
            table_sections.append([node_id, name])
        parameters = self.parameters if self.assignment is None else self.assignment.widest
        metadata = {"parameters": parameters_to_json(parameters),
                    "fingerprint": self.key_set.fingerprint(), "graph": graph,
                    "plan": encode_plan(self.plan), "tables": table_sections,
                    "operand_bounds": [[i, encode_value(b.min, arrays), encode_value(b.max, arrays)]
                                       for i, b in bounds.items()]}
        # a plan with bit reads needs a reader that runs them (version 4), one with slip
        # windows a reader that tabulates them (version 5)
        least = max(BIT_READS_FORMAT_VERSION if has_bit_reads(self.plan) else WRITTEN_VERSION,
                    SLIP_WINDOWS_FORMAT_VERSION if has_slip_windows(self.plan) else WRITTEN_VERSION)
        if self.wop is not None:
            metadata.update({"fingerprint": self.wop.parameters.fingerprint(),
                             "wop_parameters": wop_parameters_to_json(self.wop.parameters),
                             "wop_lookups": sorted(self.wop.lookups)})
            return encode_envelope(Kind.SERVER_PROGRAM, metadata, arrays.arrays,
                                   version=max(least, WOP_FORMAT_VERSION))
        if self.assignment is None:
            return encode_envelope(Kind.SERVER_PROGRAM, metadata, arrays.arrays, version=least)
        metadata.update(encode_assignment(self.assignment))
        return encode_envelope(Kind.SERVER_PROGRAM, metadata, arrays.arrays,
                               version=max(least, KEY_SET_FORMAT_VERSION))

    @staticmethod
    def deserialize(data: bytes) -> Program:
        envelope = decode_envelope(data, Kind.SERVER_PROGRAM)
        metadata, arrays = envelope.metadata, ArrayTable(envelope.arrays)
        wop = None
        if "wop_parameters" in metadata:
            parameters, wop_parameters = read_wop_header(metadata, _WHAT)
        else:
            parameters = parameters_from_json(metadata.get("parameters"), _WHAT)
        graph = decode_graph(metadata.get("graph"), arrays, _WHAT)
        plan = decode_plan(metadata.get("plan"), graph, _WHAT)
        assignment = None
        if "wop_parameters" in metadata:
            wop = _decode_wop_lookups(metadata, wop_parameters, plan)
        elif "assignment" in metadata:
            assignment = decode_assignment(metadata, plan, _WHAT)
            if metadata.get("fingerprint") != assignment.key_set.fingerprint():
                raise SerializationError(f"corrupted {_WHAT}: the key-set fingerprint does not "
                                         f"match")
        else:
            check_fingerprint(parameters, metadata.get("fingerprint"), _WHAT)
        try:
            tables = {int(i): arrays.get(name, _WHAT) for i, name in metadata["tables"]}
            bounds = {int(i): Bounds(decode_value(low, arrays, _WHAT),
                                     decode_value(high, arrays, _WHAT))
                      for i, low, high in metadata["operand_bounds"]}
        except (KeyError, TypeError, ValueError, OverflowError):
            raise SerializationError(f"corrupted {_WHAT}: malformed table list") from None
        sets = ({DEFAULT_KEY_SET: parameters} if assignment is None
                else dict(enumerate(assignment.key_set.partitions)))
        program = Program(graph, plan, sets, bounds, tables, assignment, wop)
        program._check()
        return program

    def _check(self) -> None:
        for lookup in self.plan.lookups.values():
            node = self.graph[lookup.node_id]
            size = self.key_set.partitions[self.lookup_keys(lookup.node_id)[1]].polynomial_size
            if self.lookup_method(lookup.node_id) == "wop":
                if wop_input_bit_width(lookup) > MAX_WOP_BIT_WIDTH:
                    raise SerializationError(f"corrupted {_WHAT}: {describe(node)} reads "
                                             f"{wop_input_bit_width(lookup)} bits, more than "
                                             f"a WoP-PBS reads ({MAX_WOP_BIT_WIDTH})")
            elif (2 << lookup.effective_precision) > size:
                raise SerializationError(f"corrupted {_WHAT}: {describe(node)} reads "
                                         f"{lookup.effective_precision} bits, too many for "
                                         f"N={size}")
            table = self.tables.get(lookup.node_id)
            if table is None:
                if self.is_static(lookup):
                    raise SerializationError(f"corrupted {_WHAT}: {describe(node)} has no "
                                             f"tables")
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


def _decode_wop_lookups(metadata: dict, parameters, plan) -> WopAssignment:
    """The WoP-PBS lookups of a version-3 program: distinct lookup nodes of the plan, in a
    program with one parameter set."""
    lookups = metadata.get("wop_lookups")
    if "assignment" in metadata or not isinstance(lookups, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in lookups) \
            or len(set(lookups)) != len(lookups) or not set(lookups) <= set(plan.lookups):
        raise SerializationError(f"corrupted {_WHAT}: malformed list of WoP-PBS lookups")
    return WopAssignment(parameters, frozenset(lookups))
