"""GLWE ciphertexts over Z_(2**64)[X]/(X**N + 1) and sample extraction (tfhe-notes §1.2, §1.5).

Definition
----------
With a binary key S = (S_0, …, S_{k-1}) of shape (k, N), a GLWE ciphertext of a
plaintext polynomial PT has shape (k+1, N):

    A_i ← U(Z_q[X]/(X**N+1)),   E ← round(N(0, σ²)) per coefficient,
    B = Σ_i A_i·S_i + PT + E,   phase = B − Σ_i A_i·S_i.

Polynomial products with the key are exact (:func:`polynomial.key_product`).

Sample extraction of coefficient 0 gives an LWE ciphertext of dimension k·N under the
flattened key s'[iN + j] = S_i[j] (Concrete's "big" LWE key):

    a'[iN] = A_i[0],   a'[iN + j] = −A_i[N − j] (j = 1 … N−1),   b' = B[0].
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .polynomial import key_product

__all__ = ["encrypt_glwe", "glwe_phase", "sample_extract", "sample_extract_into", "trivial_glwe"]


def encrypt_glwe(plaintexts, glwe_key, noise_std_log2_mod: float, rng) -> np.ndarray:
    """GLWE encryptions of plaintext polynomials (..., N) -> uint64 (..., k+1, N).

    Parameters
    ----------
    plaintexts : uint64 (..., N), already encoded
    glwe_key : uint64 (k, N) binary
    noise_std_log2_mod : float
        log2 σ in units of 2**64 (use ``security.noise_std_log2_mod(k*N)``).
    rng : randomness source
    """
    plaintexts = np.asarray(plaintexts, dtype=np.uint64)
    glwe_key = np.asarray(glwe_key, dtype=np.uint64)
    glwe_dimension, size = glwe_key.shape
    lead = plaintexts.shape[:-1]
    cts = np.empty((*lead, glwe_dimension + 1, size), dtype=np.uint64)
    cts[..., :glwe_dimension, :] = rng.uniform_uint64((*lead, glwe_dimension, size))
    noise = rng.gaussian(plaintexts.shape, 2.0**noise_std_log2_mod).view(np.uint64)
    cts[..., glwe_dimension, :] = (
        key_product(cts[..., :glwe_dimension, :], glwe_key) + plaintexts + noise
    )
    return cts


def glwe_phase(cts, glwe_key) -> np.ndarray:
    """B − Σ A_i·S_i for ciphertexts (..., k+1, N) -> uint64 (..., N)."""
    cts = np.asarray(cts, dtype=np.uint64)
    glwe_dimension = cts.shape[-2] - 1
    return cts[..., glwe_dimension, :] - key_product(cts[..., :glwe_dimension, :], glwe_key)


def trivial_glwe(plaintexts, glwe_dimension: int) -> np.ndarray:
    """Noiseless (0, …, 0, PT): shape (..., k+1, N); for public constants (the PBS accumulator)."""
    plaintexts = np.asarray(plaintexts, dtype=np.uint64)
    cts = np.zeros(
        (*plaintexts.shape[:-1], glwe_dimension + 1, plaintexts.shape[-1]), dtype=np.uint64
    )
    cts[..., glwe_dimension, :] = plaintexts
    return cts


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
