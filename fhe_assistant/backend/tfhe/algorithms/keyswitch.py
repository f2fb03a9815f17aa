"""LWE keyswitch from the big key (dimension k·N) to the small key (dimension n) (tfhe-notes §1.6).

Definition
----------
The keyswitching key, for a gadget (b_ks, l_ks), holds LWE encryptions under the small key s
(noise σ_lwe(n)) of every big-key bit scaled by every gadget weight:

    KSK[i][j] = LWE_s(s'_i · 2**(64 − (j+1)·b_ks)),   i < k·N, j < l_ks;   shape (k·N, l_ks, n+1).

Keyswitching (a', b') starts from the trivial (0, …, 0, b'), decomposes each a'_i into
signed digits d_{i,j} (:mod:`.decomposition`) and subtracts Σ_{i,j} d_{i,j}·KSK[i][j]
with wrap-around. The phase is kept up to the keyswitch noise:

    φ_out = b' − Σ_i s'_i·Σ_j d_{i,j}·2**(64 − (j+1)·b_ks) + e ≈ b' − Σ_i a'_i·s'_i.

Cost k·N·l_ks·(n+1) multiply-adds; the KSK is streamed once per call, so batches loop
over the key outside and over the ciphertexts inside.

The key is held as the rounded top 32 bits of every word and the sums run modulo 2**32
(:mod:`..entities.lwe_keyswitch_key`: why, and what it adds to the noise).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from ..entities.lwe_keyswitch_key import keyswitch_key_shape
from .decomposition import decompose_scalar_into

__all__ = ["keyswitch_batch", "keyswitch_into", "keyswitch_rows_into"]


@njit(cache=True)
def keyswitch_rows_into(
    cts: np.ndarray, ksk: np.ndarray, base_log: int, level: int, out: np.ndarray,
    first: int, last: int, with_body: bool,
) -> None:
    """out = (body if ``with_body``) − 2**32·Σ_{first ≤ i < last} Σ_j d_{i,j}·KSK32[i][j], per
    row of ``cts`` (m, kN+1) into ``out`` (m, n+1) (uint64).

    Key index outermost: each KSK row is read once per call and applied to every
    ciphertext with a vectorized multiply-add modulo 2**32. Row ranges let threads split
    one ciphertext's keyswitch (:func:`keyswitch_batch`).
    """
    count = cts.shape[0]
    big_dimension = ksk.shape[0]
    width = ksk.shape[2]
    digits = np.empty((count, level), dtype=np.int64)
    sums = np.zeros((count, width), dtype=np.uint32)
    for i in range(first, last):
        for c in range(count):
            decompose_scalar_into(cts[c, i], base_log, level, digits[c])
        for j in range(level):
            row = ksk[i, j]
            for c in range(count):
                d = np.uint32(digits[c, j] & 0xFFFFFFFF)
                if d != 0:
                    acc = sums[c]
                    for t in range(width):
                        acc[t] = np.uint32(acc[t] + d * row[t])
    top = np.uint64(32)
    for c in range(count):
        for t in range(width):
            out[c, t] = np.uint64(0) - (np.uint64(sums[c, t]) << top)
        if with_body:
            out[c, width - 1] += cts[c, big_dimension]


@njit(cache=True)
def keyswitch_into(
    cts: np.ndarray, ksk: np.ndarray, base_log: int, level: int, out: np.ndarray
) -> None:
    """Keyswitch the rows of ``cts`` (m, kN+1) into ``out`` (m, n+1)."""
    keyswitch_rows_into(cts, ksk, base_log, level, out, 0, ksk.shape[0], True)


@njit(cache=True, parallel=True)
def _keyswitch_chunks(cts, ksk, base_log, level, out, chunks):
    count = cts.shape[0]
    for chunk in prange(chunks):
        start = chunk * count // chunks
        stop = (chunk + 1) * count // chunks
        keyswitch_into(cts[start:stop], ksk, base_log, level, out[start:stop])


# Up to this many ciphertexts per thread the keyswitch is bound by reading the key, so
# threads split the key's rows; beyond it they split the ciphertexts. Measured on 2 cores,
# 2 threads over 1: 1 ciphertext 1.6× (key split); 3 ciphertexts 1.1× (ciphertext split)
# vs 1.7× (key split); 16 ciphertexts 2.2× (key split); 40: 2.2× (ciphertext split).
_KEY_PARTS_MAX_PER_THREAD = 8


@njit(cache=True, parallel=True)
def _keyswitch_key_parts(cts, ksk, base_log, level, out, parts):
    """Fewer ciphertexts than threads: thread p reads the p-th slice of the key's rows into
    a partial sum, so each core streams its own part of the key (the whole cost of one
    keyswitch); the partial sums are added at the end (wrap-around makes the order free)."""
    big_dimension = ksk.shape[0]
    partial = np.empty((parts, cts.shape[0], ksk.shape[2]), dtype=np.uint64)  # top halves
    for part in prange(parts):
        first = part * big_dimension // parts
        last = (part + 1) * big_dimension // parts
        keyswitch_rows_into(cts, ksk, base_log, level, partial[part], first, last, part == 0)
    out[:] = partial[0]
    for part in range(1, parts):
        out += partial[part]


def keyswitch_batch(cts, ksk, params) -> np.ndarray:
    """Keyswitch ciphertexts (m, k·N + 1) under the big key to (m, n+1) under the small key.

    Parameters
    ----------
    cts : uint64 (m, k·N + 1)
    ksk : uint32 (k·N, l_ks, n+1), from :func:`.key_generation.generate_keyswitch_key`
    params : TFHEParameters (``ks_decomposition_base_log``, ``ks_decomposition_level_count``)
    """
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    if np.asarray(ksk).dtype != np.uint32:
        raise ValueError(f"expected the 32-bit keyswitching key (uint32), got "
                         f"{np.asarray(ksk).dtype}: convert 64-bit keys with round_to_top_half")
    ksk = np.ascontiguousarray(ksk)
    big, n = params.big_lwe_dimension, params.lwe_dimension
    if cts.ndim != 2 or cts.shape[1] != big + 1:
        raise ValueError(f"expected ciphertexts of shape (m, {big + 1}), got {cts.shape}")
    if ksk.shape != keyswitch_key_shape(params):
        raise ValueError(f"keyswitch key shape {ksk.shape} does not match {params}")
    out = np.empty((cts.shape[0], n + 1), dtype=np.uint64)
    if cts.shape[0] == 0:
        return out
    threads = numba.get_num_threads()
    base_log, level = params.ks_decomposition_base_log, params.ks_decomposition_level_count
    if threads == 1:
        keyswitch_into(cts, ksk, base_log, level, out)
    elif cts.shape[0] <= _KEY_PARTS_MAX_PER_THREAD * threads:
        _keyswitch_key_parts(cts, ksk, base_log, level, out, threads)
    else:
        _keyswitch_chunks(cts, ksk, base_log, level, out, threads)
    return out
