"""Circuit methods and attributes that programs written for Concrete use.

Simulation is always available here (it needs no keys), so ``enable_fhe_simulation`` and
``enable_fhe_execution`` have nothing to prepare; they exist so such programs run unchanged.
"""
from __future__ import annotations


class ConcreteCircuitAPI:
    """Mixed into ``Circuit``: Concrete's names for what the circuit already has."""

    def enable_fhe_simulation(self) -> None:
        """Concrete compiles a simulation module on demand; here ``simulate`` always works."""

    def enable_fhe_execution(self) -> None:
        """Concrete compiles the encrypted module on demand; here it is built when first run."""
