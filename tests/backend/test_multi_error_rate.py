"""With one parameter set per precision (MULTI), the error rate of encrypted runs is the one
the per-lookup model promises, cross-partition keyswitch included.

The circuit of ``test_error_rate``: a 2-bit lookup whose output times 5 feeds a 4-bit
lookup. MULTI gives each its own set; the second lookup keyswitches the first one's output
from the 2-bit set's big key to the 4-bit set's small key. At p_error 0.1 per operation,
errors are frequent enough to count; every element is one trial, and it fails when either
lookup or the output decryption fails. Two-sided binomial test at a fixed seed.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import binomtest

import fhe_assistant as fhe

ELEMENTS, RUNS = 512, 3
SECOND_TABLE = [(3 * i + 1) % 16 for i in range(16)]  # neighbours (and the wrap) all differ


def weighted_chain(x):
    y = fhe.univariate(lambda v: (v + 1) % 4)(x)
    return fhe.LookupTable(SECOND_TABLE)[y * 5]


def test_measured_error_rate_matches_the_per_lookup_p_errors():
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

    circuit.keygen()
    inputs = rng.integers(0, 4, (RUNS, ELEMENTS))
    wrong = sum(int(np.sum(circuit.encrypt_run_decrypt(x) != compiler(x))) for x in inputs)
    test = binomtest(wrong, inputs.size, promised)
    print(f"MULTI error rate: {wrong}/{inputs.size} = {wrong / inputs.size:.4f}, "
          f"model {promised:.4f}, p-value {test.pvalue:.3g}")
    assert test.pvalue > 1e-3, (wrong, inputs.size, promised)
