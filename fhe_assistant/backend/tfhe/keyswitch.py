"""LWE keyswitch from the big key (dimension k·N) to the small key (dimension n) (tfhe-notes §1.6).

Definition
----------
The keyswitching key, for a gadget (b_ks, l_ks), holds LWE encryptions under the small key s
(noise σ_lwe(n)) of every big-key bit scaled by every gadget weight:

    KSK[i][j] = LWE_s(s'_i · 2**(64 − (j+1)·b_ks)),   i < k·N, j < l_ks;   shape (k·N, l_ks, n+1).

Keyswitching (a', b') starts from the trivial (0, …, 0, b'), decomposes each a'_i into
signed digits d_{i,j} (:mod:`decomposition`) and subtracts Σ_{i,j} d_{i,j}·KSK[i][j]
with wrap-around. The phase is kept up to the keyswitch noise:

    φ_out = b' − Σ_i s'_i·Σ_j d_{i,j}·2**(64 − (j+1)·b_ks) + e ≈ b' − Σ_i a'_i·s'_i.

Cost k·N·l_ks·(n+1) multiply-adds; the KSK is streamed once per call, so batches loop
over the key outside and over the ciphertexts inside.

32-bit key
----------
The key is stored as the top 32 bits of every word, rounded: KSK32 = ⌊KSK / 2**32⌉ mod 2**32
(20 MB instead of 40 at 4-bit parameters), and the sum Σ d·KSK32 runs modulo 2**32, then
moves back to the top half of the 64-bit output. Why: a lone keyswitch is bound by reading
the key, and 32-bit multiplies vectorize twice as wide (4-bit 1.48 → 0.48 ms, 8-bit
25.6 → 13.6 ms, one core). Each rounding error is uniform in ±2**31, so the keyswitch
gains a variance k·N·l_ks·E[d²]·2**64/12, about 2**79 at 4-bit parameters against σ²_KS ≈
2**110 (tfhe-notes §3.4): 2**−31 of it, left out of the noise model. The rounded key is a
function of the public one, so it reveals nothing more.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from .decomposition import decompose_scalar_into
from .lwe import encrypt_lwe

__all__ = ["generate_keyswitch_key", "keyswitch_batch", "round_to_top_half"]


def generate_keyswitch_key(
    big_lwe_key, lwe_key, base_log: int, level: int, noise_std_log2_mod: float, rng
) -> np.ndarray:
    """KSK[i][j] = LWE_{lwe_key}(big_lwe_key[i]·2**(64 − (j+1)·b)), rounded to its top 32
    bits -> uint32 (k·N, l, n+1)."""
    big_lwe_key = np.asarray(big_lwe_key, dtype=np.uint64)
    shifts = np.array([64 - (j + 1) * base_log for j in range(level)], dtype=np.uint64)
    plaintexts = big_lwe_key[:, np.newaxis] << shifts[np.newaxis, :]
    return round_to_top_half(encrypt_lwe(plaintexts, lwe_key, noise_std_log2_mod, rng))


def round_to_top_half(words) -> np.ndarray:
    """⌊x / 2**32⌉ mod 2**32 for uint64 words: the 32-bit form of a keyswitching key (also
    how a key saved in the older 64-bit form is converted on load)."""
    words = np.asarray(words, dtype=np.uint64)
    return ((words + np.uint64(1 << 31)) >> np.uint64(32)).astype(np.uint32)


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
    ksk : uint32 (k·N, l_ks, n+1), from :func:`generate_keyswitch_key`
    params : TFHEParameters (``ks_base_log``, ``ks_level``)
    """
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    if np.asarray(ksk).dtype != np.uint32:
        raise ValueError(f"expected the 32-bit keyswitching key (uint32), got "
                         f"{np.asarray(ksk).dtype}: convert 64-bit keys with round_to_top_half")
    ksk = np.ascontiguousarray(ksk)
    big, n = params.big_lwe_dimension, params.lwe_dimension
    if cts.ndim != 2 or cts.shape[1] != big + 1:
        raise ValueError(f"expected ciphertexts of shape (m, {big + 1}), got {cts.shape}")
    if ksk.shape != (big, params.ks_level, n + 1):
        raise ValueError(f"keyswitch key shape {ksk.shape} does not match {params}")
    out = np.empty((cts.shape[0], n + 1), dtype=np.uint64)
    if cts.shape[0] == 0:
        return out
    threads = numba.get_num_threads()
    if threads == 1:
        keyswitch_into(cts, ksk, params.ks_base_log, params.ks_level, out)
    elif cts.shape[0] <= _KEY_PARTS_MAX_PER_THREAD * threads:
        _keyswitch_key_parts(cts, ksk, params.ks_base_log, params.ks_level, out, threads)
    else:
        _keyswitch_chunks(cts, ksk, params.ks_base_log, params.ks_level, out, threads)
    return out
