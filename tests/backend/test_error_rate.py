"""The p_error a circuit reports is the error rate its encrypted runs show.

A deliberately loose p_error (0.1) makes errors frequent enough to count: a lookup's output
times 5 feeds a second lookup, so that lookup's input noise is 25·σ²_BR plus keyswitch and
modulus switch — the noise weight, the model and the parameters all have to be right for
the measured rate to match. Every element is one trial (one chain of two bootstraps);
neighbouring table entries differ, so every off-by-one read is visible. The test is
two-sided at a fixed seed: too few errors (an over-conservative model) fails as well as
too many.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import binomtest

import fhe_assistant as fhe
from fhe_assistant.crypto.noise import p_error_from_variance

ELEMENTS, RUNS = 512, 3
SECOND_TABLE = [(3 * i + 1) % 16 for i in range(16)]  # neighbours (and the wrap) all differ


def weighted_chain(x):
    y = fhe.univariate(lambda v: (v + 1) % 4)(x)
    return fhe.LookupTable(SECOND_TABLE)[y * 5]


def test_measured_error_rate_matches_the_reported_p_error():
    rng = np.random.default_rng(2026)
    compiler = fhe.compiler({"x": "encrypted"})(weighted_chain)
    circuit = compiler.compile([rng.integers(0, 4, ELEMENTS) for _ in range(8)], p_error=0.1,
                               insecure_keygen_seed=5, parameter_selection_strategy="mono")
    needs, noise = circuit.optimization.requirements, circuit.optimization.noise
    assert needs.max_norm2_into_pbs ** 2 == 25 and needs.pbs_input_from_pbs
    promised = circuit.p_error
    assert 0.05 < promised <= 0.1
    # the weighted lookup dominates: the first lookup (fresh input, 2-bit precision) and the
    # output decryption fail orders of magnitude less often
    p = needs.message_bit_width
    first_lookup = float(p_error_from_variance(
        sum(2.0 ** (2 * term) for term in (noise.fresh, noise.keyswitch, noise.modulus_switch)),
        p - 2))
    output = float(p_error_from_variance(2.0 ** (2 * noise.output), p))
    assert first_lookup + output < promised / 100

    assert_measured_error_rate(circuit, compiler, rng, promised)


def test_measured_error_rate_matches_the_per_lookup_p_errors():
    """MULTI: each lookup gets its own set; the second keyswitches the first one's output from
    the 2-bit set's big key to the 4-bit set's small key (cross-partition keyswitch)."""
    rng = np.random.default_rng(2027)
    compiler = fhe.compiler({"x": "encrypted"})(weighted_chain)
    circuit = compiler.compile([rng.integers(0, 4, ELEMENTS) for _ in range(8)], p_error=0.1,
                               insecure_keygen_seed=6)
    result = circuit.optimization
    assert len(circuit.parameter_sets) == 2
    assert [(k.source, k.target) for k in result.keyswitches] == [(0, 1)]
    # each element: one lookup per partition and one output decryption
    constraints = result.requirements.constraints
    assert sorted(c.count for c in constraints) == [ELEMENTS] * 3
    survive = np.prod([1.0 - p for p in result.constraint_p_errors])
    promised = 1.0 - survive
    assert 0.05 < max(result.constraint_p_errors) <= 0.1

    assert_measured_error_rate(circuit, compiler, rng, promised)


def assert_measured_error_rate(circuit, compiler, rng, promised: float) -> None:
    """RUNS encrypted calls of ELEMENTS trials each; two-sided binomial test against ``promised``."""
    circuit.keygen()
    inputs = rng.integers(0, 4, (RUNS, ELEMENTS))
    wrong = sum(int(np.sum(circuit.encrypt_run_decrypt(x) != compiler(x))) for x in inputs)
    assert_error_count(wrong, inputs.size, promised)


def assert_error_count(wrong: int, trials: int, promised: float) -> None:
    """Two-sided binomial test of ``wrong`` failures in ``trials`` against the rate ``promised``
    (shared with the WoP error-rate test, ``tfhe/test_tfhe_wop_error_rate.py``)."""
    test = binomtest(wrong, trials, promised)
    assert test.pvalue > 1e-3, (wrong, trials, promised)
