"""Programmable bootstrapping: modulus switch, blind rotation, sample extraction (tfhe-notes §1.5).

Definition
----------
Input: an LWE ciphertext (a, b) of dimension n (after the keyswitch), a test vector TV
(N words) and the Fourier bootstrapping key BSK_i = GGSW(s_i), i < n.

1. **Modulus switch to 2N** with rounding, for each of the n+1 words:
   ã = ⌊a·2N / 2**64⌉ mod 2N = (((a >> (64 − log2(2N) − 1)) + 1) >> 1) & (2N − 1),
   so that φ̃ = b̃ − Σ ã_i·s_i mod 2N ≈ φ·2N/2**64.
2. **Accumulator** ACC = (0, …, 0, X**(−b̃)·TV), a trivial GLWE (k+1, N).
3. **Blind rotation**: for i < n with ã_i ≠ 0, ACC ← ACC + BSK_i ⊡ (X**ã_i·ACC − ACC)
   (a CMux, :func:`.external_product.cmux_rotate_into`). Afterwards ACC encrypts
   TV·X**(−φ̃), whose coefficient 0 is TV[φ̃] for φ̃ < N and −TV[φ̃ − N] for φ̃ ≥ N
   (negacyclic wrap).
4. **Sample extraction** of coefficient 0: an LWE of dimension k·N under the flattened
   GLWE key (:func:`.sample_extraction.sample_extract_into`).

Steps 1–2 live in :mod:`.modulus_switch`. Batches run in parallel over
``numba.get_num_threads()`` chunks of ciphertexts (``prange``); a single ciphertext on two
or more threads is split over two threads inside its blind rotation instead
(:mod:`.two_thread_bootstrap`). Inside a chunk the loop over the key index i is outside
and the loop over ciphertexts inside, so each GGSW (74 KB at 4-bit parameters) is read
from memory once per chunk rather than once per ciphertext (§2.4, point 3).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from ..entities.fourier_bootstrap_key import bootstrap_key_shape
from ..fft.tables import fourier_tables
from .external_product import allocate_scratch, cmux_rotate_group_into, cmux_rotate_into
from .modulus_switch import modulus_switch, start_rotation
from .sample_extraction import sample_extract_into
from .two_thread_bootstrap import LANES, bootstrap_one_in_lanes

__all__ = ["blind_rotate_batch_into", "bootstrap_batch", "modulus_switch"]


@njit(cache=True)
def blind_rotate_batch_into(cts, test_vectors, bsk_f, base_log, level, tables, acc, group):
    """Blind rotation of ciphertexts (m, n+1) into accumulators ``acc`` (m, k+1, N), in place.

    ``test_vectors`` is (m, N) or (1, N) (shared); ``tables`` is
    :func:`..fft.tables.fourier_tables`'s tuple. The key index loop is outside the ciphertext
    loop, so each GGSW is read from memory once per call; ciphertexts are processed
    ``group`` at a time (:func:`cmux_rotate_group_into`), skipping ã_i = 0. The next
    GGSW is prefetched during the first group of each key index.
    """
    count = cts.shape[0]
    lwe_dimension = cts.shape[1] - 1
    glwe_dimension = acc.shape[1] - 1
    size = acc.shape[2]
    powers = np.empty((count, lwe_dimension + 1), dtype=np.int64)
    for c in range(count):
        tv = test_vectors[0] if test_vectors.shape[0] == 1 else test_vectors[c]
        start_rotation(cts[c], tv, powers[c], acc[c])
    scratch = allocate_scratch(glwe_dimension, size, level, group)
    members = np.empty(group, dtype=np.int64)
    member_powers = np.empty(group, dtype=np.int64)
    ggsw_bytes = bsk_f[0].size * 8
    for i in range(lwe_dimension):
        ggsw_f = bsk_f[i]
        next_ggsw_f = bsk_f[min(i + 1, lwe_dimension - 1)]
        prefetch_bytes = ggsw_bytes if i + 1 < lwe_dimension else 0
        c = 0
        while c < count:
            g = 0
            while c < count and g < group:
                if powers[c, i] != 0:
                    members[g] = c
                    member_powers[g] = powers[c, i]
                    g += 1
                c += 1
            if g == 1:
                cmux_rotate_into(acc[members[0]], member_powers[0], ggsw_f, base_log, level, tables,
                                 scratch, next_ggsw_f, prefetch_bytes)
            elif g > 1:
                cmux_rotate_group_into(acc, members, g, member_powers, ggsw_f, base_log, level,
                                       tables, scratch, next_ggsw_f, prefetch_bytes)
            prefetch_bytes = 0  # the next GGSW is prefetched once per key index


@njit(cache=True)
def _bootstrap_range(cts, test_vectors, bsk_f, base_log, level, tables, out, start, stop, group):
    """Bootstrap ciphertexts start … stop−1 of ``cts`` into ``out`` (one thread)."""
    glwe_dimension = bsk_f.shape[1] - 1
    size = 2 * tables[0].size
    acc = np.empty((stop - start, glwe_dimension + 1, size), dtype=np.uint64)
    tvs = test_vectors if test_vectors.shape[0] == 1 else test_vectors[start:stop]
    blind_rotate_batch_into(cts[start:stop], tvs, bsk_f, base_log, level, tables, acc, group)
    for c in range(stop - start):
        sample_extract_into(acc[c], out[start + c])


@njit(cache=True, parallel=True)
def _bootstrap_chunks(cts, test_vectors, bsk_f, base_log, level, tables, out, chunks, group):
    count = cts.shape[0]
    for chunk in prange(chunks):
        _bootstrap_range(cts, test_vectors, bsk_f, base_log, level, tables, out,
                         chunk * count // chunks, (chunk + 1) * count // chunks, group)


# Below this N one CMux step is too short for two lanes to gain over the one-thread path
# with the four-lane FFT (PBS only, best of 6–12, ms, one thread → lanes): 5-bit N = 2048
# 9.6 → 10.0; 4-bit N = 1024 (k = 2: an uneven split) 8.3 → 7–9 with outliers past 18;
# 3-bit N = 512 6.4 → 10+. From N = 4096 they pay: 6-bit 22.3 → 17.5, 7-bit 51 → 36,
# 8-bit 126 → 79.
LANES_MIN_POLYNOMIAL_SIZE = 4096
GROUP_ROWS = 12
SLICE_PER_THREAD = 128


def group_size(params) -> int:
    """Ciphertexts per GGSW read in a batch: enough for about 12 rows of transforms."""
    rows = (params.glwe_dimension + 1) * params.decomposition_level_count
    return max(1, min(8, -(-GROUP_ROWS // rows)))


def bootstrap_batch(cts, test_vectors, bsk_fourier, params) -> np.ndarray:
    """Programmable bootstrap of LWE ciphertexts (m, n+1) -> (m, k·N + 1) under the big key.

    Parameters
    ----------
    cts : uint64 (m, n+1), under the small LWE key (i.e. after :func:`keyswitch_batch`)
    test_vectors : uint64 (m, N), or (1, N) for one table shared by all
        (:func:`..entities.test_vector.make_test_vectors`)
    bsk_fourier : float64 (n, k+1, (k+1)·l, 2, N/2), the Fourier bootstrapping key
        (:func:`.key_generation.generate_bootstrap_key`)
    params : TFHEParameters

    Returns
    -------
    uint64 (m, k·N + 1): ciphertext c encrypts TV_c[φ̃_c] if φ̃_c < N and −TV_c[φ̃_c − N]
    otherwise, where φ̃_c is the input phase switched to Z_2N.

    Work is split over ``numba.get_num_threads()`` threads (set it with
    ``numba.set_num_threads``).
    """
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    test_vectors = np.ascontiguousarray(test_vectors, dtype=np.uint64)
    bsk_fourier = np.ascontiguousarray(bsk_fourier, dtype=np.float64)
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    base_log, level = params.decomposition_base_log, params.decomposition_level_count
    if cts.ndim != 2 or cts.shape[1] != n + 1:
        raise ValueError(f"expected ciphertexts of shape (m, {n + 1}), got {cts.shape}")
    shape = test_vectors.shape
    if test_vectors.ndim != 2 or shape[1] != size or shape[0] not in (1, cts.shape[0]):
        raise ValueError(
            f"expected test vectors of shape (1 or {cts.shape[0]}, {size}), "
            f"got {test_vectors.shape}"
        )
    if bsk_fourier.shape != bootstrap_key_shape(params):
        raise ValueError(f"bootstrap key shape {bsk_fourier.shape} does not match {params}")
    out = np.empty((cts.shape[0], k * size + 1), dtype=np.uint64)
    if cts.shape[0] == 0:
        return out
    tables = fourier_tables(size)
    threads = numba.get_num_threads()
    if cts.shape[0] == 1 and threads >= LANES and size >= LANES_MIN_POLYNOMIAL_SIZE:
        # one ciphertext: split its blind rotation over two threads (bootstrap_lanes)
        one = bootstrap_one_in_lanes(cts[0], test_vectors[0], bsk_fourier, params)
        if one is not None:
            out[0] = one
            return out
    # slices bound the accumulator memory (m·(k+1)·N words) for very large batches
    for start in range(0, cts.shape[0], SLICE_PER_THREAD * threads):
        stop = min(start + SLICE_PER_THREAD * threads, cts.shape[0])
        tvs = test_vectors if test_vectors.shape[0] == 1 else test_vectors[start:stop]
        chunks = max(1, min(threads, stop - start))
        if chunks == 1:  # no parallel region (and no idle team spinning) for one chunk
            _bootstrap_range(cts[start:stop], tvs, bsk_fourier, base_log, level, tables,
                             out[start:stop], 0, stop - start, group_size(params))
        else:
            _bootstrap_chunks(cts[start:stop], tvs, bsk_fourier, base_log, level, tables,
                              out[start:stop], chunks, group_size(params))
    return out
