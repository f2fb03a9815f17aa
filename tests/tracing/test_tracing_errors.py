"""Mistakes made while tracing raise ``fhe.TracingError`` at once, with the user's file and
line in the message itself and a fix; the process keeps working afterwards."""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import fhe_assistant as fhe

FILE = "test_tracing_errors.py"


@pytest.fixture(autouse=True)
def still_works_afterwards():
    """After each error, compiling a valid program still works (no leaked tracing state)."""
    yield
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: x * 2 + 1).compile(range(8))
    assert circuit.simulate(3) == 7


def _raise_tracing_error(function, inputset=None, compile=True):
    compiler = fhe.compiler({"x": "encrypted"})(function)
    inputset = inputset if inputset is not None else [np.arange(3), np.arange(3) + 1]
    with pytest.raises(fhe.TracingError) as raised:
        (compiler.compile if compile else compiler.trace)(inputset)
    return str(raised.value), raised.value


def _expect(function, text_on_line, *message_parts, hint_parts=(), inputset=None):
    """The message names FILE:line of ``text_on_line`` in ``function``, the code, and a fix."""
    for compile in (True, False):
        message, error = _raise_tracing_error(function, inputset, compile)
        lines, first = inspect.getsourcelines(function)
        lineno = first + next(i for i, line in enumerate(lines) if text_on_line in line)
        assert f"{FILE}:{lineno}" in message, message
        assert text_on_line in message, message
        assert "fix: " in message, message
        for part in message_parts:
            assert part in message, message
        for part in hint_parts:
            assert part in error.hint, error.hint
        assert error.location is not None and error.location.lineno == lineno
    return message


def test_python_if_on_encrypted_value():
    def f(x):
        if x[0] > 0:
            return x
        return -x

    _expect(f, "if x[0] > 0:", "`if`", hint_parts=("np.where",))


def test_python_while_on_encrypted_value():
    def f(x):
        while np.sum(x):
            x = x - 1
        return x

    _expect(f, "while np.sum(x):", "bool()", hint_parts=("np.where",))


def test_and_or_on_encrypted_value():
    def f(x):
        return (x > 1) and (x < 5)

    _expect(f, "return (x > 1) and (x < 5)", "`and`/`or`")


def test_int_of_encrypted_value():
    def f(x):
        return x + int(x[0])

    _expect(f, "int(x[0])", "int()", hint_parts=("astype",))


def test_float_of_encrypted_value():
    def f(x):
        return x * float(x[1])

    _expect(f, "float(x[1])", "float()", hint_parts=("astype",))


def test_math_module_on_encrypted_value():
    def f(x):
        return math.sin(x[0]) + x

    _expect(f, "math.sin(x[0])", "float()", hint_parts=("np.sin",))


def test_bool_of_encrypted_value():
    def f(x):
        flag = bool(x[0])
        return x * flag

    _expect(f, "flag = bool(x[0])", "bool()")


def test_range_of_encrypted_value():
    def f(x):
        total = x
        for _ in range(x[0]):
            total = total + 1
        return total

    _expect(f, "range(x[0])", "range()", hint_parts=("clear Python ints",))


def test_encrypted_value_as_index():
    def f(x):
        return x[x[0]]

    _expect(f, "return x[x[0]]", "indexing with an encrypted value",
            hint_parts=("LookupTable",))


def test_clear_array_indexed_by_encrypted_value():
    def f(x):
        return np.arange(10)[x]

    _expect(f, "np.arange(10)[x]", "concrete numpy array", hint_parts=("LookupTable",))


@pytest.mark.parametrize("call, hint", [
    ("np.mean(x)", "np.sum"), ("np.argmax(x)", "in the clear"), ("np.sort(x)", "in the clear"),
    ("np.cumsum(x)", "supported:"), ("np.unique(x)", "supported:"),
    ("np.prod(x)", "supported:"), ("np.add.reduce(x)", "np.sum"), ("np.add(1, 1, out=x)", "out="),
    ("np.bitwise_count(x)", "supported:"), ("np.where(x > 1)", "np.where(condition, a, b)"),
    ("np.sum(x, initial=5)", "add the initial value"), ("np.sum(x, where=x > 0)", "np.where"),
    ("np.sum(x, dtype=np.float64)", "astype"), ("np.add(x, 1, where=x > 0)", "np.where"),
    ("np.add(x, 1, dtype=np.float64)", "astype"), ("np.round(x, out=x)", "out="),
])
def test_unsupported_numpy_call(call, hint):
    namespace = {"np": np}
    source = f"def f(x):\n    return {call}\n"
    exec(compile(source, __file__, "exec"), namespace)  # noqa: S102  # the error should name this file
    compiler = fhe.compiler({"x": "encrypted"})(namespace["f"])
    with pytest.raises(fhe.TracingError) as raised:
        compiler.compile([np.arange(3)])
    message = str(raised.value)
    assert "is not supported" in message
    assert call.split("(")[0] in message
    assert f"{FILE}:2" in message
    assert hint in raised.value.hint


@pytest.mark.parametrize("method, hint", [("mean", "sum"), ("argmax", "in the clear"), ("sort", "in the clear"),
                                          ("cumsum", "supported:"), ("tolist", "index")])
def test_unsupported_ndarray_method(method, hint):
    def f(x):
        return getattr(x, method)()

    message = _expect(f, "return getattr(x, method)()", f".{method}")
    assert "not supported" in message and hint in message


