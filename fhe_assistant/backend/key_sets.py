"""Keys of a circuit with several parameter sets (one partition each), and their keyswitches.

Partition P has its own secret keys (small LWE key s_P, GLWE key S_P whose flattening is the
big key s'_P) and its own bootstrapping key BSK_P = GGSW_{S_P}(s_P). Keyswitching keys are
generated only where a lookup uses them (:class:`crypto.key_set.KeySetParameters`):
KSK_{S→T}[i][j] = LWE_{s_T}(s'_S[i]·2**(64 − (j+1)·b)), noise σ_lwe(n_T). The keyswitch
kernel is dimension-generic, so a cross-partition keyswitch is the same kernel fed the
source's big dimension and the target's small key (:func:`keyswitch`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..crypto.key_set import KeySetParameters
from ..crypto.security import noise_std_log2_mod
from .tfhe import (
    EvaluationKeys,
    SecretKeys,
    generate_bootstrap_key,
    generate_keyswitch_key,
    keyswitch_batch,
)


@dataclass(frozen=True, slots=True, eq=False)
class PartitionedSecretKeys:
    """The client's secret keys, one :class:`SecretKeys` per partition."""

    partitions: tuple[SecretKeys, ...]


@dataclass(frozen=True, slots=True, eq=False)
class PartitionedEvaluationKeys:
    """The server's keys: a Fourier BSK per partition (None without lookups) and the KSKs
    by (source, target) partition."""

    bootstrap_keys: tuple[np.ndarray | None, ...]
    keyswitch_keys: Mapping[tuple[int, int], np.ndarray]

    def partition(self, index: int) -> EvaluationKeys:
        """Partition ``index``'s BSK with its own KSK (None when unused), the one-set shape."""
        return EvaluationKeys(self.bootstrap_keys[index], self.keyswitch_keys.get((index, index)))


def generate_partitioned_keys(key_set: KeySetParameters, rng
                              ) -> tuple[PartitionedSecretKeys, PartitionedEvaluationKeys]:
    """Draw every partition's secret keys, then its BSK and every listed KSK."""
    secrets = []
    bootstrap_keys = []
    for params in key_set.partitions:
        k, size, n = params.glwe_dimension, params.polynomial_size, params.lwe_dimension
        glwe_key = rng.binary((k, size))
        lwe_key = rng.binary(n) if n else np.zeros(0, dtype=np.uint64)
        secrets.append(SecretKeys(lwe_key, glwe_key))
        bootstrap_keys.append(None if n == 0 else generate_bootstrap_key(
            lwe_key, glwe_key, params.decomposition_base_log, params.decomposition_level_count,
            noise_std_log2_mod(k * size), rng))
    keyswitch_keys = {}
    for ks in key_set.keyswitches:
        target = key_set.partitions[ks.target]
        keyswitch_keys[(ks.source, ks.target)] = generate_keyswitch_key(
            secrets[ks.source].big_lwe_key, secrets[ks.target].lwe_key, ks.base_log, ks.level,
            noise_std_log2_mod(target.lwe_dimension), rng)
    return (PartitionedSecretKeys(tuple(secrets)),
            PartitionedEvaluationKeys(tuple(bootstrap_keys), keyswitch_keys))


def keyswitch(ciphertexts: np.ndarray, keys: PartitionedEvaluationKeys,
              key_set: KeySetParameters, source: int, target: int) -> np.ndarray:
    """Keyswitch (m, k_S·N_S + 1) ciphertexts under partition ``source``'s big key to
    (m, n_T + 1) under ``target``'s small key."""
    return keyswitch_batch(ciphertexts, keys.keyswitch_keys[(source, target)],
                           key_set.keyswitch_shape(source, target))


def partitioned_key_sizes(key_set: KeySetParameters) -> dict[str, int]:
    """Bytes held in memory per key (Fourier BSK float64, KSK uint32), and the totals."""
    sizes: dict[str, int] = {}
    for index, params in enumerate(key_set.partitions):
        n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
        sizes[f"lwe_secret_key[{index}]"] = 8 * n
        sizes[f"glwe_secret_key[{index}]"] = 8 * k * size
        sizes[f"bootstrap_key_fourier[{index}]"] = (
            16 * n * params.decomposition_level_count * (k + 1) ** 2 * (size // 2))
    for ks in key_set.keyswitches:
        shape = key_set.keyswitch_shape(ks.source, ks.target)
        sizes[f"keyswitch_key[{ks.source}->{ks.target}]"] = (
            4 * shape.big_lwe_dimension * ks.level * (shape.lwe_dimension + 1))
    sizes["bootstrap_keys"] = sum(v for k, v in sizes.items() if k.startswith("bootstrap"))
    sizes["keyswitch_keys"] = sum(v for k, v in sizes.items() if k.startswith("keyswitch_key["))
    sizes["evaluation_keys"] = sizes["bootstrap_keys"] + sizes["keyswitch_keys"]
    return sizes

