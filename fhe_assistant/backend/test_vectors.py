"""Test vectors (PBS accumulators) for tables, with input and output precisions of their own.

A lookup reads a ciphertext encoded at precision ``p_in`` (Δ_in = 2**(63 − p_in)) and writes
one at ``p_out``. After the modulus switch to 2N, input message ``i`` lands at ``i·box`` with
``box = N / 2**p_in``. The accumulator holds ``table[i]·Δ_out`` on box ``i``, shifted by half a
box so that noise on either side of ``i·box`` reads the same entry; its last half box holds
``−table[0]``, which the negacyclic wrap turns back into ``+table[0]`` for slightly negative
phases (tfhe-notes §1.5). Inputs with the padding bit set (``i ≥ 2**p_in``) read
``−table[i − 2**p_in]``.
"""
from __future__ import annotations

import numpy as np

from .tfhe.encoding import encode


def make_test_vectors(tables: np.ndarray, input_precision: int, output_precision: int,
                      polynomial_size: int) -> np.ndarray:
    """Accumulators ``(m, N)`` uint64 for ``m`` tables of ``2**input_precision`` entries."""
    tables = np.atleast_2d(np.asarray(tables, dtype=np.int64))
    entries = 1 << input_precision
    if tables.shape[1] != entries:
        raise ValueError(f"tables have {tables.shape[1]} entries, expected {entries}")
    box = polynomial_size // entries
    if box < 2:
        raise ValueError(f"polynomial size {polynomial_size} is too small for "
                         f"{input_precision}-bit lookups (needs at least 2 coefficients a box)")
    half = box // 2
    positions = np.arange(polynomial_size)
    index = (positions + half) // box                     # entries + half-box shift
    wrapped = index >= entries                           # the last half box: −table[0]
    index = np.where(wrapped, 0, index)
    values = tables[:, index]
    values = np.where(wrapped[None, :], -values, values)
    return encode(values, output_precision)
