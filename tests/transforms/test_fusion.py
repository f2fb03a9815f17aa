"""Float-subgraph fusion: each float region of one encrypted value becomes one TLU node."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.core.dtypes import Float
from fhe_assistant.core.values import ValueSpec
from fhe_assistant.ir import OpKind
from fhe_assistant.tracing import trace
from fhe_assistant.transforms.fusion import float_outputs, fuse_float_subgraphs, fusion_problems


def _trace(function, samples, statuses=None):
    names = list(inspect.signature(function).parameters)
    statuses = statuses or {name: "encrypted" for name in names}
    return trace(function, statuses, [np.asarray(s) for s in samples])


def _ops(graph):
    return [node.op for node in graph.nodes]


def _line_of(function, text):
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_float_region_of_one_input_becomes_one_tlu():
    def f(x):
        return (np.sin(x) * 3 + 1.5).astype(np.int64)

    graph = _trace(f, [np.arange(3)])
    fused = fuse_float_subgraphs(graph)
    assert _ops(fused) == [OpKind.INPUT, OpKind.TLU]
    tlu = fused.nodes[1]
    assert tlu.operands == (0,) and tlu.is_encrypted and tlu.spec.is_integer
    assert tlu.attrs["source_ops"] == ["sin", "multiply", "add", "astype"]
    subgraph = tlu.attrs["subgraph"]
    assert _ops(subgraph) == [OpKind.INPUT, OpKind.UFUNC, OpKind.CONSTANT, OpKind.MULTIPLY,
                              OpKind.CONSTANT, OpKind.ADD, OpKind.ASTYPE]
    assert subgraph.outputs == [6]
    assert tlu.location == graph.nodes[-1].location  # the line of the cast
    assert not float_outputs(fused)
    # the original graph is untouched (passes are pure)
    assert OpKind.TLU not in _ops(graph)


def test_fused_program_keeps_integer_ops_outside():
    def f(x):
        y = x + 1
        z = np.floor(np.sqrt(y) * 2).astype(np.int64)
        return z * 3 + y

    fused = fuse_float_subgraphs(_trace(f, [np.arange(4)]))
    assert fused.count(OpKind.TLU) == 1 and fused.count(OpKind.UFUNC) == 0
    tlu = next(n for n in fused.nodes if n.op is OpKind.TLU)
    assert fused[tlu.operands[0]].op is OpKind.ADD  # the TLU reads y
    assert not any(n.spec.is_float for n in fused.nodes)


def test_x_plus_sin_x_is_absorbed_into_one_lookup():
    def f(x):
        return (x + np.sin(x) * 3).astype(np.int64)

    fused = fuse_float_subgraphs(_trace(f, [np.arange(3)]))
    assert _ops(fused) == [OpKind.INPUT, OpKind.TLU]
    assert "add" in fused.nodes[1].attrs["source_ops"]


def test_integer_elementwise_input_of_a_region_is_absorbed():
    def f(x):
        y = x * 2 + 1
        return (np.sqrt(y) + (x - 1)).astype(np.int64)

    fused = fuse_float_subgraphs(_trace(f, [np.arange(3)]))
    tlus = [n for n in fused.nodes if n.op is OpKind.TLU]
    assert len(tlus) == 1 and fused[tlus[0].operands[0]].op in (OpKind.INPUT, OpKind.ADD)
    compiler = fhe.compiler({"x": "encrypted"})(f)
    np.testing.assert_array_equal(compiler.compile(range(8)).simulate_batch(np.arange(8)),
                                  f(np.arange(8)))


def test_constant_tensor_broadcasts_the_region():
    def f(x):
        return (x * np.array([0.5, 1.5, 2.5])).astype(np.int64)

    fused = fuse_float_subgraphs(_trace(f, [np.array(3)]))
    assert _ops(fused) == [OpKind.INPUT, OpKind.BROADCAST_TO, OpKind.TLU]
    assert fused.nodes[2].spec.shape == (3,)


def test_each_region_fuses_separately():
    def f(x):
        a = (np.sin(x) * 4).astype(np.int64)
        b = (np.cos(a) * 4).astype(np.int64)  # a region fed by the first lookup
        return a + b

    fused = fuse_float_subgraphs(_trace(f, [np.arange(3)]))
    tlus = [n for n in fused.nodes if n.op is OpKind.TLU]
    assert len(tlus) == 2 and tlus[1].operands == (tlus[0].id,)


def test_graph_without_floats_is_returned_as_is():
    graph = _trace(lambda x: x * 2 + 1, [np.arange(3)])
    assert fuse_float_subgraphs(graph) is graph
    assert fusion_problems(graph) == []


def test_two_encrypted_inputs_in_one_float_region_is_an_error():
    def two(x, y):
        a = np.sin(x)
        b = np.cos(y)
        return (a + b).astype(np.int64)

    graph = _trace(two, [np.array(1), np.array(2)])
    with pytest.raises(fhe.CompilationError) as raised:
        fuse_float_subgraphs(graph)
    message = str(raised.value)
    assert "%0 = x" in message and "%1 = y" in message
    for text in ("np.sin(x)", "np.cos(y)", "(a + b).astype"):
        assert f"test_fusion.py:{_line_of(two, text)}" in message
    assert "a = np.sin(x)" in message and "b = np.cos(y)" in message
    assert "cast it to int first" in message
    (problem,) = raised.value.issues
    assert problem.variables == (0, 1)
    # the compiler raises the same, with the same lines
    compiler = fhe.compiler({"x": "encrypted", "y": "encrypted"})(two)
    with pytest.raises(fhe.CompilationError, match=r"%0 = x.*%1 = y"):
        compiler.compile([(1, 2), (3, 4)])


def test_clear_parameter_in_a_float_region_is_a_variable_too():
    def f(x, y):
        return (np.sin(x) * y).astype(np.int64)

    graph = _trace(f, [np.array(1), np.array(2)], {"x": "encrypted", "y": "clear"})
    with pytest.raises(fhe.CompilationError, match="2 variable values"):
        fuse_float_subgraphs(graph)


def test_non_elementwise_float_region_is_an_error():
    def f(x):
        return np.sum(np.sin(x)).astype(np.int64)

    graph = _trace(f, [np.arange(3)])
    with pytest.raises(fhe.CompilationError, match=r"goes through %\d+ = sum .*not elementwise"):
        fuse_float_subgraphs(graph)


def test_non_strict_fusion_keeps_unfusable_regions():
    def f(x, y):
        good = (np.sqrt(x) * 2).astype(np.int64)
        bad = (np.sin(x) + np.cos(y)).astype(np.int64)
        return good + bad

    graph = _trace(f, [np.array(1), np.array(2)])
    fused = fuse_float_subgraphs(graph, strict=False)
    assert fused.count(OpKind.TLU) == 1  # the fusable region was fused
    assert any(n.spec.is_float for n in fused.nodes)  # the other one kept as it was
    problems = fusion_problems(graph)
    assert len(problems) == 1 and problems[0].variables == (0, 1)


def test_float_encrypted_output_is_reported_not_fused():
    def f(x):
        return np.sin(x) * 4

    graph = _trace(f, [np.arange(3)])
    fused = fuse_float_subgraphs(graph)
    assert [n.id for n in float_outputs(fused)] == [fused.outputs[0]]
    program = fhe.compiler({"x": "encrypted"})(f).trace(range(4))
    kinds = [issue.kind for issue in program.compatibility.issues]
    assert "encrypted-float" in kinds


def test_trace_of_unfusable_region_reports_instead_of_raising():
    def two(x, y):
        return (np.sin(x) + np.cos(y)).astype(np.int64)

    program = fhe.compiler({"x": "encrypted", "y": "encrypted"})(two).trace([(1, 2), (3, 4)])
    assert not program.is_compatible
    assert "variable values" in str(program.compatibility)
    assert program.simulate(1, 2) == two(1, 2)


def test_fused_tlu_simulates_like_numpy_over_the_whole_range():
    def f(x):
        return (np.tanh(x / 8) * 20 + np.log1p(np.abs(x))).astype(np.int64)

    compiler = fhe.compiler({"x": "encrypted"})(f)
    xs = np.arange(-64, 64)
    circuit = compiler.compile(xs)
    np.testing.assert_array_equal(circuit.simulate_batch(xs), f(xs))
    subgraph = next(n for n in circuit.graph.nodes if n.op is OpKind.TLU).attrs["subgraph"]
    # the subgraph shows the measured input / output types, floats inside
    assert str(subgraph.nodes[0].spec.dtype) == "int7"
    assert any(isinstance(node.spec.dtype, Float) for node in subgraph.nodes)
    output = subgraph.nodes[subgraph.outputs[0]]
    assert isinstance(output.spec, ValueSpec) and output.op is OpKind.ASTYPE
    assert output.spec.dtype == circuit.graph.nodes[1].spec.dtype
