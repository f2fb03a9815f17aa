"""Circuit methods and attributes that programs written for Concrete use.

Simulation is always available here (it needs no keys), so ``enable_fhe_simulation`` and
``enable_fhe_execution`` have nothing to prepare; they exist so such programs run unchanged.
Counts and sizes are this backend's own (one parameter set, keys as held in memory): they
name the same things as Concrete's but their values differ from Concrete's compiler.
"""
from __future__ import annotations

from ..ir.ops import OpKind


class ConcreteCircuitAPI:
    """Mixed into ``Circuit``: Concrete's names for what the circuit already has."""

    def enable_fhe_simulation(self) -> None:
        """Concrete compiles a simulation module on demand; here ``simulate`` always works."""

    def enable_fhe_execution(self) -> None:
        """Concrete compiles the encrypted module on demand; here it is built when first run."""

    @property
    def mlir(self) -> str:
        """The lowered program as text (this backend has no MLIR; ``circuit.lowered``)."""
        return self.lowered

    @property
    def complexity(self) -> float:
        """The optimizer's cost estimate of one run."""
        return self.optimization.complexity

    @property
    def programmable_bootstrap_count(self) -> int:
        return self.analysis.plan.pbs_count

    @property
    def key_switch_count(self) -> int:
        """One keyswitch before each bootstrap."""
        return self.analysis.plan.pbs_count

    @property
    def packing_key_switch_count(self) -> int:
        """No packing keyswitches: every lookup is a PBS of one LWE ciphertext."""
        return 0

    def _count(self, ops: set, encrypted_operands: int | None = None) -> int:
        graph, total = self.analysis.lowered, 0
        for node in graph.nodes:
            if node.op not in ops or not node.is_encrypted:
                continue
            encrypted = sum(graph[o].is_encrypted for o in node.operands)
            if encrypted_operands is None or encrypted == encrypted_operands:
                total += node.spec.size
        return total

    @property
    def clear_addition_count(self) -> int:
        """Element additions/subtractions of a ciphertext and a clear value."""
        return self._count({OpKind.ADD, OpKind.SUBTRACT}, 1)

    @property
    def encrypted_addition_count(self) -> int:
        """Element additions/subtractions of two ciphertexts."""
        return self._count({OpKind.ADD, OpKind.SUBTRACT}, 2)

    @property
    def clear_multiplication_count(self) -> int:
        """Element multiplications of a ciphertext by a clear value (matmul outputs included)."""
        return self._count({OpKind.MULTIPLY, OpKind.MATMUL}, 1)

    @property
    def encrypted_negation_count(self) -> int:
        return self._count({OpKind.NEGATIVE})

    def _key_sizes(self) -> dict[str, int]:
        from ..backend.tfhe import key_sizes

        return key_sizes(self.parameters)

    @property
    def size_of_secret_keys(self) -> int:
        sizes = self._key_sizes()
        return sizes["lwe_secret_key"] + sizes["glwe_secret_key"]

    @property
    def size_of_bootstrap_keys(self) -> int:
        return self._key_sizes()["bootstrap_key_fourier"]

    @property
    def size_of_keyswitch_keys(self) -> int:
        return self._key_sizes()["keyswitch_key"]
