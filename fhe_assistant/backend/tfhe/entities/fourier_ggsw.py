"""The Fourier GGSW: float64 (..., k+1, (k+1)·l, 2, N/2), output-major (tfhe-notes §2.4).

Every polynomial of a GGSW (l, k+1, k+1, N) (:mod:`..algorithms.ggsw_encryption`) is
converted as torus words to a spectrum (:mod:`..fft`) and laid out output-major:
[c, r·l + j] holds polynomial c of row (j, r), the order in which the multiply-add for
output c reads them (:mod:`..algorithms.fourier_multiply_add`), so a blind rotation
streams the bootstrapping key front to back. Files written before the kernel order hold
complex128 (..., l, k+1, k+1, N/2) spectra in the natural order:
:func:`ggsw_from_natural_order` and :func:`ggsw_to_natural_order` convert between the two.
"""

from __future__ import annotations

import numpy as np

from ..fft import kernel_order, natural_to_kernel_order, to_fourier

__all__ = [
    "ggsw_from_natural_order",
    "ggsw_to_fourier",
    "ggsw_to_natural_order",
    "output_major",
]


def ggsw_to_fourier(ggsw) -> np.ndarray:
    """Fourier form of GGSWs (..., l, k+1, k+1, N) -> float64 (..., k+1, (k+1)·l, 2, N/2)."""
    return output_major(to_fourier(np.asarray(ggsw, dtype=np.uint64)))


def output_major(spectra) -> np.ndarray:
    """GGSW spectra (..., l, k+1 [r], k+1 [c], 2, M) -> (..., k+1 [c], (k+1)·l [r·l + j], 2, M)."""
    spectra = np.asarray(spectra)
    *lead, level, rows, columns, two, half = spectra.shape
    moved = np.moveaxis(spectra, (-5, -4, -3), (-3, -4, -5))  # (..., c, r, j, 2, M)
    return np.ascontiguousarray(moved).reshape(*lead, columns, rows * level, two, half)


def ggsw_from_natural_order(spectra) -> np.ndarray:
    """Fourier GGSWs as stored before the kernel layout — complex128 (..., l, k+1, k+1, N/2),
    natural frequency order — converted to :func:`ggsw_to_fourier`'s layout."""
    return output_major(natural_to_kernel_order(spectra))


def ggsw_to_natural_order(ggsw_f, level: int) -> np.ndarray:
    """The inverse of :func:`ggsw_from_natural_order`: (..., k+1, (k+1)·l, 2, N/2) ->
    complex128 (..., l, k+1, k+1, N/2) in natural order (the layout older files hold)."""
    ggsw_f = np.asarray(ggsw_f)
    *lead, columns, rows_levels, _, half = ggsw_f.shape
    split = ggsw_f.reshape(*lead, columns, rows_levels // level, level, 2, half)
    spectra = np.moveaxis(split, (-5, -4, -3), (-3, -4, -5))  # (..., l, r, c, 2, M)
    natural = np.empty(spectra.shape[:-2] + (half,), dtype=np.complex128)
    natural[..., kernel_order(half)] = spectra[..., 0, :] + 1j * spectra[..., 1, :]
    return natural
