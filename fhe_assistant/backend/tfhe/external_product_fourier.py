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
The jitted kernels take preallocated buffers (:func:`allocate_scratch`, for a group of
G accumulators) so the hot loop never allocates:

* ``folded``   complex128 (G·(k+1)·l, N/2): twisted digits; row (g·(k+1) + r)·l + j
* ``spectrum`` complex128 (G·(k+1)·l, N/2): their forward FFTs
* ``acc_f``    complex128 (G·(k+1), N/2): Fourier accumulators of the outputs
* ``spatial``  complex128 (G·(k+1), N/2): their inverse FFTs
* ``split``    float64 (2, N/2): untwisted inverse transform, real parts then imaginary parts
* ``axis_one`` int64 [0] and ``axis_rows`` int64 [1]: FFT axes for one row / many rows

The FFTs are rocket-fft ``c2c`` calls on these buffers. Below ``_BATCH_ROWS`` rows each row
gets its own 1-D call (faster here for the 3 rows of one 4-bit CMux: 11.2 vs 12.1 µs per
CMux); from there on one 2-D call transforms all rows, which lets DUCC0 vectorize across
rows (about 1.0 instead of 1.25 µs per 512-point transform).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from rocket_fft import c2c

from .fft import TWO_POW_64, TWO_POW_MINUS_64, fourier_tables
from .fourier_digits import decompose_twist_into, rotate_decompose_into
from .prefetch import prefetch

__all__ = [
    "allocate_scratch",
    "cmux",
    "cmux_rotate_group_into",
    "cmux_rotate_into",
    "external_product",
    "external_product_accumulate_into",
    "fourier_multiply_accumulate",
    "multiply_accumulate_column",
    "multiply_accumulate_column_prefetching",
    "transform_rows",
    "untwist_round_add",
]


_BATCH_ROWS = 6


@njit(cache=True)
def allocate_scratch(glwe_dimension: int, polynomial_size: int, level: int, group: int = 1):
    """Buffers for G = ``group`` external products: (folded, spectrum, acc_f, spatial, split,
    axis_one, axis_rows)."""
    half = polynomial_size // 2
    rows = group * (glwe_dimension + 1) * level
    columns = group * (glwe_dimension + 1)
    folded = np.empty((rows, half), dtype=np.complex128)
    spectrum = np.empty((rows, half), dtype=np.complex128)
    acc_f = np.empty((columns, half), dtype=np.complex128)
    spatial = np.empty((columns, half), dtype=np.complex128)
    split = np.empty((2, half), dtype=np.float64)
    axis_one = np.zeros(1, dtype=np.int64)
    axis_rows = np.ones(1, dtype=np.int64)
    return folded, spectrum, acc_f, spatial, split, axis_one, axis_rows


@njit(cache=True)
def transform_rows(
    source: np.ndarray,
    target: np.ndarray,
    rows: int,
    forward: bool,
    axis_one: np.ndarray,
    axis_rows: np.ndarray,
) -> None:
    """target[:rows] = FFT (forward) or unnormalized inverse FFT of source[:rows], row by row."""
    if rows >= _BATCH_ROWS:
        c2c(source[:rows], target[:rows], axis_rows, forward, 1.0, 1)
    else:
        for row in range(rows):
            c2c(source[row], target[row], axis_one, forward, 1.0, 1)


@njit(cache=True, fastmath=True)
def _mac_block(out, z0, g0, z1, g1, z2, g2, count, assign) -> None:
    """out (+)= z0⊙g0 [+ z1⊙g1 [+ z2⊙g2]] for ``count`` = 1, 2 or 3 pairs of 1-D rows."""
    size = out.size
    if count == 1:
        if assign:
            for m in range(size):
                out[m] = z0[m] * g0[m]
        else:
            for m in range(size):
                out[m] += z0[m] * g0[m]
    elif count == 2:
        if assign:
            for m in range(size):
                out[m] = z0[m] * g0[m] + z1[m] * g1[m]
        else:
            for m in range(size):
                out[m] += z0[m] * g0[m] + z1[m] * g1[m]
    elif assign:
        for m in range(size):
            out[m] = z0[m] * g0[m] + z1[m] * g1[m] + z2[m] * g2[m]
    else:
        for m in range(size):
            out[m] += z0[m] * g0[m] + z1[m] * g1[m] + z2[m] * g2[m]


