"""One blind rotation, several outputs: bootstrap a ciphertext into L functions at once
(Carpov–Izabachène–Mollimard "PBSmanyLUT", tfhe-notes §1.5).

Definition
----------
If every word of the input LWE is first rounded to a multiple of 2**(64 − log2(2N) + log2 L)
(L a power of two), its modulus-switched phase φ̃ is a multiple of L. After the blind
rotation ACC = X**(−φ̃)·TV, coefficient t < L of ACC is TV[φ̃ + t] (or −TV[φ̃ + t − N]
past N), and (φ̃ + t) ≡ t (mod L) since L divides N: with TV[u] = f_(u mod L)(…) the t-th
coefficient reads function t. Each coefficient is sample-extracted to its own LWE
(:func:`sample_extract_at_into`).

The WoP lookup reads its input bits this way: the bit-extraction bootstrap and the l_cb
circuit-bootstrap bootstraps of a bit all read the same keyswitched LWE (x_i·2**63 + 2**62)
with constant functions, so one rotation gives all 1 + l_cb outputs
(:mod:`.bit_extraction`, :mod:`.circuit_bootstrap`). The price: the rounding to 2N/L
points adds (L² − 1)/12·(1 + n/2)·(2**64/2N)² to the modulus-switch variance (σ ≈ 2**57.5
instead of 2**55.5 at n = 721, N = 1024, L = 4), against a 2**62 decision margin.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from ..fft.tables import fourier_tables
from .bootstrap import blind_rotate_batch_into, group_size

__all__ = [
    "bootstrap_bit_constants",
    "bootstrap_many",
    "round_for_slots",
    "sample_extract_at_into",
]


@njit(cache=True)
def sample_extract_at_into(glwe: np.ndarray, t: int, out: np.ndarray) -> None:
    """Coefficient t of one GLWE (k+1, N) into an LWE (k·N + 1,) under the flattened key:
    a[iN + j] = A_i[t − j] for j ≤ t, −A_i[N + t − j] for j > t; b = B[t]."""
    glwe_dimension = glwe.shape[0] - 1
    size = glwe.shape[1]
    zero = np.uint64(0)
    for i in range(glwe_dimension):
        base = i * size
        for j in range(t + 1):
            out[base + j] = glwe[i, t - j]
        for j in range(t + 1, size):
            out[base + j] = zero - glwe[i, size + t - j]
    out[glwe_dimension * size] = glwe[glwe_dimension, t]


def round_for_slots(cts, polynomial_size: int, slots: int) -> np.ndarray:
    """Words rounded to multiples of 2**(64 − log2(2N) + log2 L): φ̃ ≡ 0 (mod L) after the
    modulus switch (module docstring)."""
    shift = 64 - (2 * polynomial_size).bit_length() + 1 + (slots.bit_length() - 1)
    half = np.uint64(1) << np.uint64(shift - 1)
    keep = ~((np.uint64(1) << np.uint64(shift)) - np.uint64(1))
    return (np.asarray(cts, dtype=np.uint64) + half) & keep


@njit(cache=True)
def _many_range(cts, test_vectors, bsk_f, base_log, level, tables, out, start, stop, group):
    glwe_dimension = bsk_f.shape[1] - 1
    size = 2 * tables[0].size
    acc = np.empty((stop - start, glwe_dimension + 1, size), dtype=np.uint64)
    tvs = test_vectors if test_vectors.shape[0] == 1 else test_vectors[start:stop]
    blind_rotate_batch_into(cts[start:stop], tvs, bsk_f, base_log, level, tables, acc, group)
    for c in range(stop - start):
        for t in range(out.shape[1]):
            sample_extract_at_into(acc[c], t, out[start + c, t])


@njit(cache=True, parallel=True)
def _many_chunks(cts, test_vectors, bsk_f, base_log, level, tables, out, chunks, group):
    count = cts.shape[0]
    for chunk in prange(chunks):
        _many_range(cts, test_vectors, bsk_f, base_log, level, tables, out,
                    chunk * count // chunks, (chunk + 1) * count // chunks, group)


def bootstrap_many(cts, test_vectors, outputs: int, bsk_fourier, params) -> np.ndarray:
    """Bootstrap LWEs (m, n+1) (already :func:`round_for_slots`-rounded) and extract
    coefficients 0 … ``outputs`` − 1 -> uint64 (m, outputs, k·N + 1) under the big key.

    ``test_vectors`` uint64 (1 or m, N); ``params`` the KS-PBS parameters. Ciphertexts are
    split over numba's threads (one thread for a single ciphertext).
    """
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    test_vectors = np.ascontiguousarray(test_vectors, dtype=np.uint64)
    size, k = params.polynomial_size, params.glwe_dimension
    out = np.empty((cts.shape[0], outputs, k * size + 1), dtype=np.uint64)
    if cts.shape[0] == 0:
        return out
    tables = fourier_tables(size)
    base_log, level = params.decomposition_base_log, params.decomposition_level_count
    chunks = max(1, min(numba.get_num_threads(), cts.shape[0]))
    if chunks == 1:
        _many_range(cts, test_vectors, bsk_fourier, base_log, level, tables, out, 0,
                    cts.shape[0], group_size(params))
    else:
        _many_chunks(cts, test_vectors, bsk_fourier, base_log, level, tables, out, chunks,
                     group_size(params))
    return out


_QUARTER = np.uint64(1 << 62)


def bootstrap_bit_constants(bits, alphas, bsk_fourier, params, slots: int | None = None
                            ) -> np.ndarray:
    """LWEs (big key) of μ·2α_t for small-key LWE bits (m, n+1) of μ·2**63, one rotation each.

    ``alphas`` uint64 (T,) or (m, T): the outputs' halves (2α_t is what μ = 1 gives). The
    bit is moved to ±N/2 (+2**62), rounded for L = ``slots`` slots (a power of two ≥ T;
    default: T rounded up to one), and rotated through TV[u] = −α_(u mod L) (α = 0 past T);
    adding α_t to output t turns ∓α_t into 0 or 2α_t. Returns uint64 (m, T, k·N + 1).
    """
    bits = np.array(bits, dtype=np.uint64)  # a copy: the body is shifted in place
    alphas = np.atleast_2d(np.asarray(alphas, dtype=np.uint64))
    outputs = alphas.shape[1]
    slots = 1 << (outputs - 1).bit_length() if slots is None else int(slots)
    if slots < outputs or slots & (slots - 1):
        raise ValueError(f"{outputs} outputs need a power-of-two number of slots >= {outputs}, "
                         f"got {slots}")
    size = params.polynomial_size
    bits[:, -1] += _QUARTER
    rounded = round_for_slots(bits, size, slots)
    padded = np.zeros((alphas.shape[0], slots), dtype=np.uint64)
    padded[:, :outputs] = alphas
    test_vectors = np.uint64(0) - np.tile(padded, (1, size // slots))
    out = bootstrap_many(rounded, test_vectors, outputs, bsk_fourier, params)
    out[:, :, -1] += alphas
    return out
