"""The exact negacyclic product by the O(N²) schoolbook rule: the reference the FFT is
tested against."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["negacyclic_product_schoolbook"]


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
