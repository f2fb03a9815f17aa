"""Twisted digit polynomials, the input of the Fourier external product (tfhe-notes §1.3, §2.1).

Definition
----------
For a polynomial C (uint64, N coefficients) and a gadget (b, l), the external product needs
the signed digits D_1 … D_l of C (:mod:`decomposition`), each folded and twisted for the
N/2-point FFT of :mod:`fft`:

    z_j[m] = (D_j[m] + i·D_j[m + N/2]) · w**m,   w = exp(iπ/N),   m < N/2,

written as split real and imaginary parts (rows of float64 (2, N/2), :mod:`fft`), ready
for the in-place FFT.

In the blind rotation C = X**a·ACC_r − ACC_r; :func:`rotate_decompose_into` fuses the
monomial product (coefficient t of X**a·P is ±P[(t − a) mod N]) into the decomposition,
so the rotated polynomial is never stored. With l = 1 a digit is one arithmetic shift,
d = int64(x + 2**(63−b)) >> (64−b) (§1.3), and the loop vectorizes.

Digits are converted to float64 through int64 (exact). Rows of the output buffer are
(r·l + j) for polynomial r and level j + 1, offset by ``first_row``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .fft import store_twisted
from .prefetch import prefetch

__all__ = ["decompose_twist_into", "rotate_decompose_into"]


@njit(cache=True)
def decompose_twist_into(
    lhs: np.ndarray,
    rhs: np.ndarray,
    base_log: int,
    level: int,
    tables,
    folded: np.ndarray,
    row: int,
) -> None:
    """Digits of (lhs − rhs) (uint64 (N,)), folded and twisted into rows row … row+l−1.

    Row row + j − 1 (float64 (2, N/2)) receives (D_j[m] + i·D_j[m + N/2])·w**m for level j.
    """
    twist_re = tables[0]
    twist_im = tables[1]
    half = twist_re.size
    lhs_hi = lhs[half:]
    rhs_hi = rhs[half:]
    if level == 1:
        rounding = np.uint64(1) << np.uint64(63 - base_log)
        down = np.int64(64 - base_log)
        out_re = folded[row, 0]
        out_im = folded[row, 1]
        for m in range(half):
            lo = np.float64(np.int64(lhs[m] - rhs[m] + rounding) >> down)
            hi = np.float64(np.int64(lhs_hi[m] - rhs_hi[m] + rounding) >> down)
            out_re[m] = lo * twist_re[m] - hi * twist_im[m]
            out_im[m] = lo * twist_im[m] + hi * twist_re[m]
        return
    total = base_log * level
    rounding = np.uint64(1) << np.uint64(63 - total)
    keep = np.uint64(64 - total)
    up = np.uint64(64 - base_log)
    down = np.int64(64 - base_log)
    bshift = np.uint64(base_log)
    for m in range(half):
        st_lo = (lhs[m] - rhs[m] + rounding) >> keep
        st_hi = (lhs_hi[m] - rhs_hi[m] + rounding) >> keep
        for j in range(level - 1, -1, -1):
            d_lo = np.int64(st_lo << up) >> down
            d_hi = np.int64(st_hi << up) >> down
            st_lo = (st_lo - np.uint64(d_lo)) >> bshift
            st_hi = (st_hi - np.uint64(d_hi)) >> bshift
            store_twisted(folded, row + j, m, np.float64(d_lo), np.float64(d_hi), twist_re,
                           twist_im)


_BLOCK = 32  # coefficients per prefetch block in the decomposition loop


@njit(cache=True)
def _digits_twist_segment(
    poly,
    src_lo,
    mask_lo,
    src_hi,
    mask_hi,
    offset,
    count,
    twist_re,
    twist_im,
    base_log,
    level,
    folded,
    row,
    target,
    prefetched,
    step,
    limit,
) -> int:
    """Twisted digits of (±P[src + m] − P[offset + m]) for m < count, both halves.

    For m in [0, count): the low coefficient is (±poly[src_lo + m]) − poly[offset + m], the
    high one (±poly[src_hi + m]) − poly[N/2 + offset + m]; their digits go to
    folded[row + j, offset + m] (level j + 1), twisted by w**(offset + m). ``mask_*`` is 0
    or all ones: (x ^ mask) + (mask & 1) is x or −x without a branch. Indices are unsigned
    so numba emits no negative-index checks and LLVM vectorizes the blocks. Before each
    block of ``_BLOCK`` coefficients, ``step`` more bytes of ``target`` are prefetched (up
    to ``limit``); returns the new prefetch offset.
    """
    one = np.uint64(1)
    add_lo = mask_lo & one
    add_hi = mask_hi & one
    half = np.uint64(poly.size // 2)
    u_offset = np.uint64(offset)
    u_src_lo = np.uint64(src_lo)
    u_src_hi = np.uint64(src_hi)
    if level == 1:
        rounding = one << np.uint64(63 - base_log)
        down = np.int64(64 - base_log)
        if prefetched >= limit:
            # no prefetching: one plain loop (vectorized)
            for q in range(count):
                m = np.uint64(q)
                at = u_offset + m
                x_lo = ((poly[u_src_lo + m] ^ mask_lo) + add_lo) - poly[at]
                x_hi = ((poly[u_src_hi + m] ^ mask_hi) + add_hi) - poly[half + at]
                lo = np.int64(x_lo + rounding) >> down
                hi = np.int64(x_hi + rounding) >> down
                store_twisted(folded, row, at, np.float64(lo), np.float64(hi), twist_re, twist_im)
            return prefetched
        blocks = count // _BLOCK
        for block in range(blocks + 1):
            if block < blocks:
                first = np.uint64(block * _BLOCK)
                width = _BLOCK
                if prefetched < limit:
                    for byte in range(prefetched, prefetched + step, 64):
                        prefetch(target, byte)
                    prefetched += step
            else:
                first = np.uint64(blocks * _BLOCK)
                width = count - blocks * _BLOCK
            for q in range(width):
                m = first + np.uint64(q)
                at = u_offset + m
                x_lo = ((poly[u_src_lo + m] ^ mask_lo) + add_lo) - poly[at]
                x_hi = ((poly[u_src_hi + m] ^ mask_hi) + add_hi) - poly[half + at]
                lo = np.int64(x_lo + rounding) >> down
                hi = np.int64(x_hi + rounding) >> down
                store_twisted(folded, row, at, np.float64(lo), np.float64(hi), twist_re, twist_im)
        return prefetched
    total = base_log * level
    rounding = one << np.uint64(63 - total)
    keep = np.uint64(64 - total)
    up = np.uint64(64 - base_log)
    down = np.int64(64 - base_log)
    bshift = np.uint64(base_log)
    for q in range(count):
        m = np.uint64(q)
        at = u_offset + m
        st_lo = (((poly[u_src_lo + m] ^ mask_lo) + add_lo) - poly[at] + rounding) >> keep
        st_hi = (((poly[u_src_hi + m] ^ mask_hi) + add_hi) - poly[half + at] + rounding) >> keep
        for j in range(level - 1, -1, -1):
            d_lo = np.int64(st_lo << up) >> down
            d_hi = np.int64(st_hi << up) >> down
            st_lo = (st_lo - np.uint64(d_lo)) >> bshift
            st_hi = (st_hi - np.uint64(d_hi)) >> bshift
            store_twisted(folded, row + j, at, np.float64(d_lo), np.float64(d_hi), twist_re,
                           twist_im)
    return prefetched


@njit(cache=True)
def rotate_decompose_into(
    acc, power, base_log, level, tables, folded, first_row, target, prefetch_bytes
) -> None:
    """Rows first_row … of ``folded`` = twisted digits of X**power·ACC − ACC (k+1 polynomials).

    The rotation is fused into the decomposition: coefficient j of X**a·P is
    ±P[(j − a) mod N], so each half (m and m + N/2) of the range splits into at most two
    segments with a contiguous source and a fixed sign. Meanwhile the first
    ``prefetch_bytes`` bytes of ``target`` (the next GGSW) are prefetched, spread evenly.
    """
    twist_re = tables[0]
    twist_im = tables[1]
    size = acc.shape[1]
    half = size // 2
    blocks = acc.shape[0] * (half // _BLOCK - 1)  # at least this many full blocks run
    step = (((prefetch_bytes + blocks - 1) // max(blocks, 1) + 63) // 64) * 64
    prefetched = 0
    flip = np.uint64(0)
    shift = power
    if shift >= size:
        shift -= size
        flip = ~np.uint64(0)
    plus = flip
    minus = ~flip
    for r in range(acc.shape[0]):
        poly = acc[r]
        row = first_row + r * level
        if shift < half:
            # lo: m < shift wraps (source m − shift + N); hi: m + N/2 ≥ shift never wraps
            prefetched = _digits_twist_segment(
                poly,
                size - shift,
                minus,
                half - shift,
                plus,
                0,
                shift,
                twist_re,
                twist_im,
                base_log,
                level,
                folded,
                row,
                target,
                prefetched,
                step,
                prefetch_bytes,
            )
            prefetched = _digits_twist_segment(
                poly,
                0,
                plus,
                half,
                plus,
                shift,
                half - shift,
                twist_re,
                twist_im,
                base_log,
                level,
                folded,
                row,
                target,
                prefetched,
                step,
                prefetch_bytes,
            )
        else:
            cut = shift - half
            # lo always wraps; hi wraps for m < shift − N/2
            prefetched = _digits_twist_segment(
                poly,
                size - shift,
                minus,
                size + half - shift,
                minus,
                0,
                cut,
                twist_re,
                twist_im,
                base_log,
                level,
                folded,
                row,
                target,
                prefetched,
                step,
                prefetch_bytes,
            )
            prefetched = _digits_twist_segment(
                poly,
                half,
                minus,
                0,
                plus,
                cut,
                half - cut,
                twist_re,
                twist_im,
                base_log,
                level,
                folded,
                row,
                target,
                prefetched,
                step,
                prefetch_bytes,
            )
