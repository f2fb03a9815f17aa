"""Concrete's extensions run encrypted: decrypted results equal simulation and numpy."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import fhe_assistant as fhe


def _assigned(x, index, value):
    x = x.copy()
    x[index] = value
    return x


def _zeros_then_assign(x, i):
    z = fhe.zeros((3,))
    z[i] = x
    return z + fhe.array([x, 1, x])


CASES = {
    "bits": (lambda x: fhe.bits(x)[1:3] + fhe.bits(x)[0], {"x": "encrypted"}, [(0, 7, (2,))]),
    "truncate_relu": (lambda x: fhe.truncate_bit_pattern(x, 1) + fhe.relu(x),
                      {"x": "encrypted"}, [(-4, 3, (2,))]),
    "bitwise_packed": (lambda x, y: (x & y) + (x ^ y) + (x << y),
                       {"x": "encrypted", "y": "encrypted"}, [(0, 3, (2,)), (0, 1, ())]),
    "static_assign": (lambda x, v: _assigned(x, 1, v), {"x": "encrypted", "v": "encrypted"},
                      [(0, 3, (3,)), (0, 3, ())]),
    "dynamic_index_assign": (lambda x, i: _assigned(x, i, x[i - 1] + 1),
                             {"x": "encrypted", "i": "clear"}, [(0, 3, (3,)), (0, 2, ())]),
    "zeros_array": (_zeros_then_assign, {"x": "encrypted", "i": "clear"},
                    [(0, 3, ()), (-3, 2, ())]),
    "max_reduction": (lambda x: np.max(x), {"x": "encrypted"}, [(0, 3, (3,))]),
    "maxpool": (lambda x: fhe.maxpool(x, kernel_shape=(2,)), {"x": "encrypted"},
                [(0, 3, (1, 1, 3))]),
    "multivariate": (lambda x, y: fhe.multivariate(lambda a, b: a * b + a)(x, y),
                     {"x": "encrypted", "y": "encrypted"}, [(0, 3, (2,)), (0, 1, ())]),
    "clear_table": (lambda x, t: t[x], {"x": "encrypted", "t": "clear"},
                    [(0, 3, (2,)), (-4, 4, (4,))]),
    # Concrete's server-side trivial encryption of a clear value
    "constant": (lambda c, y: fhe.constant(c) * 2 + y + fhe.constant(3),
                 {"c": "clear", "y": "encrypted"}, [(0, 31, (3,)), (0, 31, (3,))]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_extension_encrypted_run(name, key_cache):
    function, statuses, ranges = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    inputset = [tuple(rng.integers(low, high + 1, shape) for low, high, shape in ranges)
                for _ in range(32)]
    circuit = fhe.compiler(statuses)(function).compile(
        inputset, insecure_key_cache_location=key_cache, insecure_keygen_seed=3)
    circuit.keygen()
    for args in inputset[:2]:
        expected = function(*args)
        np.testing.assert_array_equal(circuit.simulate(*args), expected)
        np.testing.assert_array_equal(circuit.encrypt_run_decrypt(*args), expected)
