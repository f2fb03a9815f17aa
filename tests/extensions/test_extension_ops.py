"""Concrete's extensions against numpy (clear rules, trace and compile + simulate)."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.interpret.extension_rules import extract_bits, truncate_bits

from ..support import check_against_numpy, clr, enc


def _reference_bits(value: int, index) -> int:
    """Bits from Python's int: the specification of fhe.bits, one value at a time."""
    if isinstance(index, int):
        return (value >> index) & 1
    start, step = index.start or 0, index.step or 1
    stop = index.stop if index.stop is not None else (63 if step > 0 else -1)
    return sum(((value >> bit) & 1) << k for k, bit in enumerate(range(start, stop, step)))


BIT_INDICES = [0, 1, 3, 7, 30, slice(1, 3), slice(None, 3), slice(1, 6, 2), slice(3, 1, -1),
               slice(2, None, -1), slice(30, 32)]


@pytest.mark.parametrize("index", BIT_INDICES, ids=str)
def test_extract_bits_rule_matches_python_ints(index):
    values = np.arange(-64, 256)
    expected = [_reference_bits(int(v), index) for v in values]
    np.testing.assert_array_equal(extract_bits(values, index), expected)


def test_extract_bits_refuses_open_slices_of_negative_values():
    with pytest.raises(ValueError, match="stop is None"):
        extract_bits(np.array([-3]), slice(1, None))


@pytest.mark.parametrize("lsbs", [0, 1, 2, 3])
def test_truncate_rule_is_floor_to_a_multiple(lsbs):
    values = np.arange(-40, 40)
    np.testing.assert_array_equal(truncate_bits(values, lsbs),
                                  np.floor(values / 2 ** lsbs).astype(np.int64) * 2 ** lsbs)


@pytest.mark.parametrize("index", [2, slice(0, 2), slice(1, 4), slice(2, 0, -1)], ids=str)
@pytest.mark.parametrize("shape", [(), (3,)])
def test_bits_of_encrypted_values(index, shape):
    check_against_numpy(lambda x: fhe.bits(x)[index], [enc(shape, 0, 15)])


@pytest.mark.parametrize("lsbs", [1, 2])
@pytest.mark.parametrize("low", [0, -8])
def test_truncate_bit_pattern_encrypted(lsbs, low):
    check_against_numpy(lambda x: fhe.truncate_bit_pattern(x, lsbs) + 1, [enc((2,), low, 7)])


@pytest.mark.parametrize("low", [0, -8])
def test_relu_refresh_identity_hint(low):
    check_against_numpy(lambda x: fhe.relu(fhe.refresh(fhe.identity(fhe.hint(x, bit_width=5)))),
                        [enc((3,), low, 7)])


def test_if_then_else_is_numpy_where():
    check_against_numpy(lambda c, x, y: fhe.if_then_else(c, x, y),
                        [enc((2,), 0, 1), enc((2,), 0, 7), enc((2,), -3, 3)])


