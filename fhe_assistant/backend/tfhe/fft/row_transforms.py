"""In-place transforms of the rows of preallocated spectra buffers (the hot loops' FFT side).

The external product and the blind rotation keep their spectra in scratch buffers of rows
float64 (2, N/2) (:func:`..algorithms.external_product.allocate_scratch`): these kernels
transform rows in place with :mod:`.radix4` and bring inverse-transformed rows back to
polynomials, added into a GLWE, without allocating.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..cpu.vec4 import vfma, vfnma, vload, vmul, vstore
from .polynomial_transform import TWO_POW_64, TWO_POW_MINUS_64
from .radix4 import fft_forward, fft_inverse

__all__ = ["forward_rows", "inverse_rows", "untwist_round_add"]


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
