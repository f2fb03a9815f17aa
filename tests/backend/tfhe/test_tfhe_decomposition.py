"""Signed gadget decomposition: digit range, reconstruction bound, l = 1 fast path."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend.tfhe import closest_representable, decompose, recompose
from fhe_assistant.backend.tfhe.algorithms.decomposition import _decompose_generic


@pytest.mark.parametrize(
    "base_log,level", [(23, 1), (22, 1), (15, 1), (15, 2), (5, 3), (3, 5), (4, 4), (2, 11), (8, 7)]
)
def test_reconstruction_bound_and_digit_range(base_log, level):
    rng = np.random.default_rng(base_log * 100 + level)
    words = np.concatenate(
        [
            rng.integers(0, 2**64, 20_000, dtype=np.uint64),
            np.array([0, 1, 2**63, 2**64 - 1, 2**63 - 1], dtype=np.uint64),
        ]
    )
    digits = decompose(words, base_log, level)
    assert digits.shape == (level, words.size) and digits.dtype == np.int64
    half = 1 << (base_log - 1)
    assert digits.min() >= -half and digits.max() <= half
    rebuilt = recompose(digits, base_log)
    assert np.array_equal(rebuilt, closest_representable(words, base_log, level))
    error = np.abs((words - rebuilt).view(np.int64).astype(np.float64))
    assert error.max() <= 2.0 ** (63 - base_log * level)
    # digit variance ≈ B²/12 (tfhe-notes §1.3)
    assert 0.9 < digits.astype(np.float64).var() / (4.0**base_log / 12) < 1.1


@pytest.mark.parametrize("base_log", [3, 15, 23])
def test_level_one_fast_path_equals_generic_loop(base_log):
    rng = np.random.default_rng(base_log)
    words = rng.integers(0, 2**64, 5000, dtype=np.uint64)
    generic = np.empty((1, words.size), dtype=np.int64)
    _decompose_generic(words, base_log, 1, generic)
    assert np.array_equal(decompose(words, base_log, 1), generic)


@pytest.mark.parametrize("base_log,level", [(4, 3), (3, 5), (15, 1), (2, 11), (1, 4)])
def test_digits_are_balanced(base_log, level):
    """Ties r = B/2 carry by the next digit's sign: E[d] = 0 at every level (a [-B/2, B/2)
    reading gives −1/2, which biased the keyswitch by −1/2·Σ e_KSK)."""
    rng = np.random.default_rng(7 * base_log + level)
    words = rng.integers(0, 2**64, 200_000, dtype=np.uint64)
    digits = decompose(words, base_log, level).astype(np.float64)
    half = 2.0 ** (base_log - 1)
    for j in range(level):
        standard_error = np.sqrt((4.0**base_log / 12 + 1 / 6) / words.size)
        assert abs(digits[j].mean()) < 5 * standard_error, (j, digits[j].mean())
        assert (digits[j] == half).any() and (digits[j] == -half).any()
    # negating the word negates the digits (balanced and sign-symmetric), off the ties
    negated = decompose(np.uint64(0) - words, base_log, level)
    symmetric = np.all(negated == -decompose(words, base_log, level), axis=0)
    assert symmetric.mean() > 0.99


def test_invalid_gadget():
    with pytest.raises(ValueError):
        decompose(np.zeros(3, dtype=np.uint64), 16, 4)
