"""One call's arguments are checked as Concrete checks them (``validate_input_args``): the
count, the shape, and values within the input's bit width (an encrypted input's precision,
a clear input's width, signless). Batches go through ``simulate_batch`` /
``encrypt_run_decrypt_batch`` only."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe


@pytest.fixture(scope="module")
def add_circuit():
    """Concrete's ``test_circuit_bad_run`` program: x, y and x + y share 6 bits."""
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        return x + y

    rng = np.random.default_rng(0)
    return f.compile([(rng.integers(0, 2**4), rng.integers(0, 2**5)) for _ in range(100)],
                     insecure_keygen_seed=3)


@pytest.mark.parametrize("args, message", [
    ((1,), "Expected 2 inputs but got 1"),
    ((1, 2, 3), "Expected 2 inputs but got 3"),
    ((-1, 11), "Expected argument 0 to be EncryptedScalar<uint6> but it's EncryptedScalar<int1>"),
    ((1, -11), "Expected argument 1 to be EncryptedScalar<uint6> but it's EncryptedScalar<int5>"),
    ((100, 10), "Expected argument 0 to be EncryptedScalar<uint6> but it's EncryptedScalar<uint7>"),
    ((1, 100), "Expected argument 1 to be EncryptedScalar<uint6> but it's EncryptedScalar<uint7>"),
    ((np.array([1, 2]), np.array([3, 4])),
     ("Expected argument 0 to be EncryptedScalar<uint6> but it's "
      "EncryptedTensor<uint2, shape=(2,)>")),
])
@pytest.mark.parametrize("method", ["simulate", "encrypt"])
def test_concretes_refusals_word_for_word(add_circuit, method, args, message):
    with pytest.raises(ValueError) as raised:
        getattr(add_circuit, method)(*args)
    assert str(raised.value) == message
    assert isinstance(raised.value, fhe.InputError)


def test_the_whole_assigned_width_is_accepted(add_circuit):
    """x was at most 15 on the inputset but is a 6-bit input (it shares x + y's precision)."""
    with pytest.warns(fhe.OutOfRangeWarning):
        assert add_circuit.simulate(63, 0) == 63
    assert add_circuit.simulate(15, 31) == 46


def test_signed_and_clear_inputs():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return x * y

    circuit = f.compile([(-4, 3), (3, 1), (0, 2)])
    precision = circuit.analysis.plan.precision(circuit.analysis.lowered.inputs[0])
    low, high = -(1 << (precision - 1)), (1 << (precision - 1)) - 1
    assert circuit.simulate(low, 0) == 0 and circuit.simulate(high, 0) == 0
    with pytest.raises(ValueError, match=f"^Expected argument 0 to be EncryptedScalar<int"
                                         f"{precision}> but it's"):
        circuit.simulate(high + 1, 0)
    # y is a clear 2-bit input: Concrete takes clear values signless, -2..3
    assert circuit.simulate(1, -2) == -2 and circuit.simulate(1, 3) == 3
    with pytest.raises(ValueError, match="^Expected argument 1 to be ClearScalar<uint2> but "
                                         "it's ClearScalar<uint3>$"):
        circuit.simulate(1, 4)
    with pytest.raises(ValueError, match="but it's ClearScalar<int3>$"):
        circuit.simulate(1, -3)


def test_simulate_batch_against_numpy():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return (x + y) ** 2 % 13, np.sum(x)

    rng = np.random.default_rng(5)
    xs, ys = rng.integers(0, 8, size=(50, 3)), rng.integers(0, 4, size=(50, 3))
    for target in (f.compile(zip(xs, ys)), f.trace(zip(xs, ys))):
        squares, sums = target.simulate_batch(xs, ys)
        np.testing.assert_array_equal(squares, (xs + ys) ** 2 % 13)
        np.testing.assert_array_equal(sums, xs.sum(axis=1))
        one = target.simulate(xs[7], ys[7])
        np.testing.assert_array_equal(one[0], squares[7])
        assert one[1] == sums[7]


@pytest.mark.parametrize("which", ["compile", "trace"])
def test_bad_batches(which):
    compiler = fhe.compiler({"x": "encrypted", "y": "encrypted"})(lambda x, y: x + y)
    target = getattr(compiler, which)([(np.array([1, 2]), 3), (np.array([0, 5]), 1)])
    with pytest.raises(ValueError, match=r"^Expected 2 inputs but got 1$"):
        target.simulate_batch(np.zeros((4, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=r"argument 0 \('x'\) of a batch has shape \(2,\): "
                                         r"expected \(n, 2\) for n samples"):
        target.simulate_batch(np.array([1, 2]), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"argument 1 \('y'\) of a batch has shape \(\): "
                                         r"expected \(n\) for n samples"):
        target.simulate_batch(np.zeros((4, 2), dtype=np.int64), 3)
    with pytest.raises(ValueError, match=r"different numbers of samples: \[4, 3\]"):
        target.simulate_batch(np.zeros((4, 2), dtype=np.int64), np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="to be EncryptedTensor<uint.*shape=\\(2,\\)> but it's "
                                         "EncryptedTensor<uint.*, shape=\\(4, 3\\)>"):
        target.simulate_batch(np.zeros((4, 3), dtype=np.int64), np.zeros(4, dtype=np.int64))


def test_batch_values_beyond_the_width_are_refused():
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x * 3).compile(range(4))
    with pytest.raises(ValueError, match="^Expected argument 0 to be EncryptedScalar<uint4> "
                                         r"but it's EncryptedTensor<uint5, shape=\(3,\)>$"):
        circuit.simulate_batch(np.array([1, 2, 16]))


def test_encrypt_generates_keys_and_batches_run_one_by_one():
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: fhe.LookupTable([3, 1, 2, 0])[x]).compile(
        range(4), insecure_keygen_seed=11)
    assert not circuit.keys_generated
    encrypted = circuit.encrypt(2)  # Concrete generates the keys on first use
    assert circuit.keys_generated
    assert circuit.decrypt(circuit.run(encrypted)) == 2
    np.testing.assert_array_equal(circuit.encrypt_run_decrypt_batch(np.array([0, 1, 3])),
                                  [3, 1, 0])
    with pytest.raises(ValueError, match=r"but it's EncryptedTensor<uint2, shape=\(3,\)>"):
        circuit.encrypt_run_decrypt(np.array([0, 1, 3]))
    with pytest.raises(ValueError, match=r"^Expected argument 0 to be EncryptedScalar<uint2> "
                                         r"but it's EncryptedScalar<uint3>$"):
        circuit.encrypt_run_decrypt(4)


def test_run_and_decrypt_before_keys_are_refused():
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x + 1).compile(range(4))
    with pytest.raises(fhe.InputError, match="run needs keys: call circuit.keygen"):
        circuit.run(None)
    with pytest.raises(fhe.InputError, match="decrypt needs keys"):
        circuit.decrypt(None)


def test_keygen_with_concretes_encryption_seed():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x**2)
    circuit = compiler.compile(range(10))
    assert not circuit.keys.are_generated
    circuit.keygen(seed=42, encryption_seed=24)
    evaluation = circuit.run(circuit.encrypt(5))
    same = compiler.compile(range(10))
    same.keygen(seed=42)  # the same secret key, another encryption randomness
    assert same.decrypt(evaluation) == 25
