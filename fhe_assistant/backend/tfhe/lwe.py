"""LWE ciphertexts and their leveled operations (tfhe-notes §1.1).

Definition
----------
An LWE ciphertext of dimension d under a binary key s ∈ {0,1}**d is a ``uint64`` vector
(a_0, …, a_{d-1}, b) with all arithmetic modulo 2**64:

    encryption:  a ← U(Z_q**d) (CSPRNG),  e ← round(N(0, σ²)),  b = Σ a_i·s_i + pt + e
    phase:       φ = b − Σ a_i·s_i = pt + e

Arrays of ciphertexts have shape ``(..., d+1)``; the body is the last word.

Leveled operations act word by word with wrap-around and map phases linearly:
``add``/``sub`` add the noise variances, ``neg`` keeps it, multiplying by a clear
integer w multiplies it by w², and a dot product with clear weights w_i gives
Σ w_i²·σ_i². Negative clear integers act as their two's complement modulo 2**64.

numpy pitfall (§5.7): ``uint64 array + np.int64 scalar`` is float64 in numpy; every
clear value is therefore converted to uint64 arrays before it meets a ciphertext.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .encoding import decode

__all__ = [
    "as_uint64_integers",
    "decrypt_lwe",
    "encrypt_lwe",
    "lwe_add",
    "lwe_add_plaintext",
    "lwe_dot",
    "lwe_mul_clear",
    "lwe_neg",
    "lwe_phase",
    "lwe_sub",
    "trivial_lwe",
]


@njit(cache=True)
def mask_dot_key(masks: np.ndarray, key: np.ndarray, out: np.ndarray) -> None:
    """out[r] = Σ_i masks[r, i]·key[i] mod 2**64 (uint64 rows (m, d), key (d,))."""
    for r in range(masks.shape[0]):
        acc = np.uint64(0)
        for i in range(masks.shape[1]):
            acc += masks[r, i] * key[i]
        out[r] = acc


def as_uint64_integers(values) -> np.ndarray:
    """Clear integers as uint64 words: negative values become their two's complement."""
    values = np.asarray(values)
    if values.dtype == np.uint64:
        return values
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"expected integers, got dtype {values.dtype}")
    return values.astype(np.int64).astype(np.uint64)


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
    plaintexts : uint64 array-like, any shape (already encoded, see :func:`encoding.encode`)
    key : uint64 (d,) binary secret key
    noise_std_log2_mod : float
        log2 of σ in units of 2**64 (use ``security.noise_std_log2_mod(d)``).
    rng : a randomness source (:func:`rng.make_random`)

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


def trivial_lwe(plaintexts, dimension: int) -> np.ndarray:
    """Noiseless encryptions (0, …, 0, pt) of dimension d; for public constants only."""
    plaintexts = np.asarray(plaintexts, dtype=np.uint64)
    cts = np.zeros((*plaintexts.shape, dimension + 1), dtype=np.uint64)
    cts[..., dimension] = plaintexts
    return cts


def lwe_add(lhs, rhs) -> np.ndarray:
    """Word-wise sum mod 2**64: phase(lhs) + phase(rhs)."""
    return np.add(np.asarray(lhs, dtype=np.uint64), np.asarray(rhs, dtype=np.uint64))


def lwe_sub(lhs, rhs) -> np.ndarray:
    """Word-wise difference mod 2**64: phase(lhs) − phase(rhs)."""
    return np.subtract(np.asarray(lhs, dtype=np.uint64), np.asarray(rhs, dtype=np.uint64))


def lwe_neg(cts) -> np.ndarray:
    """0 − ct word-wise: −phase."""
    return np.subtract(np.uint64(0), np.asarray(cts, dtype=np.uint64))


def lwe_mul_clear(cts, values) -> np.ndarray:
    """ct · w word-wise for clear integers w broadcast against ``cts.shape[:-1]``: w·phase."""
    words = as_uint64_integers(values)
    return np.multiply(np.asarray(cts, dtype=np.uint64), words[..., np.newaxis])


def lwe_add_plaintext(cts, plaintexts) -> np.ndarray:
    """Add encoded clear plaintext words to the body: phase + pt."""
    out = np.array(cts, dtype=np.uint64, copy=True)
    out[..., -1] += np.asarray(plaintexts, dtype=np.uint64)
    return out


@njit(cache=True)
def _weighted_sum(cts: np.ndarray, weights: np.ndarray, out: np.ndarray) -> None:
    for i in range(cts.shape[0]):
        for r in range(weights.shape[1]):
            w = weights[i, r]
            if w != 0:
                for t in range(cts.shape[1]):
                    out[r, t] += w * cts[i, t]


def lwe_dot(cts, weights) -> np.ndarray:
    """Σ_i w_i·ct_i mod 2**64 for ciphertexts (m, d+1) and clear integer weights.

    Parameters
    ----------
    cts : uint64 (m, d+1)
    weights : int (m,) -> result (d+1,), or (m, r) -> result (r, d+1) (a matrix product
        ``weights.T @ cts``, as in ``x @ W`` for an encrypted vector x).
    """
    cts = np.ascontiguousarray(cts, dtype=np.uint64)
    words = as_uint64_integers(weights)
    vector = words.ndim == 1
    matrix = np.ascontiguousarray(words.reshape(words.shape[0], -1))
    if matrix.shape[0] != cts.shape[0]:
        raise ValueError(f"{cts.shape[0]} ciphertexts but {matrix.shape[0]} weight rows")
    out = np.zeros((matrix.shape[1], cts.shape[1]), dtype=np.uint64)
    _weighted_sum(cts, matrix, out)
    return out[0] if vector else out
