"""Polynomials to spectra and back (fold, twist, FFT, untwist, round mod 2**64) (tfhe-notes §2).

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

Spectra (:mod:`.radix4`)
------------------------
F(P) is stored as float64 ``(..., 2, M)`` (real parts, then imaginary parts) in the
kernel order of :func:`.radix4.fft_forward`; the untwist table carries the 1/M of the
inverse. Tables: :mod:`.tables`; natural order: :mod:`.kernel_order`; the exact reference
product: :mod:`.schoolbook`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .radix4 import fft_forward, fft_inverse
from .tables import fourier_tables

__all__ = [
    "TWO_POW_64",
    "TWO_POW_MINUS_64",
    "backward_torus",
    "forward_signed",
    "from_fourier",
    "negacyclic_product",
    "spectral_product",
    "store_twisted",
    "to_fourier",
    "torus_round",
]

TWO_POW_64 = 18446744073709551616.0
TWO_POW_MINUS_64 = 1.0 / TWO_POW_64


@njit(cache=True)
def torus_round(v: float) -> np.uint64:
    """The f64 value v (integer units) reduced mod 2**64 and rounded, as uint64."""
    r = v - np.rint(v * TWO_POW_MINUS_64) * TWO_POW_64
    return np.uint64(np.int64(np.rint(r)))


@njit(cache=True, inline="always")
def store_twisted(out, row, at, lo, hi, twist_re, twist_im) -> None:
    """out[row, :, at] = (lo + i·hi)·w**at as split real and imaginary parts."""
    out[row, 0, at] = lo * twist_re[at] - hi * twist_im[at]
    out[row, 1, at] = lo * twist_im[at] + hi * twist_re[at]


@njit(cache=True)
def fold_twist_signed(polys: np.ndarray, twist_re: np.ndarray, twist_im: np.ndarray,
                      out: np.ndarray) -> None:
    """out[r] = split (P_r[m] + i·P_r[m+M])·w**m for int64 polynomials (rows, N) -> (rows, 2, M)."""
    half = twist_re.size
    for r in range(polys.shape[0]):
        for m in range(half):
            store_twisted(out, r, m, np.float64(polys[r, m]), np.float64(polys[r, m + half]),
                          twist_re, twist_im)


@njit(cache=True)
def forward_signed(polys: np.ndarray, tables) -> np.ndarray:
    """F(P) for each row of an int64 array (rows, N) -> float64 spectra (rows, 2, M)."""
    twist_re, twist_im, _, _, tw = tables
    out = np.empty((polys.shape[0], 2, twist_re.size), dtype=np.float64)
    fold_twist_signed(polys, twist_re, twist_im, out)
    for r in range(polys.shape[0]):
        fft_forward(out[r, 0], out[r, 1], tw)
    return out


@njit(cache=True)
def backward_torus(spectra: np.ndarray, tables) -> np.ndarray:
    """Inverse of F for each spectrum (rows, 2, M), reduced mod 2**64 -> uint64 (rows, 2M)."""
    _, _, untwist_re, untwist_im, tw = tables
    half = untwist_re.size
    rows = spectra.shape[0]
    work = spectra.copy()
    out = np.empty((rows, 2 * half), dtype=np.uint64)
    for r in range(rows):
        fft_inverse(work[r, 0], work[r, 1], tw)
        for m in range(half):
            re = work[r, 0, m]
            im = work[r, 1, m]
            out[r, m] = torus_round(re * untwist_re[m] - im * untwist_im[m])
            out[r, m + half] = torus_round(re * untwist_im[m] + im * untwist_re[m])
    return out


def to_fourier(polys) -> np.ndarray:
    """F(P) for polynomials of shape (..., N) -> float64 spectra (..., 2, N/2), kernel order.

    ``uint64`` input is read as torus words (signed int64, then f64); ``int64`` input
    as exact small integers. Other integer types are converted to int64.
    """
    polys = np.asarray(polys)
    if polys.dtype == np.uint64:
        polys = polys.view(np.int64)
    polys = np.ascontiguousarray(polys, dtype=np.int64)
    size = polys.shape[-1]
    flat = polys.reshape(-1, size)
    return forward_signed(flat, fourier_tables(size)).reshape((*polys.shape[:-1], 2, size // 2))


def from_fourier(spectra) -> np.ndarray:
    """Inverse of :func:`to_fourier`, reduced mod 2**64: float64 (..., 2, M) -> uint64 (..., 2M)."""
    spectra = np.ascontiguousarray(spectra, dtype=np.float64)
    half = spectra.shape[-1]
    flat = spectra.reshape(-1, 2, half)
    return backward_torus(flat, fourier_tables(2 * half)).reshape(
        (*spectra.shape[:-2], 2 * half))


def spectral_product(a, b) -> np.ndarray:
    """Pointwise complex product of spectra (..., 2, M) (split real/imaginary parts)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    re = a[..., 0, :] * b[..., 0, :] - a[..., 1, :] * b[..., 1, :]
    im = a[..., 0, :] * b[..., 1, :] + a[..., 1, :] * b[..., 0, :]
    return np.stack([re, im], axis=-2)


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
    return from_fourier(spectral_product(torus_f, integer_f))
