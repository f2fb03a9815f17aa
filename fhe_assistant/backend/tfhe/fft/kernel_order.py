"""Where each frequency lands: the kernel order of :func:`.radix4.fft_forward`'s output.

Bootstrapping keys made before this layout (complex128 (..., N/2), natural order) are
converted with :func:`natural_to_kernel_order` (used by
:func:`..entities.fourier_ggsw.ggsw_from_natural_order`).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .radix4 import fft_forward
from .tables import fourier_tables

__all__ = ["kernel_order", "natural_to_kernel_order"]


@cache
def kernel_order(half: int) -> np.ndarray:
    """perm with spectrum_kernel[..., i] = spectrum_natural[..., perm[i]] for M = ``half``:
    transform the signal whose DFT at frequency f is f and read where each f landed."""
    signal = np.fft.ifft(np.arange(half, dtype=np.float64))
    re = np.ascontiguousarray(signal.real)
    im = np.ascontiguousarray(signal.imag)
    fft_forward(re, im, fourier_tables(2 * half)[4])
    perm = np.rint(re).astype(np.int64)
    if not np.array_equal(np.sort(perm), np.arange(half)):
        raise AssertionError("kernel order is not a permutation")  # a broken transform
    perm.flags.writeable = False
    return perm


def natural_to_kernel_order(spectra) -> np.ndarray:
    """complex128 spectra (..., M) in natural frequency order (keys made before the kernel
    order) -> float64 (..., 2, M) in kernel order."""
    spectra = np.asarray(spectra, dtype=np.complex128)
    permuted = spectra[..., kernel_order(spectra.shape[-1])]
    return np.ascontiguousarray(np.stack([permuted.real, permuted.imag], axis=-2))
