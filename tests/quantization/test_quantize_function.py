"""``quantize(fn, n_bits)``: post-training quantization of a user's float numpy function."""
import warnings

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.core.errors import InputError
from fhe_assistant.ir.ops import OpKind
from fhe_assistant.quantization import QuantizedFunction, quantize, rounding_lsbs
from fhe_assistant.quantization.builder import replay

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 4))
W1 = RNG.normal(size=(4, 6))
B1 = RNG.normal(size=6)
W2 = RNG.normal(size=(6, 2))


def mlp(x):
    return np.maximum(x @ W1 + B1, 0) @ W2 + 0.5


def ops(graph):
    return [node.op for node in graph.nodes]


def test_linear_function_has_no_lookup_and_matches_float():
    qf = quantize(lambda x: x @ W1 + B1, n_bits=8)
    circuit = qf.compile(X)
    assert circuit.analysis.plan.pbs_count == 0
    assert OpKind.UNIVARIATE not in ops(qf.graph)
    error = np.abs(qf(X, fhe="simulate") - qf.float_function(X))
    assert error.max() < 0.05 * np.abs(qf.float_function(X)).max()


def test_linear_circuit_never_overflows_inside_the_input_box():
    qf = quantize(lambda x: x @ W1, n_bits=6)
    qf.compile(X[:20])                        # a small inputset ...
    extreme = np.concatenate([X * 100, -X * 100])   # ... and inputs far outside it
    with warnings.catch_warnings():
        warnings.simplefilter("error", fhe.OutOfRangeWarning)
        simulated = qf(extreme, fhe="simulate")
    assert np.array_equal(simulated, qf(extreme, fhe="disable"))


def test_mlp_rounds_accumulators_to_the_threshold():
    qf = quantize(mlp, n_bits=8, rounding_threshold_bits=5)
    circuit = qf.compile(X)
    plan = circuit.analysis.plan
    assert plan.max_lookup_precision <= 5
    assert plan.pbs_count == 6 + 2            # hidden neurons + narrowed outputs
    assert OpKind.ROUND_BIT_PATTERN in ops(qf.graph)
    assert [r.name for r in qf.lookups] == ["relu_requant", "output_requant"]
    assert all(r.input_bit_width <= 5 for r in qf.lookups)
    # the clear integer program and the simulated circuit agree exactly
    assert np.array_equal(qf(X, fhe="simulate"), qf(X, fhe="disable"))
    reference = qf.float_function(X)
    assert np.corrcoef(qf(X).ravel(), reference.ravel())[0, 1] > 0.98


def test_without_rounding_the_lookup_is_too_wide_and_trace_says_so():
    qf = quantize(mlp, n_bits=8)
    program = qf.trace(X, maximum_tlu_bit_width=8)
    assert not program.is_compatible
    with pytest.raises(fhe.CompilationError, match="round"):
        qf.compile(X, maximum_tlu_bit_width=8)


def test_trailing_sigmoid_runs_in_the_clear():
    w = RNG.normal(size=4)

    def logistic(x):
        return 1 / (1 + np.exp(-(x @ w + 0.2)))

    qf = quantize(logistic, n_bits=8)
    assert qf.compile(X).analysis.plan.pbs_count == 0
    assert np.allclose(qf(X, fhe="simulate"), qf.float_function(X), atol=0.02)
    inside = quantize(logistic, n_bits=8, clear_outputs=False, rounding_threshold_bits=6)
    assert inside.compile(X).analysis.plan.pbs_count == 1


def test_elementwise_chain_becomes_one_lookup():
    def polynomial(x):
        return np.sum(np.tanh(x) ** 2 * 3.0 + 1.0, axis=0)

    qf = quantize(polynomial, n_bits=6, rounding_threshold_bits=6)
    circuit = qf.compile(X)
    names = [r.name for r in qf.lookups]
    assert names[0] == "tanh_power_multiply_etc_requant"   # one lookup for the whole chain
    assert names[1:] == ["output_requant"]                  # the 8-bit sum, narrowed
    assert circuit.analysis.plan.max_lookup_precision <= 6
    error = np.abs(qf(X, fhe="simulate") - qf.float_function(X))
    assert error.max() < 0.5


