"""``fhe.multivariate`` of three encrypted values (one packed lookup), and functions that
index positions (the function sees each operand in its own shape, as in Concrete)."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from tests.support import check_against_numpy, enc


def _positional(x, y, z):
    """Concrete's ``multi``: a different function per position (several tables)."""
    result = x * y
    result[0] -= z
    result[2] += z
    return result


def _median(x, y, z):
    return np.maximum(np.minimum(x, y), np.minimum(np.maximum(x, y), z))


def _four(x, y, z, w):
    return (x + 2 * y) * z - w


@pytest.mark.parametrize("function, params", [
    (_positional, [enc((3,), 0, 3), enc((3,), -2, 1), enc((), 0, 3)]),
    (_positional, [enc((3, 2), 0, 3), enc((3, 2), -2, 1), enc((2,), 0, 3)]),
    (_median, [enc((), 0, 3), enc((), 0, 3), enc((), 0, 3)]),
    (_median, [enc((4,), -2, 1), enc((), 0, 3), enc((2, 1), 0, 1)]),
])
def test_against_numpy(function, params):
    check_against_numpy(lambda x, y, z: fhe.multivariate(function)(x, y, z), params)


def test_four_values_against_numpy():
    check_against_numpy(lambda x, y, z, w: fhe.multivariate(_four)(x, y, z, w),
                        [enc((), 0, 1)] * 4)


def test_one_packed_lookup_encrypted():
    @fhe.compiler({"x": "encrypted", "y": "encrypted", "z": "encrypted"})
    def f(x, y, z):
        return fhe.multivariate(_positional)(x, y, z)

    rng = np.random.default_rng(1)
    inputset = [(rng.integers(0, 4, 3), rng.integers(-2, 2, 3), rng.integers(0, 4))
                for _ in range(30)]
    circuit = f.compile(inputset, insecure_keygen_seed=4)
    assert circuit.analysis.plan.pbs_count == 3  # one lookup per element of the result
    for sample in inputset[:3]:
        np.testing.assert_array_equal(circuit.encrypt_run_decrypt(*sample), _positional(*sample))


def test_too_wide_packing_is_reported():
    @fhe.compiler({"x": "encrypted", "y": "encrypted", "z": "encrypted"})
    def f(x, y, z):
        return fhe.multivariate(_median)(x, y, z)

    with pytest.raises(fhe.CompilationError, match="of 3 encrypted values is not supported"):
        f.compile([(0, 0, 0), (15, 15, 15)], maximum_tlu_bit_width=8)  # 12 packed bits