@njit(cache=True)
def _mac_rows_range(spectrum, ggsw_f, level, c, row, count, out, lo, hi) -> None:
    """out[lo:hi] (+)= Σ_{t<count} spectrum[row+t, lo:hi] ⊙ ggsw_f[j_t, r_t, c, lo:hi]."""
    last = row + count - 1
    middle = row + min(1, count - 1)
    r0, j0 = divmod(row, level)
    r1, j1 = divmod(middle, level)
    r2, j2 = divmod(last, level)
    _mac_block(out[lo:hi],
               spectrum[row, lo:hi], ggsw_f[j0, r0, c, lo:hi],
               spectrum[middle, lo:hi], ggsw_f[j1, r1, c, lo:hi],
               spectrum[last, lo:hi], ggsw_f[j2, r2, c, lo:hi],
               count, row == 0)


@njit(cache=True)
def multiply_accumulate_column(
    spectrum: np.ndarray, ggsw_f: np.ndarray, level: int, c: int, out: np.ndarray
) -> None:
    """out = Σ_{r,j} spectrum[r·l + j] ⊙ ggsw_f[j, r, c]: output column c (rows fused by 3)."""
    rows = spectrum.shape[0]
    row = 0
    while row < rows:
        count = min(3, rows - row)
        _mac_rows_range(spectrum, ggsw_f, level, c, row, count, out, 0, out.size)
        row += count


PREFETCH_CHUNK = 64  # complex values (1 KiB of each key row) per prefetch round


@njit(cache=True)
def multiply_accumulate_column_prefetching(
    spectrum: np.ndarray, ggsw_f: np.ndarray, level: int, c: int, out: np.ndarray,
    next_ggsw_f: np.ndarray,
) -> None:
    """:func:`multiply_accumulate_column`, prefetching column c of ``next_ggsw_f`` meanwhile.

    The next step's key rows are prefetched chunk by chunk as this step's are read, so a
    thread that owns column c streams exactly its part of the key, one step ahead and
    spread over the multiply-add (measured in two-lane bootstraps: 4-bit 9.0 → 8.5 ms,
    6-bit 22.8 → 20.3 ms; chunks of 32 or 128 values did worse).
    """
    rows = spectrum.shape[0]
    half = out.size
    for lo in range(0, half, PREFETCH_CHUNK):
        hi = min(lo + PREFETCH_CHUNK, half)
        row = 0
        while row < rows:
            count = min(3, rows - row)
            for t in range(count):
                r, j = divmod(row + t, level)
                target = next_ggsw_f[j, r, c]
                for byte in range(lo * 16, hi * 16, 64):
                    prefetch(target, byte)
            _mac_rows_range(spectrum, ggsw_f, level, c, row, count, out, lo, hi)
            row += count


@njit(cache=True)
def fourier_multiply_accumulate(
    spectrum: np.ndarray, ggsw_f: np.ndarray, level: int, acc_f: np.ndarray
) -> None:
    """acc_f[c] = Σ_{r,j} spectrum[r·l + j] ⊙ ggsw_f[j, r, c], c = 0 … k."""
    for c in range(acc_f.shape[0]):
        multiply_accumulate_column(spectrum, ggsw_f, level, c, acc_f[c])


@njit(cache=True)
def untwist_round_add(
    spatial: np.ndarray,
    untwist_re: np.ndarray,
    untwist_im: np.ndarray,
    split: np.ndarray,
    out: np.ndarray,
) -> None:
    """out[c] += the polynomial of the inverse transform ``spatial[c]``, reduced mod 2**64.

    Untwist and rounding are fused: y = spatial[c]·w**(-m)/M, R[m] = Re y, R[m + M] = Im y,
    then r = v − rint(v·2**-64)·2**64 and int64(rint(r)) (§2.2). The untwisted values go
    through ``split`` (real parts, then imaginary parts: the natural coefficient order) so
    that the rounding loop runs on contiguous data and vectorizes.
    """
    half = untwist_re.size
    lo = split[0]
    hi = split[1]
    flat = split.reshape(-1)
    for c in range(out.shape[0]):
        y = spatial[c]
        for m in range(half):
            z = y[m]
            lo[m] = z.real * untwist_re[m] - z.imag * untwist_im[m]
            hi[m] = z.real * untwist_im[m] + z.imag * untwist_re[m]
        dst = out[c]
        for m in range(2 * half):
            v = flat[m]
            r = v - np.rint(v * TWO_POW_MINUS_64) * TWO_POW_64
            dst[m] += np.uint64(np.int64(np.rint(r)))


