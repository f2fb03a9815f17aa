"""``Circuit``: a compiled program — FHE-faithful simulation, parameters, keys, encrypted runs."""
from __future__ import annotations

import numpy as np

from .configuration import Configuration
from .pipeline import ProgramAnalysis
from .program import FHEProgram
from .simulation import TableCache, simulate_fhe


class Circuit(FHEProgram):
    """A program that passed the compatibility check."""

    def __init__(self, analysis: ProgramAnalysis, configuration: Configuration):
        super().__init__(analysis, configuration)
        self.tables = TableCache(analysis.lowered, analysis.plan, analysis.lowered_bounds)
        self._simulation_random = np.random.default_rng(configuration.insecure_keygen_seed)

    @property
    def simulation_p_error(self) -> float | None:
        """Per-PBS error probability injected by ``simulate`` (None: exact lookups)."""
        return None

    def simulate(self, *args):
        """Run on clear integers exactly as the encrypted run computes (wrap-around included)."""
        inputs, batched = self._batched(args)
        outputs = simulate_fhe(self.analysis.lowered, self.analysis.plan,
                               self.analysis.lowered_bounds, self.tables, inputs,
                               self.simulation_p_error, self._simulation_random)
        return self._unbatch(outputs, batched)
