"""``LoweredProgram``: the compiled program as one frozen record.

The compiler builds it once from the lowered graph; ``backend`` executes it, ``deploy``
writes and reads it, the circuit's simulation reads its tables. Nothing in it refers back
to the tracer, the analyses or the user's Python function.

| field            | holds                                                                |
|------------------|----------------------------------------------------------------------|
| ``graph``        | the lowered graph, bit widths assigned (what runs)                   |
| ``plan``         | partitions, precisions, table lookups, noise norms (:mod:`.fhe_plan`) |
| ``parameter_sets`` | key partition → TFHE parameters: one set, id 0 (MONO), or one per  |
|                  | lookup-precision partition (MULTI)                                   |
| ``assignment``   | MULTI only: keyswitches, which big key holds each node, each lookup's |
|                  | partitions and noise (:mod:`.parameter_assignment`)                  |
| ``operand_bounds`` | measured ranges of lookup operands (to tabulate dynamic lookups)   |
| ``tables``       | static lookups' tables, by node id (computed on first use, or read   |
|                  | from a file)                                                         |
| ``wop``          | the lookups that run as WoP-PBS and their parameters, or None        |
|                  | (:mod:`.wop_lookups`; one parameter set then)                        |
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..core.bounds import Bounds
from ..crypto.key_set import KeySetParameters
from ..crypto.parameters import TFHEParameters
from ..crypto.wop_parameters import LookupMethod
from ..interpret.walk import constant_value
from ..ir.graph import Graph
from .fhe_plan import FHEPlan, TableLookupPlan
from .parameter_assignment import ParameterAssignment
from .tables import is_static, tabulate
from .wop_lookups import WopAssignment, method_of

#: the key set of a program compiled with one parameter set
DEFAULT_KEY_SET = 0


@dataclass(frozen=True, eq=False)
class LoweredProgram:
    graph: Graph
    plan: FHEPlan
    parameter_sets: Mapping[int, TFHEParameters]
    operand_bounds: Mapping[int, Bounds] = field(default_factory=dict)
    stored_tables: Mapping[int, np.ndarray] | None = None   # as read from a file
    assignment: ParameterAssignment | None = None   # several parameter sets (MULTI)
    wop: WopAssignment | None = None   # lookups run as WoP-PBS

    @staticmethod
    def build(graph: Graph, plan: FHEPlan, parameters: TFHEParameters,
              bounds: Mapping[int, Bounds], assignment: ParameterAssignment | None = None
              ) -> LoweredProgram:
        """The record of a freshly compiled graph, with one parameter set, or with the
        ``assignment`` of several (then ``parameters`` is ignored).

        ``bounds`` are the measured bounds of the lowered graph; the record keeps those of
        lookup operands (they clip a table's domain where the function fails outside them).
        """
        operands = {lookup.operand_id for lookup in plan.lookups.values()}
        wop = assignment.wop if assignment is not None else None
        if assignment is not None and assignment.is_single:
            parameters, assignment = assignment.key_set.partitions[0], None
        sets = ({DEFAULT_KEY_SET: parameters} if assignment is None
                else dict(enumerate(assignment.key_set.partitions)))
        return LoweredProgram(graph, plan, sets,
                              {i: bounds[i] for i in sorted(operands) if i in bounds},
                              assignment=assignment, wop=wop)

    # -- key sets: which parameter set each node and lookup uses --------------------------------
    @property
    def key_set(self) -> KeySetParameters:
        """Every parameter set and keyswitching key of the program."""
        if self.assignment is not None:
            return self.assignment.key_set
        return KeySetParameters.single(self.parameters)

    def key_of(self, node_id: int) -> int:
        """The partition whose big key holds ``node_id``'s ciphertext (0 with one set)."""
        return 0 if self.assignment is None else self.assignment.key_of(self.plan, node_id)

    def lookup_keys(self, node_id: int) -> tuple[int, int]:
        """(source, target): the lookup keyswitches from the source partition's big key to
        the target's small key and bootstraps with the target's keys."""
        if self.assignment is None:
            return (0, 0)
        lookup = self.assignment.lookups[node_id]
        return lookup.source, lookup.target

    def lookup_method(self, node_id: int) -> LookupMethod:
        """``WOP`` (WoP-PBS) or ``NATIVE`` (keyswitch + bootstrap) for a lookup node."""
        return method_of(self.wop, node_id)

    @property
    def parameters(self) -> TFHEParameters:
        """The parameter set of a single-key-set program (MONO, or MULTI with one precision)."""
        if len(self.parameter_sets) != 1:
            raise NotImplementedError(f"parameters names the set of a program with one parameter "
                                      f"set; this one has {len(self.parameter_sets)} (one per "
                                      f"lookup precision): use key_set")
        return next(iter(self.parameter_sets.values()))

    def is_static(self, lookup: TableLookupPlan) -> bool:
        """The lookup's table depends on nothing but its encrypted operand."""
        return is_static(self.graph, lookup)

    @cached_property
    def tables(self) -> dict[int, np.ndarray]:
        """Static lookups' tables ``(*output_shape, 2**p_eff)`` int64, by node id."""
        if self.stored_tables is not None:
            return dict(self.stored_tables)
        return {lookup.node_id: np.ascontiguousarray(
                    tabulate(self.graph, lookup, self._constant_operands(lookup),
                             self.operand_bounds.get(lookup.operand_id)), dtype=np.int64)
                for lookup in self.plan.lookups.values() if self.is_static(lookup)}

    def dynamic_operand_bounds(self) -> dict[int, Bounds]:
        """The bounds a file must keep: those of lookups tabulated at run time."""
        keep = {lookup.operand_id for lookup in self.plan.lookups.values()
                if not self.is_static(lookup)}
        return {i: b for i, b in self.operand_bounds.items() if i in keep}

    def table_source(self, lookup: TableLookupPlan, operands: list | None = None) -> np.ndarray:
        """The lookup's tables: stored for static lookups, else tabulated on ``operands``
        (the node's operand values as batches of one)."""
        if self.is_static(lookup):
            return self.tables[lookup.node_id]
        return tabulate(self.graph, lookup, operands, self.operand_bounds.get(lookup.operand_id))

    def _constant_operands(self, lookup: TableLookupPlan) -> list:
        node = self.graph[lookup.node_id]
        return [constant_value(self.graph[o]) if o != lookup.operand_id else None
                for o in node.operands]
