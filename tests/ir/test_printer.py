"""Golden text of the printer (Concrete's format: ids, types with bit widths, bounds,
a ``Subgraphs:`` section for fused table lookups).

The golden texts are concrete-python 2.11's own output for the same programs, character
for character, except inside ``Subgraphs:`` where Concrete shows trace-time placeholder
types (``uint1``) and this library shows the measured ones."""
from __future__ import annotations

import numpy as np

import fhe_assistant as fhe
from fhe_assistant.ir.printer import format_attribute, format_constant

#: The seed example of issue 3, character for character.
SEED_TEXT = """\
%0 = x                     # EncryptedTensor<uint2, shape=(1,)>        ∈ [0, 3]
%1 = [2]                   # ClearTensor<uint2, shape=(1,)>            ∈ [2, 2]
%2 = matmul(%1, %0)        # EncryptedScalar<uint3>                    ∈ [0, 6]
%3 = 2                     # ClearScalar<uint2>                        ∈ [2, 2]
%4 = add(%2, %3)           # EncryptedScalar<uint4>                    ∈ [2, 8]
return %4"""

FUSED_TEXT = """\
%0 = x                   # EncryptedScalar<uint3>        ∈ [0, 7]
%1 = subgraph(%0)        # EncryptedScalar<int3>         ∈ [-2, 2]
%2 = add(%1, %0)         # EncryptedScalar<uint4>        ∈ [0, 8]
return %2

Subgraphs:

    %1 = subgraph(%0):

        %0 = input                         # EncryptedScalar<uint3>
        %1 = sin(%0)                       # EncryptedScalar<float64>
        %2 = 3                             # ClearScalar<uint2>
        %3 = multiply(%1, %2)              # EncryptedScalar<float64>
        %4 = astype(%3, dtype=int_)        # EncryptedScalar<int3>
        return %4"""


def seed_compiler():
    w = [2]  # plain Python lists and ints as clear constants, as users write them
    b = 2

    @fhe.compiler({"x": "encrypted"})
    def linear_model(x):
        return w @ x + b

    return linear_model


def test_seed_example_exact_text():
    circuit = seed_compiler().compile(np.arange(4).reshape(-1, 1))
    assert circuit.graph.maximum_integer_bit_width() == 4
    assert circuit.simulate(np.array([3])) == 8
    assert circuit.graph.format() == SEED_TEXT
    assert str(circuit.graph) == SEED_TEXT
    assert str(circuit) == SEED_TEXT  # the graph only, as in Concrete
    with_parameters = seed_compiler().compile(np.arange(4).reshape(-1, 1), show_parameters=True)
    assert str(with_parameters).startswith(SEED_TEXT + "\n\n// TFHE: ")


def test_seed_example_without_parameters_line():
    circuit = seed_compiler().compile(np.arange(4).reshape(-1, 1), show_parameters=False)
    assert str(circuit) == SEED_TEXT


def test_trace_prints_the_same_graph():
    program = seed_compiler().trace(np.arange(4).reshape(-1, 1))
    assert str(program) == SEED_TEXT


def test_import_as_in_concrete():
    from fhe_assistant import compiler

    @compiler({"x": "encrypted"})
    def linear_model(x):
        return [2] @ x + 2

    assert linear_model.compile(np.arange(4).reshape(-1, 1)).graph.format() == SEED_TEXT


def test_fused_table_lookup_prints_its_subgraph():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return (np.sin(x) * 3).astype(np.int64) + x

    circuit = f.compile(range(8))
    assert circuit.graph.format() == FUSED_TEXT


def test_show_locations_names_the_user_line():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        y = x + 1  # the line the printer points at
        return y * 2

    text = f.compile(range(4)).graph.format(show_locations=True)
    add_line = next(line for line in text.splitlines() if line.startswith("%2 = add"))
    lineno = f.__wrapped__.__code__.co_firstlineno + 2
    assert add_line.endswith(f"{__file__}:{lineno}")  # Concrete's column: path:line
    circuit = f.compile(range(4), show_locations=True, show_parameters=False)
    assert str(circuit) == text


def test_operations_with_attributes():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        a = x[0, ::-1, None]
        b = x[..., np.array([1, 0])]
        c = np.sum(x, axis=(0, -1), keepdims=True)
        d = np.transpose(x, (1, 0)).reshape(-1)
        e = fhe.round_bit_pattern(d, 1)
        return np.sum(a) + np.sum(b) + np.sum(c) + np.sum(e)

    text = f.trace([np.arange(6).reshape(2, 3)]).graph.format()
    expressions = [line.split("#")[0].strip() for line in text.splitlines()]
    for expected in ["%1 = %0[0, ::-1, None]", "%2 = %0[:, [1, 0]]",
                     "%3 = sum(%0, axis=(0, -1), keepdims=True)",
                     "%4 = transpose(%0, axes=(1, 0))", "%5 = reshape(%4, shape=(6,))",
                     "%6 = round_bit_pattern(%5, lsbs_to_remove=1)", "%7 = sum(%1)"]:
        assert expected in expressions, text


def test_lookup_table_and_univariate_names():
    table = fhe.LookupTable(list(range(40)))

    def halve(v):
        return v // 2

    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return fhe.univariate(halve)(table[x])

    text = f.trace(range(30)).graph.format()
    assert "%1 = lookup_table(%0, table=[ 0, 1, 2," in text
    assert "%2 = halve(%1)" in text


def test_format_constant_and_attributes():
    assert format_constant(np.int64(5)) == "5"
    assert format_constant(np.array([1, 2])) == "[1, 2]"
    assert format_constant(np.array([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert format_constant(np.arange(100)) == "[ 0, 1, 2, ..., 97, 98, 99]"
    long = format_constant(np.arange(19) * 1000)
    assert long == "[ 0, 1000, 2000, 3000, 4000, 5000, 6000, 7000…000]"
    assert format_attribute(slice(None, None, -1)) == "::-1"
    assert format_attribute(slice(1, 3)) == "1:3"
    assert format_attribute(np.dtype(np.int8)) == "int8"
    assert format_attribute((0, -1)) == "(0, -1)"


def test_signed_result():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return x - 10

    assert f.compile(range(4)).graph.format() == """\
%0 = x                       # EncryptedScalar<uint2>        ∈ [0, 3]
%1 = 10                      # ClearScalar<uint4>            ∈ [10, 10]
%2 = subtract(%0, %1)        # EncryptedScalar<int5>         ∈ [-10, -7]
return %2"""


def test_float_bounds_of_a_traced_float_program():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.sin(x)

    text = f.trace(range(4)).graph.format()
    assert "%1 = sin(%0)        # EncryptedScalar<float64>        ∈ [0.0, 0.909297]" in text


def test_demo_command_prints_the_seed_example(capsys):
    from fhe_assistant.cli import main

    assert main(["demo"]) == 0
    output = capsys.readouterr().out
    assert SEED_TEXT in output
    assert "maximum integer bit width: 4" in output
    assert "simulate([3]) = 8" in output
