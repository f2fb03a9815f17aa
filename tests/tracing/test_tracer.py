"""What the tracer records: ops as ``OpKind`` members, operands, shapes, constants, lines."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.ir import OpKind
from fhe_assistant.tracing import Tracer, trace


def _trace(function, *samples, statuses=None):
    names = list(inspect.signature(function).parameters)
    statuses = statuses or {name: "encrypted" for name in names}
    return trace(function, statuses, [np.asarray(s).astype(np.int64) for s in samples])


def test_nodes_operands_and_specs():
    def f(x, y):
        return x @ y + 1

    graph = _trace(f, np.zeros(3), np.zeros((3, 2)), statuses={"x": "encrypted", "y": "clear"})
    assert [n.op for n in graph.nodes] == [OpKind.INPUT, OpKind.INPUT, OpKind.MATMUL,
                                          OpKind.CONSTANT, OpKind.ADD]
    assert graph.inputs == [0, 1] and graph.outputs == [4] and graph.input_names == ["x", "y"]
    assert graph.nodes[2].operands == (0, 1) and graph.nodes[4].operands == (2, 3)
    assert [n.spec.shape for n in graph.nodes] == [(3,), (3, 2), (2,), (), (2,)]
    assert [n.is_encrypted for n in graph.nodes] == [True, False, True, False, True]
    assert graph.name == "f"
    assert graph.users()[0] == [2]


def test_locations_point_at_the_user_lines():
    def f(x):
        y = x + 1
        z = np.sum(y)
        return z

    graph = _trace(f, np.zeros(3))
    first = f.__code__.co_firstlineno
    assert graph.nodes[0].location.lineno == first  # inputs: the def line
    assert graph.nodes[2].location.lineno == first + 1
    assert graph.nodes[3].location.lineno == first + 2
    assert graph.nodes[3].location.filename == __file__
    assert graph.nodes[3].location.code == "z = np.sum(y)"
    assert str(graph.nodes[3].location) == f"test_tracer.py:{first + 2}"


def test_location_of_ops_in_user_helpers():
    def helper(v):
        return np.maximum(v, 0)

    def f(x):
        return helper(x - 3)

    graph = _trace(f, np.zeros(3))
    relu = next(n for n in graph.nodes if n.op is OpKind.MAXIMUM)
    assert relu.location.lineno == helper.__code__.co_firstlineno + 1


def test_float_values_are_typed_float():
    graph = _trace(lambda x: np.sin(x) * 2, np.zeros(3))
    assert [n.spec.is_float for n in graph.nodes] == [False, True, False, True]
    assert graph.nodes[1].attrs["ufunc"] is np.sin


def test_encrypted_by_encrypted_multiplication_is_traced():
    graph = _trace(lambda x, y: x * y, np.zeros(2), np.zeros(2))
    assert graph.nodes[2].op is OpKind.MULTIPLY and graph.nodes[2].operands == (0, 1)


@pytest.mark.parametrize("expression, op", [
    (lambda x: 3 - x, OpKind.SUBTRACT), (lambda x: 2 * x, OpKind.MULTIPLY),
    (lambda x: 1 + x, OpKind.ADD), (lambda x: x ** 2, OpKind.POWER),
    (lambda x: -x, OpKind.NEGATIVE), (lambda x: 7 // x, OpKind.FLOOR_DIVIDE),
    (lambda x: x % 3, OpKind.REMAINDER), (lambda x: 1 < x, OpKind.GREATER),
    (lambda x: x <= 1, OpKind.LESS_EQUAL), (lambda x: x == 1, OpKind.EQUAL),
    (lambda x: x != 1, OpKind.NOT_EQUAL), (lambda x: x >= 1, OpKind.GREATER_EQUAL),
    (lambda x: abs(x), OpKind.ABSOLUTE), (lambda x: [1, 2] @ x[:2], OpKind.MATMUL),
    (lambda x: np.clip(x, 0, 1), OpKind.CLIP), (lambda x: np.where(x, x, 1), OpKind.WHERE),
    (lambda x: x.astype(np.int8), OpKind.ASTYPE), (lambda x: np.broadcast_to(x, (2, 3)),
                                                   OpKind.BROADCAST_TO),
    (lambda x: fhe.round_bit_pattern(x, 1), OpKind.ROUND_BIT_PATTERN),
    (lambda x: fhe.LookupTable([1, 2])[x], OpKind.LOOKUP_TABLE),
    (lambda x: fhe.univariate(np.abs)(x), OpKind.UNIVARIATE),
])
def test_each_operation_records_its_op(expression, op):
    graph = _trace(expression, np.zeros(3))
    assert graph[graph.outputs[0]].op is op


def test_reflected_operand_order_is_kept():
    graph = _trace(lambda x: 3 - x, np.zeros(()))
    subtract = graph.nodes[-1]
    assert graph[subtract.operands[0]].op is OpKind.CONSTANT
    assert graph[subtract.operands[1]].op is OpKind.INPUT


def test_tracer_behaves_like_an_array():
    seen = {}

    def f(x):
        seen.update(shape=x.shape, ndim=x.ndim, size=x.size, length=len(x),
                    np_shape=np.shape(x), np_ndim=np.ndim(x), np_size=np.size(x),
                    dtype=x.dtype, rows=[row.shape for row in x], repr=repr(x))
        return x.copy() + np.copy(x)

    _trace(f, np.zeros((2, 3)))
    assert seen["shape"] == seen["np_shape"] == (2, 3)
    assert seen["ndim"] == seen["np_ndim"] == 2
    assert seen["size"] == seen["np_size"] == 6 and seen["length"] == 2
    assert seen["dtype"] == np.int64 and seen["rows"] == [(3,), (3,)]
    assert seen["repr"].startswith("Tracer(%0: EncryptedTensor<")


def test_constants_are_recorded_once_each():
    graph = _trace(lambda x: x + np.array([1, 2, 3]) * 2, np.zeros(3))
    constants = [n for n in graph.nodes if n.op is OpKind.CONSTANT]
    assert [c.attrs["value"].tolist() for c in constants] == [[2, 4, 6]]  # folded by numpy
    assert not constants[0].is_encrypted


def test_boolean_constants_become_integers():
    graph = _trace(lambda x: x * np.array([True, False]), np.zeros(2))
    constant = next(n for n in graph.nodes if n.op is OpKind.CONSTANT)
    assert constant.attrs["value"].dtype.kind == "i"


def test_multiple_outputs_and_constant_outputs():
    graph = _trace(lambda x: (x + 1, 5, x), np.zeros(2))
    assert len(graph.outputs) == 3 and graph[graph.outputs[1]].op is OpKind.CONSTANT
    assert graph.outputs[2] == 0


def test_positive_is_not_a_node():
    graph = _trace(lambda x: +x, np.zeros(2))
    assert len(graph) == 1 and graph.outputs == [0]


def test_tracers_are_not_numpy_arrays_outside_tracing():
    assert not issubclass(Tracer, np.ndarray)


@pytest.mark.parametrize("status", ["encrypted", "clear"])
def test_clear_and_encrypted_status_propagates(status):
    graph = _trace(lambda x, y: x + y, np.zeros(2), np.zeros(2),
                   statuses={"x": "encrypted", "y": status})
    assert graph.nodes[2].is_encrypted
    assert graph.nodes[1].is_encrypted == (status == "encrypted")


def test_integer_array_index_is_stored_normalized():
    graph = _trace(lambda x: x[..., [1, 0]], np.zeros((2, 3)))
    index = graph.nodes[-1].attrs["index"]
    assert index[0] == slice(None) and index[1].tolist() == [1, 0]
    assert graph.nodes[-1].spec.shape == (2, 2)
