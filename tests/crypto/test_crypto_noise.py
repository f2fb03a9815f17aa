"""The §3.4 noise formulas against tfhe-notes' reproduction of Concrete's parameter sets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from concrete_reference import CONCRETE_P_ERROR, CONCRETE_SINGLE_TLU, NOISE_TABLE

from fhe_assistant.crypto import noise as nz
from fhe_assistant.crypto.security import noise_std_log2_mod


@pytest.mark.parametrize("p", sorted(CONCRETE_SINGLE_TLU))
def test_reproduces_noise_table(p):
    n, k, big_n, b, lev, ks_b, ks_l = CONCRETE_SINGLE_TLU[p]
    sigma_ks, sigma_ms, sigma_br, sigma_fft, chained_p_error = NOISE_TABLE[p]
    ks = nz.keyswitch_variance(k * big_n, n, ks_b, ks_l)
    ms = nz.modulus_switch_variance(n, big_n)
    br = nz.blind_rotation_variance(n, k, big_n, b, lev)
    fft = n * nz.external_product_variance_terms(k, big_n, b, lev).fft
    assert nz.log2_std(ks) == pytest.approx(sigma_ks, abs=0.02)
    assert nz.log2_std(ms) == pytest.approx(sigma_ms, abs=0.02)
    assert nz.log2_std(br) == pytest.approx(sigma_br, abs=0.02)
    assert nz.log2_std(fft) == pytest.approx(sigma_fft, abs=0.02)
    fresh = nz.pre_pbs_variance(nz.fresh_variance(k * big_n), 1.0, ks, ms)
    assert nz.p_error_from_variance(fresh, p) == pytest.approx(CONCRETE_P_ERROR[p], rel=0.02)
    chained = nz.pre_pbs_variance(br, 1.0, ks, ms)  # the notes print 2 significant digits
    assert nz.p_error_from_variance(chained, p) == pytest.approx(chained_p_error, rel=0.06)


@pytest.mark.parametrize("dimension", [450, 512, 822, 1024, 2048, 2516, 2517, 4096, 131072])
def test_fresh_variance_is_the_security_curve(dimension):
    assert nz.log2_std(nz.fresh_variance(dimension)) == pytest.approx(
        noise_std_log2_mod(dimension), abs=1e-12
    )


def test_fresh_variance_below_the_curve_is_infeasible():
    assert np.all(np.isinf(nz.fresh_variance([256, 449])))
    assert nz.log2_std(nz.fresh_variance(8192)) == 2.0  # the floor σ_mod = 4


def test_cmux_is_the_sum_of_its_terms_and_blind_rotation_is_n_cmux():
    terms = nz.external_product_variance_terms(2, 1024, 23, 1)
    assert nz.cmux_variance(2, 1024, 23, 1) == pytest.approx(
        terms.main + terms.decomposition + terms.key + terms.fft, rel=1e-15
    )
    assert nz.blind_rotation_variance(822, 2, 1024, 23, 1) == pytest.approx(
        822 * terms.total, rel=1e-15
    )
    assert nz.keyswitch_variance(2048, 822, 5, 3) == pytest.approx(
        2048 * nz.keyswitch_variance_one_bit(822, 5, 3), rel=1e-15
    )


@pytest.mark.parametrize(
    ("p_error", "kappa"),
    [(1e-5, 4.417), (6.3e-5, 4.001), (2.0**-40, 7.144), (2.0**-64, 9.155), (2.0**-128, 13.109)],
)
def test_kappa_values(p_error, kappa):
    assert nz.kappa(p_error) == pytest.approx(kappa, abs=1e-3)


@pytest.mark.parametrize("p", [1, 4, 8, 20])
@pytest.mark.parametrize("p_error", [1e-3, 1e-5, 2.0**-40])
def test_max_variance_inverts_p_error(p, p_error):
    variance = nz.max_variance_for_p_error(p_error, p)
    assert nz.p_error_from_variance(variance, p) == pytest.approx(p_error, rel=1e-9)
    # σ_max = 2**(62 - p) / κ
    assert nz.log2_std(variance) == pytest.approx(62 - p - math.log2(nz.kappa(p_error)), abs=1e-12)


def test_global_and_per_op_p_error():
    assert nz.global_p_error(1e-5, 1) == pytest.approx(1e-5, rel=1e-12)
    assert nz.global_p_error(1e-5, 3) == pytest.approx(1 - (1 - 1e-5) ** 3, rel=1e-9)
    assert nz.global_p_error(2.0**-64, 1e6) == pytest.approx(
        1e6 * 2.0**-64, rel=1e-9
    )  # no cancellation
    for count in (1, 7, 1000):
        assert nz.global_p_error(nz.per_op_p_error(1e-5, count), count) == pytest.approx(
            1e-5, rel=1e-9
        )


def test_functions_broadcast_over_arrays():
    n = np.arange(512, 2048)[:, None]
    big_n = 2 ** np.arange(8, 18)[None, :]
    assert nz.modulus_switch_variance(n, big_n).shape == (1536, 10)
    assert nz.cmux_variance(1, big_n, np.arange(1, 30)[:, None], 1).shape == (29, 10)
    assert nz.p_error_from_variance(np.full(5, 1e30), np.arange(1, 6)).shape == (5,)


def test_erfc_and_its_inverse():
    """The stdlib-based erfc / erfcinv (no scipy in the crypto layer) are exact to ~1e-13."""
    ys = np.array([1e-300, 2.0**-128, 2.0**-64, 1e-12, 1e-5, 6.3e-5, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.5])
    np.testing.assert_allclose(nz.erfc(nz.erfcinv(ys)), ys, rtol=1e-13)
    assert nz.erfcinv(1.0) == 0.0 and nz.erfcinv(0.0) == np.inf
    special = pytest.importorskip("scipy.special")
    np.testing.assert_allclose(nz.erfcinv(ys), special.erfcinv(ys), rtol=1e-12)
    xs = np.linspace(-3.0, 26.0, 200)
    np.testing.assert_allclose(nz.erfc(xs), special.erfc(xs), rtol=1e-12)