def test_a_lookup_input_reused_in_a_wide_sum_is_rounded_further():
    def residual(x):
        return np.sum(np.tanh(x) * 3.0 - x, axis=0)   # x feeds the lookup and the sum

    qf = quantize(residual, n_bits=6, rounding_threshold_bits=5)
    circuit = qf.compile(X)
    assert circuit.analysis.plan.max_lookup_precision <= 5
    assert np.array_equal(qf(X, fhe="simulate"), qf(X, fhe="disable"))


def test_two_encrypted_inputs_multiply_and_add():
    Y = RNG.normal(size=(300, 4))

    def product(x, y):
        return x * y + x

    qf = quantize(product, n_bits=8)
    qf.calibrate(X, Y)
    result = qf(X[:50], Y[:50])
    assert np.abs(result - qf.float_function(X[:50], Y[:50])).max() < 0.15
    assert qf.graph.input_names == ["x", "y"]


def test_sum_of_per_feature_products_uses_clear_integer_rescaling():
    w = np.array([0.5, -2.0, 0.1, 3.0])

    def dot(x):
        return np.sum(x * w)

    qf = quantize(dot, n_bits=8)
    circuit = qf.compile(X)
    assert circuit.analysis.plan.pbs_count == 0
    assert np.abs(qf(X) - X @ w).max() < 0.1


def test_shape_operations_follow_their_scales():
    def reshaped(x):
        return (x.reshape(2, 2).T * np.array([[1.0], [2.0]])).flatten()[1:]

    qf = quantize(reshaped, n_bits=8)
    qf.compile(X)
    assert np.abs(qf(X) - qf.float_function(X)).max() < 0.1


def test_unsupported_operation_is_named():
    def ratio(x, y):
        return x / y

    with pytest.raises(InputError, match="divide"):
        quantize(ratio).calibrate(X, X + 10)


def test_input_errors():
    qf = quantize(mlp, n_bits=6, rounding_threshold_bits=5)
    with pytest.raises(InputError, match="not calibrated"):
        qf(X)
    qf.calibrate(X)
    with pytest.raises(InputError, match="4 features, got 3"):
        qf(X[:, :3])
    with pytest.raises(InputError, match="NaN"):
        qf(np.full((2, 4), np.nan))
    with pytest.raises(InputError, match="compile"):
        qf(X, fhe="simulate")
    with pytest.raises(InputError, match="fhe="):
        qf(X, fhe="encrypted")
    qf.compile(X)
    with pytest.raises(InputError, match="keygen"):
        qf(X[:1], fhe="execute")


def test_decorator_form_and_repr():
    @quantize(n_bits={"inputs": 6, "weights": 5})
    def affine(x):
        return x @ W1

    assert isinstance(affine, QuantizedFunction)
    assert "not calibrated" in repr(affine)
    affine.compile(X)
    assert "compiled" in repr(affine)


def test_replayed_program_is_the_integer_graph():
    qf = quantize(mlp, n_bits=6, rounding_threshold_bits=5).calibrate(X)
    program = replay(qf.graph)
    assert list(program.__signature__.parameters) == ["x"]
    circuit = fhe.compiler({"x": "encrypted"})(program).compile(
        qf.program.quantize_inputs([X])[0])
    ten = qf.program.quantize_inputs([X[:10]])[0]
    assert np.array_equal(circuit.simulate_batch(ten), qf.program.graph and qf.compiler().compile(
        qf.inputset(X)).simulate_batch(ten))
    one = qf.program.quantize_inputs([X[:1]])[0][0]
    assert np.array_equal(program(one), circuit.simulate(one))


@pytest.mark.parametrize("values,target,expected", [
    (np.array([-1000, 1000]), 6, 5),     # int11 -> 6 bits: round 5 lsbs
    (np.array([0, 31]), 6, 0),           # fits already
    (np.array([0, 127]), 6, 2),          # 127 rounds up to 128 with 1 lsb: needs 2
])
def test_rounding_lsbs(values, target, expected):
    assert rounding_lsbs(values, target) == expected
