"""Leveled operations on LWE ciphertexts: sums, negation, products by clear integers
(tfhe-notes §1.1).

Definition
----------
They act word by word on (a, b) with wrap-around modulo 2**64 and map phases linearly:
``add``/``sub`` add the noise variances, ``neg`` keeps it, multiplying by a clear
integer w multiplies it by w², and a dot product with clear weights w_i gives
Σ w_i²·σ_i². Negative clear integers act as their two's complement modulo 2**64.

numpy pitfall (§5.7): ``uint64 array + np.int64 scalar`` is float64 in numpy; every
clear value is therefore converted to uint64 arrays before it meets a ciphertext.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "as_uint64_integers",
    "lwe_add",
    "lwe_add_plaintext",
    "lwe_dot",
    "lwe_mul_clear",
    "lwe_neg",
    "lwe_sub",
]


def as_uint64_integers(values) -> np.ndarray:
    """Clear integers as uint64 words: negative values become their two's complement."""
    values = np.asarray(values)
    if values.dtype == np.uint64:
        return values
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"expected integers, got dtype {values.dtype}")
    return values.astype(np.int64).astype(np.uint64)


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
