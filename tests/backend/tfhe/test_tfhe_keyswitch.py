"""Keyswitch from the big key (k·N) to the small key (n) keeps the message."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.tfhe.keyswitch import round_to_top_half
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
    assert ksk.shape == (params.big_lwe_dimension, params.ks_level, params.lwe_dimension + 1)
    assert ksk.dtype == np.uint32
    # KSK[i][j]·2**32 encrypts s'_i · 2**(64 - (j+1)·b); the rounding to 32 bits adds at
    # most 2**31 per word, far below the noise
    phases = T.lwe_phase(ksk[:50].astype(np.uint64) << np.uint64(32), sk.lwe_key)
    rounding = (params.lwe_dimension + 1) * 2.0**31
    for j in range(params.ks_level):
        expect = sk.big_lwe_key[:50] << np.uint64(64 - (j + 1) * params.ks_base_log)
        error = (phases[:, j] - expect).view(np.int64).astype(np.float64)
        assert np.abs(error).max() < 8 * 2.0 ** noise_std_log2_mod(params.lwe_dimension) + rounding


def test_a_64_bit_keyswitching_key_is_refused_not_truncated(tfhe_keys):
    params, _, ek = tfhe_keys(2)
    cts = np.zeros((1, params.big_lwe_dimension + 1), dtype=np.uint64)
    with pytest.raises(ValueError, match="32-bit keyswitching key"):
        T.keyswitch_batch(cts, ek.keyswitch_key.astype(np.uint64), params)
    wide = (ek.keyswitch_key.astype(np.uint64) << np.uint64(32)) + np.uint64(2**31 - 1)
    assert np.array_equal(round_to_top_half(wide), ek.keyswitch_key)
