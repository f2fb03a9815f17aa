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
from fhe_assistant.backend.tfhe.fft import natural_to_kernel_order, spectral_product, twist_tables


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
    # tfhe-notes §2.3: one product has σ ≈ 2**(b + 14.3) at N = 1024 with DUCC0's FFT,
    # growing with N; the four-lane transform (fft.py) measures 0.4–0.55 bit more
    # (b + 14.8 at 1024, b + 15.4 at 2048). The bound is ~8σ of that with room up to 2048.
    bound = 2.0 ** (base_log + 0.5 * np.log2(size) + 13)
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


def _natural_spectra(polys):
    """F(P) in the natural frequency order, with numpy's FFT (the layout before kernel order)."""
    polys = np.asarray(polys)
    if polys.dtype == np.uint64:
        polys = polys.view(np.int64)
    size = polys.shape[-1]
    twist, _ = twist_tables(size)
    folded = (polys[..., : size // 2] + 1j * polys[..., size // 2:].astype(np.float64)) * twist
    return np.fft.fft(folded, axis=-1)


@pytest.mark.parametrize("size", [32, 64, 128, 256, 1024, 2048, 4096, 16384])
def test_transform_is_the_dft_in_kernel_order(size):
    rng = np.random.default_rng(size)
    polys = rng.integers(-(2**40), 2**40, (2, size))
    spectra = to_fourier(polys)
    assert spectra.shape == (2, 2, size // 2) and spectra.dtype == np.float64
    expect = natural_to_kernel_order(_natural_spectra(polys))
    scale = np.abs(expect).max()
    assert np.abs(spectra - expect).max() < 1e-13 * scale * np.log2(size)
    assert np.array_equal(from_fourier(spectra), polys.astype(np.uint64))


def test_kernel_order_is_a_permutation_and_products_ignore_it():
    rng = np.random.default_rng(7)
    natural = rng.normal(size=(3, 512)) + 1j * rng.normal(size=(3, 512))
    kernel = natural_to_kernel_order(natural)
    assert sorted(kernel[:, 0].reshape(-1)) == sorted(natural.real.reshape(-1))
    a = rng.integers(-(2**20), 2**20, 1024)
    b = rng.integers(-8, 8, 1024)
    product = from_fourier(spectral_product(to_fourier(a), to_fourier(b)))
    assert np.array_equal(product, negacyclic_product_schoolbook(a, b))


def test_too_small_transforms_are_refused():
    with pytest.raises(ValueError, match="at least 32"):
        to_fourier(np.zeros(16, dtype=np.int64))
