"""Several parameter sets per circuit: Concrete's MULTI strategy over the single-set search.

Each partition (lookups of one precision, see :mod:`crypto.partitioned`) gets its own
128-bit-secure parameters; values cross partitions through keyswitching keys from the
source's big key to the target's small key. One global error budget is split evenly over
every lookup and output, as the single-set optimizer does.

The search is a coordinate descent, as Concrete's: it starts from the single parameter
set (MONO) given to every partition — which meets every constraint, since the single-set
model is the stricter one — then re-optimizes one partition at a time with the others
held (:func:`crypto.partition_search.optimize_partition`), keeping a change only when
the total cost drops, until no partition improves. The result therefore never costs more
than MONO, and with one partition it *is* MONO.

Examples
--------
>>> from fhe_assistant.crypto.multi_optimizer import optimize_multi
>>> from fhe_assistant.crypto.partitioned import NoiseConstraint, PartitionedRequirements
>>> req = PartitionedRequirements((3, 8), (
...     NoiseConstraint(source=0, target=0, precision=3, count=32),
...     NoiseConstraint(source=1, target=1, precision=8)))
>>> result = optimize_multi(req, p_error=1e-5)
>>> [p.polynomial_size for p in result.parameter_sets]
[512, 16384]
"""

from __future__ import annotations

import math

import numpy as np

from .cost import (
    DEFAULT_CALIBRATION,
    CostCalibration,
    CostKind,
    keyswitch_complexity,
    predict_seconds,
)
from .cost import pbs_complexity as pbs_complexity_of
from .multi_result import CrossKeyswitch, MultiOptimizationResult, PartitionResult
from .noise import (
    blind_rotation_variance,
    keyswitch_variance,
    log2_std,
    max_variance_for_p_error,
    p_error_from_variance,
)
from .optimizer import optimize
from .parameters import TFHEParameters
from .partition_search import Bound, KeyswitchChoice, PartitionChoice, optimize_partition
from .partitioned import PartitionedRequirements
from .requirements import DEFAULT_GLOBAL_P_ERROR, target_p_error

_MAX_PASSES = 8

State = tuple[tuple[PartitionChoice, ...], dict[tuple[int, int], KeyswitchChoice]]


def optimize_multi(
    requirements: PartitionedRequirements,
    p_error: float | None = None,
    global_p_error: float | None = DEFAULT_GLOBAL_P_ERROR,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
) -> MultiOptimizationResult:
    """One parameter set per partition, cheapest total cost found by coordinate descent.

    ``p_error`` (per operation) wins over ``global_p_error`` (split over every lookup
    and output), as in :func:`crypto.optimizer.optimize`.

    Raises
    ------
    CompilationError
        As :func:`crypto.optimizer.optimize` on the merged circuit: no single set meets it.
    """
    target = target_p_error(requirements, p_error, global_p_error)
    mono = optimize(requirements.merged(), p_error=p_error, global_p_error=global_p_error,
                    calibration=calibration)
    bounds = tuple(
        Bound(c.source, c.target, c.fresh_norm2, c.pbs_norm2,
              float(max_variance_for_p_error(target, c.precision)), c.count)
        for c in requirements.constraints
    )
    state = _mono_state(requirements, mono.parameters)
    cost = _total_cost(requirements, state)
    mono_cost = cost
    if requirements.partition_count > 1:
        state, cost = _descend(requirements, bounds, state, cost)
    return _result(requirements, state, cost, mono_cost, target, calibration)


def _mono_state(requirements: PartitionedRequirements, params: TFHEParameters) -> State:
    n, k, big_n = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    choice = PartitionChoice(
        lwe_dimension=n, glwe_dimension=k, polynomial_size=big_n,
        decomposition_base_log=params.decomposition_base_log,
        decomposition_level_count=params.decomposition_level_count,
        pbs_complexity=float(pbs_complexity_of(n, k, big_n, params.decomposition_level_count)),
        blind_rotation_variance=float(blind_rotation_variance(
            n, k, big_n, params.decomposition_base_log, params.decomposition_level_count)),
    )
    ks = KeyswitchChoice(
        base_log=params.ks_decomposition_base_log, level=params.ks_decomposition_level_count,
        complexity=float(keyswitch_complexity(k * big_n, n, params.ks_decomposition_level_count)),
        variance=float(keyswitch_variance(k * big_n, n, params.ks_decomposition_base_log,
                                          params.ks_decomposition_level_count)),
    )
    edges = {edge: ks for edge in requirements.keyswitch_counts}
    return (choice,) * requirements.partition_count, edges


def _total_cost(requirements: PartitionedRequirements, state: State) -> float:
    choices, edges = state
    total = 0.0
    for choice, pbs, leveled in zip(choices, requirements.pbs_counts,
                                    requirements.leveled_op_counts):
        total += pbs * choice.pbs_complexity + leveled * choice.big_lwe_dimension
    for edge, count in requirements.keyswitch_counts.items():
        total += count * edges[edge].complexity
    return total


