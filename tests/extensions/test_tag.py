"""``fhe.tag``: tagged nodes in the printed graph, graph filters and per-tag statistics."""
from __future__ import annotations

import re

import numpy as np
import pytest

import fhe_assistant as fhe


def _inner(z):
    with fhe.tag("def"):
        return (120 - z) // 4


def _tagged(x):
    with fhe.tag("abc"):
        x = x * 2
        with fhe.tag("foo"):
            y = x + 42
        z = np.sqrt(y).astype(np.int64)
    return _inner(z + 3) * 2


def _plain(x):
    return (120 - (np.sqrt(x * 2 + 42).astype(np.int64) + 3)) // 4 * 2


@pytest.fixture(scope="module")
def circuit():
    return fhe.Compiler(_tagged, {"x": "encrypted"}).compile(range(10))


def test_tags_do_not_change_results_clear_simulated_and_encrypted(circuit):
    rng = np.random.default_rng(0)
    samples = [int(v) for v in rng.integers(0, 10, size=4)]
    for x in samples:
        assert circuit.simulate(x) == _plain(x) == _tagged(x)
    circuit.keygen()
    assert circuit.encrypt_run_decrypt(samples[0]) == _plain(samples[0])


def test_printed_graph_shows_nested_tags_as_concrete():
    text = fhe.Compiler(_tagged, {"x": "encrypted"}).trace(range(10)).format(show_bounds=False)
    lines = text.splitlines()
    assert lines[0] == " %0 = x                            # EncryptedScalar<uint4>"
    assert lines[1] == " %1 = 2                            # ClearScalar<uint2>            @ abc"
    assert lines[4] == " %4 = add(%2, %3)                  # EncryptedScalar<uint6>        @ abc.foo"
    assert lines[5].endswith("@ abc")  # the fused lookup: the tag of its last op
    assert lines[9].startswith(" %9 = subtract(%8, %7)") and lines[9].endswith("@ def")
    assert lines[13] == "%13 = multiply(%11, %12)           # EncryptedScalar<uint6>"
    subgraph = text.split("Subgraphs:")[1].splitlines()
    assert subgraph[4].strip().startswith("%0 = input") and subgraph[4].endswith("@ abc.foo")
    no_tags = fhe.Compiler(_tagged, {"x": "encrypted"}).trace(range(10)).format(show_tags=False)
    assert "@" not in no_tags


@pytest.mark.parametrize("kwargs,expected_width,expected_range", [
    ({}, 7, (0, 120)),
    ({"tag_filter": ""}, 6, (0, 54)),
    ({"tag_filter": "abc"}, 5, (0, 18)),
    ({"tag_filter": ["abc", "def"]}, 7, (0, 120)),
    ({"tag_filter": re.compile(".*b.*")}, 6, (0, 60)),
    ({"operation_filter": "input"}, 4, (0, 9)),
    ({"operation_filter": "constant"}, 7, (2, 120)),
    ({"operation_filter": "subgraph"}, 3, (6, 7)),
    ({"operation_filter": ["subgraph", "add"]}, 6, (6, 60)),
    ({"operation_filter": re.compile("sub.*")}, 7, (6, 111)),
    ({"tag_filter": "abc.foo", "operation_filter": "add"}, 6, (42, 60)),
    ({"is_encrypted_filter": False}, 7, (2, 120)),
    ({"tag_filter": "abc", "operation_filter": "floor_divide"}, -1, None),
])
def test_filters_of_bit_width_and_range(circuit, kwargs, expected_width, expected_range):
    assert circuit.graph.maximum_integer_bit_width(**kwargs) == expected_width
    assert circuit.graph.integer_range(**kwargs) == expected_range


def test_assigned_bit_width_is_the_partition_precision():
    circuit = fhe.Compiler(lambda x: (x**2) * 30, {"x": "encrypted"}).compile(range(10))
    assert circuit.graph.maximum_integer_bit_width(operation_filter="power") == 7
    assert circuit.graph.maximum_integer_bit_width(operation_filter="power",
                                                   assigned_bit_width=True) == 12
    assert "EncryptedScalar<uint12>" in circuit.graph.format(show_assigned_bit_widths=True)


def test_statistics_per_tag_count_every_enclosing_tag():
    def function(x, y, z):
        with fhe.tag("a"):
            x = fhe.univariate(lambda v: v)(x)
            with fhe.tag("b"):
                y = fhe.univariate(lambda v: v)(y) + 1
                with fhe.tag("c"):
                    z = fhe.univariate(lambda v: v)(z)
        return x + y + z

    compiler = fhe.Compiler(function, {"x": "encrypted", "y": "encrypted", "z": "encrypted"})
    rng = np.random.default_rng(1)
    circuit = compiler.compile([tuple(int(v) for v in rng.integers(0, 8, size=3))
                                for _ in range(20)])
    assert circuit.programmable_bootstrap_count_per_tag == {"a": 3, "a.b": 2, "a.b.c": 1}
    assert circuit.clear_addition_count_per_tag == {"a": 1, "a.b": 1}
    stats = circuit.statistics
    assert stats["programmable_bootstrap_count_per_tag"] == {"a": 3, "a.b": 2, "a.b.c": 1}
    assert stats["encrypted_addition_count"] == 2
    assert stats["encrypted_addition_count_per_tag"] == {}


def test_tags_close_on_errors_and_outside_tracing():
    with pytest.raises(ZeroDivisionError), fhe.tag("broken"):
        _ = 1 // 0
    circuit = fhe.Compiler(lambda x: x + 1, {"x": "encrypted"}).compile(range(4))
    assert all(node.tag == "" for node in circuit.graph.nodes)


def test_inputs_and_outputs_count():
    program = fhe.Compiler(lambda x, y: (x + y, x * 2, y - 1),
                           {"x": "encrypted", "y": "encrypted"}).trace(
        [(1, 2), (3, 0)])
    assert program.inputs_count == 2 and program.outputs_count == 3


def test_bad_filters_are_refused_by_name(circuit):
    with pytest.raises(TypeError, match="tag_filter must be a string, a list of strings or a "
                                        "re.Pattern, got int 0"):
        circuit.graph.integer_range(0)
    with pytest.raises(TypeError, match="operation_filter"):
        circuit.graph.maximum_integer_bit_width(operation_filter=[1])
