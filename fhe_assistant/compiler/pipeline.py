"""The analysis pipeline: trace → fuse → lower → exact roundings → bounds → bit widths → plan →
compatibility.

Each pass is a pure function; the pipeline records every pass (name, graph before and
after, old id → new id) so that views can show how the program changed on its way to FHE
and follow a node of the user's graph to what runs. With ``verify`` (the compiler's debug
mode, and the test suite) each pass's output is checked by :func:`ir.verify.verify_graph`.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..analysis.bit_widths import assign_bit_widths
from ..analysis.bounds import measure_bounds
from ..analysis.compatibility import CompatibilityReport, check_compatibility
from ..core.bounds import Bounds
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.verify import verify_graph
from ..lowered.fhe_plan import FHEPlan, build_plan
from ..tracing.extensions import rounding_defaults
from ..tracing.trace import trace
from ..transforms.exact_rounding import expand_exact_roundings
from ..transforms.fusion import (
    fuse_float_subgraphs_mapped,
    fuse_univariate_chains,
    fusion_problems,
)
from ..transforms.lowering import lower_bivariate, unsupported_encrypted_ops
from ..transforms.packing import pack_bivariate, widen_differences
from ..transforms.rounding_clipping import clip_overflowing_roundings, clipping_precision

#: set to 1 to verify every pass of every compilation (the test suite does)
VERIFY_ENVIRONMENT_VARIABLE = "FHE_ASSISTANT_VERIFY_PASSES"


@dataclass(frozen=True, eq=False)
class PassRecord:
    """One pass of the pipeline: its name, the graphs before and after, old id → new id
    (nodes a pass removes have no entry)."""

    name: str
    before: Graph
    after: Graph
    id_map: dict[int, int]


def compose(records: list[PassRecord]) -> dict[int, int]:
    """Old id (before the first record) → new id (after the last) through ``records``."""
    mapping = {node.id: node.id for node in records[0].before.nodes} if records else {}
    for record in records:
        mapping = {old: record.id_map[mid] for old, mid in mapping.items()
                   if mid in record.id_map}
    return mapping


class PassRecorder:
    """Runs passes, recording each (and verifying its output when asked)."""

    def __init__(self, verify: bool):
        self.verify = verify or os.environ.get(VERIFY_ENVIRONMENT_VARIABLE) == "1"
        self.records: list[PassRecord] = []

    def run(self, name: str, graph: Graph, mapped_pass: Callable[[Graph], tuple[Graph, dict]]
            ) -> Graph:
        after, id_map = mapped_pass(graph)
        if self.verify:
            verify_graph(after, RULES, where=f"the output of {name}")
        self.records.append(PassRecord(name, graph, after, id_map))
        return after

    def since(self, name: str) -> list[PassRecord]:
        """The records from the pass called ``name`` (included) on."""
        start = next(i for i, record in enumerate(self.records) if record.name == name)
        return self.records[start:]


def _identity(graph: Graph) -> dict[int, int]:
    return {node.id: node.id for node in graph.nodes}


@dataclass(eq=False)
class ProgramAnalysis:
    traced: Graph                  # as traced
    fused: Graph                   # floats fused into TLUs, bit widths assigned (user view)
    fused_bounds: dict[int, Bounds]
    lowered: Graph                 # what runs: bivariate ops rewritten, bit widths assigned
    lowered_bounds: dict[int, Bounds]
    fused_to_lowered: dict[int, int]
    plan: FHEPlan
    compatibility: CompatibilityReport
    passes: list[PassRecord] = field(default_factory=list)

    @property
    def lowered_to_fused(self) -> dict[int, int]:
        return {new: old for old, new in self.fused_to_lowered.items()}


def rounding_options(configuration) -> dict:
    """:func:`analyze`'s rounding arguments from a ``Configuration``."""
    return {"rounding_exactness": configuration.rounding_exactness.value,
            "approximate_clipping_from": clipping_precision(
                configuration.approximate_rounding_config)}


def analyze(function: Callable, statuses: dict[str, str], inputset: list[np.ndarray],
            maximum_tlu_bit_width: int, fuse_lookup_chains: bool = False,
            verify: bool = False, direct: bool = False, rounding_exactness: str = "exact",
            approximate_clipping_from: int | None = 0) -> ProgramAnalysis:
    """``rounding_exactness`` and ``approximate_clipping_from``: ``round_bit_pattern``'s
    defaults while tracing (``Configuration.rounding_exactness`` and
    ``approximate_rounding_config``, see :mod:`transforms.rounding_clipping`)."""
    samples = [column[0] for column in inputset]
    with rounding_defaults(rounding_exactness, approximate_clipping_from):
        traced = trace(function, statuses, samples, direct)
    passes = PassRecorder(verify)
    if passes.verify:
        verify_graph(traced, RULES, where="the traced graph")
    unfusable = fusion_problems(traced)
    fused = passes.run("fuse float subgraphs", traced,
                       lambda g: fuse_float_subgraphs_mapped(g, strict=False))
    unchained = passes.run("lower bivariate ops", fused, lower_bivariate)
    unchained = passes.run("clear exactly rounded bits", unchained, expand_exact_roundings)
    unchained_bounds = measure_bounds(unchained, inputset)
    clipped = clip_overflowing_roundings(unchained, unchained_bounds)
    if clipped is not None:  # the clipped roundings' values, and those after them, change
        unchained = passes.run("clip overflowing approximate roundings", unchained,
                               lambda g: clipped)
        unchained_bounds = measure_bounds(unchained, inputset)
    packed = pack_bivariate(unchained, unchained_bounds, maximum_tlu_bit_width)
    if packed is not None:  # ops of two encrypted values need their operands' bounds
        unchained = passes.run("pack ops of two encrypted values", unchained, lambda g: packed)
        unchained_bounds = measure_bounds(unchained, inputset)
    unchained_bounds = widen_differences(unchained, unchained_bounds)
    fused_to_unchained = compose(passes.since("lower bivariate ops"))
    fused_bounds = {old: unchained_bounds[new] for old, new in fused_to_unchained.items()
                    if new in unchained_bounds}
    # what runs: chains of elementwise ops on one value become one lookup (the user's view
    # keeps every op, with its bounds)
    lowered = passes.run("fuse lookup chains", unchained,
                         fuse_univariate_chains if fuse_lookup_chains
                         else lambda g: (g, _identity(g)))
    unchained_to_lowered = passes.records[-1].id_map
    lowered_bounds = {unchained_to_lowered[i]: b for i, b in unchained_bounds.items()
                      if i in unchained_to_lowered}
    lowered = passes.run("assign bit widths", lowered,
                         lambda g: (assign_bit_widths(g, lowered_bounds), _identity(g)))
    fused_to_lowered = compose(passes.since("lower bivariate ops"))
    fused = assign_bit_widths(fused, fused_bounds)
    if passes.verify:
        verify_graph(fused, RULES, where="the user's graph with bit widths")
    plan = build_plan(lowered, lowered_bounds)
    lowered_to_fused = {new: old for old, new in fused_to_lowered.items()}
    report = check_compatibility(lowered, plan, maximum_tlu_bit_width, fused, lowered_to_fused,
                                 unfusable=[(traced[p.node_id], p.message) for p in unfusable],
                                 unsupported=unsupported_encrypted_ops(lowered))
    return ProgramAnalysis(traced, fused, fused_bounds, lowered, lowered_bounds, fused_to_lowered,
                           plan, report, passes.records)
