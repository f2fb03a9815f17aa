"""The Fourier multiply-add of the external product: acc_f[c] = Σ_t spectra[t] ⊙ GGSW_f[c, t].

For each output column c of a Fourier GGSW (:mod:`..entities.fourier_ggsw`) the
(k+1)·l digit spectra are multiplied pointwise by the key rows of that column and summed,
four frequencies at a time (:mod:`..cpu.vec4`), three rows fused per pass over the output
(fewer loads and stores of the accumulator). :func:`multiply_accumulate_column_prefetching`
also prefetches the next step's key rows while it reads this step's (:mod:`..cpu.prefetch`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..cpu.prefetch import prefetch
from ..cpu.vec4 import vfma, vfnma, vload, vmul, vstore

__all__ = [
    "MAC_PREFETCH_COLUMNS",
    "fourier_multiply_accumulate",
    "multiply_accumulate_column",
    "multiply_accumulate_column_prefetching",
]


@njit(cache=True, inline="always")
def _mac_step(s_re, s_im, g_re, g_im, m, acc_re, acc_im):
    """acc + s·g for four frequencies from m on (acc: a (real, imaginary) pair of vectors)."""
    sr = vload(s_re, m)
    si = vload(s_im, m)
    gr = vload(g_re, m)
    gi = vload(g_im, m)
    return vfnma(si, gi, vfma(sr, gr, acc_re)), vfma(sr, gi, vfma(si, gr, acc_im))


@njit(cache=True, inline="always")
def _mac_first(s_re, s_im, g_re, g_im, m):
    """s·g for four frequencies from m on."""
    sr = vload(s_re, m)
    si = vload(s_im, m)
    gr = vload(g_re, m)
    gi = vload(g_im, m)
    return vfnma(si, gi, vmul(sr, gr)), vfma(sr, gi, vmul(si, gr))


@njit(cache=True, inline="always")
def _mac_loop(out, terms, count, assign, lo, hi) -> None:
    """out[:, lo:hi] (+)= s0⊙g0 [+ s1⊙g1 [+ s2⊙g2]], ``terms`` = (s0, g0, s1, g1, s2, g2).

    Inlined (numba IR) where ``count`` and ``assign`` are constants: LLVM folds the branches,
    so each case compiles to a loop of its own with no branch in the body.
    """
    s0, g0, s1, g1, s2, g2 = terms
    out_re = out[0]
    out_im = out[1]
    s0_re, s0_im, g0_re, g0_im = s0[0], s0[1], g0[0], g0[1]
    s1_re, s1_im, g1_re, g1_im = s1[0], s1[1], g1[0], g1[1]
    s2_re, s2_im, g2_re, g2_im = s2[0], s2[1], g2[0], g2[1]
    for m in range(lo, hi, 4):
        if assign:
            acc_re, acc_im = _mac_first(s0_re, s0_im, g0_re, g0_im, m)
        else:
            acc_re, acc_im = _mac_step(s0_re, s0_im, g0_re, g0_im, m, vload(out_re, m),
                                       vload(out_im, m))
        if count >= 2:
            acc_re, acc_im = _mac_step(s1_re, s1_im, g1_re, g1_im, m, acc_re, acc_im)
        if count == 3:
            acc_re, acc_im = _mac_step(s2_re, s2_im, g2_re, g2_im, m, acc_re, acc_im)
        vstore(out_re, m, acc_re)
        vstore(out_im, m, acc_im)


@njit(cache=True)
def _mac_block(out, s0, g0, s1, g1, s2, g2, count, assign, lo, hi) -> None:
    """out[:, lo:hi] (+)= s0⊙g0 [+ s1⊙g1 [+ s2⊙g2]] for ``count`` = 1, 2 or 3 spectra
    (``assign``: overwrite instead of adding), one specialized loop per case."""
    terms = (s0, g0, s1, g1, s2, g2)
    if count == 3:
        if assign:
            _mac_loop(out, terms, 3, True, lo, hi)
        else:
            _mac_loop(out, terms, 3, False, lo, hi)
    elif count == 2:
        if assign:
            _mac_loop(out, terms, 2, True, lo, hi)
        else:
            _mac_loop(out, terms, 2, False, lo, hi)
    elif assign:
        _mac_loop(out, terms, 1, True, lo, hi)
    else:
        _mac_loop(out, terms, 1, False, lo, hi)


@njit(cache=True)
def _mac_rows_range(spectra, ggsw_f, c, row, count, out, lo, hi) -> None:
    """out[:, lo:hi] (+)= Σ_{t<count} spectra[row+t] ⊙ ggsw_f[c, row+t] over lo … hi−1."""
    last = row + count - 1
    middle = row + min(1, count - 1)
    _mac_block(out, spectra[row], ggsw_f[c, row], spectra[middle], ggsw_f[c, middle],
               spectra[last], ggsw_f[c, last], count, row == 0, lo, hi)


@njit(cache=True)
def multiply_accumulate_column(
    spectra: np.ndarray, ggsw_f: np.ndarray, c: int, out: np.ndarray
) -> None:
    """out = Σ_t spectra[t] ⊙ ggsw_f[c, t]: output column c (rows fused by 3)."""
    rows = spectra.shape[0]
    row = 0
    while row < rows:
        count = min(3, rows - row)
        _mac_rows_range(spectra, ggsw_f, c, row, count, out, 0, out.shape[1])
        row += count


PREFETCH_CHUNK = 64  # frequencies (512 B of real and 512 B of imaginary parts) per round
MAC_PREFETCH_COLUMNS = 4  # above this k + 1, one CMux prefetches during its multiply-add


@njit(cache=True)
def multiply_accumulate_column_prefetching(
    spectra: np.ndarray, ggsw_f: np.ndarray, c: int, out: np.ndarray, next_ggsw_f: np.ndarray,
) -> None:
    """:func:`multiply_accumulate_column`, prefetching column c of ``next_ggsw_f`` meanwhile.

    The next step's key rows are prefetched chunk by chunk as this step's are read, so a
    thread that owns column c streams exactly its part of the key, one step ahead and
    spread over the multiply-add (measured in two-lane bootstraps: 4-bit 9.0 → 8.5 ms,
    6-bit 22.8 → 20.3 ms; chunks of 32 or 128 values did worse).
    """
    rows = spectra.shape[0]
    half = out.shape[1]
    imaginary = half * 8
    for lo in range(0, half, PREFETCH_CHUNK):
        hi = min(lo + PREFETCH_CHUNK, half)
        row = 0
        while row < rows:
            count = min(3, rows - row)
            for t in range(count):
                target = next_ggsw_f[c, row + t]
                for byte in range(lo * 8, hi * 8, 64):
                    prefetch(target, byte)
                    prefetch(target, imaginary + byte)
            _mac_rows_range(spectra, ggsw_f, c, row, count, out, lo, hi)
            row += count


@njit(cache=True)
def fourier_multiply_accumulate(spectra: np.ndarray, ggsw_f: np.ndarray, acc_f: np.ndarray) -> None:
    """acc_f[c] = Σ_t spectra[t] ⊙ ggsw_f[c, t], c = 0 … k."""
    for c in range(acc_f.shape[0]):
        multiply_accumulate_column(spectra, ggsw_f, c, acc_f[c])
