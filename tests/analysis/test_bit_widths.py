"""Bit widths from measured bounds, bounds per compile call, large batched inputsets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fhe_assistant as fhe
from fhe_assistant.core.dtypes import Integer, integer_bit_width


@pytest.mark.parametrize("low, high, expected", [
    (-4, 3, "int3"), (0, 8, "uint4"), (0, 7, "uint3"), (-5, 3, "int4"), (-4, 4, "int4"),
    (0, 0, "uint1"), (0, 1, "uint1"), (-1, 0, "int1"), (-2, 1, "int2"), (-128, 127, "int8"),
    (-129, 0, "int9"), (0, 255, "uint8"), (0, 256, "uint9"), (-1, 255, "int9"),
    (3, 5, "uint3"), (-7, -3, "int4"),
])
def test_input_bit_width_from_inputset(low, high, expected):
    @fhe.compiler({"x": "encrypted"})
    def identity(x):
        return x

    circuit = identity.compile([low, high, (low + high) // 2])
    node = circuit.graph.nodes[0]
    assert str(node.spec.dtype) == expected
    assert circuit.graph.integer_range(operation_filter="input") == (low, high)
    assert circuit.graph.maximum_integer_bit_width() == node.spec.dtype.bit_width
    assert str(Integer.that_can_represent(low, high)) == expected


@pytest.mark.parametrize("width", range(1, 12))
def test_integer_bit_width_edges(width):
    top = (1 << width) - 1
    assert integer_bit_width(0, top) == width
    assert integer_bit_width(0, top + 1) == width + 1
    assert integer_bit_width(-(1 << (width - 1)), (1 << (width - 1)) - 1) == width
    assert integer_bit_width(-(1 << (width - 1)) - 1, 0) == width + 1


def test_maximum_integer_bit_width_filters_encrypted_nodes():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return x + y * 1000  # the clear product is wide, the encrypted sum wider

    circuit = f.compile([(0, 0), (3, 1)])
    widths = {node.id: node.spec.dtype.bit_width for node in circuit.graph.nodes}
    assert circuit.graph.maximum_integer_bit_width() == 10  # [0, 1003]
    assert max(widths.values()) == 10

    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def g(x, y):
        return x + (y * 1000 > 500)

    circuit = g.compile([(0, 0), (3, 1)])
    # Concrete counts clear nodes too; is_encrypted_filter keeps the encrypted ones only
    assert circuit.graph.maximum_integer_bit_width() == 10  # the clear product: [0, 1000]
    assert circuit.graph.maximum_integer_bit_width(is_encrypted_filter=True) == 3


def test_signed_intermediate_widens_the_maximum():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.maximum(x - 9, 0)  # [-9, 6] needs int5

    circuit = f.compile(range(16))
    assert [str(n.spec.dtype) for n in circuit.graph.nodes if n.is_encrypted] == \
        ["uint4", "int5", "uint3"]
    assert circuit.graph.maximum_integer_bit_width() == 5


def test_univariate_chains_fuse_into_one_lookup_on_the_narrow_input():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return np.maximum(x - 9, 0) // 2  # Concrete also makes this one table lookup

    circuit = f.compile(range(16), fuse_lookup_chains=True)
    # the user's graph keeps every op; the program that runs has one lookup on x (uint4)
    assert [n.op.value for n in circuit.graph.nodes if n.is_encrypted] == \
        ["input", "subtract", "maximum", "floor_divide"]
    assert [n.op.value for n in circuit.analysis.lowered.nodes if n.is_encrypted] == \
        ["input", "tlu"]
    assert circuit.analysis.plan.pbs_count == 1
    assert circuit.analysis.plan.max_lookup_precision == 4
    assert circuit.simulate_batch(np.arange(16)).tolist() == \
        (np.maximum(np.arange(16) - 9, 0) // 2).tolist()
    assert f.compile(range(16)).analysis.plan.pbs_count == 2  # off by default: one per op


def test_bounds_start_fresh_for_each_compile():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        return x * 2

    wide = f.compile(range(100))
    narrow = f.compile(range(4))
    assert wide.graph.maximum_integer_bit_width() == 8
    assert narrow.graph.maximum_integer_bit_width() == 3
    assert narrow.graph.integer_range(custom_filter=lambda n: n.id == 0) == (0, 3)
    assert narrow.graph.integer_range(custom_filter=lambda n: n.id == 2) == (0, 6)
    # and trace does not leak into compile (or back)
    assert f.trace(range(1000)).graph.maximum_integer_bit_width() == 11
    assert f.compile(range(2)).graph.integer_range(custom_filter=lambda n: n.id == 2) == (0, 2)
    assert wide.graph.integer_range(custom_filter=lambda n: n.id == 2) == (0, 198)  # earlier circuits are unchanged


def test_inputset_of_10000_samples_is_measured_batched():
    rng = np.random.default_rng(1)
    weights = rng.integers(-2, 3, size=(8, 4))

    @fhe.compiler({"x": "encrypted"})
    def mlp(x):
        return np.sum(np.maximum(x @ weights, 0))

    inputset = rng.integers(0, 4, size=(10_000, 8))
    inputset[-1] = 3  # the maximum sits past the first chunk of the batched bounds pass
    circuit = mlp.compile(inputset)  # its time is in bench/circuit_bench.py, not asserted here
    relu_all = np.maximum(inputset @ weights, 0)
    expected_max = int(relu_all.sum(axis=1).max())
    assert circuit.graph.integer_range(custom_filter=lambda n: n.id == 0) == (0, 3)
    assert circuit.graph.integer_range(custom_filter=lambda n: n.id == len(circuit.graph.nodes) - 1) == \
        (int(relu_all.sum(axis=1).min()), expected_max)
    outputs = circuit.simulate_batch(inputset)
    assert outputs.shape == (10_000,)
    np.testing.assert_array_equal(outputs, relu_all.sum(axis=1))


def test_inputset_of_10000_tuples_for_two_parameters():
    rng = np.random.default_rng(2)

    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return x * y + 1

    xs, ys = rng.integers(-4, 4, size=10_000), rng.integers(0, 3, size=10_000)
    xs[-1], ys[-1] = -5, 3
    circuit = f.compile(zip(xs, ys))
    assert circuit.graph.integer_range(custom_filter=lambda n: n.id == 0) == (-5, 3)
    assert circuit.graph.integer_range(custom_filter=lambda n: n.id == 1) == (0, 3)
    np.testing.assert_array_equal(circuit.simulate_batch(xs, ys), xs * ys + 1)


def test_to_dataframe_one_row_per_node():
    @fhe.compiler({"x": "encrypted"})
    def f(x):
        y = (np.sqrt(x) * 2).astype(np.int64)
        return y + x

    circuit = f.compile(range(16))
    frame = circuit.graph.to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(circuit.graph.nodes)
    assert list(frame.index) == [node.id for node in circuit.graph.nodes]
    for column in ["op", "kind", "operands", "shape", "encrypted", "dtype", "bit_width", "signed",
                   "min", "max", "is_tlu", "fused_ops", "location", "code"]:
        assert column in frame.columns
    tlu = frame[frame.kind == "tlu"].iloc[0]
    assert tlu["is_tlu"] and tlu["fused_ops"] == "sqrt, multiply, astype"
    assert (tlu["min"], tlu["max"]) == (0, 7) and tlu["bit_width"] == 3 and not tlu["signed"]
    assert tlu["location"].startswith("test_bit_widths.py:")
    assert "np.sqrt(x)" in tlu["code"]
    add = frame[frame.kind == "add"].iloc[0]
    assert add["operands"] == ["%1", "%0"] and not add["is_tlu"] and add["dtype"] == "uint5"
    assert (add["min"], add["max"]) == (0, 22)
    assert frame.loc[0, "op"] == "x" and frame.loc[0, "encrypted"]


def test_to_dataframe_of_a_traced_program():
    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def f(x, y):
        return x @ y

    program = f.trace([(np.arange(3), np.ones((3, 2), dtype=np.int64))])
    frame = program.graph.to_dataframe()
    assert list(frame.kind) == ["input", "input", "matmul"]
    assert list(frame.encrypted) == [True, False, True]
    assert frame.loc[2, "shape"] == (2,)
