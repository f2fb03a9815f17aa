"""LWE encryption, phase and decryption (tfhe-notes §1.1).

Definition
----------
Under a binary key s ∈ {0,1}**d (ciphertext layout: :mod:`..entities.lwe_ciphertext`):

    encryption:  a ← U(Z_q**d) (CSPRNG),  e ← round(N(0, σ²)),  b = Σ a_i·s_i + pt + e
    phase:       φ = b − Σ a_i·s_i = pt + e
    decryption:  decode(φ) (:mod:`..entities.plaintext`)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..entities.plaintext import decode

__all__ = ["decrypt_lwe", "encrypt_lwe", "lwe_phase", "mask_dot_key"]


@njit(cache=True)
def mask_dot_key(masks: np.ndarray, key: np.ndarray, out: np.ndarray) -> None:
    """out[r] = Σ_i masks[r, i]·key[i] mod 2**64 (uint64 rows (m, d), key (d,))."""
    for r in range(masks.shape[0]):
        acc = np.uint64(0)
        for i in range(masks.shape[1]):
            acc += masks[r, i] * key[i]
        out[r] = acc


def _mask_dot(masks: np.ndarray, key: np.ndarray) -> np.ndarray:
    dimension = key.shape[0]
    flat = np.ascontiguousarray(masks).reshape(-1, dimension)
    out = np.empty(flat.shape[0], dtype=np.uint64)
    mask_dot_key(flat, np.ascontiguousarray(key, dtype=np.uint64), out)
    return out.reshape(masks.shape[:-1])


def encrypt_lwe(plaintexts, key, noise_std_log2_mod: float, rng) -> np.ndarray:
    """LWE encryptions of plaintext words: (a, Σ a_i s_i + pt + e).

    Parameters
    ----------
    plaintexts : uint64 array-like, any shape
        (already encoded, see :func:`..entities.plaintext.encode`)
    key : uint64 (d,) binary secret key
    noise_std_log2_mod : float
        log2 of σ in units of 2**64 (use ``security.noise_std_log2_mod(d)``).
    rng : a randomness source (:func:`..rng.make_random`)

    Returns
    -------
    uint64 array of shape ``(*plaintexts.shape, d+1)``.
    """
    plaintexts = np.asarray(plaintexts, dtype=np.uint64)
    key = np.asarray(key, dtype=np.uint64)
    dimension = key.shape[0]
    cts = np.empty((*plaintexts.shape, dimension + 1), dtype=np.uint64)
    cts[..., :dimension] = rng.uniform_uint64((*plaintexts.shape, dimension))
    noise = rng.gaussian(plaintexts.shape, 2.0**noise_std_log2_mod).view(np.uint64)
    cts[..., dimension] = _mask_dot(cts[..., :dimension], key) + plaintexts + noise
    return cts


def lwe_phase(cts, key) -> np.ndarray:
    """φ = b − Σ a_i·s_i mod 2**64 for ciphertexts (..., d+1) -> uint64 (...)."""
    cts = np.asarray(cts, dtype=np.uint64)
    dimension = cts.shape[-1] - 1
    return cts[..., dimension] - _mask_dot(cts[..., :dimension], key)


def decrypt_lwe(cts, key, message_bit_width: int, is_signed: bool = False) -> np.ndarray:
    """Decode the phases of ciphertexts (..., d+1) -> int64 messages (...)."""
    return decode(lwe_phase(cts, key), message_bit_width, is_signed)