@pytest.mark.parametrize("name,function", [
    ("and", lambda x, y: x & y), ("or", lambda x, y: x | y), ("xor", lambda x, y: x ^ y),
    ("lshift", lambda x, y: x << y), ("rshift", lambda x, y: x >> y),
    ("floordiv", lambda x, y: x // (y + 1)), ("pow", lambda x, y: x ** y),
])
@pytest.mark.parametrize("x_shape,y_shape", [((), ()), ((2,), ()), ((3, 2), (2,))])
def test_two_encrypted_operands_packed(name, function, x_shape, y_shape):
    check_against_numpy(function, [enc(x_shape, 0, 7), enc(y_shape, 0, 3)])


@pytest.mark.parametrize("name,function", [
    ("and", lambda x, y: x & y), ("or", lambda x, y: x | y), ("xor", lambda x, y: x ^ y)])
def test_wide_bitwise_ops_by_chunks(name, function):
    circuit, _ = check_against_numpy(function, [enc((2,), 0, 63), enc((2,), 0, 31)])
    assert circuit.analysis.plan.max_lookup_precision <= 8


def test_too_wide_operands_are_reported():
    compiler = fhe.compiler({"x": "encrypted", "y": "encrypted"})(lambda x, y: x << y)
    with pytest.raises(fhe.CompilationError):
        compiler.compile([(x, y) for x in (0, 255) for y in (0, 7)], maximum_tlu_bit_width=8)


@pytest.mark.parametrize("function,params", [
    (lambda x: _assigned(x, 1, 5), [enc((4,), 0, 7)]),
    (lambda x, v: _assigned(x, slice(1, 3), v), [enc((4,), 0, 7), enc((), -2, 3)]),
    (lambda x, v: _assigned(x, (0, slice(None)), v), [enc((2, 3), 0, 7), clr((3,), 0, 9)]),
    (lambda x, v: _assigned(x, 1, v), [clr((3,), 0, 7), enc((), 0, 3)]),
])
def test_static_assignment(function, params):
    check_against_numpy(function, params)


def _assigned(x, index, value):
    x = x.copy()
    x[index] = value
    return x


@pytest.mark.parametrize("function,params", [
    (lambda x, i: x[i], [enc((5,), 0, 7), clr((), -5, 4)]),
    (lambda x, i: x[i, 1:], [enc((3, 4), 0, 7), clr((), 0, 2)]),
    (lambda x, i, j: x[i, ..., j], [enc((3, 2, 4), 0, 7), clr((), -3, 2), clr((), 0, 3)]),
    (lambda x, i, v: _assigned(x, i, v), [enc((5,), 0, 7), clr((), -5, 4), enc((), 0, 9)]),
    (lambda x, i: _assigned(x, (i, 0), 3), [enc((3, 2), 0, 7), clr((), 0, 2)]),
])
def test_run_time_indices(function, params):
    check_against_numpy(function, params)


def test_encrypted_index_is_refused():
    compiler = fhe.compiler({"x": "encrypted", "i": "encrypted"})(lambda x, i: x[i])
    with pytest.raises(fhe.TracingError, match="encrypted value"):
        compiler.compile([(np.arange(3), 1)])


@pytest.mark.parametrize("index,message", [
    (slice(1.5, 3), "non integer start"), (slice(-2, 3), "negative start"),
    (slice(1, 3, 0), "zero step"), (slice(None, None, -1), "without providing the start"),
    (-1, "from the back"), (2.5, "not an integer or a slice"),
])
def test_bad_bit_indices(index, message):
    with pytest.raises(ValueError, match=message):
        fhe.bits(100)[index]


def test_bad_inputs_of_extensions():
    with pytest.raises(ValueError, match="not an integer"):
        fhe.bits(3.2)[0]
    with pytest.raises(TypeError):
        fhe.truncate_bit_pattern(2.5, 1)
    with pytest.raises(ValueError):
        fhe.hint(3, bit_width=0)


def test_relu_of_a_non_negative_value_needs_no_lookup():
    circuit, _ = check_against_numpy(lambda x: fhe.relu(x) + 100, [enc((2,), 0, 2 ** 12 - 1)])
    assert not circuit.analysis.plan.lookups


@pytest.mark.parametrize("reduce", [np.max, np.min], ids=["max", "min"])
@pytest.mark.parametrize("shape,axis,keepdims", [
    ((5,), None, False), ((3, 4), 0, False), ((3, 4), 1, True), ((2, 3, 2), (0, 2), False),
    ((2, 3), -1, False), ((), None, False)])
def test_min_max_reductions(reduce, shape, axis, keepdims):
    check_against_numpy(lambda x: reduce(x, axis=axis, keepdims=keepdims), [enc(shape, -4, 3)])


def test_min_max_methods():
    check_against_numpy(lambda x: x.max(axis=0) - x.min(), [enc((3, 2), 0, 7)])


def _constants_program(x, y):
    z = fhe.zeros((3,))
    z[0] = x
    z[2] = x + y
    return z + fhe.ones(3) + fhe.array([x, y, 1]) + fhe.zero() + fhe.one() \
        + fhe.zeros_like(z) + fhe.ones_like(x)


def test_encrypted_constants_and_array():
    check_against_numpy(_constants_program, [enc((), 0, 3), clr((), 0, 3)])


def test_constants_outside_tracing_are_numpy_values():
    assert fhe.zero() == 0 and fhe.one() == 1
    np.testing.assert_array_equal(fhe.zeros((2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(fhe.array([1, 2]), np.array([1, 2]))
    with pytest.raises(ValueError):
        compiler = fhe.compiler({"x": "encrypted"})(lambda x: fhe.array([x, [x, x]]))
        compiler.compile(range(3))


@pytest.mark.parametrize("function,params", [
    (lambda x, i: x[i, 1], [enc((3, 4), 0, 7), clr((2, 2), -3, 2)]),
    (lambda x, i: _assigned(x, i, 5), [enc((5,), 0, 7), clr((2,), -5, 4)]),
])
def test_run_time_index_tensors(function, params):
    check_against_numpy(function, params)


def test_python_round_and_scalar_univariate_functions():
    def function(x):
        return round(np.sqrt(x)) + fhe.univariate(lambda v: v if v > 2 else 0)(x)

    check_against_numpy(function, [enc((), 0, 7)])


@pytest.mark.parametrize("function,params", [
    (lambda c, x: np.where(c, x, 3), [enc((2,), 0, 1), enc((2,), -4, 3)]),
    (lambda c, x, y: fhe.if_then_else(c > 2, x, y), [enc((3,), 0, 5), enc((), 0, 7),
                                                      enc((3,), -2, 2)]),
    (lambda c, x: np.where(c, x, 0), [enc((), 0, 3), enc((2,), 0, 100)]),
])
def test_where_with_an_encrypted_condition(function, params):
    check_against_numpy(function, params)


MAXPOOL_CASES = [
    ((1, 1, 6), {"kernel_shape": (3,)}), ((1, 2, 7), {"kernel_shape": (3,), "strides": (2,)}),
    ((2, 1, 4, 5), {"kernel_shape": (2, 2)}),
    ((1, 2, 5, 6), {"kernel_shape": (3, 2), "strides": (2, 1), "dilations": (1, 2)}),
    ((1, 1, 5, 5), {"kernel_shape": (3, 3), "pads": (1, 1, 1, 1)}),
    ((1, 1, 3, 4, 4), {"kernel_shape": (2, 2, 2), "strides": (1, 2, 2)}),
]


def _torch_maxpool(x, kernel_shape, strides=None, pads=None, dilations=None):
    torch = pytest.importorskip("torch")
    dims = len(kernel_shape)
    pool = {1: torch.nn.functional.max_pool1d, 2: torch.nn.functional.max_pool2d,
            3: torch.nn.functional.max_pool3d}[dims]
    pads = (pads or (0,) * 2 * dims)[:dims]
    result = pool(torch.from_numpy(np.asarray(x, dtype=np.float64)), kernel_shape,
                  strides or (1,) * dims, pads, dilations or (1,) * dims)
    return result.numpy().astype(np.int64)


@pytest.mark.parametrize("shape,options", MAXPOOL_CASES, ids=str)
def test_maxpool_against_torch(shape, options):
    x = np.random.default_rng(1).integers(-8, 8, shape)
    np.testing.assert_array_equal(fhe.maxpool(x, **options), _torch_maxpool(x, **options))
    check_against_numpy(lambda v: fhe.maxpool(v, **options), [enc(shape, -4, 3)], n_inputset=16)


@pytest.mark.parametrize("shape,options,error", [
    ((3, 3), {"kernel_shape": ()}, ValueError), ((1, 1, 4, 4), {"kernel_shape": "2"}, TypeError),
    ((1, 1, 4, 4), {"kernel_shape": (2,)}, ValueError),
    ((1, 1, 4, 4), {"kernel_shape": (2, 2), "pads": (1, 0, 0, 1)}, NotImplementedError),
    ((1, 1, 4, 4), {"kernel_shape": (2, 2), "ceil_mode": 1}, NotImplementedError),
    ((1, 1, 4, 4), {"kernel_shape": (2, 2), "auto_pad": "YES"}, ValueError),
])
def test_maxpool_bad_arguments(shape, options, error):
    with pytest.raises(error):
        fhe.maxpool(np.zeros(shape, dtype=np.int64), **options)


def _x_if_y_else_zero(x, y):
    return np.where(y, x, 0)


@pytest.mark.parametrize("params", [
    [enc((), 0, 7), enc((), 0, 1)], [enc((2,), -4, 3), enc((), 0, 1)],
    [enc((), 0, 7), clr((2,), 0, 1)]])
def test_multivariate(params):
    check_against_numpy(lambda x, y: fhe.multivariate(_x_if_y_else_zero)(x, y), params)


@pytest.mark.parametrize("x_range", [(0, 7), (-4, 3)])
def test_clear_table_indexed_by_an_encrypted_value(x_range):
    check_against_numpy(lambda x, table: table[x] + 1,
                        [enc((2,), *x_range), clr((8,), -20, 20)])


def test_table_of_tables_applies_one_table_per_element():
    square = fhe.LookupTable([i * i for i in range(4)])
    cube = fhe.LookupTable([i * i * i for i in range(4)])
    table = fhe.LookupTable([[square, cube], [cube, square], [square, cube]])
    x = np.arange(6).reshape(3, 2) % 4
    expected = np.array([[x[0, 0] ** 2, x[0, 1] ** 3], [x[1, 0] ** 3, x[1, 1] ** 2],
                         [x[2, 0] ** 2, x[2, 1] ** 3]])
    np.testing.assert_array_equal(table[x], expected)
    check_against_numpy(lambda v: table[v], [enc((3, 2), 0, 3)])


def test_lookup_table_errors_are_value_errors():
    """Concrete's text as the message; the detail, the user's line and the fix as notes."""
    for bad, detail in (([], "non-empty 1-D"), ([[0, 1], [2, 3]], "non-empty 1-D"),
                        (["abc", 3.2], "must be integers")):
        with pytest.raises(ValueError) as raised:
            fhe.LookupTable(bad)
        assert str(raised.value) == f"LookupTable cannot be constructed with {bad!r}"
        notes = "\n".join(raised.value.__notes__)
        assert detail in notes and "test_extension_ops.py" in notes, notes
    with pytest.raises(ValueError, match="cannot be looked up with 1.1"):
        fhe.LookupTable([1, 2])[1.1]


def test_lookup_table_indexed_by_a_comparison():
    table = fhe.LookupTable([10, 5])
    assert table[np.int64(7) > 5] == 5
    check_against_numpy(lambda x: table[x > 5], [enc((3,), 0, 9)])


def test_auto_rounders_adjust_in_order():
    first, second = fhe.AutoRounder(target_msbs=5), fhe.AutoTruncator(target_msbs=2)

    @fhe.compiler({"x": "encrypted"})
    def function(x):
        a = fhe.round_bit_pattern(x + 1000, lsbs_to_remove=first)
        return fhe.truncate_bit_pattern(a // 64, lsbs_to_remove=second)

    circuit = function.compile(range(1000), auto_adjust_rounders=True,
                               auto_adjust_truncators=True)
    assert (first.lsbs_to_remove, second.lsbs_to_remove) == (6, 3)
    assert circuit.simulate(500) == function(500)


def test_auto_rounders_must_be_adjusted():
    rounder = fhe.AutoRounder(target_msbs=3)
    with pytest.raises(RuntimeError, match="before adjustment"):
        fhe.round_bit_pattern(100, lsbs_to_remove=rounder)
    with pytest.raises(ValueError, match="empty inputset"):
        fhe.AutoRounder.adjust(lambda x: fhe.round_bit_pattern(x, rounder), [])


def _accumulate(x):
    total = fhe.zeros(x.shape[1:])
    for row in x:
        total += row
    total *= 2
    return total


def test_in_place_operators():
    check_against_numpy(_accumulate, [enc((3, 2), 0, 3)])
