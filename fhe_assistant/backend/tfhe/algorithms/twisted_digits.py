"""Twisted digit polynomials, the input of the Fourier external product (tfhe-notes §1.3, §2.1).

Definition
----------
For a polynomial C (uint64, N coefficients) and a gadget (b, l), the external product needs
the signed digits D_1 … D_l of C (:mod:`.decomposition`), each folded and twisted for the
N/2-point FFT of :mod:`..fft`:

    z_j[m] = (D_j[m] + i·D_j[m + N/2]) · w**m,   w = exp(iπ/N),   m < N/2,

written as split real and imaginary parts (rows of float64 (2, N/2), :mod:`..fft`), ready
for the in-place FFT.

In the blind rotation C = X**a·ACC_r − ACC_r; :func:`rotate_decompose_into` fuses the
monomial product (coefficient t of X**a·P is ±P[(t − a) mod N]) into the decomposition,
so the rotated polynomial is never stored. With l = 1 a digit is one arithmetic shift,
d = int64(x + 2**(63−b)) >> (64−b) (§1.3), and the loop vectorizes.

:func:`decompose_twist_into` (the plain external product: circuit-bootstrapped GGSWs, the
scheme switch) takes :mod:`.decomposition`'s balanced digits (mean 0; a GGSW whose rows'
errors follow the key would otherwise collect them coherently); the blind rotation's
:func:`rotate_decompose_into` keeps the cheaper digits in [−B/2, B/2) (mean −1/2, harmless
against the bootstrapping key's independent noise; the balanced loop measured +7 % a
bootstrap at l = 2).

Digits are converted to float64 through int64 (exact). Rows of the output buffer are
(r·l + j) for polynomial r and level j + 1, offset by ``first_row``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..cpu.prefetch import prefetch
from ..fft.polynomial_transform import store_twisted

__all__ = ["decompose_twist_into", "rotate_decompose_into"]

_BLOCK = 32  # coefficients per prefetch block in the decomposition loop


@njit(cache=True, inline="always")
def _level1_digits(lhs, rhs, segment, first, width, base_log, twist_re, twist_im, folded, row):
    """Level-1 digits of segment coefficients first … first + width − 1 (one vectorized loop).

    Coefficient m of the segment is (±lhs[src_lo + m]) − rhs[offset + m] in the low half and
    (±lhs[src_hi + m]) − rhs[N/2 + offset + m] in the high half; its digits, d =
    int64(x + 2**(63−b)) >> (64−b), are stored twisted by w**(offset + m) in row ``row``.
    """
    src_lo, mask_lo, src_hi, mask_hi, offset = segment
    one = np.uint64(1)
    add_lo = mask_lo & one
    add_hi = mask_hi & one
    half = np.uint64(rhs.size // 2)
    rounding = one << np.uint64(63 - base_log)
    down = np.int64(64 - base_log)
    for q in range(width):
        m = first + np.uint64(q)
        at = offset + m
        x_lo = ((lhs[src_lo + m] ^ mask_lo) + add_lo) - rhs[at]
        x_hi = ((lhs[src_hi + m] ^ mask_hi) + add_hi) - rhs[half + at]
        lo = np.int64(x_lo + rounding) >> down
        hi = np.int64(x_hi + rounding) >> down
        store_twisted(folded, row, at, np.float64(lo), np.float64(hi), twist_re, twist_im)


@njit(cache=True)
def _digits_twist_segment(lhs, rhs, segment, count, tables, base_log, level, folded, row,
                          prefetching, prefetched, balanced=False) -> int:
    """Twisted digits of a segment of ``count`` coefficients, both halves, all levels.

    ``segment`` = (src_lo, mask_lo, src_hi, mask_hi, offset) as uint64, read as in
    :func:`_level1_digits`; level j + 1 goes to row ``row + j``. ``mask_*`` is 0 or all
    ones: (x ^ mask) + (mask & 1) is x or −x without a branch. Indices are unsigned so
    numba emits no negative-index checks and LLVM vectorizes the loops. ``prefetching`` =
    (target, step, limit): before each block of ``_BLOCK`` coefficients (level 1 only),
    ``step`` more bytes of ``target`` are prefetched, up to ``limit``; ``prefetched`` is
    the offset reached so far, and the new one is returned.
    """
    twist_re = tables[0]
    twist_im = tables[1]
    target, step, limit = prefetching
    if level == 1 and not balanced:
        if prefetched >= limit:  # no prefetching: one plain loop
            _level1_digits(lhs, rhs, segment, np.uint64(0), count, base_log, twist_re, twist_im,
                           folded, row)
            return prefetched
        blocks = count // _BLOCK
        for block in range(blocks):
            if prefetched < limit:
                for byte in range(prefetched, prefetched + step, 64):
                    prefetch(target, byte)
                prefetched += step
            _level1_digits(lhs, rhs, segment, np.uint64(block * _BLOCK), _BLOCK, base_log,
                           twist_re, twist_im, folded, row)
        _level1_digits(lhs, rhs, segment, np.uint64(blocks * _BLOCK), count - blocks * _BLOCK,
                       base_log, twist_re, twist_im, folded, row)
        return prefetched
    if balanced:
        _generic_digits_balanced(lhs, rhs, segment, count, tables, base_log, level, folded, row)
    else:
        _generic_digits(lhs, rhs, segment, count, tables, base_log, level, folded, row)
    return prefetched


@njit(cache=True, inline="always")
def _generic_digits(lhs, rhs, segment, count, tables, base_log, level, folded, row):
    """Digits in [−B/2, B/2) at any level count (mean −1/2: harmless against a bootstrapping
    key's independent noise, and the cheapest loop: the blind rotation's)."""
    twist_re = tables[0]
    twist_im = tables[1]
    src_lo, mask_lo, src_hi, mask_hi, offset = segment
    one = np.uint64(1)
    add_lo = mask_lo & one
    add_hi = mask_hi & one
    half = np.uint64(rhs.size // 2)
    total = base_log * level
    rounding = one << np.uint64(63 - total)
    keep = np.uint64(64 - total)
    up = np.uint64(64 - base_log)
    down = np.int64(64 - base_log)
    bshift = np.uint64(base_log)
    for q in range(count):
        m = np.uint64(q)
        at = offset + m
        st_lo = (((lhs[src_lo + m] ^ mask_lo) + add_lo) - rhs[at] + rounding) >> keep
        st_hi = (((lhs[src_hi + m] ^ mask_hi) + add_hi) - rhs[half + at] + rounding) >> keep
        for j in range(level - 1, -1, -1):
            d_lo = np.int64(st_lo << up) >> down
            d_hi = np.int64(st_hi << up) >> down
            st_lo = (st_lo - np.uint64(d_lo)) >> bshift
            st_hi = (st_hi - np.uint64(d_hi)) >> bshift
            store_twisted(folded, row + j, at, np.float64(d_lo), np.float64(d_hi), twist_re,
                          twist_im)


@njit(cache=True, inline="always")
def _generic_digits_balanced(lhs, rhs, segment, count, tables, base_log, level, folded, row):
    """Balanced digits (:mod:`.decomposition`'s tie rule, mean 0) at any level count."""
    twist_re = tables[0]
    twist_im = tables[1]
    src_lo, mask_lo, src_hi, mask_hi, offset = segment
    one = np.uint64(1)
    add_lo = mask_lo & one
    add_hi = mask_hi & one
    half = np.uint64(rhs.size // 2)
    total = base_log * level
    rounding = one << np.uint64(63 - total)
    keep = np.uint64(64 - total)
    up = np.uint64(64 - base_log)
    down = np.int64(64 - base_log)
    bshift = np.uint64(base_log)
    low = -(np.int64(1) << np.int64(base_log - 1))
    sign_bit = one << np.uint64(base_log - 1)
    width = np.int64(base_log)
    for q in range(count):
        m = np.uint64(q)
        at = offset + m
        x_lo = ((lhs[src_lo + m] ^ mask_lo) + add_lo) - rhs[at]
        x_hi = ((lhs[src_hi + m] ^ mask_hi) + add_hi) - rhs[half + at]
        st_lo = (x_lo + rounding) >> keep
        st_hi = (x_hi + rounding) >> keep
        # balanced ties (:mod:`.decomposition`): digits of mean 0, not −1/2 — a GGSW whose
        # rows' errors follow the key (a circuit bootstrap's −S_r·e) would otherwise collect
        # e·(−1/2)·Σ S_r coherently, ~N/4 times e a row. A tie d = −B/2 becomes +B/2 (adding B,
        # branch-free) when the next digit is ≥ 0 (its top bit clear), or for the top digit
        # when x ≥ 0 as int64.
        for j in range(level - 1, 0, -1):
            d_lo = np.int64(st_lo << up) >> down
            d_hi = np.int64(st_hi << up) >> down
            d_lo += np.int64((d_lo == low) & ((st_lo >> bshift) & sign_bit == 0)) << width
            d_hi += np.int64((d_hi == low) & ((st_hi >> bshift) & sign_bit == 0)) << width
            st_lo = (st_lo - np.uint64(d_lo)) >> bshift
            st_hi = (st_hi - np.uint64(d_hi)) >> bshift
            store_twisted(folded, row + j, at, np.float64(d_lo), np.float64(d_hi), twist_re,
                          twist_im)
        d_lo = np.int64(st_lo << up) >> down
        d_hi = np.int64(st_hi << up) >> down
        d_lo += np.int64((d_lo == low) & (np.int64(x_lo) >= 0)) << width
        d_hi += np.int64((d_hi == low) & (np.int64(x_hi) >= 0)) << width
        store_twisted(folded, row, at, np.float64(d_lo), np.float64(d_hi), twist_re, twist_im)


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
    zero = np.uint64(0)
    half = lhs.size // 2
    segment = (zero, zero, np.uint64(half), zero, zero)  # lhs[m] − rhs[m], both halves
    _digits_twist_segment(lhs, rhs, segment, half, tables, base_log, level, folded, row,
                          (lhs, 0, 0), 0, True)


@njit(cache=True)
def rotate_decompose_into(
    acc, power, base_log, level, tables, folded, first_row, target, prefetch_bytes
) -> None:
    """Rows first_row … of ``folded`` = twisted digits of X**power·ACC − ACC (k+1 polynomials).

    The rotation is fused into the decomposition: coefficient j of X**a·P is
    ±P[(j − a) mod N], negated when j − a wraps. With s = a mod N (a sign flip for
    a ≥ N) and the cut c = s mod N/2, each polynomial takes two segments with a
    contiguous source and a fixed sign: m < c, where the low half wraps (and the high
    half too when s ≥ N/2), then m ≥ c, where the high half does not wrap (nor the low
    half when s < N/2). Meanwhile the first ``prefetch_bytes`` bytes of ``target`` (the
    next GGSW) are prefetched, spread evenly.
    """
    size = acc.shape[1]
    half = size // 2
    blocks = acc.shape[0] * (half // _BLOCK - 1)  # at least this many full blocks run
    step = (((prefetch_bytes + blocks - 1) // max(blocks, 1) + 63) // 64) * 64
    prefetching = (target, step, prefetch_bytes)
    prefetched = 0
    flip = np.uint64(0)
    shift = power
    if shift >= size:
        shift -= size
        flip = ~np.uint64(0)
    plus = flip
    minus = ~flip
    late = shift >= half
    cut = shift - half if late else shift
    for r in range(acc.shape[0]):
        poly = acc[r]
        row = first_row + r * level
        for part in range(2):  # m < cut, then m >= cut
            first = 0 if part == 0 else cut
            lo_wraps = part == 0 or late
            hi_wraps = part == 0 and late
            segment = (np.uint64(first - shift + (size if lo_wraps else 0)),
                       minus if lo_wraps else plus,
                       np.uint64(first + half - shift + (size if hi_wraps else 0)),
                       minus if hi_wraps else plus,
                       np.uint64(first))
            count = cut if part == 0 else half - cut
            prefetched = _digits_twist_segment(poly, poly, segment, count, tables, base_log,
                                               level, folded, row, prefetching, prefetched)
