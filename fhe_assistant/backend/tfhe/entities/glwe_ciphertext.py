"""The GLWE ciphertext: ``uint64`` (..., k+1, N), mask polynomials then body (tfhe-notes §1.2).

A GLWE ciphertext of dimension k over Z_(2**64)[X]/(X**N + 1) holds k mask polynomials
A_0 … A_{k-1} and a body B; its phase B − Σ A_i·S_i under the binary key S (k, N) is
the plaintext polynomial plus noise. Encryption: :mod:`..algorithms.glwe_encryption`;
sample extraction to LWE: :mod:`..algorithms.sample_extraction`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["trivial_glwe"]


def trivial_glwe(plaintexts, glwe_dimension: int) -> np.ndarray:
    """Noiseless (0, …, 0, PT): shape (..., k+1, N); for public constants (the PBS accumulator)."""
    plaintexts = np.asarray(plaintexts, dtype=np.uint64)
    cts = np.zeros(
        (*plaintexts.shape[:-1], glwe_dimension + 1, plaintexts.shape[-1]), dtype=np.uint64
    )
    cts[..., glwe_dimension, :] = plaintexts
    return cts
