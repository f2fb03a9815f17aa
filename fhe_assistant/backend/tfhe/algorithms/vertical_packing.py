"""Vertical packing: a table of 2**q words read at an index given by q GGSW bits
(ePrint 2022/704 §4, "hybrid" packing: CMux tree, then blind rotation; tfhe-notes §1.4).

Definition
----------
Let x = Σ_i x_i·2**i with GGSW_f(x_i) (Fourier, bit 0 first; :mod:`.circuit_bootstrap`),
N the polynomial size, r = min(q, log2 N) rotation bits and t = q − r tree bits.

1. **Packing**: the table is cut into 2**t polynomials P_u[c] = table[u·N + c] (zero
   padded when 2**q < N), each a trivial GLWE (0, …, 0, P_u).
2. **CMux tree** over bits r … q−1: the GLWEs are paired (2u, 2u+1) and replaced by
   CMux(GGSW(x_b), C_2u, C_2u+1) = C_2u + GGSW(x_b) ⊡ (C_2u+1 − C_2u), bit b = r first
   (it is the low bit of u), until one GLWE holds P_(x >> r).
3. **Blind rotation** by the low r bits: for i < r, ACC ← ACC + GGSW(x_i) ⊡ (X**(−2**i)·ACC
   − ACC), so ACC = X**(−(x mod 2**r))·P: coefficient 0 is table[x] (x mod 2**r < N: no
   negacyclic sign). The rotated ACC is stored and the product taken with
   :func:`.external_product.external_product_accumulate_into`, whose digits are balanced
   (mean 0): the bootstrap's fused rotate-and-decompose keeps digits of mean −1/2, which a
   circuit-bootstrapped GGSW (mask-row errors −S_r·e, following the key) turns into a
   coherent e·Σ S_r/2 term (×10 the variance at b_cb = 4, l_cb = 4, measured).
4. **Sample extraction** of coefficient 0: an LWE under the big key.

Cost: 2**t − 1 + r CMuxes with the circuit bootstrap's gadget. Noise: each CMux on the path
adds one external product (the first tree level's differences are trivial GLWEs, whose
masks decompose exactly); the table words themselves are exact.

Several tables and several inputs run in one call, ``prange`` over (input, table) pairs.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from ..fft.tables import fourier_tables
from .external_product import allocate_scratch, external_product_accumulate_into
from .polynomial_products import monomial_mul_into
from .sample_extraction import sample_extract_into

__all__ = ["pack_tables", "vertical_packing"]


def pack_tables(tables, polynomial_size: int) -> tuple[np.ndarray, int]:
    """Tables (D, 2**q) of words -> (polynomials (D, 2**t, N), r) with r rotation bits."""
    tables = np.ascontiguousarray(tables, dtype=np.uint64)
    count, entries = tables.shape
    bits = entries.bit_length() - 1
    if entries != 1 << bits:
        raise ValueError(f"a table has 2**q entries, got {entries}")
    rotation_bits = min(bits, polynomial_size.bit_length() - 1)
    leaves = 1 << (bits - rotation_bits)
    polys = np.zeros((count, leaves, polynomial_size), dtype=np.uint64)
    width = min(entries, polynomial_size)
    polys[:, :, :width] = tables.reshape(count, leaves, width)
    return polys, rotation_bits


@njit(cache=True)
def vertical_packing_one_into(ggsw_f, polys, rotation_bits, base_log, level, tables, out):
    """One table: ``ggsw_f`` (q, k+1, (k+1)·l, 2, N/2), ``polys`` (2**t, N) -> LWE ``out``."""
    columns = ggsw_f.shape[1]
    leaves, size = polys.shape
    scratch = allocate_scratch(columns - 1, size, level)
    glwes = np.zeros((leaves, columns, size), dtype=np.uint64)
    for u in range(leaves):
        glwes[u, columns - 1] = polys[u]
    merged = np.empty((columns, size), dtype=np.uint64)
    count = leaves
    bit = rotation_bits
    while count > 1:
        for u in range(count // 2):
            merged[:] = glwes[2 * u]
            external_product_accumulate_into(ggsw_f[bit], glwes[2 * u + 1], glwes[2 * u],
                                             base_log, level, tables, scratch, merged)
            glwes[u] = merged
        count //= 2
        bit += 1
    acc = glwes[0]
    for i in range(rotation_bits):  # the rotation is stored, so the digits are balanced ones
        for c in range(columns):
            monomial_mul_into(acc[c], 2 * size - (1 << i), merged[c])
        external_product_accumulate_into(ggsw_f[i], merged, acc, base_log, level, tables,
                                         scratch, acc)
    sample_extract_into(acc, out)


@njit(cache=True, parallel=True)
def _vertical_packing_all(ggsw_f, polys, rotation_bits, base_log, level, tables, out):
    """out[b, d] = table d read at input b: ``ggsw_f`` (B, q, …), ``polys`` (D, 2**t, N)."""
    inputs = ggsw_f.shape[0]
    count = polys.shape[0]
    for job in prange(inputs * count):
        b = job // count
        d = job % count
        vertical_packing_one_into(ggsw_f[b], polys[d], rotation_bits, base_log, level, tables,
                                  out[b, d])


def vertical_packing(ggsw_f, tables, base_log: int) -> np.ndarray:
    """Tables (D, 2**q) of uint64 words read at the index whose bits the GGSWs encrypt.

    Parameters
    ----------
    ggsw_f : float64 (B, q, k+1, (k+1)·l, 2, N/2): B inputs, bit 0 first (Fourier GGSWs)
    tables : uint64 (D, 2**q) (or (2**q,)): the words to read (already encoded)
    base_log : the GGSWs' gadget base log (their level is read from the shape)

    Returns
    -------
    uint64 (B, D, k·N + 1): LWEs under the big key of table_d[x_b].
    """
    ggsw_f = np.ascontiguousarray(ggsw_f, dtype=np.float64)
    tables = np.atleast_2d(np.asarray(tables, dtype=np.uint64))
    inputs, bits, columns, rows, _, half = ggsw_f.shape
    size = 2 * half
    if tables.shape[1] != 1 << bits:
        raise ValueError(f"{bits} GGSW bits index tables of {1 << bits} words, got "
                         f"{tables.shape[1]}")
    polys, rotation_bits = pack_tables(tables, size)
    out = np.empty((inputs, tables.shape[0], (columns - 1) * size + 1), dtype=np.uint64)
    threads = numba.get_num_threads()
    if inputs * tables.shape[0] == 1 or threads == 1:
        for b in range(inputs):
            for d in range(tables.shape[0]):
                vertical_packing_one_into(ggsw_f[b], polys[d], rotation_bits, base_log,
                                          rows // columns, fourier_tables(size), out[b, d])
    else:
        _vertical_packing_all(ggsw_f, polys, rotation_bits, base_log, rows // columns,
                              fourier_tables(size), out)
    return out
