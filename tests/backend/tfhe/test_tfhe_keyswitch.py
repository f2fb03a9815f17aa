"""Keyswitch from the big key (k·N) to the small key (n) keeps the message."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.tfhe import round_to_top_half
from fhe_assistant.crypto.security import noise_std_log2_mod


@pytest.mark.parametrize("p", [2, 4])
def test_keyswitch_keeps_messages(tfhe_keys, p):
    params, sk, ek = tfhe_keys(p)
    gen = np.random.default_rng(p)
    messages = gen.integers(0, 2 ** (p + 1), 40)
    rng = T.make_random(p)
    cts = T.encrypt_lwe(
        T.encode(messages, p), sk.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension), rng
    )
    small = T.keyswitch_batch(cts, ek.keyswitch_key, params)
    assert small.shape == (40, params.lwe_dimension + 1)
    assert np.array_equal(T.decrypt_lwe(small, sk.lwe_key, p), messages)
    # batch and one-by-one agree exactly
    assert np.array_equal(T.keyswitch_batch(cts[3:4], ek.keyswitch_key, params), small[3:4])


def test_keyswitch_key_shape_and_content(tfhe_keys):
    params, sk, ek = tfhe_keys(2)
    ksk = ek.keyswitch_key
    assert ksk.shape == (params.big_lwe_dimension, params.ks_decomposition_level_count,
                         params.lwe_dimension + 1)
    assert ksk.dtype == np.uint32
    # KSK[i][j]·2**32 encrypts s'_i · 2**(64 - (j+1)·b); the rounding to 32 bits adds at
    # most 2**31 per word, far below the noise
    phases = T.lwe_phase(ksk[:50].astype(np.uint64) << np.uint64(32), sk.lwe_key)
    rounding = (params.lwe_dimension + 1) * 2.0**31
    for j in range(params.ks_decomposition_level_count):
        expect = sk.big_lwe_key[:50] << np.uint64(64 - (j + 1) * params.ks_decomposition_base_log)
        error = (phases[:, j] - expect).view(np.int64).astype(np.float64)
        assert np.abs(error).max() < 8 * 2.0 ** noise_std_log2_mod(params.lwe_dimension) + rounding


def test_a_64_bit_keyswitching_key_is_refused_not_truncated(tfhe_keys):
    params, _, ek = tfhe_keys(2)
    cts = np.zeros((1, params.big_lwe_dimension + 1), dtype=np.uint64)
    with pytest.raises(ValueError, match="32-bit keyswitching key"):
        T.keyswitch_batch(cts, ek.keyswitch_key.astype(np.uint64), params)
    wide = (ek.keyswitch_key.astype(np.uint64) << np.uint64(32)) + np.uint64(2**31 - 1)
    assert np.array_equal(round_to_top_half(wide), ek.keyswitch_key)


def test_top_half_is_rounded_not_truncated():
    """Low halves at and above 2**31 round up (ties up), below round down; the top wraps."""
    top = np.array([0, 5, 5, 5, 2**32 - 1, 7], dtype=np.uint64)
    low = np.array([2**31, 2**31, 2**31 - 1, 2**31 + 1, 2**31, 0], dtype=np.uint64)
    words = (top << np.uint64(32)) + low
    assert round_to_top_half(words).tolist() == [1, 6, 5, 6, 0, 7]


def test_keyswitching_key_words_are_the_nearest_32_bit_words(tfhe_keys):
    """Each stored word·2**32 lies within 2**31 of the 64-bit encryption it replaces
    (truncation would leave it up to 2**32 below)."""
    params, sk, _ = tfhe_keys(2)
    big_key, small_key = sk.big_lwe_key[:40], sk.lwe_key
    std = noise_std_log2_mod(params.lwe_dimension)
    base_log, level = params.ks_decomposition_base_log, params.ks_decomposition_level_count
    ksk = T.generate_keyswitch_key(big_key, small_key, base_log, level, std, T.make_random(77))
    shifts = np.array([64 - (j + 1) * base_log for j in range(level)], dtype=np.uint64)
    plaintexts = big_key.astype(np.uint64)[:, None] << shifts[None, :]
    words = T.encrypt_lwe(plaintexts, small_key, std, T.make_random(77))
    difference = ((ksk.astype(np.uint64) << np.uint64(32)) - words).view(np.int64)
    assert np.abs(difference).max() <= 2**31
    assert difference.min() < -2**30 and difference.max() > 2**30  # both directions occur
