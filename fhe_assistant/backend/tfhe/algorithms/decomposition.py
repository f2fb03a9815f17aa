"""Signed gadget decomposition in base B = 2**b with l levels (tfhe-notes §1.3).

Definition
----------
For x ∈ Z_(2**64), let x̄ be x rounded to its top b·l bits:

    x̄ = ⌊x / 2**(64 - b·l) + 1/2⌋ · 2**(64 - b·l)      (mod 2**64)

The decomposition returns balanced digits d_1 … d_l ∈ [-B/2, B/2] with

    Σ_{j=1..l} d_j · 2**(64 - j·b) ≡ x̄ (mod 2**64),   |x - x̄| ≤ 2**(63 - b·l).

Digits are produced least significant first: st = x̄ / 2**(64 - b·l); repeat
r = st mod B, st = st / B, and d = r − B·c with the carry c = 1 when r > B/2, c = 0 when
r < B/2, and on the tie r = B/2 c = the sign bit of the next digit (the top bit of the new
st mod B); st += c. For the most significant digit, whose carry falls off mod 2**64, the tie
takes the sign of x read as int64. Why: digits read as [-B/2, B/2) have E[d] = −1/2, so the
keyswitch, Σ d·KSK, carried a fixed offset −1/2·Σ e_KSK per key; balanced ties give
E[d] = 0 and the same E[d²] (tfhe-rs's ``decompose_one_level`` carry rule).
For l = 1 this is d = int64(x + 2**(63-b)) >> (64-b) (an arithmetic shift) with the tie
−B/2 turned to +B/2 when x < 2**63, which vectorizes (§1.3: 0.16 µs vs 4.55 µs per CMux).

Digits are ``int64``; convert them to float64 through int64, never through uint64 (§5.7).
Arrays of digits have shape ``(level, *shape)`` with level 1 (the most significant) first.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["closest_representable", "decompose", "decompose_scalar_into", "recompose"]


def _check(base_log: int, level: int) -> None:
    if base_log < 1 or level < 1 or base_log * level >= 64:
        raise ValueError(
            f"need base_log >= 1, level >= 1 and base_log*level < 64, got {base_log}, {level}"
        )


@njit(cache=True)
def decompose_scalar_into(x: np.uint64, base_log: int, level: int, digits: np.ndarray) -> None:
    """Signed digits of one word into ``digits[0:level]`` (level 1 first), int64."""
    total = base_log * level
    st = (x + (np.uint64(1) << np.uint64(63 - total))) >> np.uint64(64 - total)
    up = np.uint64(64 - base_log)
    down = np.int64(64 - base_log)
    bshift = np.uint64(base_log)
    low = -(np.int64(1) << np.int64(base_log - 1))
    sign_bit = np.uint64(1) << np.uint64(base_log - 1)
    for j in range(level - 1, 0, -1):
        d = np.int64(st << up) >> down  # st mod B read as a signed b-bit digit
        if d == low and (st >> bshift) & sign_bit == 0:  # tie, next digit ≥ 0: no carry
            d = -low
        digits[j] = d
        st = (st - np.uint64(d)) >> bshift
    d = np.int64(st << up) >> down
    if d == low and np.int64(x) >= 0:  # the top tie takes x's sign
        d = -low
    digits[0] = d


@njit(cache=True)
def _decompose_l1(values: np.ndarray, base_log: int, out: np.ndarray) -> None:
    half = np.uint64(1) << np.uint64(63 - base_log)
    down = np.int64(64 - base_log)
    low = -(np.int64(1) << np.int64(base_log - 1))
    for i in range(values.size):
        d = np.int64(values[i] + half) >> down
        if d == low and np.int64(values[i]) >= 0:  # the tie B/2 takes x's sign
            d = -low
        out[i] = d


@njit(cache=True)
def _decompose_generic(values: np.ndarray, base_log: int, level: int, out: np.ndarray) -> None:
    digits = np.empty(level, dtype=np.int64)
    for i in range(values.size):
        decompose_scalar_into(values[i], base_log, level, digits)
        for j in range(level):
            out[j, i] = digits[j]


def decompose(values, base_log: int, level: int) -> np.ndarray:
    """Signed base-2**b digits of each word.

    Parameters
    ----------
    values : uint64 array-like, any shape
    base_log, level : int
        b and l of the gadget, with b·l < 64.

    Returns
    -------
    int64 array of shape ``(level, *values.shape)``; index 0 is level 1 (weight 2**(64-b)).
    """
    _check(base_log, level)
    words = np.ascontiguousarray(values, dtype=np.uint64)
    flat = words.reshape(-1)
    out = np.empty((level, flat.size), dtype=np.int64)
    if level == 1:
        _decompose_l1(flat, base_log, out[0])
    else:
        _decompose_generic(flat, base_log, level, out)
    return out.reshape((level, *words.shape))


def recompose(digits, base_log: int) -> np.ndarray:
    """Σ_j d_j · 2**(64 - j·b) mod 2**64 for digits of shape ``(level, *shape)``."""
    digits = np.asarray(digits, dtype=np.int64)
    out = np.zeros(digits.shape[1:], dtype=np.uint64)
    for j in range(digits.shape[0]):
        out += digits[j].astype(np.uint64) << np.uint64(64 - (j + 1) * base_log)
    return out


def closest_representable(values, base_log: int, level: int) -> np.ndarray:
    """x̄: each word rounded to its top b·l bits (mod 2**64)."""
    _check(base_log, level)
    words = np.asarray(values, dtype=np.uint64)
    shift = np.uint64(64 - base_log * level)
    half = np.uint64(1) << (shift - np.uint64(1))
    with np.errstate(over="ignore"):
        return ((words + half) >> shift) << shift
