"""External product GGSW ⊡ GLWE and CMux in the Fourier domain (tfhe-notes §1.4, §2.4).

Definition
----------
For a GGSW(μ) with gadget (b, l) and a GLWE C = (C_0, …, C_k):

1. decompose every C_r into signed digit polynomials D_{r,1} … D_{r,l}
   (:mod:`decomposition`; folded and twisted by :mod:`fourier_digits`), so that
   Σ_j D_{r,j}·2**(64 − j·b) ≈ C_r;
2. out_c = Σ_{r,j} D_{r,j} · GGSW[j][r][c]   for c = 0 … k.

The phase of the result is μ·phase(C) + noise. In the Fourier domain this costs
(k+1)·l forward FFTs, (k+1)²·l pointwise complex multiply-adds of length N/2 and
(k+1) inverse FFTs; the sum over (r, j) is taken before the inverse transforms.

CMux(GGSW(s), C0, C1) = C0 + GGSW(s) ⊡ (C1 − C0), which has the phase of C_s.
The blind rotation applies it in place as ACC ← ACC + BSK_i ⊡ (X**ã_i·ACC − ACC)
(:func:`cmux_rotate_into`, and :func:`cmux_rotate_group_into` for several
accumulators that share the GGSW).

Kernels and scratch buffers
---------------------------
Spectra are float64 ``(2, N/2)`` (real parts, then imaginary parts, kernel order: :mod:`fft`).
A Fourier GGSW is ``(k+1, (k+1)·l, 2, N/2)``: output column c, then input row t = r·l + j
(:func:`ggsw.ggsw_to_fourier`), so that the multiply-add for one output reads its key rows
as one contiguous block, in the order of the digit rows, and a blind rotation streams the
bootstrapping key front to back (with the (l, r, c) order, 2-bit keys streamed at ~7 GB/s). The jitted kernels take preallocated buffers
(:func:`allocate_scratch`, for a group of G accumulators) so the hot loop never allocates:

* ``spectra`` (G·(k+1)·l, 2, N/2): twisted digits, transformed in place; row (g·(k+1) + r)·l + j
* ``acc_f``   (G·(k+1), 2, N/2): Fourier accumulators of the outputs, transformed back in place

The transforms are :func:`fft.fft_forward` / :func:`fft.fft_inverse` on these rows and the
multiply-add runs on four frequencies at a time (:mod:`vec4`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .fft import TWO_POW_64, TWO_POW_MINUS_64, fft_forward, fft_inverse, fourier_tables
from .fourier_digits import decompose_twist_into, rotate_decompose_into
from .prefetch import prefetch
from .vec4 import vfma, vfnma, vload, vmul, vstore

__all__ = [
    "allocate_scratch",
    "cmux",
    "cmux_rotate_group_into",
    "cmux_rotate_into",
    "external_product",
    "external_product_accumulate_into",
    "forward_rows",
    "fourier_multiply_accumulate",
    "inverse_rows",
    "multiply_accumulate_column",
    "multiply_accumulate_column_prefetching",
    "untwist_round_add",
]


@njit(cache=True)
def allocate_scratch(glwe_dimension: int, polynomial_size: int, level: int, group: int = 1):
    """Buffers for G = ``group`` external products: (spectra, acc_f)."""
    half = polynomial_size // 2
    rows = group * (glwe_dimension + 1) * level
    columns = group * (glwe_dimension + 1)
    spectra = np.empty((rows, 2, half), dtype=np.float64)
    acc_f = np.empty((columns, 2, half), dtype=np.float64)
    return spectra, acc_f


@njit(cache=True)
def forward_rows(spectra: np.ndarray, rows: int, twiddles: np.ndarray) -> None:
    """FFT of spectra[:rows], in place (each row: twisted digits -> spectrum)."""
    for row in range(rows):
        fft_forward(spectra[row, 0], spectra[row, 1], twiddles)


@njit(cache=True)
def inverse_rows(spectra: np.ndarray, rows: int, twiddles: np.ndarray) -> None:
    """Unnormalized inverse FFT of spectra[:rows], in place."""
    for row in range(rows):
        fft_inverse(spectra[row, 0], spectra[row, 1], twiddles)


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


@njit(cache=True)
def _mac_block(out, s0, g0, s1, g1, s2, g2, count, assign, lo, hi) -> None:
    """out[:, lo:hi] (+)= s0⊙g0 [+ s1⊙g1 [+ s2⊙g2]] for ``count`` = 1, 2 or 3 spectra.

    One loop per case, so that no branch sits in the loop body.
    """
    out_re = out[0]
    out_im = out[1]
    s0_re, s0_im, g0_re, g0_im = s0[0], s0[1], g0[0], g0[1]
    s1_re, s1_im, g1_re, g1_im = s1[0], s1[1], g1[0], g1[1]
    s2_re, s2_im, g2_re, g2_im = s2[0], s2[1], g2[0], g2[1]
    if count == 3 and assign:
        for m in range(lo, hi, 4):
            acc_re, acc_im = _mac_first(s0_re, s0_im, g0_re, g0_im, m)
            acc_re, acc_im = _mac_step(s1_re, s1_im, g1_re, g1_im, m, acc_re, acc_im)
            acc_re, acc_im = _mac_step(s2_re, s2_im, g2_re, g2_im, m, acc_re, acc_im)
            vstore(out_re, m, acc_re)
            vstore(out_im, m, acc_im)
    elif count == 3:
        for m in range(lo, hi, 4):
            acc_re, acc_im = _mac_step(s0_re, s0_im, g0_re, g0_im, m, vload(out_re, m),
                                       vload(out_im, m))
            acc_re, acc_im = _mac_step(s1_re, s1_im, g1_re, g1_im, m, acc_re, acc_im)
            acc_re, acc_im = _mac_step(s2_re, s2_im, g2_re, g2_im, m, acc_re, acc_im)
            vstore(out_re, m, acc_re)
            vstore(out_im, m, acc_im)
    elif count == 2 and assign:
        for m in range(lo, hi, 4):
            acc_re, acc_im = _mac_first(s0_re, s0_im, g0_re, g0_im, m)
            acc_re, acc_im = _mac_step(s1_re, s1_im, g1_re, g1_im, m, acc_re, acc_im)
            vstore(out_re, m, acc_re)
            vstore(out_im, m, acc_im)
    elif count == 2:
        for m in range(lo, hi, 4):
            acc_re, acc_im = _mac_step(s0_re, s0_im, g0_re, g0_im, m, vload(out_re, m),
                                       vload(out_im, m))
            acc_re, acc_im = _mac_step(s1_re, s1_im, g1_re, g1_im, m, acc_re, acc_im)
            vstore(out_re, m, acc_re)
            vstore(out_im, m, acc_im)
    elif assign:
        for m in range(lo, hi, 4):
            acc_re, acc_im = _mac_first(s0_re, s0_im, g0_re, g0_im, m)
            vstore(out_re, m, acc_re)
            vstore(out_im, m, acc_im)
    else:
        for m in range(lo, hi, 4):
            acc_re, acc_im = _mac_step(s0_re, s0_im, g0_re, g0_im, m, vload(out_re, m),
                                       vload(out_im, m))
            vstore(out_re, m, acc_re)
            vstore(out_im, m, acc_im)


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


@njit(cache=True)
def untwist_round_add(spatial: np.ndarray, tables, out: np.ndarray) -> None:
    """out[c] += the polynomial of the inverse-transformed ``spatial[c]`` (2, M), mod 2**64.

    y = spatial[c]·w**(-m)/M gives R[m] = Re y and R[m + M] = Im y, reduced as
    r = v − rint(v·2**-64)·2**64 and rounded to int64 (§2.2). The untwisted values are
    written back over ``spatial[c]`` (real parts then imaginary parts: the natural
    coefficient order), so that each of the two loops runs on contiguous data and
    vectorizes.
    """
    untwist_re = tables[2]
    untwist_im = tables[3]
    half = untwist_re.size
    for c in range(out.shape[0]):
        y_re = spatial[c, 0]
        y_im = spatial[c, 1]
        for m in range(0, half, 4):
            ur = vload(untwist_re, m)
            ui = vload(untwist_im, m)
            yr = vload(y_re, m)
            yi = vload(y_im, m)
            vstore(y_re, m, vfnma(yi, ui, vmul(yr, ur)))
            vstore(y_im, m, vfma(yr, ui, vmul(yi, ur)))
        flat = spatial[c].reshape(-1)
        dst = out[c]
        for m in range(2 * half):
            v = flat[m]
            r = v - np.rint(v * TWO_POW_MINUS_64) * TWO_POW_64
            dst[m] += np.uint64(np.int64(np.rint(r)))


@njit(cache=True)
def external_product_accumulate_into(ggsw_f, lhs, rhs, base_log, level, tables, scratch,
                                     out) -> None:
    """out += GGSW ⊡ (lhs − rhs) for GLWEs lhs, rhs (k+1, N).

    ``tables`` = :func:`fft.fourier_tables`'s tuple; ``scratch`` = :func:`allocate_scratch`'s.
    """
    spectra, acc_f = scratch
    columns = lhs.shape[0]
    rows = columns * level
    for r in range(columns):
        decompose_twist_into(lhs[r], rhs[r], base_log, level, tables, spectra, r * level)
    forward_rows(spectra, rows, tables[4])
    fourier_multiply_accumulate(spectra[:rows], ggsw_f, acc_f[:columns])
    inverse_rows(acc_f, columns, tables[4])
    untwist_round_add(acc_f[:columns], tables, out)


@njit(cache=True)
def cmux_rotate_into(acc, power, ggsw_f, base_log, level, tables, scratch, next_ggsw_f,
                     prefetch_bytes) -> None:
    """ACC ← ACC + GGSW ⊡ (X**power·ACC − ACC), in place; one blind-rotation step.

    Prefetches the first ``prefetch_bytes`` bytes of ``next_ggsw_f`` meanwhile (0: none),
    spread over the decomposition; with more than ``MAC_PREFETCH_COLUMNS`` polynomials the
    decomposition is too short for the key (k + 1 lines per coefficient) and the prefetch
    is spread over the multiply-add instead. Streamed µs per step, decomposition / multiply-
    add / spread over the transforms / none: 2-bit (k = 5, N = 256) 10.8 / 8.4; 3-bit (k = 3)
    8.8 / 9.9; 4-bit (k = 2) 10.0 / 13.5 / 11.6 / 10.5; 6-bit (k = 1) 24.6 / 29.4.
    """
    spectra, acc_f = scratch
    columns = acc.shape[0]
    rows = columns * level
    late = prefetch_bytes > 0 and columns > MAC_PREFETCH_COLUMNS
    rotate_decompose_into(acc, power, base_log, level, tables, spectra, 0, next_ggsw_f,
                          0 if late else prefetch_bytes)
    forward_rows(spectra, rows, tables[4])
    if late:
        for c in range(columns):
            multiply_accumulate_column_prefetching(spectra[:rows], ggsw_f, c, acc_f[c],
                                                   next_ggsw_f)
    else:
        fourier_multiply_accumulate(spectra[:rows], ggsw_f, acc_f[:columns])
    inverse_rows(acc_f, columns, tables[4])
    untwist_round_add(acc_f[:columns], tables, acc)


@njit(cache=True)
def cmux_rotate_group_into(accs, members, count, powers, ggsw_f, base_log, level, tables, scratch,
                           next_ggsw_f, prefetch_bytes) -> None:
    """The CMux step for ``count`` accumulators ``accs[members[g]]`` that share one GGSW.

    ``powers[g]`` is the rotation of member g. All members are decomposed and transformed,
    then multiplied (the GGSW read once, from cache, for all of them) and transformed back.
    The first member's decomposition prefetches ``prefetch_bytes`` of ``next_ggsw_f``.
    """
    spectra, acc_f = scratch
    columns = accs.shape[1]
    rows = columns * level
    for g in range(count):
        bytes_now = prefetch_bytes if g == 0 else 0
        rotate_decompose_into(accs[members[g]], powers[g], base_log, level, tables, spectra,
                              g * rows, next_ggsw_f, bytes_now)
    forward_rows(spectra, count * rows, tables[4])
    for g in range(count):
        fourier_multiply_accumulate(spectra[g * rows:(g + 1) * rows], ggsw_f,
                                    acc_f[g * columns:(g + 1) * columns])
    inverse_rows(acc_f, count * columns, tables[4])
    for g in range(count):
        untwist_round_add(acc_f[g * columns:(g + 1) * columns], tables, accs[members[g]])


def _prepare(ggsw_f, glwe):
    ggsw_f = np.ascontiguousarray(ggsw_f, dtype=np.float64)
    glwe = np.ascontiguousarray(glwe, dtype=np.uint64)
    columns = ggsw_f.shape[0]
    level = max(1, ggsw_f.shape[1] // columns)
    size = glwe.shape[-1]
    if ggsw_f.shape != (columns, columns * level, 2, size // 2) or glwe.shape != (columns, size):
        raise ValueError(f"GGSW {ggsw_f.shape} and GLWE {glwe.shape} do not match")
    scratch = allocate_scratch(columns - 1, size, level)
    return ggsw_f, glwe, level, fourier_tables(size), scratch


def external_product(ggsw_f, glwe, base_log: int) -> np.ndarray:
    """GGSW ⊡ GLWE: Fourier GGSW (k+1, (k+1)·l, 2, N/2), GLWE (k+1, N) -> uint64 (k+1, N)."""
    ggsw_f, glwe, level, tables, scratch = _prepare(ggsw_f, glwe)
    out = np.zeros_like(glwe)
    external_product_accumulate_into(ggsw_f, glwe, np.zeros_like(glwe), base_log, level, tables,
                                     scratch, out)
    return out


def cmux(ggsw_f, glwe0, glwe1, base_log: int) -> np.ndarray:
    """CMux(GGSW(s), C0, C1) = C0 + GGSW(s) ⊡ (C1 − C0): a GLWE with the phase of C_s."""
    ggsw_f, glwe0, level, tables, scratch = _prepare(ggsw_f, glwe0)
    glwe1 = np.ascontiguousarray(glwe1, dtype=np.uint64)
    out = glwe0.copy()
    external_product_accumulate_into(ggsw_f, glwe1, glwe0, base_log, level, tables, scratch, out)
    return out
