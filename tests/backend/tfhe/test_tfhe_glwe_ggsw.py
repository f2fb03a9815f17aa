"""GLWE encryption, sample extraction, GGSW external product and CMux."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.crypto.security import noise_std_log2_mod


def _glwe_setup(rng, glwe_dimension=2, size=1024):
    key = rng.binary((glwe_dimension, size))
    return key, noise_std_log2_mod(glwe_dimension * size)


@pytest.mark.parametrize("glwe_dimension,size", [(5, 256), (2, 1024), (1, 2048)])
def test_glwe_encrypt_decrypt(rng, glwe_dimension, size):
    key, sigma = _glwe_setup(rng, glwe_dimension, size)
    p = 5
    messages = rng._generator.integers(0, 2 ** (p + 1), (2, size))
    cts = T.encrypt_glwe(T.encode(messages, p), key, sigma, rng)
    assert cts.shape == (2, glwe_dimension + 1, size)
    assert np.array_equal(T.decode(T.glwe_phase(cts, key), p), messages)
    errors = (T.glwe_phase(cts, key) - T.encode(messages, p)).view(np.int64).astype(np.float64)
    assert 0.9 < errors.std() / 2.0**sigma < 1.1


def test_sample_extract_under_flattened_key(rng):
    key, sigma = _glwe_setup(rng)
    p = 4
    messages = rng._generator.integers(0, 2 ** (p + 1), (3, 1024))
    cts = T.encrypt_glwe(T.encode(messages, p), key, sigma, rng)
    lwe = T.sample_extract(cts)
    assert lwe.shape == (3, 2 * 1024 + 1)
    assert np.array_equal(T.decrypt_lwe(lwe, key.reshape(-1), p), messages[:, 0])
    # exact: the extracted phase equals coefficient 0 of the GLWE phase
    assert np.array_equal(T.lwe_phase(lwe, key.reshape(-1)), T.glwe_phase(cts, key)[:, 0])


def test_trivial_glwe(rng):
    key, _ = _glwe_setup(rng)
    pt = rng.uniform_uint64(1024)
    assert np.array_equal(T.glwe_phase(T.trivial_glwe(pt, 2), key), pt)


@pytest.mark.parametrize("base_log,level", [(23, 1), (15, 2), (8, 4)])
def test_external_product_and_cmux(rng, base_log, level):
    key, sigma = _glwe_setup(rng)
    p = 4
    gen = rng._generator
    m0 = gen.integers(0, 16, 1024)
    m1 = gen.integers(0, 16, 1024)
    c0 = T.encrypt_glwe(T.encode(m0, p), key, sigma, rng)
    c1 = T.encrypt_glwe(T.encode(m1, p), key, sigma, rng)
    ggsw = T.ggsw_to_fourier(T.encrypt_ggsw(np.array([0, 1]), key, base_log, level, sigma, rng))
    assert ggsw.shape == (2, 3, 3 * level, 2, 512) and ggsw.dtype == np.float64
    # GGSW(1) ⊡ C keeps the message, GGSW(0) ⊡ C gives 0
    assert np.array_equal(
        T.decode(T.glwe_phase(T.external_product(ggsw[1], c1, base_log), key), p), m1
    )
    assert np.array_equal(
        T.decode(T.glwe_phase(T.external_product(ggsw[0], c1, base_log), key), p), np.zeros(1024)
    )
    for bit, expect in ((0, m0), (1, m1)):
        selected = T.cmux(ggsw[bit], c0, c1, base_log)
        assert np.array_equal(T.decode(T.glwe_phase(selected, key), p), expect)


def test_external_product_by_small_integer(rng):
    """GGSW(μ) ⊡ C has phase μ·phase(C), here with μ = 3 and μ = -1."""
    key, sigma = _glwe_setup(rng)
    p = 3
    messages = rng._generator.integers(0, 2, 1024)
    ct = T.encrypt_glwe(T.encode(messages, p), key, sigma, rng)
    ggsw = T.ggsw_to_fourier(T.encrypt_ggsw(np.array([3, -1]), key, 23, 1, sigma, rng))
    assert np.array_equal(
        T.decode(T.glwe_phase(T.external_product(ggsw[0], ct, 23), key), p), (3 * messages) % 16
    )
    assert np.array_equal(
        T.decode(T.glwe_phase(T.external_product(ggsw[1], ct, 23), key), p), (-messages) % 16
    )
