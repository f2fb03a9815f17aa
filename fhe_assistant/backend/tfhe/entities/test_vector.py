"""The test vector of a programmable bootstrap: a table spread over N words (tfhe-notes §1.5).

Definition (half-box shift)
---------------------------
For a table f of 2**p entries, output encoding Δ_out = 2**(63 − p_out) (two's complement
mod 2**(p_out+1)), box = N / 2**p and h = box/2:

    TV[j] = Δ_out·f(⌊(j + h)/box⌋)   for j < N − h,
    TV[j] = −Δ_out·f(0)              for N − h ≤ j < N.

A blind rotation by a phase x·box + e with |e| < h then reads f(x); the negated tail maps
a slightly negative phase of message 0 back to +f(0). What a lookup through it computes:
:func:`..algorithms.table_lookup.lookup_reference`.
"""

from __future__ import annotations

import numpy as np

from fhe_assistant.crypto.parameters import TFHEParameters

from .plaintext import encode

__all__ = ["make_test_vectors", "word_test_vectors"]


def make_test_vectors(
    tables, params: TFHEParameters, output_message_bit_width: int | None = None
) -> np.ndarray:
    """Test vectors for tables (m, 2**p) of integers -> uint64 (m, N).

    Parameters
    ----------
    tables : int (m, 2**p) or (2**p,); entry [t, i] is the output for input message i.
        Values are taken mod 2**(p_out+1) (negative values in two's complement).
    params : TFHEParameters — p = ``message_bit_width`` and N = ``polynomial_size``
    output_message_bit_width : int, optional
        p_out for the output encoding Δ_out = 2**(63 − p_out); defaults to p.
    """
    p = params.message_bit_width
    p_out = p if output_message_bit_width is None else output_message_bit_width
    tables = np.asarray(tables, dtype=np.int64)
    if tables.ndim == 1:
        tables = tables[np.newaxis, :]
    if tables.ndim != 2 or tables.shape[1] != 1 << p:
        raise ValueError(f"tables must have shape (m, {1 << p}), got {tables.shape}")
    size = params.polynomial_size
    box = size >> p
    if box < 2:
        raise ValueError(
            f"polynomial_size {size} is too small for {p}-bit tables (need N >= 2**(p+1))"
        )
    return word_test_vectors(encode(tables, p_out), size)


def word_test_vectors(words, polynomial_size: int) -> np.ndarray:
    """Test vectors for tables (m, 2**p) of output *words* (already encoded, uint64) -> (m, N).

    The half-box layout of the module docstring with Δ_out·f replaced by the given words
    (the WoP lookup's digit bootstraps output arbitrary words, :mod:`..algorithms.wop_pbs`).
    """
    words = np.atleast_2d(np.asarray(words, dtype=np.uint64))
    size = polynomial_size
    box = size // words.shape[1]
    if box < 2 or box * words.shape[1] != size:
        raise ValueError(f"polynomial_size {size} cannot hold tables of {words.shape[1]} "
                         f"entries (need N >= 2 * entries, both powers of two)")
    half_box = box // 2
    boxes = np.repeat(words, box, axis=1)
    shifted = np.roll(boxes, -half_box, axis=1)
    shifted[:, size - half_box :] = np.uint64(0) - shifted[:, size - half_box :]
    return np.ascontiguousarray(shifted)
