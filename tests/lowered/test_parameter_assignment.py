"""ParameterAssignment: per-lookup partitions, p_error and noise for MONO and MULTI results."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.crypto import noise as nz
from fhe_assistant.crypto.multi_optimizer import optimize_multi
from fhe_assistant.crypto.optimizer import optimize
from fhe_assistant.lowered.key_partitions import partition_lookups, partitioned_requirements
from fhe_assistant.lowered.parameter_assignment import ParameterAssignment

RNG = np.random.default_rng(20241214)
T3 = fhe.LookupTable(RNG.integers(0, 8, 8).tolist())
T8 = fhe.LookupTable(RNG.integers(0, 256, 256).tolist())
X = [RNG.integers(0, 8, 32) for _ in range(20)] + [np.full(32, 7), np.zeros(32, np.int64)]


@pytest.fixture(scope="module")
def chained():
    analysis = fhe.Compiler(lambda x: T8[np.sum(T3[x])], {"x": "encrypted"}).compile(X).analysis
    partitioning = partition_lookups(analysis.plan)
    req = partitioned_requirements(analysis.lowered, analysis.plan, partitioning)
    return analysis, partitioning, req, optimize_multi(req, p_error=1e-5)


def test_multi_assignment_gives_each_lookup_its_partitions_and_noise(chained):
    analysis, partitioning, _, result = chained
    plan = analysis.plan
    assignment = ParameterAssignment.multi(plan, partitioning, result)
    narrow, wide = sorted(plan.lookups, key=lambda i: plan.lookups[i].effective_precision)
    assert (assignment.lookups[narrow].source, assignment.lookups[narrow].target) == (0, 0)
    assert (assignment.lookups[wide].source, assignment.lookups[wide].target) == (0, 1)
    assert assignment.lookup_parameters(wide).polynomial_size == 16384
    assert assignment.parameters_of(plan, wide).polynomial_size == 16384
    assert assignment.parameters_of(plan, narrow).polynomial_size == 512
    for node_id, lookup in assignment.lookups.items():
        precision = plan.lookups[node_id].effective_precision
        p = float(nz.p_error_from_variance(2.0 ** (2 * lookup.pre_pbs_log2_std), precision))
        assert lookup.p_error == pytest.approx(p, rel=1e-6) and p <= 1e-5
    assert assignment.p_error == result.p_error
    assert assignment.predicted_seconds(plan) > 0


def test_single_assignment_is_the_mono_optimizer(chained):
    analysis, _, req, _ = chained
    mono = optimize(req.merged(), p_error=1e-5)
    assignment = ParameterAssignment.single(analysis.plan, mono)
    assert assignment.is_single and assignment.widest == mono.parameters
    assert {(a.source, a.target) for a in assignment.lookups.values()} == {(0, 0)}
    assert assignment.key_set.fingerprint() == mono.parameters.fingerprint()
