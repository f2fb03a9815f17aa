"""The analysis pipeline: trace → fuse → lower → bounds → bit widths → plan → compatibility.

Each step is a pure function; the record keeps every intermediate graph so views can show
how the program changed on its way to FHE.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..analysis.bit_widths import assign_bit_widths
from ..analysis.bounds import measure_bounds
from ..analysis.compatibility import CompatibilityReport, check_compatibility
from ..core.bounds import Bounds
from ..ir.graph import Graph
from ..lowered.fhe_plan import FHEPlan, build_plan
from ..tracing.trace import trace
from ..transforms.fusion import fuse_float_subgraphs, fuse_univariate_chains, fusion_problems
from ..transforms.lowering import lower_bivariate, unsupported_encrypted_ops


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

    @property
    def lowered_to_fused(self) -> dict[int, int]:
        return {new: old for old, new in self.fused_to_lowered.items()}


def analyze(function: Callable, statuses: dict[str, str], inputset: list[np.ndarray],
            maximum_tlu_bit_width: int, fuse_lookup_chains: bool = False) -> ProgramAnalysis:
    samples = [column[0] for column in inputset]
    traced = trace(function, statuses, samples)
    unfusable = fusion_problems(traced)
    fused = fuse_float_subgraphs(traced, strict=False)
    unchained, fused_to_unchained = lower_bivariate(fused)
    unchained_bounds = measure_bounds(unchained, inputset)
    fused_bounds = {old: unchained_bounds[new] for old, new in fused_to_unchained.items()
                    if new in unchained_bounds}
    # what runs: chains of elementwise ops on one value become one lookup (the user's view
    # keeps every op, with its bounds)
    lowered, unchained_to_lowered = (fuse_univariate_chains(unchained) if fuse_lookup_chains
                                     else (unchained, {n.id: n.id for n in unchained.nodes}))
    lowered_bounds = {unchained_to_lowered[i]: b for i, b in unchained_bounds.items()
                      if i in unchained_to_lowered}
    fused_to_lowered = {old: unchained_to_lowered[mid] for old, mid in fused_to_unchained.items()
                        if mid in unchained_to_lowered}
    lowered = assign_bit_widths(lowered, lowered_bounds)
    fused = assign_bit_widths(fused, fused_bounds)
    plan = build_plan(lowered)
    lowered_to_fused = {new: old for old, new in fused_to_lowered.items()}
    report = check_compatibility(lowered, plan, maximum_tlu_bit_width, fused, lowered_to_fused,
                                 unfusable=[(traced[p.node_id], p.message) for p in unfusable],
                                 unsupported=unsupported_encrypted_ops(lowered))
    return ProgramAnalysis(traced, fused, fused_bounds, lowered, lowered_bounds, fused_to_lowered,
                           plan, report)
