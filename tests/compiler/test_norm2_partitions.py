"""``MultiParameterStrategy.PRECISION_AND_NORM2``: lookups of one precision whose outputs are
amplified very differently downstream get their own parameter sets when that costs less
(Concrete's norm buckets); ``PRECISION`` (the default) keeps one set per precision."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.compiler.circuit import _optimize
from fhe_assistant.lowered.key_partitions import output_norm_buckets, partition_lookups

RNG = np.random.default_rng(0)
T1 = fhe.LookupTable(RNG.integers(0, 8, 8).tolist())
T2 = fhe.LookupTable(RNG.integers(0, 8, 8).tolist())
TB = fhe.LookupTable([0, 1, 1, 0, 1, 0, 0, 1])
T3 = fhe.LookupTable(RNG.integers(0, 4, 32).tolist())


def mixed_norms(x, y):
    """T1 and TB both read 3 bits; T1's output is read as it is (norm 1), TB's sixteen
    outputs are summed into T3 (norm 4, and a 5-bit block): a quieter bootstrap for TB."""
    return T2[T1[x]], T3[np.sum(TB[y])]


INPUTS = ([(RNG.integers(0, 8, 4), RNG.integers(0, 8, 16)) for _ in range(30)]
          + [(np.full(4, 7), np.ones(16, dtype=np.int64))])


def _compile(function, inputs, strategy, **options):
    return fhe.Compiler(function, {"x": "encrypted", "y": "encrypted"}).compile(
        inputs, multi_parameter_strategy=strategy, **options)


@pytest.fixture(scope="module")
def both():
    return (_compile(mixed_norms, INPUTS, "precision"),
            _compile(mixed_norms, INPUTS, fhe.MultiParameterStrategy.PRECISION_AND_NORM2,
                     insecure_keygen_seed=4))



def test_precision_is_the_default():
    assert (fhe.Configuration().multi_parameter_strategy
            is fhe.MultiParameterStrategy.PRECISION)


def test_norm2_splits_a_precision_by_output_norm(both):
    by_precision, by_norm = both
    assert [p.message_bit_width for p in by_precision.parameter_sets] == [3, 5]
    assert [p.message_bit_width for p in by_norm.parameter_sets] == [3, 3, 5]
    plan = by_norm.analysis.plan
    buckets = output_norm_buckets(plan, by_norm.analysis.lowered.outputs)
    three_bit = [i for i, lookup in plan.lookups.items() if lookup.effective_precision == 3]
    # the two 3-bit lookups written into different blocks: norm 1 vs norm 4 · 2^(5-3)
    assert sorted(buckets[i] for i in three_bit) == [0, 0, 4]
    of = by_norm.assignment.partitioning.partition_of_lookup
    loud = next(i for i in three_bit if buckets[i] == 4)
    assert {of[i] for i in three_bit if i != loud} == {0} and of[loud] == 1
    assert len({by_precision.assignment.partitioning.partition_of_lookup[i]
                for i in three_bit}) == 1
    # the quiet set is cheaper than the one PRECISION gives every 3-bit lookup
    quiet, loud_set = by_norm.parameter_sets[0], by_norm.parameter_sets[1]
    assert quiet.lwe_dimension < loud_set.lwe_dimension


def test_norm2_costs_less_than_precision(both):
    by_precision, by_norm = both
    assert by_norm.optimization.complexity < by_precision.optimization.complexity
    assert by_norm.global_p_error <= by_norm.configuration.global_p_error * (1 + 1e-9)


def test_split_circuit_runs_encrypted_equal_to_simulate(both):
    circuit = both[1]
    circuit.keygen()
    rng = np.random.default_rng(2)
    for _ in range(3):
        x, y = rng.integers(0, 8, 4), rng.integers(0, 8, 16)
        expected = mixed_norms(x, y)
        simulated = circuit.simulate(x, y)
        encrypted = circuit.encrypt_run_decrypt(x, y)
        for e, s, r in zip(expected, simulated, encrypted):
            assert np.array_equal(np.asarray(s), np.asarray(e))
            assert np.array_equal(np.asarray(r), np.asarray(s))


T6 = fhe.LookupTable(RNG.integers(0, 8, 64).tolist())


def small_norms(x, y):
    return T6[x], np.sum(T6[y])


def test_a_split_that_does_not_pay_is_not_made():
    """Both 6-bit lookups' outputs are decrypted, one as it is, the other summed by two
    (buckets -3 and -1): a 6-bit set is sized by its lookups' inputs, not by such quiet
    outputs, so the split costs no less and one set is kept."""
    inputs = [(RNG.integers(0, 64, 2), RNG.integers(0, 64, 2)) for _ in range(20)]
    circuit = _compile(small_norms, inputs, "precision_and_norm2")
    plan = circuit.analysis.plan
    split = partition_lookups(plan, multi=True, by_norm=True,
                              outputs=circuit.analysis.lowered.outputs)
    assert split.partition_count == 2
    assert circuit.assignment.partitioning.partition_count == 1
    assert (_optimize(circuit.analysis, circuit.configuration, split).complexity
            >= circuit.optimization.complexity)
