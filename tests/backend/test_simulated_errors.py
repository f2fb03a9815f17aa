"""simulate(…) with Configuration(simulate_pbs_errors=True) fails lookups at the promised rate;
a configuration with ``p_error`` turns it on by default (as Concrete's simulation shows errors)."""
import numpy as np
import pytest
from scipy.stats import binomtest

import fhe_assistant as fhe


def test_injected_error_rate_matches_the_optimizers_p_error():
    @fhe.compiler({"x": "encrypted"})
    def identity_lookup(x):
        return fhe.LookupTable(list(range(16)))[x]

    circuit = identity_lookup.compile(np.arange(16), p_error=0.02, simulate_pbs_errors=True,
                                      insecure_keygen_seed=3)
    promised = circuit.p_error
    assert 0.001 < promised <= 0.02
    inputs = np.random.default_rng(0).integers(0, 16, 200_000)
    outputs = circuit.simulate_batch(inputs)
    wrong = int(np.sum(outputs != inputs))
    assert binomtest(wrong, len(inputs), promised).pvalue > 1e-4, (wrong, promised)


@fhe.compiler({"x": "encrypted"})
def _identity_lookup(x):
    return fhe.LookupTable(list(range(16)))[x]


def test_p_error_turns_the_errors_on_and_the_switch_off():
    inputs = np.random.default_rng(1).integers(0, 16, 50_000)
    noisy = _identity_lookup.compile(np.arange(16), p_error=0.02, insecure_keygen_seed=2)
    assert noisy.configuration.injects_pbs_errors and noisy.simulation_p_error is not None
    wrong = int(np.sum(noisy.simulate_batch(inputs) != inputs))
    assert binomtest(wrong, len(inputs), noisy.p_error).pvalue > 1e-4, (wrong, noisy.p_error)
    # one call at a time errs too (Concrete's test_tlu_error_rate runs it so)
    singles = [noisy.simulate(np.int64(x)) for x in inputs[:3000]]
    assert 0 < int(np.sum(np.array(singles) != inputs[:3000]))
    exact = _identity_lookup.compile(np.arange(16), p_error=0.02, simulate_pbs_errors=False)
    np.testing.assert_array_equal(exact.simulate_batch(inputs), inputs)


def test_without_p_error_simulation_is_exact():
    circuit = _identity_lookup.compile(np.arange(16))  # only the default global_p_error
    assert not circuit.configuration.injects_pbs_errors
    inputs = np.random.default_rng(1).integers(0, 16, 50_000)
    np.testing.assert_array_equal(circuit.simulate_batch(inputs), inputs)


def _rounded_lookup(x):
    # approximate: the lookup reads the unrounded value (an exact rounding clears the low
    # bits first and does not flip, see tests/compiler/test_rounding_exactness.py)
    return fhe.univariate(lambda v: v // 16)(
        fhe.round_bit_pattern(x, 4, exactness=fhe.Exactness.APPROXIMATE))


def _flip_probability(noise_std: float) -> float:
    """Mean probability, over the 16 residues, that noise moves x across the rounding tie."""
    from scipy.stats import norm

    residues = np.arange(16)
    # rounds up when residue + noise >= 8 (ties up); the exact rounding uses the residue alone
    up_exact = residues >= 8
    p_up = norm.sf((8 - residues) / noise_std)
    return float(np.mean(np.where(up_exact, 1 - p_up, p_up)))


def test_simulated_approximate_rounding_flips_at_the_noise_models_rate():
    circuit = fhe.compiler({"x": "encrypted"})(_rounded_lookup).compile(
        np.arange(-512, 512), simulate_pbs_errors=True, insecure_keygen_seed=5)
    (lookup,) = circuit.analysis.plan.lookups.values()
    noise_std = 2.0 ** (circuit.optimization.noise.pre_pbs - (63 - lookup.input_precision))
    xs = np.tile(np.arange(-512, 496), 40)
    exact = fhe.compiler({"x": "encrypted"})(_rounded_lookup).trace(
        np.arange(-512, 512)).simulate_batch(xs)
    rate = float(np.mean(circuit.simulate_batch(xs) != exact))
    expected = _flip_probability(noise_std)
    assert 0.02 < expected < 0.3
    assert abs(rate - expected) < 0.01, (rate, expected, noise_std)


@pytest.mark.slow
def test_encrypted_approximate_rounding_flips_as_simulated(tmp_path):
    circuit = fhe.compiler({"x": "encrypted"})(_rounded_lookup).compile(
        np.arange(-512, 512), simulate_pbs_errors=True, insecure_keygen_seed=11)
    (lookup,) = circuit.analysis.plan.lookups.values()
    noise_std = 2.0 ** (circuit.optimization.noise.pre_pbs - (63 - lookup.input_precision))
    expected = _flip_probability(noise_std)
    circuit.keygen()
    xs = np.random.default_rng(0).integers(-500, 496, 400)
    exact = fhe.compiler({"x": "encrypted"})(_rounded_lookup).trace(
        np.arange(-512, 512)).simulate_batch(xs)
    encrypted = np.array([circuit.encrypt_run_decrypt(x) for x in xs])
    flips = int(np.sum(encrypted != exact))
    # two-sided: too few flips (an over-conservative model) fails as well as too many
    assert binomtest(flips, len(xs), expected).pvalue > 1e-4, (flips, expected)
