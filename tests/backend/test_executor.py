"""The graph executor against the FHE-faithful simulation, with noiseless ciphertexts.

The bootstrap is emulated on the phase (modulus switch with rounding, negacyclic read of the
test vector), so these tests check encodings, offsets, test vectors and every leveled op
without the cost of real keys. Real encrypted runs are in test_encrypted_runs.py.
"""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.backend.executor import Executor
from fhe_assistant.backend.tfhe import decode, encode

POLYNOMIAL_SIZE = 2048


def emulated_bootstrap(ciphertexts: np.ndarray, test_vectors: np.ndarray, keys=(0, 0)
                       ) -> np.ndarray:
    """What a noiseless PBS computes: TV[φ̃] for φ̃ < N, else −TV[φ̃ − N]."""
    n = test_vectors.shape[1]
    phases = ciphertexts[:, -1]
    switched = (((phases >> np.uint64(64 - np.log2(2 * n).astype(int) - 1)) + np.uint64(1))
                >> np.uint64(1)) & np.uint64(2 * n - 1)
    switched = switched.astype(np.int64)
    rows = np.arange(len(ciphertexts)) % test_vectors.shape[0]
    values = np.where(switched < n, test_vectors[rows, switched % n],
                      np.negative(test_vectors[rows, switched % n]))
    out = np.zeros_like(ciphertexts)
    out[:, -1] = values
    return out


def run_noiseless(circuit, *args):
    parameters = circuit.parameters.__class__(
        **{**circuit.parameters.as_dict(), "glwe_dimension": 1, "polynomial_size": POLYNOMIAL_SIZE})
    executor = Executor(circuit.program, parameters)
    graph = circuit.analysis.lowered
    inputs = []
    for node_id, value in zip(graph.inputs, args):
        node = graph[node_id]
        value = np.asarray(value)
        if node.is_encrypted:
            cts = np.zeros((executor.lwe_size,) + value.shape, dtype=np.uint64)
            cts[-1] = encode(value, circuit.analysis.plan.precision(node_id))
            inputs.append(cts)
        else:
            inputs.append(value[None])
    outputs = executor.run(inputs, emulated_bootstrap)
    results = []
    for node_id, output in zip(graph.outputs, outputs):
        node = graph[node_id]
        results.append(decode(output[-1], circuit.analysis.plan.precision(node_id),
                              node.spec.dtype.is_signed))
    return results[0] if len(results) == 1 else tuple(results)


def programs():
    table = fhe.LookupTable([5, 3, 0, 7, 1, 6, 2, 4])
    w = np.array([[1, -2], [3, 0], [-1, 2]])
    return {
        "seed": (lambda x: [2] @ x + 2, {"x": "encrypted"}, [(np.array([v]),) for v in range(4)]),
        "lookup": (lambda x: table[x] + x, {"x": "encrypted"},
                   [(np.arange(3) % 8,), (np.array([7, 5, 1]),)]),
        "signed_relu": (lambda x: np.maximum(x @ w - 1, 0), {"x": "encrypted"},
                        [(np.array([a, b, c]),) for a in (-3, 2) for b in (-2, 3) for c in (0, 3)]),
        "float_fusion": (lambda x: (np.sin(x) * 5).astype(np.int64) + x, {"x": "encrypted"},
                         [(np.arange(8),)]),
        "enc_mul_compare": (lambda x, y: x * y + (x < y) - np.minimum(x, y),
                            {"x": "encrypted", "y": "encrypted"},
                            [(np.array([a, b]), np.array([b, a])) for a in range(-3, 4)
                             for b in range(4)]),
        "clear_operand": (lambda x, y: (x + y) // 2 + x * y, {"x": "encrypted", "y": "clear"},
                          [(np.array([a]), np.array([b])) for a in range(4) for b in range(3)]),
        "shapes": (lambda x: np.concatenate([x.reshape(2, 2).T, np.ones((1, 2), int)])[::-1, 1:]
                   .sum(axis=0) + np.stack([x[0], x[3]]), {"x": "encrypted"},
                   [(np.array([a, 1, 2, b]),) for a in range(4) for b in range(4)]),
        "rounded": (lambda x: fhe.univariate(lambda v: v // 8)(fhe.round_bit_pattern(x * 3, 3)),
                    {"x": "encrypted"}, [(np.array([v]),) for v in range(0, 40, 3)]),
    }


@pytest.mark.parametrize("name", list(programs()))
def test_noiseless_execution_equals_simulation(name):
    function, statuses, inputset = programs()[name]
    compiler = fhe.compiler(statuses)(function)
    # run_noiseless swaps in one noiseless set (an exact rounding's bit reads get a set of
    # their own by default)
    circuit = compiler.compile(inputset, parameter_selection_strategy="mono")
    rng = np.random.default_rng(0)
    for sample in rng.permutation(len(inputset))[:6]:
        args = inputset[sample]
        expected = circuit.simulate(*args)
        got = run_noiseless(circuit, *args)
        np.testing.assert_array_equal(got, expected, err_msg=f"{name}: {args}")
        if name != "rounded":
            np.testing.assert_array_equal(expected, function(*args))
