"""What :func:`crypto.multi_optimizer.optimize_multi` returns: one parameter set per partition."""

from __future__ import annotations

from dataclasses import dataclass

from .key_set import KeySetParameters, KeyswitchParameters
from .parameters import TFHEParameters
from .partitioned import PartitionedRequirements
from .wop_parameters import LookupMethod

#: the per-partition figures of ``as_rows``, after the partition's parameters
_PARTITION_COLUMNS = ("pbs_count", "p_error", "seconds_per_pbs", "log2_std_fresh",
                      "log2_std_blind_rotation", "log2_std_modulus_switch",
                      "log2_std_keyswitch")


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """One partition's parameter set (its own small key, big key, BSK and KSK).

    ``parameters.message_bit_width`` is the widest lookup precision of the partition; the
    keyswitch fields are those of its own KSK (big P → small P), present even when every
    lookup of the partition reads another partition's values (then the KSK is unused).
    """

    parameters: TFHEParameters
    pbs_count: int
    p_error: float  # worst lookup or output of this partition
    pbs_complexity: float
    ks_complexity: float
    seconds_per_pbs: float
    log2_std_fresh: float
    log2_std_blind_rotation: float
    log2_std_modulus_switch: float
    log2_std_keyswitch: float | None  # own KSK; None when no lookup reads this partition


@dataclass(frozen=True, slots=True)
class CrossKeyswitch:
    """A keyswitching key from partition ``source``'s big key to ``target``'s small key."""

    source: int
    target: int
    input_dimension: int  # k·N of the source
    output_dimension: int  # n of the target
    base_log: int
    level: int
    count: int  # keyswitches per run
    complexity: float  # one keyswitch
    log2_std: float  # σ_KS it adds


@dataclass(frozen=True, slots=True)
class MultiOptimizationResult:
    """The cheapest secure parameter sets found for a partitioned circuit.

    Attributes
    ----------
    partitions
        One :class:`PartitionResult` per partition, in the requirements' order.
    keyswitches
        The cross-partition keyswitching keys (source ≠ target) the circuit uses.
    constraint_p_errors, constraint_log2_std
        Achieved failure probability and noise (log2 σ, modular: at a lookup's input
        after its modulus switch, or at an output) of each requirement constraint, in order.
    p_error, global_p_error, target_p_error
        Worst single operation, whole run, and the per-operation bound enforced.
    complexity, mono_complexity
        Cost-model totals of this solution and of one parameter set for everything.
    """

    partitions: tuple[PartitionResult, ...]
    keyswitches: tuple[CrossKeyswitch, ...]
    constraint_p_errors: tuple[float, ...]
    constraint_log2_std: tuple[float, ...]
    p_error: float
    global_p_error: float
    target_p_error: float
    complexity: float
    mono_complexity: float
    requirements: PartitionedRequirements

    #: no lookup of a native result runs as WoP-PBS (see :mod:`crypto.wop_result`)
    wop_parameters = None
    method = LookupMethod.NATIVE

    def lookup_method(self, precision: int) -> LookupMethod:
        """Every lookup of a native result is a keyswitch + bootstrap."""
        return LookupMethod.NATIVE

    @property
    def parameter_sets(self) -> tuple[TFHEParameters, ...]:
        return tuple(partition.parameters for partition in self.partitions)

    @property
    def predicted_seconds(self) -> float:
        """Single-thread time of one run's keyswitches and bootstraps (cost model)."""
        from .cost import CostKind, predict_seconds

        pbs = sum(p.pbs_count * p.pbs_complexity for p in self.partitions)
        ks = sum(count * self.keyswitch_complexity(s, t)
                 for (s, t), count in self.requirements.keyswitch_counts.items())
        return float(predict_seconds(pbs, CostKind.PBS) + predict_seconds(ks, CostKind.KEYSWITCH))

    @property
    def seconds_per_pbs(self) -> float:
        """Mean predicted KS + PBS time per lookup element (for per-lookup cost tables)."""
        return self.predicted_seconds / max(1, sum(p.pbs_count for p in self.partitions))

    def key_set(self) -> KeySetParameters:
        """The parameters to generate keys from: every partition and every used KSK."""
        used = self.requirements.keyswitch_counts
        keyswitches = []
        for (source, target) in sorted(used):
            if source == target:
                own = self.partitions[target].parameters
                keyswitches.append(KeyswitchParameters(
                    source, target, own.ks_decomposition_base_log,
                    own.ks_decomposition_level_count))
            else:
                cross = self.keyswitch(source, target)
                keyswitches.append(KeyswitchParameters(source, target, cross.base_log,
                                                       cross.level))
        return KeySetParameters(self.parameter_sets, tuple(keyswitches))

    def keyswitch_complexity(self, source: int, target: int) -> float:
        """Cost of one keyswitch source → target (the target's own KSK when equal)."""
        if source == target:
            return self.partitions[target].ks_complexity
        return self.keyswitch(source, target).complexity

    def keyswitch(self, source: int, target: int) -> CrossKeyswitch | None:
        """The cross keyswitch source → target, or None (same partition, or unused)."""
        for ks in self.keyswitches:
            if (ks.source, ks.target) == (source, target):
                return ks
        return None

    def as_rows(self) -> list[dict]:
        """One flat row per partition, then one per cross keyswitch, for tables."""
        rows = []
        for index, part in enumerate(self.partitions):
            row = {"partition": index, **part.parameters.as_dict()}
            row.update({name: getattr(part, name) for name in _PARTITION_COLUMNS})
            rows.append(row)
        for ks in self.keyswitches:
            rows.append({
                "keyswitch": f"{ks.source}->{ks.target}",
                "input_dimension": ks.input_dimension,
                "output_dimension": ks.output_dimension,
                "ks_decomposition_base_log": ks.base_log,
                "ks_decomposition_level_count": ks.level,
                "count": ks.count,
                "log2_std_keyswitch": ks.log2_std,
            })
        return rows
