"""External product GGSW ⊡ GLWE and CMux in the Fourier domain (tfhe-notes §1.4, §2.4).

Definition
----------
For a GGSW(μ) with gadget (b, l) and a GLWE C = (C_0, …, C_k):

1. decompose every C_r into signed digit polynomials D_{r,1} … D_{r,l}
   (:mod:`decomposition`), so that Σ_j D_{r,j}·2**(64 − j·b) ≈ C_r;
2. out_c = Σ_{r,j} D_{r,j} · GGSW[j][r][c]   for c = 0 … k.

The phase of the result is μ·phase(C) + noise. In the Fourier domain this costs
(k+1)·l forward FFTs, (k+1)²·l pointwise complex multiply-adds of length N/2 and
(k+1) inverse FFTs; the sum over (r, j) is taken before the inverse transforms.

CMux(GGSW(s), C0, C1) = C0 + GGSW(s) ⊡ (C1 − C0), which has the phase of C_s.
The blind rotation applies it in place as ACC ← ACC + BSK_i ⊡ (X**ã_i·ACC − ACC)
(:func:`cmux_rotate_into`).

Kernels
-------
The jitted kernels take preallocated scratch buffers (``CmuxScratch`` layout, see
:func:`allocate_scratch`) so the hot loop never allocates:

* ``folded``   complex128 (( k+1)·l, N/2): twisted digits, row r·l + j
* ``spectrum`` complex128 ((k+1)·l, N/2): their forward FFTs
* ``acc_f``    complex128 (k+1, N/2): Fourier accumulator of the output
* ``spatial``  complex128 (k+1, N/2): its inverse FFT
* ``rotated``  uint64 (N,): X**a·ACC_r
* ``axes``     int64 [1]: the FFT axis
"""
from __future__ import annotations

import numpy as np
from numba import njit
from rocket_fft import c2c

from .fft import TWO_POW_64, TWO_POW_MINUS_64, twist_tables
from .polynomial import monomial_mul_into
from .prefetch import prefetch_span

__all__ = [
    "allocate_scratch",
    "decompose_twist_into",
    "fourier_multiply_accumulate",
    "backward_accumulate_into",
    "external_product_accumulate_into",
    "cmux_rotate_into",
    "external_product",
    "cmux",
]


@njit(cache=True)
def allocate_scratch(glwe_dimension: int, polynomial_size: int, level: int):
    """Scratch buffers for one external product: (folded, spectrum, acc_f, spatial, rotated, axes)."""
    half = polynomial_size // 2
    rows = (glwe_dimension + 1) * level
    folded = np.empty((rows, half), dtype=np.complex128)
    spectrum = np.empty((rows, half), dtype=np.complex128)
    acc_f = np.empty((glwe_dimension + 1, half), dtype=np.complex128)
    spatial = np.empty((glwe_dimension + 1, half), dtype=np.complex128)
    rotated = np.empty(polynomial_size, dtype=np.uint64)
    axes = np.ones(1, dtype=np.int64)
    return folded, spectrum, acc_f, spatial, rotated, axes


@njit(cache=True)
def decompose_twist_into(lhs: np.ndarray, rhs: np.ndarray, base_log: int, level: int, twist: np.ndarray,
                         folded: np.ndarray, row: int) -> None:
    """Digits of (lhs − rhs) (uint64 (N,)), folded and twisted into rows row … row+l−1.

    Row row + j − 1 receives (D_j[m] + i·D_j[m + N/2])·w**m for level j.
    """
    half = twist.size
    lhs_hi = lhs[half:]
    rhs_hi = rhs[half:]
    if level == 1:
        rounding = np.uint64(1) << np.uint64(63 - base_log)
        down = np.int64(64 - base_log)
        out = folded[row]
        for m in range(half):
            lo = np.int64(lhs[m] - rhs[m] + rounding) >> down
            hi = np.int64(lhs_hi[m] - rhs_hi[m] + rounding) >> down
            out[m] = complex(np.float64(lo), np.float64(hi)) * twist[m]
        return
    total = base_log * level
    rounding = np.uint64(1) << np.uint64(63 - total)
    keep = np.uint64(64 - total)
    up = np.uint64(64 - base_log)
    down = np.int64(64 - base_log)
    bshift = np.uint64(base_log)
    for m in range(half):
        st_lo = (lhs[m] - rhs[m] + rounding) >> keep
        st_hi = (lhs_hi[m] - rhs_hi[m] + rounding) >> keep
        for j in range(level - 1, -1, -1):
            d_lo = np.int64(st_lo << up) >> down
            d_hi = np.int64(st_hi << up) >> down
            st_lo = (st_lo - np.uint64(d_lo)) >> bshift
            st_hi = (st_hi - np.uint64(d_hi)) >> bshift
            folded[row + j, m] = complex(np.float64(d_lo), np.float64(d_hi)) * twist[m]


