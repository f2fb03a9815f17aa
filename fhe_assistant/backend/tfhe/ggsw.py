"""GGSW ciphertexts (tfhe-notes §1.4).

Definition
----------
A GGSW encryption of a small integer μ (here a key bit) with gadget (b, l) under the
GLWE key S has shape (l, k+1, k+1, N): level j = 1 … l, row r = 0 … k, then a GLWE.
Row (j, r) is a GLWE encryption of zero to which μ·2**(64 − j·b) is added as a constant
polynomial in component r:

    r < k:  phase = −μ·2**(64 − j·b)·S_r      (added to the mask A_r)
    r = k:  phase =  μ·2**(64 − j·b)          (added to the body B)

The external product uses the GGSW in the Fourier domain (``ggsw_to_fourier``): every
polynomial converted as torus words (:mod:`fft`), laid out output-major as float64
(k+1, (k+1)·l, 2, N/2): [c, r·l + j] holds polynomial c of row (j, r), the order in which
the multiply-add for output c reads them.
"""

from __future__ import annotations

import numpy as np

from .fft import kernel_order, natural_to_kernel_order, to_fourier
from .glwe import encrypt_glwe

__all__ = [
    "encrypt_ggsw",
    "ggsw_from_natural_order",
    "ggsw_to_fourier",
    "ggsw_to_natural_order",
    "output_major",
]


def encrypt_ggsw(
    messages, glwe_key, base_log: int, level: int, noise_std_log2_mod: float, rng
) -> np.ndarray:
    """GGSW encryptions of small integers (m,) -> uint64 (m, l, k+1, k+1, N).

    Parameters
    ----------
    messages : int (m,) — the μ values (key bits for a bootstrapping key)
    glwe_key : uint64 (k, N) binary
    base_log, level : int — b and l of the gadget
    noise_std_log2_mod : float — log2 σ for GLWE dimension k·N
    rng : randomness source
    """
    words = np.asarray(messages).astype(np.int64).astype(np.uint64).reshape(-1)
    glwe_key = np.asarray(glwe_key, dtype=np.uint64)
    glwe_dimension, size = glwe_key.shape
    zeros = np.zeros((words.size, level, glwe_dimension + 1, size), dtype=np.uint64)
    cts = encrypt_glwe(zeros, glwe_key, noise_std_log2_mod, rng)
    for j in range(level):
        factor = np.uint64(1) << np.uint64(64 - (j + 1) * base_log)
        for r in range(glwe_dimension + 1):
            cts[:, j, r, r, 0] += words * factor
    return cts


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
