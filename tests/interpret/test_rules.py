"""The virtual library: one clear rule per op, on batched values (the executable spec)."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.interpret import RULES, evaluate_graph
from fhe_assistant.ir import OpKind
from fhe_assistant.tracing import trace
from tests.tracing.test_ops_grid import FLOAT_CASES, INDEX_CASES, SHAPE_CASES, SUM_CASES, UNARY_OPS


def _graph(function, shape):
    return trace(function, {"x": "encrypted"}, [np.zeros(shape, dtype=np.int64)])


def test_every_op_has_a_rule():
    missing = {op for op in OpKind if op not in RULES} - {OpKind.INPUT, OpKind.CONSTANT}
    assert not missing


CASES = ([(f"unary-{k}", f, (2, 3)) for k, f in UNARY_OPS.items()]
         + [(f"shape-{k}", f, s) for k, (f, s) in SHAPE_CASES.items()]
         + [(f"index-{k}", f, s) for k, (f, s) in INDEX_CASES.items()]
         + [(f"sum-{k}", f, (2, 3, 4)) for k, f in SUM_CASES.items()]
         + [(f"float-{k}", f, (3,)) for k, (f, _, _) in FLOAT_CASES.items()])


@pytest.mark.parametrize("name, function, shape", CASES, ids=[c[0] for c in CASES])
def test_batched_evaluation_equals_numpy_per_sample(name, function, shape):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    graph = _graph(function, shape)
    batch = rng.integers(-8, 8, size=(6,) + shape)
    if name.startswith("float-") and ("log" in name or "sqrt" in name):
        batch = np.abs(batch)
    (batched,) = evaluate_graph(graph, [batch])
    expected = np.stack([np.asarray(function(sample)) for sample in batch])
    np.testing.assert_array_equal(batched, expected)
    singles = [evaluate_graph(graph, [sample[None]])[0][0] for sample in batch]
    np.testing.assert_array_equal(np.stack(singles), expected)


def test_wrong_number_of_inputs():
    graph = _graph(lambda x: x + 1, ())
    with pytest.raises(fhe.EvaluationError, match="expected 1 inputs, got 2"):
        evaluate_graph(graph, [np.zeros(1), np.zeros(1)])


def test_keep_hook_and_overrides():
    graph = _graph(lambda x: (x + 1) * 2, (2,))
    values = evaluate_graph(graph, [np.array([[1, 2]])], keep=True)
    assert sorted(values) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(values[4], [[4, 6]])
    seen = []
    evaluate_graph(graph, [np.array([[1, 2]])], hook=lambda node, value: seen.append(node.id))
    assert seen == [0, 1, 2, 3, 4]
    (replaced,) = evaluate_graph(graph, [np.array([[1, 2]])],
                                 hook=lambda node, value: value * 0 if node.id == 2 else None)
    np.testing.assert_array_equal(replaced, [[0, 0]])
    (overridden,) = evaluate_graph(graph, [np.array([[1, 2]])],
                                   overrides={4: lambda operands: operands[0] - 100})
    np.testing.assert_array_equal(overridden, [[-98, -97]])


@pytest.mark.parametrize("function, value", [
    (lambda x: x + 2**62, 2**62),
    (lambda x: x - 2**62, -(2**62)),
    (lambda x: x * 2**40, 2**30),
    (lambda x: x ** 3, 2**22),
    (lambda x: np.square(x), 2**32),
    (lambda x: x @ np.array([2**40, 2**40]), 2**22),
    (lambda x: np.sum(x * 2**60), 3),
    (lambda x: fhe.univariate(lambda v: v * v)(x), 2**32),
    (lambda x: np.left_shift(x, 40) * 2**30, 3),
])
def test_past_int64_is_an_error_naming_the_node(function, value):
    graph = _graph(function, (2,))
    overflow = r"%\d+ = \S+\(\.\.\.\) overflows 64-bit"
    with pytest.raises(fhe.EvaluationError, match=overflow) as raised:
        evaluate_graph(graph, [np.full((1, 2), value)])
    assert "test_rules.py" in str(raised.value)


def test_wrapped_intermediate_of_a_univariate_function_is_an_error():
    graph = _graph(lambda x: fhe.univariate(lambda v: v * v // 4)(x), ())
    with pytest.raises(fhe.EvaluationError, match="overflows 64-bit"):
        evaluate_graph(graph, [np.array([2**32 - 2])])  # v*v wraps, the result would fit
    graph = _graph(lambda x: fhe.univariate(lambda v: (v * v) % 7)(x), ())
    assert evaluate_graph(graph, [np.array([2**31 - 1])])[0][0] == (2**31 - 1) ** 2 % 7


def test_int64_results_just_below_the_limit_are_exact():
    graph = _graph(lambda x: x * x + fhe.univariate(lambda v: v * 3)(x), ())
    (result,) = evaluate_graph(graph, [np.array([2**30])])
    assert result[0] == 2**60 + 3 * 2**30


def test_division_by_zero_and_negative_exponent():
    graph = _graph(lambda x: 12 // x, ())
    with pytest.raises(fhe.EvaluationError, match="divides by zero"):
        evaluate_graph(graph, [np.array([1, 0])])
    graph = _graph(lambda x: 2 ** x, ())
    with pytest.raises(fhe.EvaluationError, match="negative integer exponent"):
        evaluate_graph(graph, [np.array([1, -1])])


def test_lookup_table_index_outside_the_table():
    graph = _graph(lambda x: fhe.LookupTable([1, 2, 3])[x], ())
    np.testing.assert_array_equal(evaluate_graph(graph, [np.array([-3, 2])])[0], [1, 3])
    with pytest.raises(fhe.EvaluationError, match="table has 3 entries"):
        evaluate_graph(graph, [np.array([3])])


def test_numpy_errors_are_reraised_with_the_node():
    def pick(v):
        return np.array([1, 2, 3])[v]

    graph = _graph(lambda x: fhe.univariate(pick)(x), (2,))
    with pytest.raises(fhe.EvaluationError, match=r"%1 = pick\(\.\.\.\) failed \(at test_rules"):
        evaluate_graph(graph, [np.full((1, 2), 5)])


def test_constants_near_the_int64_limit_trace():
    graph = _graph(lambda x: x + 2**62 - 2**62 + 1, ())  # only values, never shapes, overflow
    with pytest.raises(fhe.EvaluationError, match="overflows"):
        evaluate_graph(graph, [np.array([2**62])])
    assert evaluate_graph(graph, [np.array([-2**61])])[0][0] == -2**61 + 1


def test_astype_follows_numpy_casts():
    graph = _graph(lambda x: (x * 0.75).astype(np.int64) + (x * 40).astype(np.int8)
                   + (x * 100).astype(np.uint8), (5,))
    xs = np.array([[-7, -1, 0, 3, 7]])
    expected = (xs * 0.75).astype(np.int64) + (xs * 40).astype(np.int8) + \
        (xs * 100).astype(np.uint8)
    np.testing.assert_array_equal(evaluate_graph(graph, xs[None])[0], expected)


def test_constants_broadcast_against_any_batch():
    graph = trace(lambda x, y: np.concatenate([x, y, np.array([7])]) + np.stack([x, y])[0],
                  {"x": "encrypted", "y": "clear"}, [np.zeros(1, np.int64), np.zeros(1, np.int64)])
    (result,) = evaluate_graph(graph, [np.arange(4)[:, None], np.full((4, 1), 9)])
    assert result.shape == (4, 3)
    np.testing.assert_array_equal(result[:, 2], 7 + np.arange(4))
