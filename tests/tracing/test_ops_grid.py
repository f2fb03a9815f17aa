"""The per-op grid: every traced op, on scalars and tensors, signed and unsigned, clear and
encrypted operands, checked against numpy through ``compile().simulate`` (FHE-faithful,
single and batched) and ``trace().simulate`` (exact int64)."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.ir import OpKind
from tests.support import Param, check_against_numpy, clr, enc

# -- one encrypted operand, elementwise -------------------------------------------------------

#: Input kinds every unary case runs on: scalar / tensor, unsigned / signed.
UNARY_INPUTS = [enc((), 0, 7), enc((), -8, 7), enc((2, 3), 0, 15), enc((3,), -8, 7)]

UNARY_OPS = {
    "add_const": lambda x: x + 3,
    "radd_const": lambda x: 3 + x,
    "sub_const": lambda x: x - 5,
    "rsub_const": lambda x: 5 - x,
    "mul_const": lambda x: x * 3,
    "rmul_neg_const": lambda x: -2 * x,
    "negative": lambda x: -x,
    "positive": lambda x: +x,
    "power_2": lambda x: x ** 2,
    "power_3": lambda x: np.power(x, 3),
    "rpower": lambda x: 2 ** np.clip(x, 0, 6),
    "floor_divide": lambda x: x // 3,
    "floor_divide_negative": lambda x: x // -4,
    "remainder": lambda x: x % 3,
    "remainder_negative": lambda x: x % -3,
    "less": lambda x: x < 2,
    "less_equal": lambda x: x <= 2,
    "equal": lambda x: x == 1,
    "not_equal": lambda x: x != 1,
    "greater": lambda x: x > 0,
    "greater_equal": lambda x: x >= 3,
    "reflected_comparison": lambda x: 2 < x,
    "maximum": lambda x: np.maximum(x, 2),
    "minimum": lambda x: np.minimum(x, 2),
    "maximum_reflected": lambda x: np.maximum(-1, x),
    "relu": lambda x: np.maximum(x, 0),
    "abs": lambda x: np.abs(x),
    "abs_builtin": lambda x: abs(x),
    "clip": lambda x: np.clip(x, -2, 3),
    "clip_method": lambda x: x.clip(1, 4),
    "clip_upper_only": lambda x: np.clip(x, None, 3),
    "where_encrypted_condition": lambda x: np.where(x > 2, x, 2 * x),
    "where_clear_branches": lambda x: np.where(x > 2, 5, -1),
    "where_integer_condition": lambda x: np.where(x, 5, 1),
    "astype_int64": lambda x: x.astype(np.int64),
    "astype_int8_wraps": lambda x: (x * 9 + 60).astype(np.int8),
    "astype_bool": lambda x: x.astype(bool) * 2,
    "round_integer": lambda x: np.round(x) + x.round(2),
    "round_integer_negative_decimals": lambda x: np.round(x * 7, -1),
    "sum_with_own_dtype": lambda x: np.sum(x, dtype=np.int64),
    "bool_arithmetic": lambda x: (x > 2) * 3 + (x < 1),
    "chained_linear": lambda x: (x * 2 - 1) * -3 + 7,
}


@pytest.mark.parametrize("param", UNARY_INPUTS, ids=lambda p: p.kind)
@pytest.mark.parametrize("name", list(UNARY_OPS))
def test_unary_elementwise(name, param):
    check_against_numpy(UNARY_OPS[name], [param])


# -- two operands: encrypted x encrypted, encrypted x clear, clear x encrypted ------------------

BINARY_OPS = {
    "add": lambda x, y: x + y,
    "subtract": lambda x, y: x - y,
    "multiply": lambda x, y: x * y,
    "less": lambda x, y: x < y,
    "less_equal": lambda x, y: x <= y,
    "equal": lambda x, y: x == y,
    "not_equal": lambda x, y: x != y,
    "greater": lambda x, y: x > y,
    "greater_equal": lambda x, y: np.greater_equal(x, y),
    "maximum": lambda x, y: np.maximum(x, y),
    "minimum": lambda x, y: np.minimum(x, y),
    "where_on_comparison": lambda x, y: np.where(x > y, x - y, y),
}

#: (x, y) pairs: shapes equal, broadcasting, scalars; signed and unsigned.
BINARY_PAIRS = {
    "scalars": ((), (), (0, 7), (-4, 3)),
    "tensors": ((3,), (3,), (-4, 3), (0, 7)),
    "broadcast": ((2, 1), (3,), (0, 7), (-3, 3)),
    "scalar_tensor": ((), (2, 2), (-4, 3), (0, 3)),
}

MIXES = {"enc-enc": ("encrypted", "encrypted"), "enc-clear": ("encrypted", "clear"),
         "clear-enc": ("clear", "encrypted")}


@pytest.mark.parametrize("mix", list(MIXES))
@pytest.mark.parametrize("pair", list(BINARY_PAIRS))
@pytest.mark.parametrize("name", list(BINARY_OPS))
def test_binary(name, pair, mix):
    x_shape, y_shape, (x_low, x_high), (y_low, y_high) = BINARY_PAIRS[pair]
    x_status, y_status = MIXES[mix]
    check_against_numpy(BINARY_OPS[name], [Param(x_status, x_shape, x_low, x_high),
                                           Param(y_status, y_shape, y_low, y_high)])


DIVISION_BY_CLEAR = {
    "floor_divide": lambda x, y: x // y,
    "remainder": lambda x, y: x % y,
    "power": lambda x, y: x ** y,
}


@pytest.mark.parametrize("y", [clr((), 1, 4), clr((3,), 1, 3)], ids=lambda p: p.kind)
@pytest.mark.parametrize("name", list(DIVISION_BY_CLEAR))
def test_encrypted_by_clear_parameter(name, y):
    check_against_numpy(DIVISION_BY_CLEAR[name], [enc((3,), -8, 7), y])


def test_same_encrypted_value_twice():
    check_against_numpy(lambda x: x * x - x + (x < x[::-1]) + np.maximum(x, x[::-1]),
                        [enc((3,), -4, 7)])


# -- broadcasting against clear constants, constants built with numpy ---------------------------

CONSTANT_CASES = {
    "row_vector": (lambda x: x + np.array([1, -2, 3]), enc((2, 3), 0, 7)),
    "column_vector": (lambda x: x * np.array([[1], [2]]), enc((2, 3), -4, 3)),
    "scalar_input_tensor_constant": (lambda x: x - np.array([[1, 2], [3, 4]]), enc((), 0, 7)),
    "constant_adds_axes": (lambda x: x + np.ones((2, 1, 3), dtype=np.int64), enc((4, 3), 0, 7)),
    "python_list_constant": (lambda x: x * [1, 2, 3], enc((3,), -4, 3)),
    "zeros": (lambda x: x + np.zeros((3,), dtype=np.int64), enc((3,), 0, 7)),
    "ones": (lambda x: x * np.ones((2, 3), dtype=np.int64), enc((3,), -4, 3)),
    "full": (lambda x: x - np.full((3,), 5), enc((3,), 0, 7)),
    "zeros_like": (lambda x: x + np.zeros_like(x), enc((2, 2), 0, 7)),
    "ones_like": (lambda x: x + np.ones_like(x), enc((2, 2), -3, 3)),
    "full_like": (lambda x: x * np.full_like(x, 4), enc((3,), -3, 3)),
    "concatenate_zeros": (lambda x: np.concatenate([x, np.zeros(2, dtype=np.int64)]),
                          enc((3,), 0, 7)),
    "comparison_with_vector": (lambda x: x > np.array([0, 2, 4]), enc((2, 3), 0, 7)),
    "where_clear_mask": (lambda x: np.where(np.array([True, False, True]), x, 0),
                         enc((3,), -8, 7)),
}


@pytest.mark.parametrize("name", list(CONSTANT_CASES))
def test_clear_constants(name):
    function, param = CONSTANT_CASES[name]
    check_against_numpy(function, [param])


def test_broadcast_clear_parameter():
    check_against_numpy(lambda x, y: x - y, [enc((2, 3), 0, 7), clr((3,), 0, 7)])
    check_against_numpy(lambda x, y: x * y, [enc((), -3, 3), clr((2, 2), 0, 3)])


def test_where_with_clear_parameter_condition():
    check_against_numpy(lambda x, c: np.where(c, x, -x), [enc((2, 3), -8, 7), clr((3,), 0, 1)])


def test_where_encrypted_condition_and_encrypted_branches():
    check_against_numpy(lambda x, y: np.where(x > 2, y, x), [enc((3,), 0, 7), enc((3,), -4, 3)])
    check_against_numpy(lambda x, y: np.where(x > 2, y, 1), [enc((), 0, 7), enc((3,), 0, 7)])
    check_against_numpy(lambda c, x: np.where(c, x, 0), [enc((3,), 0, 1), enc((3,), -4, 7)])


# -- matmul / dot with clear weights on both sides, 1-D / 2-D / 3-D -------------------------------

W32 = np.array([[1, -2], [3, 0], [-1, 2]])
W23 = W32.T.copy()

MATMUL_CASES = {
    "vector_at_matrix": (lambda x: x @ W32, (3,)),
    "matrix_at_vector": (lambda x: W32 @ x, (2,)),
    "matrix_at_matrix": (lambda x: x @ W32, (4, 3)),
    "weights_left_matrix": (lambda x: W23 @ x, (3, 4)),
    "batched_3d_right_weights": (lambda x: x @ W32, (2, 4, 3)),
    "batched_3d_left_weights": (lambda x: W23 @ x, (2, 3, 4)),
    "3d_weights": (lambda x: np.stack([W23, -W23]) @ x, (3, 2)),
    "vector_at_vector": (lambda x: x @ np.array([1, 2, -3]), (3,)),
    "list_weights": (lambda x: [2] @ x, (1,)),
    "np_matmul": (lambda x: np.matmul(x, W32), (3,)),
    "np_matmul_left": (lambda x: np.matmul(W23, x), (3,)),
    "np_dot_1d": (lambda x: np.dot(x, np.array([1, 2, 3])), (3,)),
    "np_dot_2d": (lambda x: np.dot(x, W32), (4, 3)),
    "np_dot_left": (lambda x: np.dot(W32, x), (2,)),
    "np_dot_scalar": (lambda x: np.dot(x, 3), (3,)),
    "dot_method": (lambda x: x.dot(W32), (3,)),
}


@pytest.mark.parametrize("signed", [False, True], ids=["uint", "int"])
@pytest.mark.parametrize("name", list(MATMUL_CASES))
def test_matmul_with_clear_weights(name, signed):
    function, shape = MATMUL_CASES[name]
    check_against_numpy(function, [enc(shape, -4 if signed else 0, 3)])


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)),
                                    ((2, 3), (3, 2)), ((2, 2, 3), (3, 2)),
                                    ((2, 3), (2, 3, 2))], ids=str)
def test_matmul_encrypted_by_encrypted(shapes):
    x_shape, y_shape = shapes
    check_against_numpy(lambda x, y: x @ y, [enc(x_shape, 0, 3), enc(y_shape, -2, 2)])


def test_matmul_encrypted_by_clear_parameter():
    check_against_numpy(lambda x, w: x @ w, [enc((3,), -3, 3), clr((3, 2), -2, 2)])
    check_against_numpy(lambda w, x: w @ x, [clr((2, 3), -2, 2), enc((3, 2), 0, 3)])


def test_dot_self():
    check_against_numpy(lambda x: np.dot(x, x), [enc((3,), -2, 3)])
    check_against_numpy(lambda x: x @ x.T, [enc((2, 3), -2, 3)])


# -- sum ----------------------------------------------------------------------------------------

SUM_CASES = {
    "all": lambda x: np.sum(x),
    "axis0": lambda x: np.sum(x, axis=0),
    "axis_negative_keepdims": lambda x: np.sum(x, axis=-1, keepdims=True),
    "axis_tuple": lambda x: np.sum(x, axis=(0, 2)),
    "axis_negative_tuple": lambda x: np.sum(x, axis=(-1, 0)),
    "axis_tuple_keepdims": lambda x: np.sum(x, axis=(-1, -3), keepdims=True),
    "keepdims_all": lambda x: np.sum(x, keepdims=True),
    "method": lambda x: x.sum(axis=1),
    "builtin_sum_over_rows": lambda x: sum(row for row in x),
}


@pytest.mark.parametrize("signed", [False, True], ids=["uint", "int"])
@pytest.mark.parametrize("name", list(SUM_CASES))
def test_sum(name, signed):
    check_against_numpy(SUM_CASES[name], [enc((2, 3, 4), -4 if signed else 0, 3)])


def test_sum_of_scalar():
    check_against_numpy(lambda x: np.sum(x), [enc((), -4, 3)])


# -- shape and data movement --------------------------------------------------------------------

SHAPE_CASES = {
    "reshape": (lambda x: x.reshape(3, 2), (2, 3)),
    "reshape_tuple_minus_one": (lambda x: x.reshape((-1, 2)), (2, 3)),
    "np_reshape": (lambda x: np.reshape(x, (6,)), (2, 3)),
    "np_reshape_minus_one": (lambda x: np.reshape(x, (2, -1, 2)), (2, 6)),
    "reshape_scalar_up": (lambda x: x.reshape(1, 1), ()),
    "flatten": (lambda x: x.flatten(), (2, 3, 2)),
    "ravel": (lambda x: np.ravel(x), (2, 3)),
    "transpose": (lambda x: np.transpose(x), (2, 3, 4)),
    "T": (lambda x: x.T, (2, 3)),
    "transpose_axes": (lambda x: np.transpose(x, (1, 0, 2)), (2, 3, 4)),
    "transpose_method_axes": (lambda x: x.transpose(2, 0, 1), (2, 3, 4)),
    "transpose_negative_axes": (lambda x: np.transpose(x, (-1, 0, 1)), (2, 3, 4)),
    "expand_dims": (lambda x: np.expand_dims(x, 0), (2, 3)),
    "expand_dims_negative": (lambda x: np.expand_dims(x, -1), (2, 3)),
    "expand_dims_tuple": (lambda x: np.expand_dims(x, (0, 2)), (2, 3)),
    "expand_dims_scalar": (lambda x: np.expand_dims(x, 0), ()),
    "squeeze": (lambda x: np.squeeze(x), (1, 3, 1)),
    "squeeze_axis": (lambda x: np.squeeze(x, axis=-1), (1, 3, 1)),
    "squeeze_method": (lambda x: x.squeeze(0), (1, 3, 1)),
    "concatenate": (lambda x: np.concatenate([x, x + 1]), (2, 3)),
    "concatenate_axis_none": (lambda x: np.concatenate((x, x), axis=None), (2, 3)),
    "concatenate_constant": (lambda x: np.concatenate((x, np.array([[1], [2]])), axis=1), (2, 3)),
    "stack": (lambda x: np.stack([x, x * 2]), (3,)),
    "stack_negative_axis": (lambda x: np.stack([x, x * 2, x + 1], axis=-1), (2, 3)),
    "stack_constant": (lambda x: np.stack([x, np.array([1, 2, 3])]), (3,)),
    "stack_scalars": (lambda x: np.stack([x, x + 1]), ()),
    "broadcast_to": (lambda x: np.broadcast_to(x, (2, 3)), (3,)),
}


@pytest.mark.parametrize("signed", [False, True], ids=["uint", "int"])
@pytest.mark.parametrize("name", list(SHAPE_CASES))
def test_shape_ops(name, signed):
    function, shape = SHAPE_CASES[name]
    check_against_numpy(function, [enc(shape, -8 if signed else 0, 7)])


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("y_status", ["encrypted", "clear"])
def test_concatenate_and_stack_mixes(axis, y_status):
    y = Param(y_status, (2, 3), -4, 3)
    check_against_numpy(lambda x, y: np.concatenate((x, y), axis=axis), [enc((2, 3), 0, 7), y])
    check_against_numpy(lambda x, y: np.stack([x, y], axis=axis), [enc((2, 3), 0, 7), y])


# -- indexing -----------------------------------------------------------------------------------

INDEX_CASES = {
    "int": (lambda x: x[1], (3,)),
    "negative_int": (lambda x: x[-1], (3, 2)),
    "two_ints": (lambda x: x[1, 0], (3, 2)),
    "slice": (lambda x: x[1:], (4,)),
    "negative_step": (lambda x: x[::-1], (4,)),
    "negative_step_bounds": (lambda x: x[3:0:-2], (5,)),
    "negative_start_and_step": (lambda x: x[-2:, ::-2], (3, 4)),
    "ellipsis": (lambda x: x[..., 1], (2, 3, 4)),
    "ellipsis_middle": (lambda x: x[0, ..., 1], (2, 3, 4)),
    "ellipsis_only_scalar": (lambda x: x[...], ()),
    "none": (lambda x: x[None], (2, 3)),
    "none_middle": (lambda x: x[:, None, 1:], (2, 3)),
    "ellipsis_none": (lambda x: x[..., None], (2, 3)),
    "ellipsis_step_none_int": (lambda x: x[..., ::2, None, 1], (2, 4, 3)),
    "int_array": (lambda x: x[np.array([2, 0, 2])], (3,)),
    "int_list": (lambda x: x[[1, 0]], (3, 2)),
    "int_array_second_axis": (lambda x: x[:, np.array([1, 1, 0])], (3, 2)),
    "int_array_negative": (lambda x: x[np.array([-1, 0])], (3,)),
    "int_array_2d": (lambda x: x[np.array([[0, 1], [2, 2]])], (3,)),
    "int_array_then_int": (lambda x: x[np.array([1, 0]), 1], (3, 2)),
    "int_then_int_array": (lambda x: x[1, np.array([1, 0])], (3, 2)),
    "ellipsis_int_array": (lambda x: x[..., np.array([0, 2])], (2, 3)),
    "none_int_array": (lambda x: x[None, np.array([0, 2])], (3,)),
    "slice_array_negative_step": (lambda x: x[1:, np.array([0, 2]), ::-1], (3, 3, 2)),
    # advanced indices apart: numpy puts their dimensions first
    "int_array_slice_int": (lambda x: x[np.array([0, 2]), :, 1], (3, 3, 2)),
    "int_slice_int_array": (lambda x: x[1, :, np.array([1, 0])], (3, 3, 2)),
    "int_ellipsis_int_array": (lambda x: x[0, ..., np.array([1, 0])], (3, 3, 2)),
    "int_array_none_int": (lambda x: x[np.array([0, 2]), None, 1], (3, 2)),
    "zero_d_array_index": (lambda x: x[np.array(1)], (3, 2)),
    "iterate_rows": (lambda x: np.stack([row * (i + 1) for i, row in enumerate(x)]), (3, 2)),
}


@pytest.mark.parametrize("signed", [False, True], ids=["uint", "int"])
@pytest.mark.parametrize("name", list(INDEX_CASES))
def test_indexing(name, signed):
    function, shape = INDEX_CASES[name]
    check_against_numpy(function, [enc(shape, -8 if signed else 0, 7)])


# -- float math fused into table lookups ----------------------------------------------------------

FLOAT_CASES = {
    "sin": (lambda x: (np.sin(x) * 10).astype(np.int64), 0, 15),
    "cos": (lambda x: (np.cos(x) * 10).astype(np.int64), -8, 7),
    "exp": (lambda x: np.exp(x / 2).astype(np.int64), -4, 7),
    "log": (lambda x: (np.log(x + 1) * 4).astype(np.int64), 0, 15),
    "sqrt": (lambda x: np.sqrt(x).astype(np.int64), 0, 31),
    "tanh": (lambda x: (np.tanh(x / 4) * 8).astype(np.int64), -8, 7),
    "round": (lambda x: np.round(x / 3).astype(np.int64), -8, 7),
    "round_method": (lambda x: (x / 3).round().astype(np.int64), -8, 7),
    "round_decimals": (lambda x: (np.round(x / 7, 1) * 10).astype(np.int64), -8, 7),
    "floor": (lambda x: np.floor(x / 3).astype(np.int64), -8, 7),
    "ceil": (lambda x: np.ceil(x / 3).astype(np.int64), -8, 7),
    "rint": (lambda x: np.rint(x * 0.7).astype(np.int64), -8, 7),
    "astype_float_and_back": (lambda x: (x.astype(np.float64) / 2).astype(np.int64), -8, 7),
    "float_power": (lambda x: (np.abs(x) ** 0.5 * 3).astype(np.int64), -8, 7),
    "float_floor_divide": (lambda x: (x * 1.5 // 2).astype(np.int64), -8, 7),
    "float_remainder": (lambda x: (x * 1.5 % 2 * 4).astype(np.int64), -8, 7),
    "float_clip": (lambda x: np.clip(x * 0.7, -2.5, 2.5).astype(np.int64), -8, 7),
    "float_maximum": (lambda x: np.maximum(x * 0.5, 1.2).astype(np.int64), -8, 7),
    "float_abs_negative": (lambda x: (-np.abs(x * 0.7)).astype(np.int64), -8, 7),
    "float_where": (lambda x: np.where(x > 0, np.sqrt(np.abs(x)), 0.0).astype(np.int64), -8, 7),
    "float_comparison_ends_region": (lambda x: np.sin(x) > 0, -8, 7),
    "where_on_float_comparison": (lambda x: np.where(np.sin(x) > 0, x, 0), -8, 7),
    "x_plus_sin_x": (lambda x: (x + np.sin(x) * 3).astype(np.int64), 0, 15),
    "float_constant_vector": (lambda x: (x * np.array([0.5, 1.5, 2.5])).astype(np.int64), -8, 7),
    "then_integer_ops": (lambda x: np.sum((np.sqrt(np.abs(x)) * 2).astype(np.int64)) + x[..., 0],
                         -8, 7),
}


@pytest.mark.parametrize("shape", [(), (3,)], ids=["scalar", "tensor"])
@pytest.mark.parametrize("name", list(FLOAT_CASES))
def test_float_math_fused(name, shape):
    function, low, high = FLOAT_CASES[name]
    if name == "then_integer_ops" and shape == ():
        function = lambda x: (np.sqrt(np.abs(x)) * 2).astype(np.int64) + x
    circuit, _ = check_against_numpy(function, [enc(shape, low, high)])
    fused = circuit.graph.graph
    assert fused.count(OpKind.UFUNC) == 0 and fused.count(OpKind.TLU) >= 1, str(circuit.graph)
    assert not any(node.spec.is_float for node in fused), "floats left after fusion"


def test_two_float_regions_of_two_inputs():
    check_against_numpy(lambda x, y: np.floor(np.sqrt(x)).astype(np.int64)
                        + np.rint(y / 2).astype(np.int64), [enc((3,), 0, 15), enc((3,), -8, 7)])


def test_float_region_then_clear_multiply():
    check_against_numpy(lambda x, y: (np.sin(x) * 4).astype(np.int64) * y,
                        [enc((3,), -8, 7), clr((3,), 0, 3)])


# -- extensions: LookupTable, univariate, round_bit_pattern -------------------------------------

TABLE = fhe.LookupTable([3, 1, 4, 1, 5, 9, 2, 6])
SIGNED_TABLE = fhe.LookupTable([0, -1, 2, -3, 4, -5, 6, -7])

EXTENSION_CASES = {
    "lookup_table": (lambda x: TABLE[x], 0, 7),
    "lookup_table_negative_index": (lambda x: TABLE[x], -8, 7),
    "lookup_table_signed_entries": (lambda x: SIGNED_TABLE[x], 0, 7),
    "lookup_table_of_expression": (lambda x: TABLE[x + 1] * 2, 0, 6),
    "univariate": (lambda x: fhe.univariate(lambda v: v * v - 3 * v)(x), -4, 7),
    "univariate_float_inside": (
        lambda x: fhe.univariate(lambda v: np.floor(np.sqrt(v)).astype(np.int64))(x), 0, 31),
    "univariate_numpy_function": (lambda x: fhe.univariate(np.abs)(x), -8, 7),
    "round_bit_pattern": (lambda x: fhe.round_bit_pattern(x, 2), 0, 63),
    "round_bit_pattern_signed": (lambda x: fhe.round_bit_pattern(x, 3), -64, 63),
    "round_bit_pattern_zero": (lambda x: fhe.round_bit_pattern(x, 0), 0, 63),
    "round_then_lookup": (
        lambda x: fhe.LookupTable(np.arange(80) // 4)[fhe.round_bit_pattern(x, 3)], 0, 63),
    "round_then_relu": (lambda x: np.maximum(fhe.round_bit_pattern(x, 2), 0), -64, 63),
    "round_then_fused_float": (
        lambda x: np.sqrt(fhe.round_bit_pattern(x, 2)).astype(np.int64), 0, 63),
}


@pytest.mark.parametrize("shape", [(), (2, 2)], ids=["scalar", "tensor"])
@pytest.mark.parametrize("name", list(EXTENSION_CASES))
def test_extensions(name, shape):
    function, low, high = EXTENSION_CASES[name]
    check_against_numpy(function, [enc(shape, low, high)])


def test_round_bit_pattern_as_output_and_lookup_input():
    check_against_numpy(lambda x: (fhe.round_bit_pattern(x, 2), TABLE[x % 8]),
                        [enc((3,), 0, 63)])


def test_multiple_outputs():
    check_against_numpy(lambda x, y: (x + y, x * y, np.sum(x)), [enc((3,), -4, 3), clr((3,), 0, 3)])
