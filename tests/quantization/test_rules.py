"""The quantization rule table: one rule per ``OpKind``, an explicit state, clear refusals."""
import numpy as np
import pytest

from fhe_assistant.core.errors import InputError
from fhe_assistant.interpret.interpreter import evaluate_graph
from fhe_assistant.ir.ops import OpKind
from fhe_assistant.quantization import NBits, QuantizationOptions, quantize
from fhe_assistant.quantization.affine import QValue
from fhe_assistant.quantization.post_training import run_rules
from fhe_assistant.quantization.rules import QUANTIZATION_RULES
from fhe_assistant.quantization.state import QuantizationState
from fhe_assistant.tracing.trace import parameter_names, trace

RNG = np.random.default_rng(12)
X = RNG.normal(size=(200, 4))
Y = RNG.normal(size=(200, 4))
W = RNG.normal(size=(4, 3))


def test_every_op_but_constants_has_a_rule():
    # constants are clear by definition: the quantizer folds every clear node instead
    assert set(QUANTIZATION_RULES) == set(OpKind) - {OpKind.CONSTANT}
    assert all(callable(rule) for rule in QUANTIZATION_RULES.values())


def test_an_op_without_a_rule_is_refused_naming_the_node(monkeypatch):
    monkeypatch.delitem(QUANTIZATION_RULES, OpKind.SUM)

    def total(x):
        return np.sum(x * 2.0)

    with pytest.raises(InputError, match=r"%\d+ = sum\(\.\.\.\) cannot be quantized: sum on 1 "
                                         r"encrypted operand.* \(at test_rules\.py:\d+: ") as error:
        quantize(total, n_bits=6).calibrate(X)
    assert error.value.node.op is OpKind.SUM


def test_a_rule_that_cannot_take_its_operands_names_the_node():
    with pytest.raises(InputError, match=r"%\d+ = power\(\.\.\.\) cannot be quantized: power "
                                         r"on 2 encrypted .* \(at test_rules\.py:\d+: ") as error:
        quantize(lambda x, y: x ** y, n_bits=6).calibrate(X, Y + 3)
    assert error.value.node.op is OpKind.POWER


def test_an_output_that_does_not_depend_on_the_inputs_is_named():
    with pytest.raises(InputError, match=r"%\d+ = constant is an output that does not depend "
                                         r"on the inputs") as error:
        quantize(lambda x: (x + 1.0, np.ones(2)), n_bits=6).calibrate(X)
    assert error.value.node.op is OpKind.CONSTANT


def _state(function, *batches, **options) -> QuantizationState:
    statuses = {name: "encrypted" for name in parameter_names(function)}
    graph = trace(function, statuses, [b[0] for b in batches])
    options = QuantizationOptions(NBits.parse(options.pop("n_bits", 8)), **options)
    return QuantizationState(graph, options, list(batches))


#: One function per rule (and the row's cases: encrypted × clear, encrypted × encrypted).
CASES = {
    "add_sub_constants": (lambda x: 1.5 - (x + 2.0) - x * 0.0, [X]),
    "add_two_encrypted": (lambda x, y: x + y * 3.0 - y, [X, Y]),
    "negate_multiply_divide": (lambda x: -(x * np.array([1.0, -2.0, 0.5, 3.0])) / 4.0, [X]),
    "multiply_two_encrypted": (lambda x, y: x * y, [X, Y]),
    "matmul_left_and_right": (lambda x: x @ W + (W.T @ x).sum(), [X]),
    "matmul_two_encrypted": (lambda x, y: x @ y, [X, Y]),
    "sum_and_data_movement": (lambda x: np.concatenate([x.reshape(2, 2).T.flatten(), x[1:3]])
                              .sum(axis=0, keepdims=True), [X]),
    "compare_two_encrypted": (lambda x, y: np.maximum(x, y) + np.minimum(x, y) * 2.0, [X, Y]),
    "lookup_chain": (lambda x: np.tanh(x * 2.0) + np.abs(x), [X]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_quantized_value_approximates_its_float_node(name):
    function, batches = CASES[name]
    state = _state(function, *batches, n_bits=8, clear_outputs=False)
    run_rules(state)
    floats = evaluate_graph(state.float_graph, batches, keep=True)
    assert state.qvalues, "the walk produced quantized values"
    for node_id, value in state.qvalues.items():
        assert isinstance(value, QValue)
        approximated = value.dequantize(state.builder.values[value.node])
        expected = floats[node_id]
        reach = max(float(np.max(np.abs(expected))), 1.0)
        error = float(np.max(np.abs(approximated - expected)))
        assert error <= 0.06 * reach, (state.float_graph[node_id], error, reach)


def test_the_walk_records_inputs_and_lookups_in_the_state():
    state = _state(lambda x: np.maximum(x @ W, 0) @ W.T, X, n_bits=6,
                   rounding_threshold_bits=5)
    program = run_rules(state)
    assert program.input_quantizers == state.input_quantizers and len(state.input_quantizers) == 1
    assert [r.name for r in state.lookups] == ["relu_requant", "output_requant"]
    assert set(state.lookup_keys) == {n.id for n in program.graph.nodes
                                      if n.op is OpKind.UNIVARIATE}
    assert not state.pending     # every pending chain became a lookup or a clear output


def test_a_table_row_is_all_it_takes_to_change_how_an_op_is_quantized(monkeypatch):
    def negate_on_integers(state, node):
        value = state.qvalues[node.operands[0]]
        int_node = state.builder.op(OpKind.NEGATIVE, [value.node])
        return QValue.of(int_node, value.scale, -value.offset, value.shape)

    monkeypatch.setitem(QUANTIZATION_RULES, OpKind.NEGATIVE, negate_on_integers)
    qf = quantize(lambda x: -x @ W, n_bits=8).calibrate(X)
    assert OpKind.NEGATIVE in [node.op for node in qf.graph.nodes]
    assert np.abs(qf(X) - qf.float_function(X)).max() < 0.05 * np.abs(X @ W).max()
