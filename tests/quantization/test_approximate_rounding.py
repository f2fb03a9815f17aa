"""Approximate rounded reads on ciphertexts: exactly the documented approximation.

``rounding_method="approximate"`` budgets a rounded read for a one-step slip (noise bound of
one bit less, ``crypto.requirements.lookup_noise_bit_width``). Measured here: every
encrypted lookup reads the exactly rounded index or a neighbour, never further, and slips
as often as ``simulate`` with the optimizer's noise (the same pre-bootstrap noise drawn on
the unrounded value) predicts for the very same inputs.
"""
import numpy as np
import pytest

from fhe_assistant import Configuration
from fhe_assistant.interpret.interpreter import evaluate_graph
from fhe_assistant.lowered.tables import apply_tables, lookup_index
from fhe_assistant.quantization import quantize

W = np.random.default_rng(1).normal(size=(16, 3))
X = np.random.default_rng(0).normal(size=(200, 16))


def _compiled(tmp_path, method):
    function = quantize(lambda x: np.tanh(x @ W), n_bits=4, rounding_threshold_bits=4,
                        rounding_method=method, clear_outputs=False)
    function.compile(X, configuration=Configuration(
        p_error=1e-6, insecure_key_cache_location=str(tmp_path), insecure_keygen_seed=0,
        simulate_pbs_errors=False))  # p_error alone would turn simulated errors on
    return function


def test_the_method_changes_parameters_not_integers(tmp_path):
    exact, approximate = _compiled(tmp_path, "exact"), _compiled(tmp_path, "approximate")
    q = exact.quantize_inputs(X[:50])
    assert np.array_equal(exact.circuit.simulate_batch(q), approximate.circuit.simulate_batch(q))
    (lookup,) = approximate.circuit.program.plan.lookups.values()
    assert lookup.approximate and lookup.lsbs_removed > 0
    assert lookup.noise_precision == lookup.effective_precision - 1
    assert approximate.circuit.complexity < exact.circuit.complexity


@pytest.mark.slow
def test_encrypted_slips_are_one_step_and_as_frequent_as_simulated(tmp_path):
    """input → matmul → approximate rounding → tanh lookup, p_error 1e-6 per lookup: slips
    by one step are frequent (σ up to a fifth of a step), two-step errors are not expected
    in 3 × 60 reads."""
    function = _compiled(tmp_path, "approximate")
    circuit = function.circuit
    q = function.quantize_inputs(X[:60])
    program = circuit.program
    (lookup,) = program.plan.lookups.values()
    index = lookup_index(evaluate_graph(program.graph, [q], keep=True)[lookup.operand_id], lookup)
    table, modulus = program.table_source(lookup), 2 << lookup.effective_precision
    neighbours = np.stack([apply_tables(table, np.mod(index + d, modulus), lookup)
                           for d in (-1, 0, 1)])   # what reads one step off decode to
    expected = neighbours[1]
    assert np.array_equal(circuit.simulate_batch(q), expected)    # exact simulate: no slips
    encrypted = circuit.encrypt_run_decrypt_batch(q)
    assert np.all(np.any(encrypted[None] == neighbours, axis=0))  # ±1 step, nothing more
    slips = int(np.sum(encrypted != expected))
    original = circuit.configuration
    circuit.configuration = original.fork(simulate_pbs_errors=True)
    try:
        simulated = [int(np.sum(circuit.simulate_batch(q) != expected)) for _ in range(40)]
    finally:
        circuit.configuration = original
    mean = float(np.mean(simulated))
    assert mean >= 3, "the test needs slips to compare"
    # a sum of Bernoullis: variance ≤ mean; 4.5 σ of the run and of the 40-run estimate
    assert abs(slips - mean) <= 4.5 * np.sqrt(mean * (1 + 1 / 40)) + 1, (slips, mean)
