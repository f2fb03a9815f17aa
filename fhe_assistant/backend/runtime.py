"""The encrypted run of a lowered program and the client-side steps it pairs with.

Each step exists once, here: key generation (:func:`generate_key_set`), encryption of one
argument (:func:`encrypt_argument`), decryption of one value (:func:`decrypt_value`) and the
run (:meth:`Runtime.run`, which needs only the evaluation keys). ``deploy.Client`` and
``deploy.Server`` call them, ``Circuit`` calls those.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..crypto.key_set import KeySetParameters
from ..crypto.parameters import TFHEParameters
from ..crypto.security import noise_std_log2_mod
from ..crypto.wop_parameters import WopParameters
from ..lowered.program import LoweredProgram
from .executor import Executor
from .key_sets import (
    PartitionedEvaluationKeys,
    PartitionedSecretKeys,
    generate_partitioned_keys,
    keyswitch,
)
from .tfhe import (
    EvaluationKeys,
    InsecureKeyCache,
    SecretKeys,
    bootstrap_batch,
    decode,
    encode,
    encrypt_lwe,
    generate_keys,
    keyswitch_batch,
    lwe_phase,
    make_random,
)
from .values import EncryptedValue


@dataclass
class RunTimings:
    """Seconds per stage of the last run, for progress views and benchmarks."""

    stages: dict[str, float] = field(default_factory=dict)
    pbs_count: int = 0
    wop_pbs_count: int = 0  # WoP-PBS lookups (elements), also counted in pbs_count


# -- client side -------------------------------------------------------------------------------
def generate_key_set(parameters: TFHEParameters, seed: int | None = None,
                     cache_directory: str | None = None) -> tuple[SecretKeys, EvaluationKeys]:
    """Secret and evaluation keys from the OS CSPRNG (``seed``: reproducible, INSECURE).

    ``cache_directory``: an INSECURE on-disk cache of key sets (tests and notebooks only).
    """
    if cache_directory is None:
        return generate_keys(parameters, make_random(seed))
    tag = f"seed-{seed}" if seed is not None else "random"
    return InsecureKeyCache(cache_directory).load_or_generate(parameters, tag,
                                                              make_random(seed))


def generate_partitioned_key_set(key_set: KeySetParameters, seed: int | None = None
                                 ) -> tuple[PartitionedSecretKeys, PartitionedEvaluationKeys]:
    """Keys of a program with several parameter sets (no on-disk cache for these)."""
    return generate_partitioned_keys(key_set, make_random(seed))


def generate_wop_key_set(parameters: WopParameters, seed: int | None = None):
    """Secret keys and WoP evaluation keys (bootstrapping, keyswitching and packing
    keyswitch keys) of a program whose wide lookups run as WoP-PBS; ``seed``: INSECURE."""
    from .tfhe import generate_wop_keys

    random = make_random(seed)
    k, size, n = parameters.glwe_dimension, parameters.polynomial_size, parameters.lwe_dimension
    secret_keys = SecretKeys(random.binary(n), random.binary((k, size)))
    return secret_keys, generate_wop_keys(secret_keys, parameters, random)


def _encrypt_with_masks(plaintexts: np.ndarray, key: np.ndarray, noise_std_log2: float, random,
                        masks: np.ndarray) -> np.ndarray:
    """LWE encryptions (a, <a, s> + pt + e) with given masks a (expanded from a seed)."""
    dimension = key.shape[0]
    ciphertexts = np.zeros(plaintexts.shape + (dimension + 1,), dtype=np.uint64)
    ciphertexts[..., :dimension] = masks.reshape(plaintexts.shape + (dimension,))
    minus_mask_dot_key = lwe_phase(ciphertexts, key)  # body 0: phase = -<a, s>
    noise = random.gaussian(plaintexts.shape, 2.0**noise_std_log2).view(np.uint64)
    with np.errstate(over="ignore"):
        ciphertexts[..., dimension] = plaintexts + noise - minus_mask_dot_key
    return ciphertexts


def encrypt_argument(values: np.ndarray, precision: int, is_signed: bool,
                     parameters: TFHEParameters, secret_keys: SecretKeys, random,
                     masks: np.ndarray | None = None) -> EncryptedValue:
    """Encrypt one argument's int64 values under the big LWE key at ``precision`` bits.

    ``masks`` (``(values.size, n)`` uint64): use these masks instead of drawing them (seeded
    ciphertexts, whose masks a seed regenerates).
    """
    sigma = noise_std_log2_mod(parameters.big_lwe_dimension)
    plaintexts = encode(values, precision)
    if masks is None:
        ciphertexts = encrypt_lwe(plaintexts, secret_keys.big_lwe_key, sigma, random)
    else:
        ciphertexts = _encrypt_with_masks(plaintexts, secret_keys.big_lwe_key, sigma, random,
                                          masks)
    return EncryptedValue(ciphertexts, precision, is_signed, parameters.fingerprint())


def decrypt_value(value: EncryptedValue, secret_keys: SecretKeys) -> np.ndarray:
    """The int64 values of ``value`` (decoded at its precision)."""
    phases = lwe_phase(value.ciphertexts, secret_keys.big_lwe_key)
    return decode(phases, value.precision, value.is_signed)


# -- server side -------------------------------------------------------------------------------
class Runtime:
    """Runs one lowered program on ciphertexts with a client's evaluation keys."""

    def __init__(self, program: LoweredProgram):
        self.program = program
        self.executor = Executor(program)
        self.last_timings = RunTimings()

    def run(self, evaluation_keys: EvaluationKeys | PartitionedEvaluationKeys, values: list,
            on_node=None
            ) -> list[EncryptedValue | np.ndarray]:
        """``values``: one call's arguments, already checked against the program (an
        :class:`EncryptedValue` for each encrypted input, int64 arrays for clear ones)."""
        graph, key_set = self.program.graph, self.program.key_set
        inputs = [np.moveaxis(value.ciphertexts, -1, 0) if graph[node_id].is_encrypted
                  else np.asarray(value, dtype=np.int64)[None]
                  for node_id, value in zip(graph.inputs, values)]
        timings = RunTimings()

        def bootstrap(ciphertexts: np.ndarray, test_vectors: np.ndarray,
                      keys: tuple[int, int]) -> np.ndarray:
            source, target = keys
            parameters = key_set.partitions[target]
            start = time.perf_counter()
            if isinstance(evaluation_keys, PartitionedEvaluationKeys):
                small = keyswitch(ciphertexts, evaluation_keys, key_set, source, target)
                bootstrap_key = evaluation_keys.bootstrap_keys[target]
            else:
                small = keyswitch_batch(ciphertexts, evaluation_keys.keyswitch_key, parameters)
                bootstrap_key = evaluation_keys.bootstrap_key_fourier
            middle = time.perf_counter()
            result = bootstrap_batch(small, test_vectors, bootstrap_key, parameters)
            timings.stages["keyswitch"] = timings.stages.get("keyswitch", 0.0) + middle - start
            timings.stages["bootstrap"] = timings.stages.get("bootstrap", 0.0) + \
                time.perf_counter() - middle
            timings.pbs_count += len(ciphertexts)
            return result

        wop = None
        if self.program.wop is not None:
            from .tfhe import wop_table_lookup

            wop_parameters = self.program.wop.parameters

            def wop(ciphertexts: np.ndarray, table: np.ndarray, bits: int, precision: int
                    ) -> np.ndarray:
                start = time.perf_counter()
                reading = replace(wop_parameters, message_bit_width=precision)
                result = wop_table_lookup(ciphertexts, table, bits, reading, evaluation_keys)
                timings.stages["wop_pbs"] = timings.stages.get("wop_pbs", 0.0) + \
                    time.perf_counter() - start
                timings.pbs_count += len(ciphertexts)
                timings.wop_pbs_count += len(ciphertexts)
                return result

        start = time.perf_counter()
        outputs = self.executor.run(inputs, bootstrap, on_node, wop)
        timings.stages["total"] = time.perf_counter() - start
        self.last_timings = timings
        results = []
        for node_id, output in zip(graph.outputs, outputs):
            node = graph[node_id]
            if not node.is_encrypted:
                results.append(output[0])
                continue
            parameters = key_set.partitions[self.program.key_of(node_id)]
            results.append(EncryptedValue(np.ascontiguousarray(np.moveaxis(output, 0, -1)),
                                          self.program.plan.precision(node_id),
                                          node.spec.dtype.is_signed, parameters.fingerprint()))
        return results
