"""Bad input gives an ``fhe.InputError`` that says what is wrong; the process keeps working."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe


@pytest.fixture(autouse=True)
def still_works_afterwards():
    yield
    circuit = fhe.compiler({"x": "encrypted", "y": "clear"})(lambda x, y: x * y + 1).compile(
        [(0, 0), (3, 3)])
    assert circuit.simulate(2, 3) == 7


@pytest.fixture(scope="module")
def targets():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return x + y

    inputset = [(np.array([1, 2]), 3), (np.array([0, 5]), 1)]
    return {"compile": f.compile(inputset), "trace": f.trace(inputset)}


@pytest.mark.parametrize("which", ["compile", "trace"])
@pytest.mark.parametrize("args, message", [
    ((np.array([1, 2]),), "^Expected 2 inputs but got 1$"),
    ((np.array([1, 2]), 1, 2), "^Expected 2 inputs but got 3$"),
    ((), "^Expected 2 inputs but got 0$"),
    ((np.array([1, 2, 3]), 1), (r"^Expected argument 0 to be EncryptedTensor<uint3, shape=\(2,\)> "
                                r"but it's EncryptedTensor<uint2, shape=\(3,\)>$")),
    # a leading batch axis is a wrong shape, not a batch (simulate_batch takes batches)
    ((np.array([[1, 2]]), 1), (r"^Expected argument 0 to be EncryptedTensor<uint3, shape=\(2,\)> "
                               r"but it's EncryptedTensor<uint2, shape=\(1, 2\)>$")),
    ((np.array([[1, 2], [3, 4]]), np.array([1, 2])),
     r"^Expected argument 0 to be .* but it's EncryptedTensor<uint3, shape=\(2, 2\)>$"),
    ((np.array([1.5, 2]), 1), "'x' contains the non-integer 1.5"),
    ((np.array([1, 2]), 0.25), "'y' contains the non-integer 0.25"),
    ((np.array([np.nan, 2]), 1), "'x' contains NaN or infinity"),
    ((np.array([np.inf, 2]), 1), "'x' contains NaN or infinity"),
    ((np.array(["a", "b"]), 1), "'x' has dtype <U1"),
    ((np.array([1, 2]), None), "'y' is not a numeric value"),
    ((np.array([2**64 - 1, 0], dtype=np.uint64), 1), "exceeds the int64 range"),
])
def test_bad_simulate_arguments(targets, which, args, message):
    with pytest.raises(fhe.InputError, match=message):
        targets[which].simulate(*args)


def test_integral_floats_and_bools_are_accepted(targets):
    assert targets["compile"].simulate(np.array([1.0, 2.0]), 1).tolist() == [2, 3]
    assert targets["compile"].simulate(np.array([True, False]), 1).tolist() == [2, 1]


@pytest.mark.parametrize("statuses, parts", [
    ({"x": "encrypted"}, ["missing encryption status for 'y'"]),
    ({"x": "encrypted", "y": "clear", "z": "clear"}, ["'z' is not a parameter of f(x, y)"]),
    ({"x": "encrypted", "z": "clear"}, ["missing encryption status for 'y'",
                                        "'z' is not a parameter"]),
    ({"x": "encrypted", "y": "secret"}, ["status of 'y' is 'secret'; use 'encrypted' or 'clear'"]),
    ({"x": 1, "y": "clear"}, ["status of 'x' is 1"]),
    ({}, ["missing encryption status for 'x', 'y'"]),
])
def test_bad_encryption_statuses(statuses, parts):
    def f(x, y):
        return x + y

    with pytest.raises(fhe.InputError) as raised:
        fhe.compiler(statuses)(f)
    for part in parts:
        assert part in str(raised.value)


def test_statuses_must_be_a_dict():
    with pytest.raises(fhe.InputError, match=r"must be a dict such as \{'x': 'encrypted'\}"):
        fhe.compiler(["x"])(lambda x: x)


def test_status_names_are_case_insensitive():
    circuit = fhe.compiler({"x": "Encrypted", "y": "CLEAR"})(lambda x, y: x - y).compile(
        [(3, 1), (0, 2)])
    assert circuit.simulate(3, 1) == 2
    assert [n.is_encrypted for n in circuit.graph.nodes[:2]] == [True, False]


def test_variadic_functions_are_refused():
    with pytest.raises(fhe.InputError, match=r"\*args/\*\*kwargs"):
        fhe.compiler({"args": "encrypted"})(lambda *args: args[0])


@pytest.mark.parametrize("inputset", [[], np.array([]), iter([]), (x for x in []),
                                      np.zeros((0, 3))], ids=["list", "array", "iterator",
                                                              "generator", "array-0x3"])
def test_empty_inputset(inputset):
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    with pytest.raises(fhe.InputError, match="the inputset is empty"):
        compiler.compile(inputset)
    with pytest.raises(fhe.InputError, match="the inputset is empty"):
        compiler.trace([])


def test_shape_inconsistent_inputset():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    with pytest.raises(fhe.InputError,
                       match=r"sample 2 gives 'x' the shape \(3,\) but sample 0 gives \(2,\)"):
        compiler.compile([np.array([1, 2]), np.array([3, 4]), np.array([1, 2, 3])])
    two = fhe.compiler({"x": "encrypted", "y": "clear"})(lambda x, y: x + y)
    with pytest.raises(fhe.InputError, match=r"gives 'y' the shape \(2,\) but sample 0 gives \(\)"):
        two.compile([(1, 2), (1, np.array([1, 2]))])


@pytest.mark.parametrize("inputset, message", [
    ([1.5, 2.0], r"sample 0: 'x' contains the non-integer 1.5"),
    (np.array([0.0, 2.5]), "'x' contains the non-integer 2.5"),
    ([np.nan, 2], "'x' contains NaN or infinity"),
    (np.array([1, np.nan]), "'x' contains NaN or infinity"),
    (["a"], "dtype <U1"),
    ([None], "'x' is not a numeric value"),
    (5, "the inputset must be an iterable of samples, got int"),
])
def test_non_integer_encrypted_inputset(inputset, message):
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    with pytest.raises(fhe.InputError, match=message):
        compiler.compile(inputset)
    with pytest.raises(fhe.InputError, match=message):
        compiler.trace(inputset)


def test_non_integer_hints_at_quantization():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    with pytest.raises(fhe.InputError, match="quantize"):
        compiler.compile([0.5])


@pytest.mark.parametrize("inputset, message", [
    ([1, 2], r"sample 0 has 1 value\(s\) but the function takes 2 \(x, y\): give tuples"),
    ([(1, 2, 3)], r"sample 0 has 3 value\(s\) but the function takes 2"),
    ([(1, 2), (3,)], r"sample 1 has 1 value\(s\)"),
])
def test_inputset_samples_of_the_wrong_arity(inputset, message):
    compiler = fhe.compiler({"x": "encrypted", "y": "clear"})(lambda x, y: x + y)
    with pytest.raises(fhe.InputError, match=message):
        compiler.compile(inputset)


def test_unknown_configuration_option():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    with pytest.raises(TypeError, match="unknown configuration option.*no_such_option"):
        compiler.compile(range(3), no_such_option=True)


def test_input_error_is_a_value_error():
    assert issubclass(fhe.InputError, ValueError)
    assert issubclass(fhe.InputError, fhe.FHEAssistantError)


def test_calling_the_compiler_runs_the_plain_function():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.maximum(x, 0) * 2

    np.testing.assert_array_equal(f(np.array([-1, 3])), [0, 6])
    assert f.__name__ == "f"
