"""simulate(…) with Configuration(simulate_pbs_errors=True) fails lookups at the promised rate."""
import numpy as np
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
    outputs = circuit.simulate(inputs)
    wrong = int(np.sum(outputs != inputs))
    assert binomtest(wrong, len(inputs), promised).pvalue > 1e-4, (wrong, promised)


def test_without_the_switch_simulation_is_exact():
    @fhe.compiler({"x": "encrypted"})
    def identity_lookup(x):
        return fhe.LookupTable(list(range(16)))[x]

    circuit = identity_lookup.compile(np.arange(16), p_error=0.02)
    inputs = np.random.default_rng(1).integers(0, 16, 50_000)
    np.testing.assert_array_equal(circuit.simulate(inputs), inputs)