def test_unknown_attribute_is_still_an_attribute_error():
    def f(x):
        return x.no_such_attribute

    with pytest.raises(AttributeError):
        fhe.compiler({"x": "encrypted"})(f).compile(range(3))


@pytest.mark.parametrize("expression", [
    "x + np.array([1, 2])", "x[:2] + x", "x * np.ones((2, 2), dtype=np.int64)",
    "np.maximum(x, x[:2])", "np.where(x > 0, x, x[:2])",
])
def test_shapes_that_do_not_broadcast(expression):
    namespace = {"np": np}
    exec(compile(f"def f(x):\n    return {expression}\n", __file__, "exec"), namespace)  # noqa: S102
    with pytest.raises(fhe.TracingError) as raised:
        fhe.compiler({"x": "encrypted"})(namespace["f"]).compile([np.arange(3)])
    message = str(raised.value)
    assert "cannot be applied to operands of shapes" in message and "(3,)" in message
    assert f"{FILE}:2" in message and "broadcast" in raised.value.hint


@pytest.mark.parametrize("expression, part", [
    ("x @ np.ones((2, 2), dtype=np.int64)", "matmul"),
    ("x.reshape(4)", "cannot reshape"),
    ("x.reshape(-1, -1)", "only one dimension may be -1"),
    ("x[5]", "out of bounds"),
    ("x[0, 0]", "too many indices"),
    ("x[np.array([True, False, True])]", "boolean mask"),
    ("np.sum(x, axis=2)", "sum cannot be applied"),
    ("np.sum(x, axis=-2)", "sum cannot be applied"),
    ("np.expand_dims(x, 3)", "expand_dims cannot be applied"),
    ("np.stack([x, x], axis=3)", "stack cannot be applied"),
    ("np.concatenate([x, x], axis=1)", "concatenate cannot be applied"),
    ("np.transpose(x[None], (0, 2))", "transpose cannot be applied"),
    ("np.transpose(x, (1, 0))", "transpose cannot be applied"),
    ("np.concatenate([x, x[None]])", "concatenate cannot be applied"),
    ("np.squeeze(x, axis=0)", "squeeze cannot be applied"),
    ("len(x[0])", "len() of a scalar"),
    ("x.astype(str)", "astype"),
])
def test_shape_and_argument_mistakes(expression, part):
    namespace = {"np": np}
    exec(compile(f"def f(x):\n    return {expression}\n", __file__, "exec"), namespace)  # noqa: S102
    with pytest.raises(fhe.TracingError) as raised:
        fhe.compiler({"x": "encrypted"})(namespace["f"]).compile([np.arange(3)])
    message = str(raised.value)
    assert part in message and f"{FILE}:2" in message
    assert raised.value.hint


def test_assigning_out_of_bounds_into_a_traced_array():
    def f(x):
        x[7] = 1
        return x

    _expect(f, "x[7] = 1", "out of bounds", hint_parts=("indices",))


def test_mixing_traced_values_into_a_list_constant():
    def f(x):
        return np.array([x[0], x[1]])

    _expect(f, "np.array([x[0], x[1]])", "concrete numpy array")


def test_huge_python_integer_constant():
    def f(x):
        return x + 2**70

    _expect(f, "x + 2**70", "does not fit in 64 bits")


def test_missing_return():
    def f(x):
        x + 1

    message, error = _raise_tracing_error(f)
    assert "returns NoneType None" in message and "missing return" in error.hint
    assert f"{FILE}:" in message


def test_function_without_encrypted_result():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return y + 1

    with pytest.raises(fhe.TracingError, match="returns no encrypted value") as raised:
        f.compile([(1, 2)])
    assert "depends on an encrypted parameter" in raised.value.hint


def test_lookup_table_construction_errors():
    with pytest.raises(fhe.TracingError, match="non-empty 1-D table"):
        fhe.LookupTable([[1, 2], [3, 4]])
    with pytest.raises(fhe.TracingError, match="non-empty 1-D table"):
        fhe.LookupTable([])
    with pytest.raises(fhe.TracingError, match="must be integers") as raised:
        fhe.LookupTable([0.5, 1.5])
    assert "np.round" in raised.value.hint
    with pytest.raises(fhe.TracingError, match="lsbs_to_remove must be >= 0"):
        fhe.round_bit_pattern(np.arange(3), -1)


def test_lookup_table_indexed_by_a_float():
    table = fhe.LookupTable([1, 2, 3])

    def f(x):
        return table[x * 0.5]

    _expect(f, "return table[x * 0.5]", "indexed by integers", hint_parts=("astype",))


def test_tracing_error_is_an_fhe_assistant_error():
    assert issubclass(fhe.TracingError, fhe.FHEAssistantError)


def test_a_univariate_that_changes_the_shape_is_concretes_value_error():
    def bad_univariate(x):
        return np.array([x, x, x])

    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return fhe.univariate(bad_univariate)(x)

    with pytest.raises(ValueError) as raised:
        f.compile(range(10))
    assert str(raised.value) == "Function bad_univariate cannot be used with fhe.univariate"
    assert isinstance(raised.value, fhe.TracingError)
    notes = "\n".join(raised.value.__notes__)
    assert "cannot be applied to operands of shapes [()]" in notes and FILE in notes
