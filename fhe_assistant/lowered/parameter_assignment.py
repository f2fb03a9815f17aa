"""Which keys each node uses, and what each lookup costs and risks, for one or several sets.

:class:`ParameterAssignment` joins the optimizer's numbers to the lowered graph: the key
set (one TFHE parameter set per partition and the keyswitches used), the key partitioning
(:mod:`.key_partitions`), and per lookup the partitions it keyswitches between, its
failure probability and its pre-bootstrap noise. A single-set (MONO) circuit is the case
of one partition; every consumer (executor, keys, simulation, views) reads this record the
same way in both cases. ``wop`` names the lookups that run as WoP-PBS (9–16 bits) and
their parameters (:mod:`.wop_lookups`); such a program has one parameter set, the KS-PBS
part of its WoP parameters.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..crypto.cost import CostKind, predict_seconds
from ..crypto.key_set import KeySetParameters
from ..crypto.multi_result import MultiOptimizationResult
from ..crypto.parameters import TFHEParameters
from ..crypto.result import OptimizationResult
from .fhe_plan import FHEPlan
from .key_partitions import KeyPartitioning, partition_lookups
from .wop_lookups import WOP, WopAssignment, wop_input_bit_width


@dataclass(frozen=True, slots=True)
class LookupAssignment:
    """How one lookup runs: keyswitch source → target, bootstrap with the target's keys."""

    source: int
    target: int
    p_error: float  # per element
    pre_pbs_log2_std: float  # modular σ at its bootstrap's input (after the modulus switch)
    seconds: float  # predicted single-thread KS + PBS, per element


@dataclass(frozen=True)
class ParameterAssignment:
    key_set: KeySetParameters
    partitioning: KeyPartitioning
    lookups: Mapping[int, LookupAssignment]
    p_error: float
    global_p_error: float
    complexity: float
    wop: WopAssignment | None = None   # lookups run as WoP-PBS (one parameter set)

    def __post_init__(self) -> None:
        if self.wop is not None and not self.key_set.is_single:
            raise ValueError("a program with WoP-PBS lookups has one parameter set")

    @staticmethod
    def single(plan: FHEPlan, optimization: OptimizationResult) -> ParameterAssignment:
        """Every node under the one parameter set of ``optimization`` (MONO)."""
        partitioning = partition_lookups(plan, multi=False)
        pre_pbs = optimization.noise.pre_pbs
        lookups = {node_id: LookupAssignment(0, 0, optimization.p_error,
                                             pre_pbs if pre_pbs is not None else float("nan"),
                                             optimization.seconds_per_pbs)
                   for node_id in plan.lookups}
        return ParameterAssignment(KeySetParameters.single(optimization.parameters),
                                   partitioning, lookups, optimization.p_error,
                                   optimization.global_p_error, optimization.complexity)

    @staticmethod
    def with_wop(plan: FHEPlan, result) -> ParameterAssignment:
        """One WoP-PBS parameter set (``result``: the optimizer's WoP result): the lookups
        it runs as WoP-PBS get their own failure probability and time at the bits they
        extract; any other lookup is a KS + PBS with the set's KS-PBS part."""
        partitioning = partition_lookups(plan, multi=False)
        lookups, wop_ids = {}, set()
        for node_id, lookup in plan.lookups.items():
            if result.lookup_method(lookup.effective_precision) == WOP:
                bits = wop_input_bit_width(lookup)
                wop_ids.add(node_id)
                lookups[node_id] = LookupAssignment(
                    0, 0, float(result.lookup_p_error(bits, *plan.read_norm2(lookup),
                                                      lookup.input_precision)),
                    float("nan"), float(result.lookup_seconds(bits)))
            else:
                lookups[node_id] = LookupAssignment(0, 0, result.p_error, float("nan"),
                                                    result.seconds_per_pbs)
        return ParameterAssignment(KeySetParameters.single(result.parameters), partitioning,
                                   lookups, result.p_error, result.global_p_error,
                                   result.complexity,
                                   WopAssignment(result.wop_parameters, frozenset(wop_ids)))

    @staticmethod
    def multi(plan: FHEPlan, partitioning: KeyPartitioning, result: MultiOptimizationResult
              ) -> ParameterAssignment:
        """One set per partition, as :func:`crypto.optimize_multi` chose them."""
        constraints = result.requirements.constraints
        lookups = {}
        for node_id, lookup in plan.lookups.items():
            source = partitioning.source_of(plan, node_id)
            target = partitioning.partition_of_lookup[node_id]
            key = (source, target, lookup.noise_precision, *plan.read_norm2(lookup))
            index = next(i for i, c in enumerate(constraints)
                         if (c.source, c.target, c.precision, c.fresh_norm2, c.pbs_norm2) == key)
            seconds = (predict_seconds(result.partitions[target].pbs_complexity, CostKind.PBS)
                       + predict_seconds(result.keyswitch_complexity(source, target),
                                         CostKind.KEYSWITCH))
            lookups[node_id] = LookupAssignment(source, target, result.constraint_p_errors[index],
                                                result.constraint_log2_std[index], float(seconds))
        return ParameterAssignment(result.key_set(), partitioning, lookups, result.p_error,
                                   result.global_p_error, result.complexity)

    # -- questions the executor, the keys and the views ask ----------------------------------
    @property
    def is_single(self) -> bool:
        return self.key_set.is_single

    def key_of(self, plan: FHEPlan, node_id: int) -> int:
        """The partition whose big key holds the ciphertext of ``node_id``."""
        return self.partitioning.key_of(plan, node_id)

    def parameters_of(self, plan: FHEPlan, node_id: int) -> TFHEParameters:
        """The parameter set whose big key holds ``node_id``'s ciphertext."""
        return self.key_set.partitions[self.key_of(plan, node_id)]

    def lookup_parameters(self, node_id: int) -> TFHEParameters:
        """The parameter set a lookup bootstraps with (its target partition's)."""
        return self.key_set.partitions[self.lookups[node_id].target]

    @property
    def widest(self) -> TFHEParameters:
        """The set of the widest partition (the only one for MONO)."""
        return max(self.key_set.partitions, key=lambda p: p.message_bit_width)

    def predicted_seconds(self, plan: FHEPlan) -> float:
        """Single-thread KS + PBS time of one run, all lookups."""
        return sum(plan.lookups[i].element_count * a.seconds for i, a in self.lookups.items())
