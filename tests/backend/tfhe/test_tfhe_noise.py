"""Measured noise against the tfhe-notes §3.4 model (Concrete's formulas): mean and variance.

* pre-PBS error: fresh big-key input + keyswitch + modulus switch, read in Z_2N;
* PBS output error: the blind rotation (n CMuxes, FFT term included).

The model comes from ``fhe_assistant.crypto.noise`` when it is there, else from the local
copy of the same formulas below (modular variances, binary keys). Both checks are
two-sided at a fixed seed: the mean must be 0 within a z-test at α = 1e-4 (a biased
keyswitch or rounding fails it), the variance must sit in the χ² interval at α = 1e-4
widened by 5 % for the model's approximations.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2, norm

from fhe_assistant.backend import tfhe as T
from fhe_assistant.crypto.security import noise_std_log2_mod

try:
    from fhe_assistant.crypto import noise as _noise
except ImportError:  # pragma: no cover - the crypto layer is written in parallel
    _noise = None

Q2 = 2.0**128
ALPHA = 1e-4
MODEL_ALLOWANCE = 1.05


def assert_zero_mean(errors, model_variance, label):
    """Two-sided z-test of mean 0 on the model's σ."""
    errors = np.asarray(errors, dtype=np.float64)
    limit = norm.isf(ALPHA / 2) * np.sqrt(model_variance * MODEL_ALLOWANCE / errors.size)
    print(f"{label}: mean {errors.mean():.3e}, allowed ±{limit:.3e}")
    assert abs(errors.mean()) < limit, f"{label}: mean {errors.mean():.3e} beyond ±{limit:.3e}"


def assert_model_variance(errors, model_variance, label):
    """Two-sided: the sample variance within the χ² interval around the model's."""
    errors = np.asarray(errors, dtype=np.float64)
    count = errors.size
    ratio = np.var(errors, ddof=1) / model_variance
    low = chi2.ppf(ALPHA / 2, count - 1) / (count - 1) / MODEL_ALLOWANCE
    high = chi2.isf(ALPHA / 2, count - 1) / (count - 1) * MODEL_ALLOWANCE
    print(f"{label}: measured/model variance {ratio:.3f} (allowed {low:.3f}..{high:.3f})")
    assert low < ratio < high, f"{label}: measured/model variance {ratio:.3f}"


def _fresh(dimension):
    return 2.0 ** (2 * noise_std_log2_mod(dimension))


def model_pre_pbs_variance(params):
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    big = k * size
    if _noise is not None:
        ks = _noise.keyswitch_variance(big, n, params.ks_decomposition_base_log,
                                       params.ks_decomposition_level_count)
        ms = _noise.modulus_switch_variance(n, size)
        return float(_noise.fresh_variance(big) + ks + ms)
    base2 = 2.0 ** (2 * params.ks_decomposition_base_log)
    b2l = 2.0 ** (2 * params.ks_decomposition_base_log * params.ks_decomposition_level_count)
    ks = big * (
        (Q2 / (12 * b2l) - 1 / 12) * 0.5
        + 0.25 / 4
        + params.ks_decomposition_level_count * _fresh(n) * (base2 + 2) / 12
    )
    ms = (1 / 12 + n / 24) / (2.0 * size) ** 2 * Q2 + (n / 48 - 1 / 12)
    return _fresh(big) + ks + ms


def model_pbs_output_variance(params):
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    b, level = params.decomposition_base_log, params.decomposition_level_count
    if _noise is not None:
        return float(_noise.blind_rotation_variance(n, k, size, b, level))
    big = k * size
    base2, b2l = 2.0 ** (2 * b), 2.0 ** (2 * b * level)
    main = level * (k + 1) * size * (base2 + 2) / 12 * _fresh(big)
    decomposition = (Q2 - b2l) / (24 * b2l) * (1 + big * 0.5)
    key = big / 8 * 0.25 + (1 - big) ** 2 / 16 * 0.25
    fft = 2.0**-2.57722494 * 2.0 ** (2 * 11) * level * base2 * size**2 * (k + 1)
    return n * (main + decomposition + key + fft)


def _encrypt(params, sk, messages, seed):
    p = params.message_bit_width
    return T.encrypt_lwe(
        T.encode(messages, p),
        sk.big_lwe_key,
        noise_std_log2_mod(params.big_lwe_dimension),
        T.make_random(seed),
    )


def _pre_pbs_errors(tfhe_keys, p):
    """Errors of 3,000 keyswitched, modulus-switched fresh encryptions, in units of 2**-64."""
    params, sk, ek = tfhe_keys(p)
    size = params.polynomial_size
    messages = np.random.default_rng(p).integers(0, 2**p, 3000)
    small = T.keyswitch_batch(_encrypt(params, sk, messages, 30 + p), ek.keyswitch_key, params)
    switched = T.modulus_switch(small, size)
    key = sk.lwe_key.astype(np.int64)
    phase = (switched[:, -1] - switched[:, :-1] @ key) % (2 * size)
    box = size >> p
    error_2n = (phase - messages * box + size) % (2 * size) - size
    return params, error_2n * (2.0**64 / (2 * size))


@pytest.mark.parametrize("p", [2, 4])
def test_pre_pbs_noise_variance_matches_model(tfhe_keys, p):
    params, errors = _pre_pbs_errors(tfhe_keys, p)
    assert_model_variance(errors, model_pre_pbs_variance(params), f"pre-PBS p={p}")


@pytest.mark.parametrize("p", [2, 4])
def test_keyswitch_noise_mean_is_zero(tfhe_keys, p):
    """Read before the modulus switch, whose rounding noise would hide a small bias."""
    params, sk, ek = tfhe_keys(p)
    messages = np.random.default_rng(p).integers(0, 2**p, 3000)
    small = T.keyswitch_batch(_encrypt(params, sk, messages, 30 + p), ek.keyswitch_key, params)
    errors = (T.lwe_phase(small, sk.lwe_key) - T.encode(messages, p)).view(np.int64)
    big = params.glwe_dimension * params.polynomial_size
    variance = _noise.fresh_variance(big) + _noise.keyswitch_variance(
        big, params.lwe_dimension, params.ks_decomposition_base_log,
        params.ks_decomposition_level_count)
    assert_zero_mean(errors, float(variance), f"keyswitch p={p}")


@pytest.mark.parametrize("p", [2, 4])
def test_pbs_output_noise_matches_model(tfhe_keys, p):
    params, sk, ek = tfhe_keys(p)
    messages = np.random.default_rng(10 + p).integers(0, 2**p, 768)
    table = np.arange(2**p)
    out = T.programmable_bootstrap(_encrypt(params, sk, messages, 40 + p), table, ek, params)
    errors = (
        (T.lwe_phase(out, sk.big_lwe_key) - T.encode(messages, p)).view(np.int64).astype(np.float64)
    )
    assert_zero_mean(errors, model_pbs_output_variance(params), f"PBS output p={p}")
    assert_model_variance(errors, model_pbs_output_variance(params), f"PBS output p={p}")
