"""Randomness: the CSPRNG is the default; the seeded generator is reproducible and test-only."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend.tfhe import (
    InsecureSeededRandom,
    SecureRandom,
    generate_keys,
    make_random,
)
from fhe_assistant.backend.tfhe.rng import box_muller, round_exactly
from fhe_assistant.crypto.parameters import TFHEParameters


def test_default_source_is_the_os_csprng():
    source = make_random()
    assert isinstance(source, SecureRandom) and source.is_secure
    insecure = make_random(7)
    assert isinstance(insecure, InsecureSeededRandom) and not insecure.is_secure
    assert "insecure" in InsecureSeededRandom.__doc__.lower()


@pytest.mark.parametrize("source", [SecureRandom(), InsecureSeededRandom(3)], ids=repr)
def test_distributions(source):
    words = source.uniform_uint64(200_000)
    assert words.dtype == np.uint64 and words.shape == (200_000,)
    top_bits = (words >> np.uint64(63)).mean()
    low_bits = (words & np.uint64(1)).mean()
    assert abs(top_bits - 0.5) < 0.01 and abs(low_bits - 0.5) < 0.01
    bits = source.binary((400, 500))
    assert bits.dtype == np.uint64 and bits.shape == (400, 500)
    assert set(np.unique(bits)) == {0, 1} and abs(bits.mean() - 0.5) < 0.01
    for std in (3.7, 2.0**20, 2.0**50):
        noise = source.gaussian(100_001, std)
        assert noise.dtype == np.int64 and noise.shape == (100_001,)
        assert abs(noise.mean()) < 0.02 * std
        assert abs(noise.std() / np.sqrt(std**2 + 1 / 12) - 1) < 0.02


def test_box_muller_is_gaussian():
    rng = np.random.default_rng(0)
    samples = box_muller(rng.integers(0, 2**64, 400_000, dtype=np.uint64), 1000.0) / 1000.0
    assert samples.dtype == np.float64
    # fourth moment of N(0, 1) is 3; tails of a Gaussian
    assert abs(np.mean(samples**4) - 3) < 0.1
    assert abs(np.mean(np.abs(samples) > 3) - 0.0027) < 0.0006


STDS_LOG2 = (10, 20, 30, 40, 50, 52.5, 53.5, 55, 58, 60)


@pytest.mark.parametrize("std_log2", STDS_LOG2)
def test_gaussian_low_bits_are_uniform_and_variance_exact(std_log2):
    """Above 2**53 a float cannot hold the low bits: the sampler must fill them uniformly."""
    std = 2.0**std_log2
    noise = InsecureSeededRandom(int(std_log2 * 10)).gaussian(200_000, std)
    assert noise.dtype == np.int64
    words = noise.view(np.uint64)
    for bit in range(8):  # each low bit a fair coin (σ of a mean: 0.0011)
        assert abs((words >> np.uint64(bit) & np.uint64(1)).mean() - 0.5) < 0.01, bit
    counts = np.bincount((words & np.uint64(255)).astype(np.int64), minlength=256)
    chi2 = ((counts - noise.size / 256) ** 2 / (noise.size / 256)).sum()
    assert 255 - 5 * 22.6 < chi2 < 255 + 5 * 22.6  # χ²(255): mean 255, σ 22.6; two-sided
    ratio = noise.astype(np.float64).var() / std**2  # σ of the ratio: sqrt(2 / n) = 0.0032
    assert abs(ratio - 1) < 0.02 and abs(noise.astype(np.float64).mean()) < 0.02 * std


@pytest.mark.parametrize("source", [SecureRandom(), InsecureSeededRandom(5)], ids=repr)
def test_gaussian_odd_fraction_at_two_to_the_53_5(source):
    """The review's case: rounding a float made 21.5 % of the samples odd at σ = 2**53.5."""
    noise = source.gaussian(200_000, 2.0**53.5)
    odd = (noise.view(np.uint64) & np.uint64(1)).mean()
    assert abs(odd - 0.5) < 0.01, odd


def test_gaussian_wraps_modulo_two_to_the_64():
    samples = np.array([2.0**63, -(2.0**63) - 2048.0, 2.0**64 + 4096.0, -5.0, 2.0**40 + 0.5])
    wrapped = round_exactly(samples, lambda count: np.zeros(count, np.uint64)).view(np.uint64)
    # all-zero words put each sample at the bottom of its float's interval: minus ulp/2
    expected = np.array([2**63 - 2**10, 2**63 - 2048 - 2**10, 4096 - 2**11, 2**64 - 5,
                         2**40], dtype=np.uint64)
    assert np.array_equal(wrapped, expected)


def test_insecure_source_is_reproducible():
    a, b = InsecureSeededRandom(11), InsecureSeededRandom(11)
    assert np.array_equal(a.uniform_uint64(100), b.uniform_uint64(100))
    assert np.array_equal(a.gaussian(100, 5.0), b.gaussian(100, 5.0))
    assert not np.array_equal(InsecureSeededRandom(12).uniform_uint64(100), a.uniform_uint64(100))


def test_two_secure_keygens_differ():
    params = TFHEParameters(0, 2, 1024, 0, 0, 0, 0, 4)  # no PBS: only the GLWE key is drawn
    first, _ = generate_keys(params, make_random())
    second, _ = generate_keys(params, make_random())
    assert first.glwe_key.shape == (2, 1024)
    assert not np.array_equal(first.glwe_key, second.glwe_key)
    assert not np.array_equal(SecureRandom().uniform_uint64(4), SecureRandom().uniform_uint64(4))
