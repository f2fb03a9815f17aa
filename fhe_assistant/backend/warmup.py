"""Compile the TFHE kernels ahead of the first encrypted run (``fhe-assistant warmup``).

numba compiles a kernel for each argument type signature on its first call and keeps
the machine code in its cache (``cache=True``), so one call of every code path is enough:
key generation, encryption, keyswitch, the bootstrap of one ciphertext and of a batch,
with one and two gadget levels, below and from N = 4096 (where one ciphertext's blind
rotation is split over two threads). The sizes do not change the signatures, so a tiny
LWE dimension keeps this quick.

INSECURE toy parameters, fixed seed: nothing here encrypts anything of value, and the
decrypted values are noise; the point is only which machine code gets built.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..crypto.parameters import TFHEParameters
from .compile_notice import count_compilations

#: (glwe_dimension, polynomial_size, pbs_level, ks_level): the code paths to compile.
PATHS = ((2, 1024, 1, 3), (1, 2048, 2, 5), (1, 4096, 2, 1), (1, 8192, 1, 6))
_TOY_LWE_DIMENSION = 8
_TOY_NOISE_LOG2 = -40.0


@dataclass(frozen=True, slots=True)
class WarmupReport:
    seconds: float
    compiled: int

    def __str__(self) -> str:
        if self.compiled == 0:
            return f"TFHE kernels ready: all loaded from numba's cache ({self.seconds:.1f} s)"
        return (f"TFHE kernels ready: {self.compiled} compiled in {self.seconds:.1f} s and "
                f"cached for the next runs")


def _exercise(glwe_dimension: int, polynomial_size: int, pbs_level: int, ks_level: int,
              random) -> None:
    from .tfhe import (
        bootstrap_batch,
        encrypt_lwe,
        generate_bootstrap_key,
        generate_keyswitch_key,
        keyswitch_batch,
        lwe_phase,
        make_test_vectors,
    )

    parameters = TFHEParameters(
        lwe_dimension=_TOY_LWE_DIMENSION, glwe_dimension=glwe_dimension,
        polynomial_size=polynomial_size, decomposition_base_log=max(1, 23 // pbs_level),
        decomposition_level_count=pbs_level, ks_decomposition_base_log=max(1, 16 // ks_level),
        ks_decomposition_level_count=ks_level,
        message_bit_width=2)
    lwe_key = random.binary(_TOY_LWE_DIMENSION)
    glwe_key = random.binary((glwe_dimension, polynomial_size))
    big_key = glwe_key.reshape(-1)
    bootstrap_key = generate_bootstrap_key(lwe_key, glwe_key, parameters.decomposition_base_log,
                                           pbs_level, _TOY_NOISE_LOG2, random)
    keyswitch_key = generate_keyswitch_key(big_key, lwe_key,
                                           parameters.ks_decomposition_base_log, ks_level,
                                           _TOY_NOISE_LOG2, random)
    # one ciphertext, a small batch and a large one take different paths
    for count in (1, 3, 64) if polynomial_size == 1024 else (1, 3):
        ciphertexts = encrypt_lwe(np.zeros(count, dtype=np.uint64), big_key,
                                  _TOY_NOISE_LOG2, random)
        small = keyswitch_batch(ciphertexts, keyswitch_key, parameters)
        vectors = make_test_vectors(np.zeros((count, 4), dtype=np.int64), parameters)
        result = bootstrap_batch(small, vectors, bootstrap_key, parameters)
        lwe_phase(result, big_key)


def warm_up() -> WarmupReport:
    """Run every kernel path once (compiling what numba's cache lacks)."""
    from .tfhe import make_random

    random = make_random(0)
    start = time.perf_counter()
    with count_compilations() as compiled:
        for path in PATHS:
            _exercise(*path, random)
    return WarmupReport(time.perf_counter() - start, compiled.count)
