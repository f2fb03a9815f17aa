"""Sample extraction: coefficient 0 of a GLWE as an LWE under the flattened key (tfhe-notes §1.5).

Definition
----------
For a GLWE (A_0, …, A_{k-1}, B) (k+1, N) under S, coefficient 0 of its phase is the phase
of the LWE ciphertext of dimension k·N under the flattened key s'[iN + j] = S_i[j]
(Concrete's "big" LWE key):

    a'[iN] = A_i[0],   a'[iN + j] = −A_i[N − j] (j = 1 … N−1),   b' = B[0].
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["sample_extract", "sample_extract_into"]


@njit(cache=True)
def sample_extract_into(glwe: np.ndarray, out: np.ndarray) -> None:
    """Coefficient 0 of one GLWE (k+1, N) into an LWE (k·N + 1,) under the flattened key."""
    glwe_dimension = glwe.shape[0] - 1
    size = glwe.shape[1]
    zero = np.uint64(0)
    for i in range(glwe_dimension):
        base = i * size
        out[base] = glwe[i, 0]
        for j in range(1, size):
            out[base + j] = zero - glwe[i, size - j]
    out[glwe_dimension * size] = glwe[glwe_dimension, 0]


def sample_extract(cts) -> np.ndarray:
    """Sample-extract coefficient 0: GLWE (..., k+1, N) -> LWE (..., k·N + 1)."""
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    glwe_dimension, size = cts.shape[-2] - 1, cts.shape[-1]
    flat = cts.reshape(-1, glwe_dimension + 1, size)
    out = np.empty((flat.shape[0], glwe_dimension * size + 1), dtype=np.uint64)
    for r in range(flat.shape[0]):
        sample_extract_into(flat[r], out[r])
    return out.reshape((*cts.shape[:-2], glwe_dimension * size + 1))
