"""External product GGSW ⊡ GLWE and CMux in the Fourier domain (tfhe-notes §1.4, §2.4).

Definition
----------
For a GGSW(μ) with gadget (b, l) and a GLWE C = (C_0, …, C_k):

1. decompose every C_r into signed digit polynomials D_{r,1} … D_{r,l}
   (:mod:`.decomposition`; folded and twisted by :mod:`.twisted_digits`), so that
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
Spectra are float64 ``(2, N/2)`` (real parts, then imaginary parts, kernel order:
:mod:`..fft`); the GGSW is a Fourier GGSW (:mod:`..entities.fourier_ggsw`), whose
output-major order makes the multiply-add (:mod:`.fourier_multiply_add`) for one output read
its key rows as one contiguous block, in the order of the digit rows, and a blind rotation
stream the bootstrapping key front to back (with the (l, r, c) order, 2-bit keys streamed
at ~7 GB/s). The jitted kernels take preallocated buffers (:func:`allocate_scratch`, for a
group of G accumulators) so the hot loop never allocates:

* ``spectra`` (G·(k+1)·l, 2, N/2): twisted digits, transformed in place; row (g·(k+1) + r)·l + j
* ``acc_f``   (G·(k+1), 2, N/2): Fourier accumulators of the outputs, transformed back in place

The rows are transformed in place by :mod:`..fft.row_transforms`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..fft.row_transforms import forward_rows, inverse_rows, untwist_round_add
from ..fft.tables import fourier_tables
from .fourier_multiply_add import (
    MAC_PREFETCH_COLUMNS,
    fourier_multiply_accumulate,
    multiply_accumulate_column_prefetching,
)
from .twisted_digits import decompose_twist_into, rotate_decompose_into

__all__ = [
    "allocate_scratch",
    "cmux",
    "cmux_rotate_group_into",
    "cmux_rotate_into",
    "external_product",
    "external_product_accumulate_into",
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
def external_product_accumulate_into(ggsw_f, lhs, rhs, base_log, level, tables, scratch,
                                     out) -> None:
    """out += GGSW ⊡ (lhs − rhs) for GLWEs lhs, rhs (k+1, N).

    ``tables`` = :func:`..fft.tables.fourier_tables`'s tuple; ``scratch`` =
    :func:`allocate_scratch`'s.
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
