"""The negacyclic f64 FFT of Z_(2**64)[X]/(X**N + 1) (tfhe-notes §2; tfhe-rs ``fft64``).

One job a module: :mod:`.tables` (twist factors, twiddles), :mod:`.radix4` (the in-place
M-point transform on four SIMD lanes), :mod:`.polynomial_transform` (polynomial ↔ spectrum:
fold, twist, round mod 2**64; the approximate product), :mod:`.kernel_order` (the
transform's frequency order, for keys stored in the natural order) and :mod:`.schoolbook`
(the exact O(N²) product the tests compare with).
"""

from __future__ import annotations

from .kernel_order import kernel_order, natural_to_kernel_order
from .polynomial_transform import (
    from_fourier,
    negacyclic_product,
    spectral_product,
    to_fourier,
    torus_round,
)
from .radix4 import fft_forward, fft_inverse
from .schoolbook import negacyclic_product_schoolbook
from .tables import fft_twiddles, fourier_tables, twist_tables

__all__ = [
    "fft_forward",
    "fft_inverse",
    "fft_twiddles",
    "fourier_tables",
    "from_fourier",
    "kernel_order",
    "natural_to_kernel_order",
    "negacyclic_product",
    "negacyclic_product_schoolbook",
    "spectral_product",
    "to_fourier",
    "torus_round",
    "twist_tables",
]
