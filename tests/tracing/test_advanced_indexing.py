"""Indexing and assignment with several integer arrays (numpy's advanced indexing: the arrays
broadcast together), and ``np.copy`` making an independent value: checked against numpy in
simulation (exact and FHE-faithful), and encrypted."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from tests.support import check_against_numpy, clr, enc


def _assign_pairs(x):
    x[[0, 1], [2, 3]] = 7
    return x


def _assign_selection(x):
    x[[0, 4], [1, 2]] = x[[1, 2], [0, 0]] + 1
    return x


def _assign_broadcast_value(x):
    x[[[0], [3]], [1, 2]] = np.array([5, 6])
    return x


def _copy_then_modify(x):
    y = np.copy(x)
    y[1] = np.sum(x)
    return np.concatenate((x, y))


INDEXINGS = {
    "pairs": (lambda x: x[[0, 0, 4, 4], [0, 3, 0, 3]], (5, 4)),
    "pairs_2d": (lambda x: x[[[0, 0], [4, 4]], [[0, 3], [0, 3]]], (5, 4)),
    "negative": (lambda x: x[[-1, 0], [-2, 1]], (5, 4)),
    "broadcast_arrays": (lambda x: x[[[0], [2]], [1, 3]], (3, 4)),
    "arrays_around_a_slice": (lambda x: x[[0, 2], 1:3, [1, 0]], (3, 4, 2)),
    "adjacent_arrays_after_a_slice": (lambda x: x[:, [0, 2], [1, 0]], (2, 3, 2)),
    "assign_pairs": (_assign_pairs, (5, 4)),
    "assign_selection": (_assign_selection, (5, 4)),
    "assign_broadcast_value": (_assign_broadcast_value, (5, 4)),
    "copy_then_modify": (_copy_then_modify, (3,)),
}


@pytest.mark.parametrize("low, high", [(0, 7), (-8, 7)])
@pytest.mark.parametrize("name", list(INDEXINGS))
def test_against_numpy(name, low, high):
    function, shape = INDEXINGS[name]
    check_against_numpy(function, [enc(shape, low, high)])


def test_clear_array_indexed_with_several_arrays_is_added_to_encrypted():
    check_against_numpy(lambda x, y: x[[0, 2], [1, 1]] + y, [clr((3, 2)), enc((2,))])


def test_encrypted_runs_agree_with_numpy():
    rng = np.random.default_rng(4)
    for name in ("pairs_2d", "arrays_around_a_slice", "assign_selection", "copy_then_modify"):
        function, shape = INDEXINGS[name]
        circuit = fhe.compiler({"x": "encrypted"})(function).compile(
            [rng.integers(0, 8, shape) for _ in range(20)], insecure_keygen_seed=2)
        sample = rng.integers(0, 8, shape)
        np.testing.assert_array_equal(circuit.encrypt_run_decrypt(sample),
                                      function(sample.copy()))


@pytest.mark.parametrize("function, message", [
    (lambda x: x[[0, 1], [0, 1, 2]], "shape mismatch"),
    (lambda x: x[[0, 5], [0, 1]], "out of bounds"),
])
def test_bad_array_indices_are_refused(function, message):
    with pytest.raises(fhe.TracingError, match=message):
        fhe.compiler({"x": "encrypted"})(function).trace([np.zeros((5, 4), dtype=np.int64)])


def _assign_float_index(x):
    x[1.5] = 0
    return x


def _assign_ragged_index(x):
    x[[[1, 2], [1, 2, 3], [1]]] = 0
    return x


@pytest.mark.parametrize("function, message", [
    (lambda x: x[1.5], ("Tracer<output=EncryptedTensor<uint3, shape=(3,)>> cannot be indexed "
                        "with 1.5")),
    (lambda x: x[1.5:2.5], ("Tracer<output=EncryptedTensor<uint3, shape=(3,)>> cannot be "
                            "indexed with 1.5:2.5")),
    (lambda x: x[0, 1.5], "{} cannot be indexed with 0, 1.5"),
    (lambda x: x[[0, 1], [0.5, 1]], "{} cannot be indexed with [0, 1], [0.5, 1]"),
    (lambda x: x[["abc", 3]], "{} cannot be indexed with ['abc', 3]"),
    (_assign_float_index, "{}[1.5] cannot be assigned 0"),
    (_assign_ragged_index, "{}[[[1, 2], [1, 2, 3], [1]]] cannot be assigned 0"),
])
def test_malformed_indices_are_concretes_value_errors(function, message):
    """Concrete's text (the input described by its first sample), the line as a note."""
    with pytest.raises(ValueError) as raised:
        fhe.compiler({"x": "encrypted"})(function).compile([np.array([5, 2, 4])])
    assert str(raised.value) == message.format("Tracer<output=EncryptedTensor<uint3, shape=(3,)>>")
    assert isinstance(raised.value, fhe.TracingError)
    assert "test_advanced_indexing.py" in "\n".join(raised.value.__notes__)


def test_a_bad_assignment_is_refused():
    def f(x):
        x[[0, 1], [0, 1, 2]] = 1
        return x

    with pytest.raises(fhe.TracingError, match="shape mismatch"):
        fhe.compiler({"x": "encrypted"})(f).trace([np.zeros((5, 4), dtype=np.int64)])