@njit(cache=True, fastmath=True)
def _mac_rows(spectrum, ggsw_f, level, c, first_row, count, assign, out) -> None:
    """out (+)= Σ_{t<count} spectrum[row_t] ⊙ ggsw_f[j_t, r_t, c], rows first_row … (count ≤ 3)."""
    half = out.size
    r0, j0 = divmod(first_row, level)
    z0 = spectrum[first_row]
    g0 = ggsw_f[j0, r0, c]
    if count == 1:
        if assign:
            for m in range(half):
                out[m] = z0[m] * g0[m]
        else:
            for m in range(half):
                out[m] += z0[m] * g0[m]
        return
    r1, j1 = divmod(first_row + 1, level)
    z1 = spectrum[first_row + 1]
    g1 = ggsw_f[j1, r1, c]
    if count == 2:
        if assign:
            for m in range(half):
                out[m] = z0[m] * g0[m] + z1[m] * g1[m]
        else:
            for m in range(half):
                out[m] += z0[m] * g0[m] + z1[m] * g1[m]
        return
    r2, j2 = divmod(first_row + 2, level)
    z2 = spectrum[first_row + 2]
    g2 = ggsw_f[j2, r2, c]
    if assign:
        for m in range(half):
            out[m] = z0[m] * g0[m] + z1[m] * g1[m] + z2[m] * g2[m]
    else:
        for m in range(half):
            out[m] += z0[m] * g0[m] + z1[m] * g1[m] + z2[m] * g2[m]


@njit(cache=True)
def fourier_multiply_accumulate(spectrum: np.ndarray, ggsw_f: np.ndarray, level: int, acc_f: np.ndarray) -> None:
    """acc_f[c] = Σ_{r,j} spectrum[r·l + j] ⊙ ggsw_f[j, r, c] for c = 0 … k (rows fused by threes)."""
    rows = spectrum.shape[0]
    for c in range(acc_f.shape[0]):
        row = 0
        while row < rows:
            count = min(3, rows - row)
            _mac_rows(spectrum, ggsw_f, level, c, row, count, row == 0, acc_f[c])
            row += count


@njit(cache=True)
def backward_accumulate_into(acc_f: np.ndarray, spatial: np.ndarray, untwist: np.ndarray, axes: np.ndarray,
                             out: np.ndarray) -> None:
    """out[c] += inverse F(acc_f[c]) reduced mod 2**64 (untwist and rounding fused)."""
    c2c(acc_f, spatial, axes, False, 1.0, 1)
    half = untwist.size
    for c in range(out.shape[0]):
        lo = out[c]
        hi = out[c, half:]
        y_row = spatial[c]
        for m in range(half):
            y = y_row[m] * untwist[m]
            re = y.real - np.rint(y.real * TWO_POW_MINUS_64) * TWO_POW_64
            im = y.imag - np.rint(y.imag * TWO_POW_MINUS_64) * TWO_POW_64
            lo[m] += np.uint64(np.int64(np.rint(re)))
            hi[m] += np.uint64(np.int64(np.rint(im)))


