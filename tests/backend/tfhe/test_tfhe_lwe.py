"""LWE encryption with secure noise and the leveled operations, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.crypto.security import noise_std_log2_mod

MOD = 1 << 64


def _signed(words):
    return words.view(np.int64).astype(np.float64)


@pytest.mark.parametrize("dimension", [600, 822, 2048])
def test_encrypt_decrypt_with_secure_noise(rng, dimension):
    key = rng.binary(dimension)
    p = 4
    messages = rng._generator.integers(0, 2 ** (p + 1), (50, 3))
    sigma_log2 = noise_std_log2_mod(dimension)
    cts = T.encrypt_lwe(T.encode(messages, p), key, sigma_log2, rng)
    assert cts.shape == (50, 3, dimension + 1) and cts.dtype == np.uint64
    assert np.array_equal(T.decrypt_lwe(cts, key, p), messages)
    errors = _signed(T.lwe_phase(cts, key) - T.encode(messages, p))
    assert 0.8 < errors.std() / 2.0**sigma_log2 < 1.2
    # masks look uniform
    assert abs((cts[..., :-1] >> np.uint64(63)).mean() - 0.5) < 0.02


def test_trivial_lwe(rng):
    pts = T.encode(np.array([1, 2, 3]), 3)
    cts = T.trivial_lwe(pts, 10)
    assert np.array_equal(T.lwe_phase(cts, rng.binary(10)), pts)


def test_leveled_ops_match_numpy(rng):
    dimension, p = 700, 6
    key = rng.binary(dimension)
    sigma = noise_std_log2_mod(dimension)
    gen = rng._generator
    x = gen.integers(-8, 8, 20)
    y = gen.integers(-8, 8, 20)
    cx = T.encrypt_lwe(T.encode(x, p), key, sigma, rng)
    cy = T.encrypt_lwe(T.encode(y, p), key, sigma, rng)

    def dec(c):
        return T.decrypt_lwe(c, key, p, is_signed=True)

    assert np.array_equal(dec(T.lwe_add(cx, cy)), x + y)
    assert np.array_equal(dec(T.lwe_sub(cx, cy)), x - y)
    assert np.array_equal(dec(T.lwe_neg(cx)), -x)
    w = gen.integers(-3, 4, 20)
    assert np.array_equal(dec(T.lwe_mul_clear(cx, w)), x * w)
    assert np.array_equal(dec(T.lwe_mul_clear(cx, np.int64(-2))), -2 * x)
    c = gen.integers(-5, 5, 20)
    assert np.array_equal(dec(T.lwe_add_plaintext(cx, T.encode(c, p))), x + c)
    weights = gen.integers(-2, 3, 20)
    assert dec(T.lwe_dot(cx, weights)) == x @ weights
    matrix = gen.integers(-1, 2, (20, 4))
    assert np.array_equal(dec(T.lwe_dot(cx, matrix)), x @ matrix)


def test_leveled_ops_are_exact_words_mod_2_64(rng):
    a = rng.uniform_uint64((5, 9))
    b = rng.uniform_uint64((5, 9))
    ints = [[int(v) for v in row] for row in a.tolist()]
    intb = [[int(v) for v in row] for row in b.tolist()]
    w = np.array([-3, 0, 7, -(2**40), 2**62])
    expect_mul = [[(ai * int(wi)) % MOD for ai in row] for row, wi in zip(ints, w.tolist())]
    assert T.lwe_mul_clear(a, w).tolist() == expect_mul
    assert T.lwe_add(a, b).tolist() == [
        [(u + v) % MOD for u, v in zip(r, s)] for r, s in zip(ints, intb)
    ]
    assert T.lwe_sub(a, b).tolist() == [
        [(u - v) % MOD for u, v in zip(r, s)] for r, s in zip(ints, intb)
    ]
    assert T.lwe_neg(a).tolist() == [[(-u) % MOD for u in r] for r in ints]
    dot = [sum(int(wi) * r[t] for wi, r in zip(w.tolist(), ints)) % MOD for t in range(9)]
    assert T.lwe_dot(a, w).tolist() == dot
    # numpy's uint64 + int64-scalar promotion to float64 must not leak in (tfhe-notes §5.7)
    assert T.lwe_mul_clear(a, np.int64(-1)).dtype == np.uint64
    assert T.lwe_add_plaintext(a, np.uint64(1)).dtype == np.uint64


def test_noise_grows_as_documented(rng):
    dimension = 1024
    key = rng.binary(dimension)
    sigma = noise_std_log2_mod(dimension)
    cts = T.encrypt_lwe(np.zeros((2, 4000), dtype=np.uint64), key, sigma, rng)
    summed = T.lwe_add(cts[0], cts[1])
    scaled = T.lwe_mul_clear(cts[0], 5)
    for ct, factor in ((summed, np.sqrt(2)), (scaled, 5.0)):
        ratio = _signed(T.lwe_phase(ct, key)).std() / (factor * 2.0**sigma)
        assert 0.9 < ratio < 1.1
