"""Negacyclic products: the f64 FFT against the exact wrapping schoolbook product."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend.tfhe import (
    from_fourier,
    key_product,
    monomial_mul,
    negacyclic_product,
    negacyclic_product_schoolbook,
    to_fourier,
)


def _centered(words):
    return words.view(np.int64)


def test_schoolbook_definition():
    # (1 + X) * X**(N-1) = X**(N-1) + X**N = -1 + X**(N-1)
    size = 8
    a = np.zeros(size, dtype=np.uint64)
    a[[0, 1]] = 1
    b = np.zeros(size, dtype=np.uint64)
    b[size - 1] = 1
    expect = np.zeros(size, dtype=np.uint64)
    expect[0] = np.uint64(2**64 - 1)
    expect[size - 1] = 1
    assert np.array_equal(negacyclic_product_schoolbook(a, b), expect)


@pytest.mark.parametrize("size", [256, 1024, 4096])
def test_small_integer_products_are_exact(size):
    rng = np.random.default_rng(size)
    a = rng.integers(-(2**20), 2**20, (3, size))
    b = rng.integers(-16, 16, (3, size))
    exact = negacyclic_product_schoolbook(a, b) if size <= 1024 else None
    fft = negacyclic_product(a.astype(np.uint64), b)
    if exact is not None:
        assert np.array_equal(fft, exact)
    # linearity check for the large size: P*(Q1+Q2) = P*Q1 + P*Q2
    b2 = rng.integers(-16, 16, (3, size))
    assert np.array_equal(
        negacyclic_product(a.astype(np.uint64), b + b2),
        fft + negacyclic_product(a.astype(np.uint64), b2),
    )


@pytest.mark.parametrize("size,base_log", [(256, 15), (1024, 23), (2048, 23)])
def test_torus_by_digit_product_error_bound(size, base_log):
    rng = np.random.default_rng(base_log)
    torus = rng.integers(0, 2**64, (4, size), dtype=np.uint64)
    digits = rng.integers(-(2 ** (base_log - 1)), 2 ** (base_log - 1), (4, size))
    error = _centered(
        negacyclic_product(torus, digits) - negacyclic_product_schoolbook(torus, digits)
    )
    error = error.astype(np.float64)
    # tfhe-notes §2.3: one product has σ ≈ 2**(b + 14.3) at N = 1024, growing with N;
    # the bound below is ~4σ with room for N up to 2048.
    bound = 2.0 ** (base_log + 0.5 * np.log2(size) + 12)
    assert np.abs(error).max() < bound
    assert error.std() < bound / 4


def test_fourier_roundtrip_of_torus_words():
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2**64, (2, 512), dtype=np.uint64)
    back = _centered(from_fourier(to_fourier(words)) - words).astype(np.float64)
    # f64 keeps 53 of the 64 bits; the transform pair adds a few ulps of 2**63
    assert np.abs(back).max() <= 2.0**16


@pytest.mark.parametrize("size", [256, 1024])
def test_monomial_product(size):
    rng = np.random.default_rng(2)
    poly = rng.integers(0, 2**64, size, dtype=np.uint64)
    for power in (0, 1, size - 1, size, size + 3, 2 * size - 1, 2 * size + 5):
        monomial = np.zeros(size, dtype=np.int64)
        sign = -1 if (power // size) % 2 else 1
        monomial[power % size] = sign
        assert np.array_equal(
            monomial_mul(poly, power), negacyclic_product_schoolbook(poly, monomial)
        )


@pytest.mark.parametrize("glwe_dimension,size", [(5, 256), (2, 1024), (1, 2048)])
def test_exact_key_product(glwe_dimension, size):
    rng = np.random.default_rng(size)
    masks = rng.integers(0, 2**64, (3, glwe_dimension, size), dtype=np.uint64)
    key = rng.integers(0, 2, (glwe_dimension, size), dtype=np.uint64)
    expect = sum(negacyclic_product_schoolbook(masks[:, i], key[i]) for i in range(glwe_dimension))
    assert np.array_equal(key_product(masks, key), expect)
