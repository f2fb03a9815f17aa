"""GGSW encryption of small integers (tfhe-notes §1.4).

Definition
----------
A GGSW encryption of a small integer μ (here a key bit) with gadget (b, l) under the
GLWE key S has shape (l, k+1, k+1, N): level j = 1 … l, row r = 0 … k, then a GLWE.
Row (j, r) is a GLWE encryption of zero to which μ·2**(64 − j·b) is added as a constant
polynomial in component r:

    r < k:  phase = −μ·2**(64 − j·b)·S_r      (added to the mask A_r)
    r = k:  phase =  μ·2**(64 − j·b)          (added to the body B)

The external product reads it in the Fourier domain (:mod:`..entities.fourier_ggsw`).
"""

from __future__ import annotations

import numpy as np

from .glwe_encryption import encrypt_glwe

__all__ = ["encrypt_ggsw"]


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
