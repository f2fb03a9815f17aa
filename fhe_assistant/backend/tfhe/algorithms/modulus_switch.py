"""Steps 1–2 of a bootstrap: modulus switch to 2N and the starting accumulator (tfhe-notes §1.5).

Shared by the batched bootstrap (:mod:`.bootstrap`) and the two-thread one
(:mod:`.two_thread_bootstrap`).

1. **Modulus switch to 2N** with rounding, for each of the n+1 words:
   ã = ⌊a·2N / 2**64⌉ mod 2N = (((a >> (64 − log2(2N) − 1)) + 1) >> 1) & (2N − 1),
   so that φ̃ = b̃ − Σ ã_i·s_i mod 2N ≈ φ·2N/2**64.
2. **Accumulator** ACC = (0, …, 0, X**(−b̃)·TV), a trivial GLWE (k+1, N).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .polynomial_products import monomial_mul_into

__all__ = ["modulus_switch", "modulus_switch_into", "start_rotation"]


@njit(cache=True)
def modulus_switch_into(words: np.ndarray, log2_modulus: int, out: np.ndarray) -> None:
    """out = round(words · 2**log2_modulus / 2**64) mod 2**log2_modulus, as int64."""
    shift = np.uint64(64 - log2_modulus - 1)
    one = np.uint64(1)
    mask = (one << np.uint64(log2_modulus)) - one
    for t in range(words.size):
        out[t] = np.int64((((words[t] >> shift) + one) >> one) & mask)


def modulus_switch(cts, polynomial_size: int) -> np.ndarray:
    """Rounded switch of every word of ``cts`` (..., n+1) from 2**64 to 2N -> int64 in [0, 2N)."""
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    log2_modulus = int(polynomial_size).bit_length()  # log2(2N) for a power of two N
    out = np.empty(cts.shape, dtype=np.int64)
    modulus_switch_into(cts.reshape(-1), log2_modulus, out.reshape(-1))
    return out


@njit(cache=True)
def start_rotation(ct, test_vector, powers, acc) -> None:
    """Steps 1–2 for one ciphertext: ``powers`` = ct switched to Z_2N (n+1 words) and
    ``acc`` (k+1, N) = (0, …, 0, X**(−b̃)·TV)."""
    size = acc.shape[1]
    log2_modulus = 1
    while (1 << log2_modulus) < 2 * size:
        log2_modulus += 1
    modulus_switch_into(ct, log2_modulus, powers)
    for r in range(acc.shape[0] - 1):
        acc[r, :] = 0
    body = powers[powers.size - 1]
    monomial_mul_into(test_vector, (2 * size - body) % (2 * size), acc[acc.shape[0] - 1])
