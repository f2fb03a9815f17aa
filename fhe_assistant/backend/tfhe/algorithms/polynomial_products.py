"""Exact polynomial operations in Z_(2**64)[X]/(X**N + 1) (tfhe-notes §1.2).

* Monomial product: X**r · P for r ∈ [0, 2N). Coefficient j of the result is
  P[(j - r) mod N], negated when the index wraps an odd number of times (X**N = -1).
* Key product: Σ_i A_i · S_i for uniform masks A (…, k, N) and a binary key S (k, N),
  **exact** modulo 2**64. Used to encrypt and to compute phases. The f64 FFT alone is not
  exact for 64-bit words (§2.3), so each mask is split into three limbs of at most 22 bits,
  A = Σ_t A_t·2**(22t); each limb product Σ_i A_{t,i}·S_i has integer coefficients below
  k·N·2**22 ≤ 2**53 and is recovered exactly by rounding the FFT result; the limbs are then
  recombined with wrap-around.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange
from rocket_fft import c2c

from ..fft.tables import twist_tables

__all__ = ["binary_key_fourier", "key_product", "monomial_mul", "monomial_mul_into"]

_LIMB_BITS = 22
_LIMB_COUNT = 3
_LIMB_MASK = np.uint64((1 << _LIMB_BITS) - 1)


@njit(cache=True)
def monomial_mul_into(poly: np.ndarray, power: int, out: np.ndarray) -> None:
    """out = X**power · poly mod X**N + 1 for uint64 poly (N,), power ∈ [0, 2N)."""
    size = poly.size
    head_sign = np.uint64(0)  # 0 - x: the wrapped head is negated for power < N
    if power >= size:
        power -= size
        head_sign = np.uint64(1)
    zero = np.uint64(0)
    # loops index views from 0 so numba emits no negative-index checks and LLVM vectorizes
    src_head = poly[size - power :]
    src_tail = poly[: size - power]
    out_tail = out[power:]
    if head_sign == 0:
        for j in range(power):
            out[j] = zero - src_head[j]
        for j in range(size - power):
            out_tail[j] = src_tail[j]
    else:
        for j in range(power):
            out[j] = src_head[j]
        for j in range(size - power):
            out_tail[j] = zero - src_tail[j]


def monomial_mul(polys, power: int) -> np.ndarray:
    """X**power · P for uint64 polynomials (..., N); power is taken mod 2N."""
    polys = np.ascontiguousarray(polys, dtype=np.uint64)
    size = polys.shape[-1]
    power = int(power) % (2 * size)
    flat = polys.reshape(-1, size)
    out = np.empty_like(flat)
    for r in range(flat.shape[0]):
        monomial_mul_into(flat[r], power, out[r])
    return out.reshape(polys.shape)


def binary_key_fourier(key: np.ndarray) -> np.ndarray:
    """F(S_i) of a binary GLWE key (k, N) -> complex128 (k, N/2), in the natural frequency
    order of :func:`_key_product`'s own transforms (rocket-fft; not the kernel order)."""
    key = np.ascontiguousarray(key, dtype=np.uint64).astype(np.float64)
    size = key.shape[-1]
    twist, _ = twist_tables(size)
    return np.fft.fft((key[:, : size // 2] + 1j * key[:, size // 2:]) * twist, axis=-1)


@njit(cache=True, parallel=True)
def _key_product(
    masks: np.ndarray,
    key_f: np.ndarray,
    twist: np.ndarray,
    untwist: np.ndarray,
    out: np.ndarray,
    chunks: int,
) -> None:
    rows, glwe_dimension, size = masks.shape
    half = size // 2
    axes = np.ones(1, dtype=np.int64)
    for chunk in prange(chunks):
        folded = np.empty((1, half), dtype=np.complex128)
        spectrum = np.empty((1, half), dtype=np.complex128)
        acc = np.empty((1, half), dtype=np.complex128)
        spatial = np.empty((1, half), dtype=np.complex128)
        for row in range(chunk * rows // chunks, (chunk + 1) * rows // chunks):
            for m in range(size):
                out[row, m] = np.uint64(0)
            for t in range(_LIMB_COUNT):
                shift = np.uint64(_LIMB_BITS * t)
                acc[0, :] = 0.0
                for i in range(glwe_dimension):
                    for m in range(half):
                        lo = np.float64(np.int64((masks[row, i, m] >> shift) & _LIMB_MASK))
                        hi = np.float64(np.int64((masks[row, i, m + half] >> shift) & _LIMB_MASK))
                        folded[0, m] = complex(lo, hi) * twist[m]
                    c2c(folded, spectrum, axes, True, 1.0, 1)
                    for m in range(half):
                        acc[0, m] += spectrum[0, m] * key_f[i, m]
                c2c(acc, spatial, axes, False, 1.0, 1)
                for m in range(half):
                    y = spatial[0, m] * untwist[m]
                    out[row, m] += np.uint64(np.int64(np.rint(y.real))) << shift
                    out[row, m + half] += np.uint64(np.int64(np.rint(y.imag))) << shift


def key_product(masks, key) -> np.ndarray:
    """Σ_i A_i·S_i mod (X**N + 1, 2**64), exactly, for masks (..., k, N) and a binary key (k, N).

    Returns uint64 (..., N).
    """
    masks = np.ascontiguousarray(masks, dtype=np.uint64)
    key = np.asarray(key, dtype=np.uint64)
    glwe_dimension, size = key.shape
    if masks.shape[-2:] != (glwe_dimension, size):
        raise ValueError(f"masks shape {masks.shape} does not end with the key shape {key.shape}")
    if glwe_dimension * size > 1 << 17:
        raise ValueError("k*N too large for exact limb products")
    twist, untwist = twist_tables(size)
    key_f = binary_key_fourier(key)
    flat = masks.reshape(-1, glwe_dimension, size)
    out = np.empty((flat.shape[0], size), dtype=np.uint64)
    _key_product(
        flat, key_f, twist, untwist, out, max(1, min(numba.get_num_threads(), flat.shape[0]))
    )
    return out.reshape((*masks.shape[:-2], size))
