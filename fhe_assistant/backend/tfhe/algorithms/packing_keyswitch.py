"""LWE → GLWE packing keyswitch and the scheme switch GLWE(μ) → GLWE(−S_r·μ) (ePrint 2022/704
§4, ePrint 2024/323): the two halves of a circuit bootstrap's packing step.

Definitions (keys: :mod:`..entities.wop_keys`)
----------------------------------------------
* **Identity packing keyswitch** of an LWE (a, b) under the big key s' (dimension k·N):
  with the signed digits d_{i,j} of each a_i in the gadget (b_pp, l_pp)
  (:mod:`.decomposition`),

      out = (0, …, 0, b) − Σ_i Σ_j d_{i,j}·PKS[i][j],   PKS[i][j] = GLWE_S(s'_i·2**(64 − (j+1)·b_pp)),

  a GLWE whose phase is the constant polynomial b − Σ_i ā_i·s'_i = φ + (rounding of the
  masks to b_pp·l_pp bits) + Σ d·(key noise). The body needs no key: it maps to itself.
  Cost k·N·l_pp·(k+1)·N multiply-adds; the key (k·N, l_pp, k+1, N) is streamed once per
  call, ciphertexts inside (as :mod:`.keyswitch`).
* **Scheme switch**: SSK_r ⊡ C = GGSW_S(−S_r) ⊡ C (:mod:`.external_product`) has phase
  −S_r·phase(C) + noise; for C = GLWE(μ·g) it is the mask row r of GGSW(μ).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from fhe_assistant.crypto.security import noise_std_log2_mod

from ..entities.fourier_ggsw import ggsw_to_fourier
from ..entities.wop_keys import scheme_switch_gadget
from ..fft.tables import fourier_tables
from .decomposition import decompose_scalar_into
from .external_product import allocate_scratch, external_product_accumulate_into
from .glwe_encryption import encrypt_glwe

__all__ = [
    "generate_packing_keyswitch_key",
    "generate_scheme_switch_key",
    "packing_keyswitch_batch",
    "scheme_switch_batch",
]

_KEY_CHUNK = 256  # big-key bits encrypted per step of the key generation (bounds memory)


def generate_packing_keyswitch_key(glwe_key, base_log: int, level: int, rng) -> np.ndarray:
    """PKS[i][j] = GLWE_S(s'_i·2**(64 − (j+1)·b)) -> uint64 (k·N, l, k+1, N), noise σ(k·N)."""
    glwe_key = np.asarray(glwe_key, dtype=np.uint64)
    k, size = glwe_key.shape
    big = glwe_key.reshape(-1)
    std_log2 = noise_std_log2_mod(k * size)
    out = np.empty((k * size, level, k + 1, size), dtype=np.uint64)
    shifts = np.array([64 - (j + 1) * base_log for j in range(level)], dtype=np.uint64)
    for start in range(0, big.size, _KEY_CHUNK):
        stop = min(start + _KEY_CHUNK, big.size)
        plaintexts = np.zeros((stop - start, level, size), dtype=np.uint64)
        plaintexts[:, :, 0] = big[start:stop, np.newaxis] << shifts[np.newaxis, :]
        out[start:stop] = encrypt_glwe(plaintexts, glwe_key, std_log2, rng)
    return out


def generate_scheme_switch_key(glwe_key, params, rng) -> np.ndarray:
    """SSK_r = GGSW_S(−S_r), r < k, in Fourier form -> float64 (k, k+1, (k+1)·l_ss, 2, N/2).

    Row (j, c) of GGSW(m) for a polynomial m is a GLWE of zero plus m·2**(64 − (j+1)·b_ss)
    in component c (:mod:`.ggsw_encryption`, with a polynomial instead of a scalar).
    """
    glwe_key = np.asarray(glwe_key, dtype=np.uint64)
    k, size = glwe_key.shape
    base_log, level = scheme_switch_gadget(params)
    zeros = np.zeros((k, level, k + 1, size), dtype=np.uint64)
    ggsw = encrypt_glwe(zeros, glwe_key, noise_std_log2_mod(k * size), rng)
    for r in range(k):
        message = np.uint64(0) - glwe_key[r]  # −S_r
        for j in range(level):
            factor = np.uint64(1) << np.uint64(64 - (j + 1) * base_log)
            for c in range(k + 1):
                ggsw[r, j, c, c] += message * factor
    return ggsw_to_fourier(ggsw)


@njit(cache=True, nogil=True)
def packing_keyswitch_rows_into(lwes, key, base_log, level, out, first, last, with_body):
    """out (m, (k+1)·N) = (body if ``with_body``) − Σ_{first ≤ i < last} Σ_j d_{i,j}·key[i, j].

    ``lwes`` (m, k·N + 1); ``key`` (k·N, l, (k+1)·N) (flattened GLWEs). Key index outermost:
    each key row is read once per call and applied to every ciphertext.
    """
    count = lwes.shape[0]
    width = key.shape[2]
    big = key.shape[0]
    digits = np.empty((count, level), dtype=np.int64)
    for c in range(count):
        for t in range(width):
            out[c, t] = np.uint64(0)
    for i in range(first, last):
        for c in range(count):
            decompose_scalar_into(lwes[c, i], base_log, level, digits[c])
        for j in range(level):
            row = key[i, j]
            for c in range(count):
                d = np.uint64(digits[c, j])
                if d != 0:
                    acc = out[c]
                    for t in range(width):
                        acc[t] -= d * row[t]
    if with_body:  # body coefficient 0 sits at k·N in the flattened (k+1)·N words
        for c in range(count):
            out[c, big] += lwes[c, big]


@njit(cache=True, parallel=True)
def _packing_chunks(lwes, key, base_log, level, out, chunks):
    count = lwes.shape[0]
    for chunk in prange(chunks):
        start = chunk * count // chunks
        stop = (chunk + 1) * count // chunks
        packing_keyswitch_rows_into(lwes[start:stop], key, base_log, level, out[start:stop], 0,
                                    key.shape[0], True)


@njit(cache=True, parallel=True)
def _packing_key_parts(lwes, key, base_log, level, out, parts):
    """Fewer ciphertexts than threads: each thread streams its slice of the key rows into a
    partial sum; the sums are added at the end (wrap-around makes the order free)."""
    big = key.shape[0]
    partial = np.empty((parts, lwes.shape[0], key.shape[2]), dtype=np.uint64)
    for part in prange(parts):
        packing_keyswitch_rows_into(lwes, key, base_log, level, partial[part],
                                    part * big // parts, (part + 1) * big // parts, part == 0)
    out[:] = partial[0]
    for part in range(1, parts):
        out += partial[part]


def packing_keyswitch_batch(lwes, packing_key, base_log: int, level: int) -> np.ndarray:
    """Identity packing keyswitch of LWEs (m, k·N + 1) -> GLWEs (m, k+1, N) whose phase is the
    constant polynomial φ (module docstring); work split over numba's threads."""
    lwes = np.ascontiguousarray(lwes, dtype=np.uint64)
    packing_key = np.ascontiguousarray(packing_key, dtype=np.uint64)
    big, key_level, columns, size = packing_key.shape
    if key_level != level or lwes.ndim != 2 or lwes.shape[1] != big + 1:
        raise ValueError(f"LWEs {lwes.shape} and packing key {packing_key.shape} (level "
                         f"{level}) do not match")
    flat_key = packing_key.reshape(big, level, columns * size)
    out = np.empty((lwes.shape[0], columns * size), dtype=np.uint64)
    threads = numba.get_num_threads()
    if lwes.shape[0] == 0:
        return out.reshape(0, columns, size)
    if threads == 1:
        packing_keyswitch_rows_into(lwes, flat_key, base_log, level, out, 0, big, True)
    elif lwes.shape[0] < 2 * threads:
        _packing_key_parts(lwes, flat_key, base_log, level, out, threads)
    else:
        _packing_chunks(lwes, flat_key, base_log, level, out, threads)
    return out.reshape(lwes.shape[0], columns, size)


@njit(cache=True, parallel=True)
def _scheme_switch(glwes, key_f, base_log, level, tables, out, chunks):
    count = glwes.shape[0]
    k = key_f.shape[0]
    zeros = np.zeros(glwes.shape[1:], dtype=np.uint64)
    for chunk in prange(chunks):
        scratch = allocate_scratch(k, glwes.shape[2], level)
        for c in range(chunk * count // chunks, (chunk + 1) * count // chunks):
            for r in range(k):
                out[c, r] = 0
                external_product_accumulate_into(key_f[r], glwes[c], zeros, base_log, level,
                                                 tables, scratch, out[c, r])


def scheme_switch_batch(glwes, scheme_switch_key_f, params) -> np.ndarray:
    """SSK_r ⊡ C for every GLWE C (m, k+1, N) and r < k -> uint64 (m, k, k+1, N)."""
    glwes = np.ascontiguousarray(glwes, dtype=np.uint64)
    key_f = np.ascontiguousarray(scheme_switch_key_f, dtype=np.float64)
    base_log, level = scheme_switch_gadget(params)
    count, columns, size = glwes.shape
    out = np.empty((count, columns - 1, columns, size), dtype=np.uint64)
    if count:
        chunks = max(1, min(numba.get_num_threads(), count))
        _scheme_switch(glwes, key_f, base_log, level, fourier_tables(size), out, chunks)
    return out