@njit(cache=True)
def external_product_accumulate_into(ggsw_f, lhs, rhs, base_log, level, twist, untwist, folded, spectrum,
                                     acc_f, spatial, axes, out) -> None:
    """out += GGSW ⊡ (lhs − rhs) for GLWEs lhs, rhs (k+1, N)."""
    columns = lhs.shape[0]
    for r in range(columns):
        decompose_twist_into(lhs[r], rhs[r], base_log, level, twist, folded, r * level)
    c2c(folded, spectrum, axes, True, 1.0, 1)
    fourier_multiply_accumulate(spectrum, ggsw_f, level, acc_f)
    backward_accumulate_into(acc_f, spatial, untwist, axes, out)


@njit(cache=True)
def cmux_rotate_into(acc, power, ggsw_f, base_log, level, twist, untwist, folded, spectrum, acc_f, spatial,
                     rotated, axes, prefetch_target, prefetch_bytes) -> None:
    """ACC ← ACC + GGSW ⊡ (X**power·ACC − ACC), in place; one blind-rotation step.

    The first ``prefetch_bytes`` bytes of ``prefetch_target`` (the next GGSW) are
    prefetched, spread over the rotation/decomposition of the k+1 polynomials.
    """
    columns = acc.shape[0]
    share = (prefetch_bytes + columns - 1) // columns
    for r in range(columns):
        monomial_mul_into(acc[r], power, rotated)
        decompose_twist_into(rotated, acc[r], base_log, level, twist, folded, r * level)
        prefetch_span(prefetch_target, r * share, min((r + 1) * share, prefetch_bytes))
    c2c(folded, spectrum, axes, True, 1.0, 1)
    fourier_multiply_accumulate(spectrum, ggsw_f, level, acc_f)
    backward_accumulate_into(acc_f, spatial, untwist, axes, acc)


def _prepare(ggsw_f, glwe):
    ggsw_f = np.ascontiguousarray(ggsw_f, dtype=np.complex128)
    glwe = np.ascontiguousarray(glwe, dtype=np.uint64)
    level, columns = ggsw_f.shape[0], ggsw_f.shape[1]
    size = glwe.shape[-1]
    if ggsw_f.shape != (level, columns, columns, size // 2) or glwe.shape != (columns, size):
        raise ValueError(f"GGSW {ggsw_f.shape} and GLWE {glwe.shape} do not match")
    return ggsw_f, glwe, level, columns - 1, size


def external_product(ggsw_f, glwe, base_log: int) -> np.ndarray:
    """GGSW ⊡ GLWE for a Fourier GGSW (l, k+1, k+1, N/2) and a GLWE (k+1, N) -> uint64 (k+1, N)."""
    ggsw_f, glwe, level, glwe_dimension, size = _prepare(ggsw_f, glwe)
    twist, untwist = twist_tables(size)
    folded, spectrum, acc_f, spatial, _, axes = allocate_scratch(glwe_dimension, size, level)
    out = np.zeros_like(glwe)
    external_product_accumulate_into(ggsw_f, glwe, np.zeros_like(glwe), base_log, level, twist, untwist,
                                     folded, spectrum, acc_f, spatial, axes, out)
    return out


def cmux(ggsw_f, glwe0, glwe1, base_log: int) -> np.ndarray:
    """CMux(GGSW(s), C0, C1) = C0 + GGSW(s) ⊡ (C1 − C0): a GLWE with the phase of C_s."""
    ggsw_f, glwe0, level, glwe_dimension, size = _prepare(ggsw_f, glwe0)
    glwe1 = np.ascontiguousarray(glwe1, dtype=np.uint64)
    twist, untwist = twist_tables(size)
    folded, spectrum, acc_f, spatial, _, axes = allocate_scratch(glwe_dimension, size, level)
    out = glwe0.copy()
    external_product_accumulate_into(ggsw_f, glwe1, glwe0, base_log, level, twist, untwist,
                                     folded, spectrum, acc_f, spatial, axes, out)
    return out
