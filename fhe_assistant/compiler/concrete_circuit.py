"""Circuit methods and attributes that programs written for Concrete use.

Counts also exist per tag (``programmable_bootstrap_count_per_tag`` …, Concrete's names):
a node tagged ``a.b`` counts for ``a`` and for ``a.b``, untagged nodes for no tag.

Simulation is always available here (it needs no keys), so ``enable_fhe_simulation`` and
``enable_fhe_execution`` have nothing to prepare; they exist so such programs run unchanged.
Counts and sizes are this backend's own (one parameter set, keys as held in memory): they
name the same things as Concrete's but their values differ from Concrete's compiler.
"""
from __future__ import annotations

from ..crypto.wop_parameters import WopParameters
from ..ir.ops import OpKind


def wop_key_sizes(parameters: WopParameters) -> dict[str, int]:
    """Bytes in memory of each key of a WoP-PBS key set (the kernels' own count): the
    single-set names (``bootstrap_key_fourier``, ``keyswitch_key``, secret keys) plus the
    circuit bootstrap's ``packing_keyswitch_key`` and ``scheme_switch_key_fourier``."""
    from ..backend.tfhe import wop_key_sizes as evaluation_key_sizes

    return {"lwe_secret_key": 8 * parameters.lwe_dimension,
            "glwe_secret_key": 8 * parameters.big_lwe_dimension,
            **evaluation_key_sizes(parameters)}


def tag_prefixes(tag: str) -> list[str]:
    """``"a.b.c"`` -> ``["a", "a.b", "a.b.c"]``: the tags a node tagged ``tag`` counts for."""
    parts = tag.split(".") if tag else []
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def per_tag(items) -> dict[str, int]:
    """Sum ``(tag, count)`` pairs into every prefix of each tag (untagged ones dropped)."""
    totals: dict[str, int] = {}
    for tag, count in items:
        for prefix in tag_prefixes(tag):
            totals[prefix] = totals.get(prefix, 0) + int(count)
    return totals


#: Concrete's statistics: name -> the circuit attribute holding it.
CONCRETE_STATISTICS = (
    "programmable_bootstrap_count", "key_switch_count", "packing_key_switch_count",
    "clear_addition_count", "encrypted_addition_count", "clear_multiplication_count",
    "encrypted_negation_count",
)


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
    def programmable_bootstrap_count_per_tag(self) -> dict[str, int]:
        graph = self.analysis.lowered
        return per_tag((graph[i].tag, lookup.element_count)
                       for i, lookup in self.analysis.plan.lookups.items())

    @property
    def key_switch_count(self) -> int:
        """One keyswitch before each bootstrap."""
        return self.analysis.plan.pbs_count

    key_switch_count_per_tag = programmable_bootstrap_count_per_tag

    def _wop_lookups(self):
        """``(node id, lookup)`` of the lookups that run as WoP-PBS."""
        wop = self.assignment.wop
        return [] if wop is None else [(i, lookup) for i, lookup in
                                       self.analysis.plan.lookups.items() if i in wop.lookups]

    @property
    def packing_key_switch_count(self) -> int:
        """One per WoP-PBS lookup element (Concrete counts a WoP-PBS so); native lookups
        have none."""
        return sum(lookup.element_count for _, lookup in self._wop_lookups())

    @property
    def packing_key_switch_count_per_tag(self) -> dict[str, int]:
        graph = self.analysis.lowered
        return per_tag((graph[i].tag, lookup.element_count) for i, lookup in self._wop_lookups())

    def _counted(self, ops: set, encrypted_operands: int | None = None):
        """``(tag, elements)`` of each encrypted node of ``ops`` with that many encrypted
        operands (any number when None)."""
        graph = self.analysis.lowered
        for node in graph.nodes:
            if node.op not in ops or not node.is_encrypted:
                continue
            encrypted = sum(graph[o].is_encrypted for o in node.operands)
            if encrypted_operands is None or encrypted == encrypted_operands:
                yield node.tag, node.spec.size

    def _count(self, ops: set, encrypted_operands: int | None = None) -> int:
        return sum(size for _, size in self._counted(ops, encrypted_operands))

    @property
    def clear_addition_count_per_tag(self) -> dict[str, int]:
        return per_tag(self._counted({OpKind.ADD, OpKind.SUBTRACT}, 1))

    @property
    def encrypted_addition_count_per_tag(self) -> dict[str, int]:
        return per_tag(self._counted({OpKind.ADD, OpKind.SUBTRACT}, 2))

    @property
    def clear_multiplication_count_per_tag(self) -> dict[str, int]:
        return per_tag(self._counted({OpKind.MULTIPLY, OpKind.MATMUL}, 1))

    @property
    def encrypted_negation_count_per_tag(self) -> dict[str, int]:
        return per_tag(self._counted({OpKind.NEGATIVE}))

    def concrete_statistics(self) -> dict:
        """Concrete's statistics names (counts, per-tag counts, key sizes) and their values."""
        stats = {}
        for name in CONCRETE_STATISTICS:
            stats[name] = getattr(self, name)
            stats[f"{name}_per_tag"] = getattr(self, f"{name}_per_tag")
        for name in ("size_of_secret_keys", "size_of_bootstrap_keys", "size_of_keyswitch_keys"):
            stats[name] = getattr(self, name)
        return stats

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
        if self.assignment.wop is not None:
            return wop_key_sizes(self.assignment.wop.parameters)
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
