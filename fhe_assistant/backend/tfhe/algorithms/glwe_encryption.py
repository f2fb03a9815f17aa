"""GLWE encryption and phase over Z_(2**64)[X]/(X**N + 1) (tfhe-notes §1.2).

Definition
----------
With a binary key S = (S_0, …, S_{k-1}) of shape (k, N) (ciphertext layout:
:mod:`..entities.glwe_ciphertext`):

    A_i ← U(Z_q[X]/(X**N+1)),   E ← round(N(0, σ²)) per coefficient,
    B = Σ_i A_i·S_i + PT + E,   phase = B − Σ_i A_i·S_i.

Polynomial products with the key are exact (:func:`.polynomial_products.key_product`).
"""

from __future__ import annotations

import numpy as np

from .polynomial_products import key_product

__all__ = ["encrypt_glwe", "glwe_phase"]


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
