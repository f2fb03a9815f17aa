"""``simulate`` (one call, arguments checked as Concrete checks them) and ``simulate_batch``,
out-of-range warnings naming the node, FHE-faithful (circuit) vs exact (trace) semantics."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import fhe_assistant as fhe


def _compiler():
    @fhe.compiler({"x": "encrypted", "y": "encrypted"})
    def f(x, y):
        d = x - y  # the node the warning must name
        return np.maximum(d, 0) + x

    return f


INPUTSET = [(0, 0), (7, 7), (3, 1)]  # x - y measured in [0, 2]


@pytest.mark.parametrize("which", ["compile", "trace"])
def test_out_of_range_warning_names_the_node_and_line(which):
    target = getattr(_compiler(), which)(INPUTSET)
    with pytest.warns(fhe.OutOfRangeWarning) as record:
        target.simulate(0, 5)  # x, y in range; x - y = -5 is not
    messages = [str(w.message) for w in record]
    subtract = next(m for m in messages if "subtract" in m)
    assert "%2 = subtract at test_simulate.py:" in subtract
    assert "d = x - y" in subtract
    assert "[-5, -5]" in subtract and "range [0, 2]" in subtract
    assert "add such inputs to the inputset" in subtract
    assert all(w.filename == __file__ for w in record)  # points at the caller's line


@pytest.mark.parametrize("which", ["compile", "trace"])
def test_no_warning_inside_the_range(which):
    target = getattr(_compiler(), which)(INPUTSET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert target.simulate(3, 1) == 5
        np.testing.assert_array_equal(
            target.simulate_batch(np.array([0, 7, 3]), np.array([0, 7, 1])), [0, 7, 5])


def test_input_out_of_range_is_named_too():
    """Beyond the inputset but inside the input's 4-bit precision: computed, with a warning."""
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x + 1).compile(range(8))
    with pytest.warns(fhe.OutOfRangeWarning, match=r"%0 = x at test_simulate.py:\d+.*\[12, 12\]"):
        assert circuit.simulate(12) == 13


def test_batched_out_of_range_warns_once_per_node():
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x * 2).compile(range(8))
    with pytest.warns(fhe.OutOfRangeWarning) as record:
        circuit.simulate_batch(np.array([1, 9, 12]))
    assert sum("%0 = x" in str(w.message) for w in record) == 1
    assert "[1, 12]" in str(record[0].message)


def test_circuit_wraps_like_fhe_where_trace_stays_exact():
    """Past the measured range the circuit reproduces FHE (wrap-around), trace stays numpy."""
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x * 3)
    circuit, program = compiler.compile(range(4)), compiler.trace(range(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        assert program.simulate(15) == 45
        assert circuit.simulate(15) == 45 % 32  # 4 bits and the padding bit cannot hold 45
        assert program.simulate(100) == 300  # exact: no input width to respect
    with pytest.raises(ValueError, match="but it's EncryptedScalar<uint7>"):
        circuit.simulate(100)  # beyond the input's 4 bits: refused, not wrapped


def test_single_and_batched_results():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return x @ y, np.sum(x)

    rng = np.random.default_rng(3)
    xs, ys = rng.integers(-3, 4, size=(20, 3)), rng.integers(0, 3, size=(20, 3, 2))
    circuit = f.compile(zip(xs, ys))
    single = circuit.simulate(xs[0], ys[0])
    assert isinstance(single, tuple) and single[0].shape == (2,)
    assert isinstance(single[1], (int, np.integer))
    batched = circuit.simulate_batch(xs, ys)
    np.testing.assert_array_equal(batched[0], np.einsum("bi,bij->bj", xs, ys))
    np.testing.assert_array_equal(batched[1], xs.sum(axis=1))


def test_scalar_program_batched_is_one_dimensional():
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x * 3).compile(range(10))
    result = circuit.simulate_batch(np.arange(10))
    assert result.shape == (10,) and result.tolist() == list(range(0, 30, 3))
    assert circuit.simulate(4) == 12 and np.ndim(circuit.simulate(4)) == 0
    assert circuit.simulate(np.int64(4)) == 12 and circuit.simulate_batch([4]).tolist() == [12]
    with pytest.raises(ValueError, match=r"but it's EncryptedTensor<uint3, shape=\(1,\)>"):
        circuit.simulate([4])


def test_trace_simulates_wide_programs_exactly():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return (x * 1000 - 3) // 7 + np.maximum(x * x, 10**6)

    xs = np.arange(-5000, 5000, 37)
    program = f.trace(xs)
    assert program.graph.maximum_integer_bit_width() > 20
    np.testing.assert_array_equal(program.simulate_batch(xs), f(xs))


def test_compile_and_trace_agree_on_the_inputset():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return fhe.LookupTable(np.arange(16) ** 2 % 11)[x % 16] - (np.cos(x) * 5).astype(np.int64)

    xs = np.arange(-20, 20)
    np.testing.assert_array_equal(f.compile(xs).simulate_batch(xs),
                                  f.trace(xs).simulate_batch(xs))
    np.testing.assert_array_equal(f.trace(xs).simulate_batch(xs), f(xs))


def test_process_keeps_working_after_every_kind_of_error():
    compiler = fhe.compiler({"x": "encrypted"})(lambda x: x + 1)
    failures = [
        lambda: fhe.compiler({"x": "encrypted"})(lambda x: np.argmax(x)).compile([np.arange(3)]),
        lambda: fhe.compiler({"x": "encrypted"})(lambda x: fhe.LookupTable(np.arange(2048))[x * 3])
        .compile(range(600), maximum_tlu_bit_width=8),
        lambda: compiler.compile([]),
        lambda: compiler.compile(range(4)).simulate(1, 2),
        lambda: fhe.compiler({"x": "encrypted"})(lambda x: x * 2**62).trace([4]),
        lambda: fhe.compiler({"x": "encrypted", "y": "encrypted"})(
            lambda x, y: (np.sin(x) + np.cos(y)).astype(np.int64)).compile([(1, 2)]),
    ]
    for failure in failures:
        with pytest.raises(fhe.FHEAssistantError):
            failure()
        circuit = compiler.compile(range(4))
        assert circuit.simulate(3) == 4


def test_a_lookup_past_its_range_reads_the_negated_table_like_the_bootstrap():
    """x + y in [8, 16) sets the padding bit of a 3-bit encoding (x and y are 3-bit inputs,
    their sum was at most 7 on the inputset): the bootstrap's negacyclic wrap reads
    −table[s − 8] (mod 2**(p+1)), and simulate must say the same."""
    table = [3, 1, 4, 1, 5, 6, 2, 7]
    circuit = fhe.compiler({"x": "encrypted", "y": "encrypted"})(
        lambda x, y: fhe.LookupTable(table)[x + y]).compile(
        [(0, 7), (7, 0), (3, 4), (0, 0)], insecure_keygen_seed=7)
    xs = np.arange(1, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
        simulated = circuit.simulate_batch(xs, np.full(7, 7))
        np.testing.assert_array_equal(simulated, (-np.array(table[:7])) % 16)
        assert circuit.encrypt_run_decrypt(2, 7) == simulated[1]