@njit(cache=True)
def external_product_accumulate_into(ggsw_f, lhs, rhs, base_log, level, tables, scratch,
                                     out) -> None:
    """out += GGSW ⊡ (lhs − rhs) for GLWEs lhs, rhs (k+1, N).

    ``tables`` = (twist, untwist_re, untwist_im) (:func:`fft.fourier_tables`);
    ``scratch`` = :func:`allocate_scratch`'s tuple.
    """
    twist, untwist_re, untwist_im = tables
    folded, spectrum, acc_f, spatial, split, axis_one, axis_rows = scratch
    columns = lhs.shape[0]
    rows = columns * level
    for r in range(columns):
        decompose_twist_into(lhs[r], rhs[r], base_log, level, twist, folded, r * level)
    transform_rows(folded, spectrum, rows, True, axis_one, axis_rows)
    fourier_multiply_accumulate(spectrum[:rows], ggsw_f, level, acc_f[:columns])
    transform_rows(acc_f, spatial, columns, False, axis_one, axis_rows)
    untwist_round_add(spatial[:columns], untwist_re, untwist_im, split, out)


@njit(cache=True)
def cmux_rotate_into(acc, power, ggsw_f, base_log, level, tables, scratch, next_ggsw_f,
                     prefetch_bytes) -> None:
    """ACC ← ACC + GGSW ⊡ (X**power·ACC − ACC), in place; one blind-rotation step.

    Prefetches the first ``prefetch_bytes`` bytes of ``next_ggsw_f`` meanwhile (0: none).
    """
    twist, untwist_re, untwist_im = tables
    folded, spectrum, acc_f, spatial, split, axis_one, axis_rows = scratch
    columns = acc.shape[0]
    rows = columns * level
    rotate_decompose_into(acc, power, base_log, level, twist, folded, 0, next_ggsw_f,
                          prefetch_bytes)
    transform_rows(folded, spectrum, rows, True, axis_one, axis_rows)
    fourier_multiply_accumulate(spectrum[:rows], ggsw_f, level, acc_f[:columns])
    transform_rows(acc_f, spatial, columns, False, axis_one, axis_rows)
    untwist_round_add(spatial[:columns], untwist_re, untwist_im, split, acc)


@njit(cache=True)
def cmux_rotate_group_into(accs, members, count, powers, ggsw_f, base_log, level, tables, scratch,
                           next_ggsw_f, prefetch_bytes) -> None:
    """The CMux step for ``count`` accumulators ``accs[members[g]]`` that share one GGSW.

    ``powers[g]`` is the rotation of member g. The digits of all members are transformed
    together (one FFT call over count·(k+1)·l rows), then multiplied and transformed back.
    The first member's decomposition prefetches ``prefetch_bytes`` of ``next_ggsw_f``.
    """
    twist, untwist_re, untwist_im = tables
    folded, spectrum, acc_f, spatial, split, axis_one, axis_rows = scratch
    columns = accs.shape[1]
    rows = columns * level
    for g in range(count):
        bytes_now = prefetch_bytes if g == 0 else 0
        rotate_decompose_into(accs[members[g]], powers[g], base_log, level, twist, folded,
                              g * rows, next_ggsw_f, bytes_now)
    transform_rows(folded, spectrum, count * rows, True, axis_one, axis_rows)
    for g in range(count):
        fourier_multiply_accumulate(spectrum[g * rows:(g + 1) * rows], ggsw_f, level,
                                    acc_f[g * columns:(g + 1) * columns])
    transform_rows(acc_f, spatial, count * columns, False, axis_one, axis_rows)
    for g in range(count):
        untwist_round_add(spatial[g * columns:(g + 1) * columns], untwist_re, untwist_im, split,
                          accs[members[g]])


def _prepare(ggsw_f, glwe):
    ggsw_f = np.ascontiguousarray(ggsw_f, dtype=np.complex128)
    glwe = np.ascontiguousarray(glwe, dtype=np.uint64)
    level, columns = ggsw_f.shape[0], ggsw_f.shape[1]
    size = glwe.shape[-1]
    if ggsw_f.shape != (level, columns, columns, size // 2) or glwe.shape != (columns, size):
        raise ValueError(f"GGSW {ggsw_f.shape} and GLWE {glwe.shape} do not match")
    scratch = allocate_scratch(columns - 1, size, level)
    return ggsw_f, glwe, level, fourier_tables(size), scratch


def external_product(ggsw_f, glwe, base_log: int) -> np.ndarray:
    """GGSW ⊡ GLWE: Fourier GGSW (l, k+1, k+1, N/2), GLWE (k+1, N) -> uint64 (k+1, N)."""
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
