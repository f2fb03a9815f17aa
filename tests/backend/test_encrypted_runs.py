"""Encrypted runs with real keys equal the simulation, op by op, on random inputs.

Small widths keep CI fast (keys are cached per parameter set for the session); the
``slow`` cases run 6–8-bit lookups.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import fhe_assistant as fhe

TABLE = fhe.LookupTable([3, 0, 2, 1, 7, 5, 6, 4])
W = np.array([[1, -1], [2, 0], [-1, 1]])


def _int_range(low, high, shape):
    def sample(rng):
        return rng.integers(low, high + 1, shape)

    return sample


CASES = {
    # name: (function, statuses, samplers per argument)
    "add_sub_neg_clear": (lambda x: -(x + 3) - 2 * x + np.array([1, 2, 3]), {"x": "encrypted"},
                          [_int_range(0, 3, (3,))]),
    "add_sub_encrypted": (lambda x, y: x + y - (x - y) * 2, {"x": "encrypted", "y": "encrypted"},
                          [_int_range(0, 3, (2,)), _int_range(0, 3, (2,))]),
    "matmul_clear_weights": (lambda x: x @ W + W.T @ (x * 1), {"x": "encrypted"},
                             [_int_range(-2, 2, (3,))]),
    "sum_axes": (lambda x: np.sum(x, axis=0) + x.sum(axis=1, keepdims=True).T, {"x": "encrypted"},
                 [_int_range(0, 3, (2, 2))]),
    "lookup_table": (lambda x: TABLE[x], {"x": "encrypted"}, [_int_range(0, 7, (4,))]),
    "univariate_signed": (lambda x: fhe.univariate(lambda v: v * v - 3)(x), {"x": "encrypted"},
                          [_int_range(-3, 3, (3,))]),
    "comparisons_const": (lambda x: (x < 2) + 2 * (x >= 3) + 4 * (x == 1), {"x": "encrypted"},
                          [_int_range(0, 4, (3,))]),
    "relu_abs_clip": (lambda x: np.maximum(x, 0) + np.abs(x) - np.clip(x, -1, 2),
                      {"x": "encrypted"}, [_int_range(-3, 3, (3,))]),
    "pow_div_mod": (lambda x: x ** 2 // 3 + x % 3, {"x": "encrypted"}, [_int_range(0, 5, (2,))]),
    "float_fusion": (lambda x: (np.exp(x / 3.0) * 2).astype(np.int64), {"x": "encrypted"},
                     [_int_range(0, 5, (2,))]),
    "multiply_encrypted": (lambda x, y: x * y, {"x": "encrypted", "y": "encrypted"},
                           [_int_range(-2, 3, (2,)), _int_range(0, 3, (2,))]),
    "compare_encrypted": (lambda x, y: (x > y) + np.maximum(x, y), {"x": "encrypted", "y": "encrypted"},
                          [_int_range(0, 3, (2,)), _int_range(0, 3, (2,))]),
    "where_encrypted_condition": (lambda x: np.where(x > 1, x, 3), {"x": "encrypted"},
                                  [_int_range(0, 3, (3,))]),
    "shapes": (lambda x: np.concatenate([x.reshape(2, 2).T, np.ones((1, 2), int)])[::-1].flatten()
               + np.stack([x[0], x[3]]).sum(), {"x": "encrypted"}, [_int_range(0, 3, (4,))]),
    "indexing": (lambda x: x[..., None][1:, ::-1, 0] + np.expand_dims(x[0], 0).squeeze(0),
                 {"x": "encrypted"}, [_int_range(0, 3, (3, 2))]),
    "clear_input": (lambda x, y: x * y + (x < y), {"x": "encrypted", "y": "clear"},
                    [_int_range(0, 3, (2,)), _int_range(0, 2, (2,))]),
    "chained_lookups": (lambda x: TABLE[TABLE[x]] + fhe.univariate(lambda v: v // 2)(TABLE[x]),
                        {"x": "encrypted"}, [_int_range(0, 7, (2,))]),
    # residues sit 3 away from the rounding tie (σ ≈ 0.7 here): approximate rounding is exact
    "rounding_before_lookup": (
        lambda x: fhe.univariate(lambda v: v // 8)(fhe.round_bit_pattern(x * 16 + 1, 3)),
        {"x": "encrypted"}, [_int_range(0, 6, (2,))]),
}


def _inputset(samplers, rng, size=64):
    return [tuple(s(rng) for s in samplers) for _ in range(size)]


@pytest.mark.parametrize("name", list(CASES))
def test_encrypted_run_equals_simulation(name, key_cache):
    function, statuses, samplers = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # same inputs in every process
    inputset = _inputset(samplers, rng)
    circuit = fhe.compiler(statuses)(function).compile(
        inputset, insecure_key_cache_location=key_cache, insecure_keygen_seed=7)
    circuit.keygen()
    for args in inputset[:3]:
        simulated = circuit.simulate(*args)
        encrypted = circuit.encrypt_run_decrypt(*args)
        np.testing.assert_array_equal(encrypted, simulated, err_msg=f"{name}{args}")
        np.testing.assert_array_equal(simulated, function(*args))


def test_encrypt_run_decrypt_in_steps_and_statistics(key_cache):
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return TABLE[x] + x

    circuit = f.compile(np.arange(8), insecure_key_cache_location=key_cache)
    circuit.keygen()
    value = circuit.encrypt(5)
    result = circuit.run(value)
    assert circuit.decrypt(result) == TABLE.table[5] + 5
    stats = circuit.statistics
    assert stats["programmable_bootstrap_count"] == 1
    assert stats["bootstrap_key_fourier_bytes"] > 0 and stats["keyswitch_key_bytes"] > 0
    assert "keyswitch" in circuit.lowered and "PBS" in circuit.lowered
    table = circuit.cost_table()
    assert table["pbs"].sum() == 1


def test_encrypt_generates_missing_keys_and_foreign_ciphertexts_are_refused(key_cache):
    """As in Concrete, the first ``encrypt`` makes the keys when ``keygen`` was not called."""
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return TABLE[x]

    circuit = f.compile(np.arange(8), insecure_key_cache_location=key_cache)
    assert circuit.decrypt(circuit.run(circuit.encrypt(3))) == TABLE[3]
    other = fhe.compiler({"x": "encrypted"})(lambda x: x + 1).compile(
        np.arange(8), insecure_key_cache_location=key_cache)
    other.keygen()
    with pytest.raises(fhe.InputError, match="other parameters"):
        circuit.run(other.encrypt(3))


@pytest.mark.slow
@pytest.mark.parametrize("bit_width", [6, 7, 8])
def test_wide_lookups_encrypted(bit_width, key_cache):
    size = 1 << bit_width
    table = np.random.default_rng(bit_width).integers(0, size, size)

    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return fhe.LookupTable(table)[x]

    circuit = f.compile(np.arange(size), insecure_key_cache_location=key_cache)
    circuit.keygen()
    xs = np.random.default_rng(0).integers(0, size, 3)
    for x in xs:
        assert circuit.encrypt_run_decrypt(x) == table[x]


def test_fused_lookup_chain_runs_encrypted(key_cache):
    weights = np.array([[2, -1], [1, 3], [-2, 1]])

    def dot_relu(x):
        y = fhe.round_bit_pattern((x @ weights) * 16, lsbs_to_remove=4)
        return np.maximum(y, 0) // 64

    inputset = [np.random.default_rng(i).integers(0, 8, 3) for i in range(40)]
    circuit = fhe.compiler({"x": "encrypted"})(dot_relu).compile(
        inputset, fuse_lookup_chains=True, insecure_key_cache_location=key_cache)
    lookups = circuit.analysis.plan.lookups.values()
    # one lookup per element reads the rounding's top bits; the exact rounding cleared the 4
    # low bits first, one bit read each
    assert sum(lookup.element_count for lookup in lookups if lookup.reads_bit is None) == 2
    assert sum(lookup.element_count for lookup in lookups if lookup.reads_bit is not None) == 8
    circuit.keygen()
    for x in inputset[:3]:
        np.testing.assert_array_equal(circuit.encrypt_run_decrypt(x), circuit.simulate(x))
