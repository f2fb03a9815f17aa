"""Keys of several partitions: cross-partition keyswitch noise against its model, and a lookup
of one partition reading a value held under another partition's big key.

Keys and noise come from ``InsecureSeededRandom`` (reproducible, insecure on purpose).
"""
from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.key_sets import (
    generate_partitioned_keys,
    keyswitch,
    partitioned_key_sizes,
)
from fhe_assistant.crypto import noise as nz
from fhe_assistant.crypto.multi_optimizer import optimize_multi
from fhe_assistant.crypto.partitioned import NoiseConstraint, PartitionedRequirements
from fhe_assistant.crypto.security import noise_std_log2_mod

# Four 2-bit lookups whose outputs are summed into one 4-bit lookup (small keys: fast).
REQUIREMENTS = PartitionedRequirements((2, 4), (
    NoiseConstraint(0, 0, 2, count=4),
    NoiseConstraint(0, 1, 4, fresh_norm2=0.0, pbs_norm2=4.0),
    NoiseConstraint(1, None, 4, fresh_norm2=0.0, pbs_norm2=1.0),
))


@pytest.fixture(scope="module")
def keys():
    key_set = optimize_multi(REQUIREMENTS, p_error=1e-5).key_set()
    secret, evaluation = generate_partitioned_keys(key_set, T.make_random(2024))
    return key_set, secret, evaluation


def test_key_set_has_two_partitions_and_a_cross_keyswitch(keys):
    key_set, secret, evaluation = keys
    assert len(key_set.partitions) == 2
    assert set(evaluation.keyswitch_keys) == {(0, 0), (0, 1)}  # 1 -> 1 is never used
    assert evaluation.partition(1).keyswitch_key is None
    for index, params in enumerate(key_set.partitions):
        assert secret.partitions[index].big_lwe_key.size == params.big_lwe_dimension
        assert evaluation.bootstrap_keys[index].shape[0] == params.lwe_dimension
    sizes = partitioned_key_sizes(key_set)
    cross = key_set.keyswitch_shape(0, 1)
    assert evaluation.keyswitch_keys[(0, 1)].nbytes == sizes["keyswitch_key[0->1]"] == (
        4 * cross.big_lwe_dimension * cross.ks_decomposition_level_count
        * (cross.lwe_dimension + 1))
    assert sizes["evaluation_keys"] == sum(
        a.nbytes for a in (*evaluation.bootstrap_keys, *evaluation.keyswitch_keys.values()))


def test_cross_partition_keyswitch_noise_matches_model(keys):
    key_set, secret, evaluation = keys
    source, target = key_set.partitions
    ks = key_set.keyswitch(0, 1)
    messages = np.random.default_rng(7).integers(0, 16, 3000)
    encrypted = T.encrypt_lwe(T.encode(messages, 4), secret.partitions[0].big_lwe_key,
                              noise_std_log2_mod(source.big_lwe_dimension), T.make_random(8))
    small = keyswitch(encrypted, evaluation, key_set, 0, 1)
    assert small.shape == (3000, target.lwe_dimension + 1)
    errors = (T.lwe_phase(small, secret.partitions[1].lwe_key) - T.encode(messages, 4)
              ).view(np.int64).astype(np.float64)
    model = float(nz.fresh_variance(source.big_lwe_dimension) + nz.keyswitch_variance(
        source.big_lwe_dimension, target.lwe_dimension, ks.base_log, ks.level))
    ratio = np.var(errors) / model
    print(f"cross keyswitch {source.big_lwe_dimension}->{target.lwe_dimension} "
          f"(b={ks.base_log}, l={ks.level}): measured/model variance {ratio:.3f}")
    assert 0.8 < ratio < 1.25, f"measured/model variance {ratio:.3f}"


def test_lookup_of_one_partition_reads_a_value_of_another(keys):
    key_set, secret, evaluation = keys
    target = key_set.partitions[1]
    messages = np.random.default_rng(9).integers(0, 16, 24)
    table = np.random.default_rng(10).integers(0, 16, 16)
    encrypted = T.encrypt_lwe(T.encode(messages, 4), secret.partitions[0].big_lwe_key,
                              noise_std_log2_mod(key_set.partitions[0].big_lwe_dimension),
                              T.make_random(11))
    small = keyswitch(encrypted, evaluation, key_set, 0, 1)
    vectors = T.make_test_vectors(table[None, :], target)
    out = T.bootstrap_batch(small, vectors, evaluation.bootstrap_keys[1], target)
    decrypted = T.decode(T.lwe_phase(out, secret.partitions[1].big_lwe_key), 4, False)
    np.testing.assert_array_equal(decrypted, table[messages])
