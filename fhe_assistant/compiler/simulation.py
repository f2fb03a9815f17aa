"""Simulation: the lowered graph on clear integers with the encrypted run's semantics.

Encrypted values wrap at their partition's precision (plus padding bit), and table
lookups read tables over the encoding domain with the bootstrap's negacyclic rule, so a
simulated result equals the decrypted one, even when a value leaves its measured range
(which is warned about, naming the node and line). Optionally lookups fail at the
per-PBS error probability of the chosen parameters.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from ..core.bounds import Bounds
from ..core.dtypes import Integer
from ..core.errors import OutOfRangeWarning
from ..interpret.interpreter import evaluate_graph
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.printer import node_reference
from ..lowered.fhe_plan import TableLookupPlan
from ..lowered.program import LoweredProgram
from ..lowered.tables import apply_tables, lookup_index, wrap_to_precision


class RangeWatcher:
    """Collects nodes whose simulated values leave the inputset's range."""

    def __init__(self, bounds: dict[int, Bounds]):
        self.bounds = bounds
        self.escaped: dict[int, tuple[float, float, Bounds]] = {}

    def check(self, node: Node, value: np.ndarray) -> None:
        bounds = self.bounds.get(node.id)
        if bounds is None or not node.is_encrypted or value.size == 0:
            return
        low, high = value.min(), value.max()
        if low < bounds.min or high > bounds.max:
            self.escaped.setdefault(node.id, (low, high, bounds))

    def warn(self, graph: Graph) -> None:
        for node_id, (low, high, bounds) in self.escaped.items():
            warnings.warn(
                f"{node_reference(graph[node_id], with_code=True)} took values in [{low}, {high}], outside the range "
                f"{bounds} seen on the inputset: the encrypted result may differ from numpy "
                f"(values wrap at the node's bit width); add such inputs to the inputset",
                OutOfRangeWarning, stacklevel=5)


def simulate_exact(graph: Graph, bounds: dict[int, Bounds], inputs: list[np.ndarray]):
    """Exact int64 semantics (for programs that do not compile yet), with range warnings."""
    watcher = RangeWatcher(bounds)

    def hook(node, value):
        watcher.check(node, value)

    outputs = evaluate_graph(graph, inputs, hook=hook)
    watcher.warn(graph)
    return outputs


def simulate_fhe(program: LoweredProgram, bounds: dict[int, Bounds],
                 inputs: list[np.ndarray], p_error: float | Mapping[int, float] | None = None,
                 random: np.random.Generator | None = None,
                 pre_pbs_noise_log2: float | Mapping[int, float] | None = None):
    """FHE-faithful evaluation of a lowered graph.

    ``p_error`` injects lookup errors; lookups with a folded rounding instead get the
    pre-bootstrap noise (log2 σ, modular) added to their unrounded input, which reproduces
    approximate rounding near ties as the encrypted run does it. Both are one number, or
    one per lookup node id (several parameter sets). ``bounds``: the measured bounds of the
    lowered graph (values leaving them are warned about).
    """
    graph, plan = program.graph, program.plan
    watcher = RangeWatcher(bounds)
    overrides = {}
    unrounded: dict[int, np.ndarray] = {}   # inputs of folded roundings, for noisy rounding
    for lookup in plan.lookups.values():
        noise = None
        lookup_p_error = _of_lookup(p_error, lookup.node_id)
        pre_pbs = _of_lookup(pre_pbs_noise_log2, lookup.node_id)
        if lookup_p_error and lookup.lsbs_removed and pre_pbs is not None:
            noise = 2.0 ** (pre_pbs - (63 - lookup.input_precision))
            unrounded[lookup.read_id] = None
        overrides[lookup.node_id] = _lookup_rule(program, lookup, lookup_p_error, random,
                                                 noise, unrounded)

    def hook(node, value):
        if not p_error or node.op is OpKind.INPUT:
            # injected lookup errors move later values out of range on purpose
            watcher.check(node, value)
        if node.is_encrypted and isinstance(node.spec.dtype, Integer) \
                and node.id not in plan.lookups:
            value = wrap_to_precision(value, plan.precision(node.id), node.spec.dtype.is_signed)
        if node.id in unrounded:
            unrounded[node.id] = value
        return value

    outputs = evaluate_graph(graph, inputs, hook=hook, overrides=overrides)
    watcher.warn(graph)
    return outputs


def _of_lookup(value, node_id: int):
    return value.get(node_id) if isinstance(value, Mapping) else value


def _lookup_rule(program: LoweredProgram, lookup: TableLookupPlan, p_error, random,
                 rounding_noise: float | None = None, unrounded: dict | None = None):
    node = program.graph[lookup.node_id]
    static = program.is_static(lookup)
    position = node.operands.index(lookup.operand_id)

    def rule(operands: list[np.ndarray]) -> np.ndarray:
        if static:
            table = program.table_source(lookup)
        else:
            if any(o.shape[0] != 1 for i, o in enumerate(operands) if i != position):
                return _per_sample(program, lookup, operands, position)
            table = program.table_source(lookup, operands)
        values = operands[position]
        if values.shape[1:] != node.spec.shape:
            values = np.broadcast_to(values, values.shape[:1] + node.spec.shape)
        if rounding_noise is not None:
            source = unrounded.get(lookup.read_id)
            if source.shape[1:] != node.spec.shape:
                source = np.broadcast_to(source, source.shape[:1] + node.spec.shape)
            index = noisy_rounding_index(source, lookup, rounding_noise, random)
        else:
            index = lookup_index(values, lookup)
            if p_error:
                index = inject_errors(index, lookup, p_error, random)
        return apply_tables(table, index, lookup)

    return rule


def _per_sample(program: LoweredProgram, lookup, operands, position):
    results = []
    node = program.graph[lookup.node_id]
    for sample in range(operands[position].shape[0]):
        sample_operands = [o[sample:sample + 1] if o.shape[0] > 1 else o for o in operands]
        table = program.table_source(lookup, sample_operands)
        index = lookup_index(np.broadcast_to(sample_operands[position], (1,) + node.spec.shape),
                             lookup)
        results.append(apply_tables(table, index, lookup))
    return np.concatenate(results)


def noisy_rounding_index(unrounded: np.ndarray, lookup: TableLookupPlan, noise_std: float,
                         random: np.random.Generator) -> np.ndarray:
    """The index a bootstrap reads for a folded rounding: the unrounded value plus its
    pre-bootstrap noise (σ in units of the value), rounded to the lookup's precision."""
    noisy = unrounded + lookup.offset + random.normal(0.0, noise_std, unrounded.shape)
    index = np.floor(noisy / (1 << lookup.lsbs_removed) + 0.5).astype(np.int64)
    return np.mod(index, 1 << (lookup.effective_precision + 1))


def inject_errors(index: np.ndarray, lookup: TableLookupPlan, p_error: float,
                  random: np.random.Generator) -> np.ndarray:
    """Shift a lookup index by ±1 with probability ``p_error`` (a bootstrap decoding error;
    a bit read's error flips its bit)."""
    failed = random.random(index.shape) < p_error
    if not failed.any():
        return index
    if lookup.reads_bit is not None:
        return np.where(failed, 1 - index, index)
    shift = np.where(random.random(index.shape) < 0.5, -1, 1)
    modulus = 1 << (lookup.effective_precision + 1)
    return np.where(failed, np.mod(index + shift, modulus), index)
