"""Negacyclic polynomial products in Z_(2**64)[X]/(X**N + 1) with an f64 FFT (tfhe-notes §2).

Definition (folding and twist, Klemsa eprint 2021/480; tfhe-rs ``fft64``)
--------------------------------------------------------------------------
Let M = N/2 and w = exp(iπ/N). A real polynomial P of N coefficients maps to

    F(P) = FFT_M(z),   z_m = (P[m] + i·P[m+M]) · w**m,   m < M,

an M-point complex vector. For two polynomials, the negacyclic product R = P·Q mod X**N + 1 is

    y = IFFT_M(F(P) ⊙ F(Q)) · w**(-m),   R[m] = Re y_m,   R[m+M] = Im y_m,

where IFFT_M includes the 1/M factor. No zero padding and no bit reversal are needed.

Conversions to f64 (§2.2)
-------------------------
* Torus words (uniform uint64: GGSW/BSK coefficients) are read as signed int64, then
  converted to f64 ("centred"), losing their ~11 low bits.
* Small integers (decomposition digits) are converted exactly, through int64.
* A product coefficient v (f64, integer units) is reduced modulo 2**64 as
  r = v - rint(v·2**-64)·2**64 and then rounded, int64(rint(r)), and reinterpreted as uint64.

The transforms are rocket-fft's ``c2c`` on preallocated buffers (DUCC0 inside numba), the
fastest option measured here (§2.4). Kernels here work on 2-D arrays ``(rows, N)`` and
``(rows, M)``; the Python wrappers accept any leading shape.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit
from rocket_fft import c2c

__all__ = [
    "fourier_tables",
    "from_fourier",
    "negacyclic_product",
    "negacyclic_product_schoolbook",
    "to_fourier",
    "torus_round",
    "twist_tables",
]

TWO_POW_64 = 18446744073709551616.0
TWO_POW_MINUS_64 = 1.0 / TWO_POW_64
AXIS_LAST_2D = np.array([1], dtype=np.int64)


@cache
def twist_tables(polynomial_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(twist, untwist) for size N: w**m and w**(-m)/M for m < M, complex128 (read-only)."""
    if polynomial_size < 2 or polynomial_size & (polynomial_size - 1):
        raise ValueError(f"polynomial_size must be a power of two >= 2, got {polynomial_size}")
    half = polynomial_size // 2
    angles = np.pi * np.arange(half) / polynomial_size
    twist = np.exp(1j * angles)
    untwist = np.exp(-1j * angles) / half
    twist.flags.writeable = False
    untwist.flags.writeable = False
    return twist, untwist


