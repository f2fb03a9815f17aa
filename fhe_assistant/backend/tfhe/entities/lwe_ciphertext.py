"""The LWE ciphertext: ``uint64`` (..., d+1), masks then body (tfhe-notes §1.1).

An LWE ciphertext of dimension d under a binary key s ∈ {0,1}**d is the vector
(a_0, …, a_{d-1}, b) of words modulo 2**64 whose phase b − Σ a_i·s_i is the plaintext
plus noise. Arrays of ciphertexts have shape ``(..., d+1)``: the body is the last word.
Ciphertexts at rest have d = k·N (the flattened GLWE key); after a keyswitch d = n.
Encryption: :mod:`..algorithms.lwe_encryption`; leveled operations:
:mod:`..algorithms.lwe_linear_algebra`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["trivial_lwe"]


def trivial_lwe(plaintexts, dimension: int) -> np.ndarray:
    """Noiseless encryptions (0, …, 0, pt) of dimension d; for public constants only."""
    plaintexts = np.asarray(plaintexts, dtype=np.uint64)
    cts = np.zeros((*plaintexts.shape, dimension + 1), dtype=np.uint64)
    cts[..., dimension] = plaintexts
    return cts
