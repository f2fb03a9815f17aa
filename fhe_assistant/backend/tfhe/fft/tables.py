"""Constant tables of the negacyclic FFT: twist factors and the radix-4 twiddles.

With M = N/2 and w = exp(iπ/N), the forward transform folds and twists a polynomial by
w**m and the inverse untwists by w**(-m)/M (:mod:`.polynomial_transform`); the M-point
transform itself (:mod:`.radix4`) reads its twiddles in the order its passes run. All
tables are computed once per size, cached and read-only.
"""

from __future__ import annotations

from functools import cache

import numpy as np

__all__ = ["MIN_POLYNOMIAL_SIZE", "fft_twiddles", "fourier_tables", "twist_tables"]

MIN_POLYNOMIAL_SIZE = 32


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


def _odd_log2(size: int) -> bool:
    return (size.bit_length() - 1) % 2 == 1


@cache
def fft_twiddles(size: int) -> np.ndarray:
    """Twiddles of the M-point transform (M = ``size``), in the order the passes read them.

    Radix-2 pass (span h = M/2): per block of four j, w**j real parts then imaginary
    parts (8 values), w = exp(−2πi/M). Radix-4 pass with span h (block 4h): per block of
    four j, the real and imaginary parts of w**j, w**2j, w**3j (24 values), w = exp(−2πi/4h).
    """
    if size < 16 or size & (size - 1):
        raise ValueError(f"transform size must be a power of two >= 16, got {size}")
    parts = []
    span = size
    if _odd_log2(size):
        span = size // 2
        w = np.exp(-2j * np.pi * np.arange(span) / size).reshape(-1, 1, 4)
        parts.append(np.concatenate([w.real, w.imag], axis=1).reshape(-1))
    h = span // 4
    while h >= 4:
        j = np.arange(h)
        w = np.exp(-2j * np.pi * j / (4 * h))
        rows = [w, w**2, w**3]
        blocks = np.stack([f(r).reshape(-1, 4) for r in rows for f in (np.real, np.imag)], 1)
        parts.append(blocks.reshape(-1))
        h //= 4
    table = np.ascontiguousarray(np.concatenate(parts))
    table.flags.writeable = False
    return table


@cache
def fourier_tables(polynomial_size: int) -> tuple[np.ndarray, ...]:
    """(twist_re, twist_im, untwist_re, untwist_im, twiddles): what the kernels take."""
    if polynomial_size < MIN_POLYNOMIAL_SIZE:
        raise ValueError(
            f"polynomial_size must be at least {MIN_POLYNOMIAL_SIZE}, got {polynomial_size}")
    twist, untwist = twist_tables(polynomial_size)
    tables = tuple(np.ascontiguousarray(t) for t in (twist.real, twist.imag, untwist.real,
                                                     untwist.imag))
    for table in tables:
        table.flags.writeable = False
    return (*tables, fft_twiddles(polynomial_size // 2))