@cache
def fourier_tables(polynomial_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(twist, untwist_re, untwist_im): the tables the external-product kernels take."""
    twist, untwist = twist_tables(polynomial_size)
    untwist_re = np.ascontiguousarray(untwist.real)
    untwist_im = np.ascontiguousarray(untwist.imag)
    untwist_re.flags.writeable = False
    untwist_im.flags.writeable = False
    return twist, untwist_re, untwist_im


@njit(cache=True)
def torus_round(v: float) -> np.uint64:
    """The f64 value v (integer units) reduced mod 2**64 and rounded, as uint64."""
    r = v - np.rint(v * TWO_POW_MINUS_64) * TWO_POW_64
    return np.uint64(np.int64(np.rint(r)))


@njit(cache=True)
def fold_twist_signed(polys: np.ndarray, twist: np.ndarray, out: np.ndarray) -> None:
    """out[r, m] = (P_r[m] + i·P_r[m+M])·w**m for int64 polynomials (rows, N)."""
    half = twist.size
    for r in range(polys.shape[0]):
        for m in range(half):
            out[r, m] = complex(np.float64(polys[r, m]), np.float64(polys[r, m + half])) * twist[m]


@njit(cache=True)
def forward_signed(polys: np.ndarray, twist: np.ndarray) -> np.ndarray:
    """F(P) for each row of an int64 array (rows, N) -> complex128 (rows, M)."""
    half = twist.size
    folded = np.empty((polys.shape[0], half), dtype=np.complex128)
    out = np.empty_like(folded)
    fold_twist_signed(polys, twist, folded)
    c2c(folded, out, AXIS_LAST_2D, True, 1.0, 1)
    return out


@njit(cache=True)
def backward_torus(fourier: np.ndarray, untwist: np.ndarray) -> np.ndarray:
    """Inverse of F for each row (rows, M), reduced mod 2**64 -> uint64 (rows, 2M)."""
    half = untwist.size
    rows = fourier.shape[0]
    spatial = np.empty_like(fourier)
    c2c(fourier, spatial, AXIS_LAST_2D, False, 1.0, 1)
    out = np.empty((rows, 2 * half), dtype=np.uint64)
    for r in range(rows):
        for m in range(half):
            y = spatial[r, m] * untwist[m]
            out[r, m] = torus_round(y.real)
            out[r, m + half] = torus_round(y.imag)
    return out


def to_fourier(polys) -> np.ndarray:
    """F(P) for polynomials of shape (..., N) -> complex128 (..., N/2).

    ``uint64`` input is read as torus words (signed int64, then f64); ``int64`` input
    as exact small integers. Other integer types are converted to int64.
    """
    polys = np.asarray(polys)
    if polys.dtype == np.uint64:
        polys = polys.view(np.int64)
    polys = np.ascontiguousarray(polys, dtype=np.int64)
    size = polys.shape[-1]
    twist, _ = twist_tables(size)
    flat = polys.reshape(-1, size)
    return forward_signed(flat, twist).reshape((*polys.shape[:-1], size // 2))


def from_fourier(fourier) -> np.ndarray:
    """Inverse of :func:`to_fourier`, reduced mod 2**64: complex (..., M) -> uint64 (..., 2M)."""
    fourier = np.ascontiguousarray(fourier, dtype=np.complex128)
    half = fourier.shape[-1]
    _, untwist = twist_tables(2 * half)
    flat = fourier.reshape(-1, half)
    return backward_torus(flat, untwist).reshape((*fourier.shape[:-1], 2 * half))


def negacyclic_product(torus_polys, integer_polys) -> np.ndarray:
    """P·Q mod (X**N + 1, 2**64) through the f64 FFT (approximate: §2.3 error).

    Parameters
    ----------
    torus_polys : uint64 (..., N) — read as signed torus words
    integer_polys : int64 (..., N) — small integers, converted exactly

    Returns
    -------
    uint64 (..., N), broadcasting the leading shapes.
    """
    torus_f = to_fourier(np.asarray(torus_polys, dtype=np.uint64))
    integer_f = to_fourier(np.asarray(integer_polys, dtype=np.int64))
    return from_fourier(torus_f * integer_f)


@njit(cache=True)
def _schoolbook(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    size = a.shape[1]
    for r in range(a.shape[0]):
        for i in range(size):
            ai = a[r, i]
            for j in range(size):
                prod = ai * b[r, j]
                if i + j < size:
                    out[r, i + j] += prod
                else:
                    out[r, i + j - size] -= prod


def negacyclic_product_schoolbook(a, b) -> np.ndarray:
    """Exact P·Q mod (X**N + 1, 2**64) by the O(N²) schoolbook rule (reference for tests).

    Coefficient c of the product is Σ_{i+j=c} a_i b_j − Σ_{i+j=c+N} a_i b_j (mod 2**64).
    Inputs are uint64 or int64 arrays (..., N), read modulo 2**64.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    a2 = np.ascontiguousarray(np.broadcast_to(a.astype(np.uint64, copy=False), shape)).reshape(
        -1, shape[-1]
    )
    b2 = np.ascontiguousarray(np.broadcast_to(b.astype(np.uint64, copy=False), shape)).reshape(
        -1, shape[-1]
    )
    out = np.zeros_like(a2)
    _schoolbook(a2, b2, out)
    return out.reshape(shape)