def _descend(requirements, bounds, state: State, cost: float) -> tuple[State, float]:
    """Re-optimize one partition at a time while the total cost drops."""
    order = sorted(range(requirements.partition_count),
                   key=lambda p: -requirements.precisions[p])
    ks_counts = requirements.keyswitch_counts
    for _ in range(_MAX_PASSES):
        improved = False
        for index in order:
            choices, edges = state
            others = {q: choices[q] for q in range(len(choices)) if q != index}
            step = optimize_partition(index, bounds, others, requirements.pbs_counts[index],
                                      requirements.leveled_op_counts[index], ks_counts)
            if step is None:
                continue
            new_choices = choices[:index] + (step.partition,) + choices[index + 1:]
            candidate = (new_choices, {**edges, **step.keyswitches})
            candidate_cost = _total_cost(requirements, candidate)
            if candidate_cost < cost * (1.0 - 1e-12):
                state, cost, improved = candidate, candidate_cost, True
        if not improved:
            break
    return state, cost


def _constraint_variance(constraint, state: State) -> float:
    choices, edges = state
    source = choices[constraint.source]
    variance = ((constraint.fresh_norm2 * source.fresh_variance if constraint.fresh_norm2 else 0.0)
                + constraint.pbs_norm2 * source.blind_rotation_variance)
    if constraint.target is not None:
        variance += edges[(constraint.source, constraint.target)].variance
        variance += choices[constraint.target].modulus_switch_variance
    return variance


def _result(requirements, state: State, cost: float, mono_cost: float, target: float,
            calibration: CostCalibration) -> MultiOptimizationResult:
    choices, edges = state
    constraints = requirements.constraints
    variances = [_constraint_variance(c, state) for c in constraints]
    p_errors = tuple(float(p_error_from_variance(v, c.precision))
                     for c, v in zip(constraints, variances))
    log_ok = sum(c.count * math.log1p(-p) for c, p in zip(constraints, p_errors))
    partitions = []
    for index, choice in enumerate(choices):
        own = edges.get((index, index))
        # A partition whose lookups all read other partitions still has a KSK shape for
        # its own big key: the cheapest from the MONO search is not needed, so report the
        # edge most of its lookups use.
        into = [edge for edge in edges if edge[1] == index]
        ks = own or edges[max(into, key=lambda e: requirements.keyswitch_counts[e])]
        params = TFHEParameters(
            lwe_dimension=choice.lwe_dimension, glwe_dimension=choice.glwe_dimension,
            polynomial_size=choice.polynomial_size,
            decomposition_base_log=choice.decomposition_base_log,
            decomposition_level_count=choice.decomposition_level_count,
            ks_decomposition_base_log=ks.base_log, ks_decomposition_level_count=ks.level,
            message_bit_width=requirements.precisions[index])
        mine = [p for c, p in zip(constraints, p_errors) if index in (c.target, c.source)]
        ks_cost = float(keyswitch_complexity(choice.big_lwe_dimension, choice.lwe_dimension,
                                             ks.level))
        partitions.append(PartitionResult(
            parameters=params,
            pbs_count=requirements.pbs_counts[index],
            p_error=max(mine, default=0.0),
            pbs_complexity=choice.pbs_complexity,
            ks_complexity=ks_cost,
            seconds_per_pbs=float(predict_seconds(choice.pbs_complexity, CostKind.PBS, calibration)
                                  + predict_seconds(ks_cost, CostKind.KEYSWITCH, calibration)),
            log2_std_fresh=float(log2_std(choice.fresh_variance)),
            log2_std_blind_rotation=float(log2_std(choice.blind_rotation_variance)),
            log2_std_modulus_switch=float(log2_std(choice.modulus_switch_variance)),
            log2_std_keyswitch=None if own is None else float(log2_std(own.variance)),
        ))
    cross = tuple(
        CrossKeyswitch(
            source=s, target=t,
            input_dimension=choices[s].big_lwe_dimension,
            output_dimension=choices[t].lwe_dimension,
            base_log=ks.base_log, level=ks.level,
            count=requirements.keyswitch_counts[(s, t)], complexity=ks.complexity,
            log2_std=float(log2_std(ks.variance)))
        for (s, t), ks in sorted(edges.items()) if s != t)
    return MultiOptimizationResult(
        partitions=tuple(partitions), keyswitches=cross, constraint_p_errors=p_errors,
        constraint_log2_std=tuple(float(log2_std(v)) for v in variances),
        p_error=max(p_errors, default=0.0), global_p_error=float(-np.expm1(log_ok)),
        target_p_error=target, complexity=float(cost), mono_complexity=float(mono_cost),
        requirements=requirements)
