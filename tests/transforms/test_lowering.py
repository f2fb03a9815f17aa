"""Lowering of ops on two encrypted values: exact on every pair of a small range."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from fhe_assistant.interpret import evaluate_graph
from fhe_assistant.ir import LINEAR_OPS, OpKind
from fhe_assistant.tracing import trace
from fhe_assistant.transforms.lowering import (
    encrypted_operands,
    lower_bivariate,
    unsupported_encrypted_ops,
)

BIVARIATE = {
    "multiply": lambda x, y: x * y,
    "less": lambda x, y: x < y,
    "less_equal": lambda x, y: x <= y,
    "equal": lambda x, y: x == y,
    "not_equal": lambda x, y: x != y,
    "greater": lambda x, y: x > y,
    "greater_equal": lambda x, y: x >= y,
    "maximum": lambda x, y: np.maximum(x, y),
    "minimum": lambda x, y: np.minimum(x, y),
    "where_encrypted_condition": lambda x, y: np.where(x > 0, x, y),
    "matmul_vectors": lambda x, y: x[:3] @ y[:3],
}

VALUES = np.arange(-8, 8)
PAIRS = np.array(list(itertools.product(VALUES, VALUES)))


def _lowered(function, shape=(3,)):
    sample = np.zeros(shape, dtype=np.int64)
    graph = trace(function, {"x": "encrypted", "y": "encrypted"}, [sample, sample])
    lowered, mapping = lower_bivariate(graph)
    return graph, lowered, mapping


@pytest.mark.parametrize("name", list(BIVARIATE))
def test_lowering_is_exact_on_every_pair(name):
    function = BIVARIATE[name]
    graph, lowered, mapping = _lowered(function)
    # every pair of values, each at every position of the (3,) tensor (rolled)
    x = np.stack([np.roll(np.resize(PAIRS[:, 0], 3 * len(PAIRS)), k) for k in range(3)], -1)
    y = np.stack([np.roll(np.resize(PAIRS[:, 1], 3 * len(PAIRS)), k) for k in range(3)], -1)
    (got,) = evaluate_graph(lowered, [x, y])
    expected = np.stack([np.asarray(function(a, b)) for a, b in zip(x, y)])
    np.testing.assert_array_equal(got, expected)
    assert set(mapping) == {node.id for node in graph.nodes}


@pytest.mark.parametrize("name", list(BIVARIATE))
def test_lowered_graph_has_only_linear_ops_and_single_input_lookups(name):
    _, lowered, _ = _lowered(BIVARIATE[name])
    for node in lowered.nodes:
        if not node.is_encrypted or node.op in (OpKind.INPUT, OpKind.CONSTANT):
            continue
        if node.op in LINEAR_OPS - {OpKind.MULTIPLY, OpKind.MATMUL}:
            continue
        encrypted = encrypted_operands(lowered, node)
        if node.op is OpKind.WHERE and lowered[node.operands[2]].op is OpKind.CONSTANT:
            continue  # where(c, d, 0): packed into one lookup once bounds are known
        assert len(encrypted) == 1, f"%{node.id} = {node.label} has {len(encrypted)} encrypted"


def test_multiply_becomes_two_lookups():
    _, lowered, _ = _lowered(lambda x, y: x * y)
    assert lowered.count(OpKind.UNIVARIATE) == 2
    assert lowered.count(OpKind.MULTIPLY) == 0


@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((3,), (3, 2)), ((2, 3), (3,)),
                                    ((2, 2, 3), (3, 2))])
def test_matmul_lowering_shapes(shapes):
    rng = np.random.default_rng(0)
    graph = trace(lambda x, y: x @ y, {"x": "encrypted", "y": "encrypted"},
                  [np.zeros(shapes[0], np.int64), np.zeros(shapes[1], np.int64)])
    lowered, _ = lower_bivariate(graph)
    x = rng.integers(-8, 8, size=(5,) + shapes[0])
    y = rng.integers(-8, 8, size=(5,) + shapes[1])
    (got,) = evaluate_graph(lowered, [x, y])
    np.testing.assert_array_equal(got, np.stack([a @ b for a, b in zip(x, y)]))
    assert lowered[lowered.outputs[0]].spec.shape == graph[graph.outputs[0]].spec.shape


def test_unsupported_bivariate_ops_are_listed():
    graph = trace(lambda x, y: (x // (y + 1)) + (x & y), {"x": "encrypted", "y": "encrypted"},
                  [np.int64(0), np.int64(0)])
    problems = unsupported_encrypted_ops(graph)
    assert [node.label for node, _ in problems] == ["floor_divide", "bitwise_and"]
    assert all("2 encrypted values" in why for _, why in problems)


def test_clear_by_encrypted_ops_are_not_lowered():
    graph = trace(lambda x, y: x * y + (x < y), {"x": "encrypted", "y": "clear"},
                  [np.int64(0), np.int64(0)])
    lowered, _ = lower_bivariate(graph)
    assert [n.op for n in lowered.nodes] == [n.op for n in graph.nodes]
