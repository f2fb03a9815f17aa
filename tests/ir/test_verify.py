"""ir.verify: each invariant is caught and named; the pipeline records and verifies passes."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.compiler import pipeline
from fhe_assistant.compiler.pipeline import compose
from fhe_assistant.core.dtypes import Integer
from fhe_assistant.core.values import ValueSpec
from fhe_assistant.interpret import RULES
from fhe_assistant.ir import Graph, OpKind
from fhe_assistant.ir.rewrite import GraphCopier
from fhe_assistant.ir.verify import MalformedGraphError, verify_graph
from fhe_assistant.tracing import trace

ENCRYPTED = ValueSpec(Integer(4, False), (3,), True)


def _traced():
    return trace(lambda x, y: np.sum(x * 2 + y) - x[0], {"x": "encrypted", "y": "clear"},
                 [np.arange(3), np.arange(3)])


def _small() -> Graph:
    graph = Graph()
    x = graph.add(OpKind.INPUT, [], ENCRYPTED, {"name": "x", "index": 0})
    graph.add(OpKind.NEGATIVE, [x.id], ENCRYPTED)
    graph.outputs = [1]
    return graph


def test_traced_and_compiled_graphs_are_well_formed():
    verify_graph(_traced(), RULES)
    circuit = fhe.compiler({"x": "encrypted"})(lambda x: np.sin(x).astype(np.int64) * x + 1) \
        .compile(range(8), verify_passes=True)
    verify_graph(circuit.analysis.lowered, RULES)
    verify_graph(circuit.analysis.fused, RULES)


@pytest.mark.parametrize("break_it, message", [
    (lambda g: setattr(g.nodes[1], "operands", (1,)), r"%1 = negative.*not all defined before"),
    (lambda g: setattr(g.nodes[1], "id", 5), r"has id 5 at position 1"),
    (lambda g: setattr(g, "inputs", []), r"are not the INPUT nodes"),
    (lambda g: setattr(g, "outputs", [7]), r"do not name nodes"),
    (lambda g: setattr(g.nodes[1], "spec", ValueSpec(Integer(4, False), (3,), False)),
     r"operands are encrypted"),
    (lambda g: setattr(g.nodes[1], "spec", ValueSpec(Integer(4, False), (2,), True)),
     r"its rule gives shape \(3,\)"),
])
def test_each_broken_invariant_is_named(break_it, message):
    graph = _small()
    verify_graph(graph, RULES)
    break_it(graph)
    with pytest.raises(MalformedGraphError, match=message) as raised:
        verify_graph(graph, RULES)
    if raised.value.node is not None:
        assert raised.value.node in graph.nodes


def test_a_constant_must_match_its_spec_and_stay_clear():
    graph = _small()
    graph.add(OpKind.CONSTANT, [], ValueSpec(Integer(2, False), (2,), False),
              {"value": np.arange(3)})
    graph.outputs = [1, 2]
    with pytest.raises(MalformedGraphError, match=r"%2 = constant.*shape \(3,\)"):
        verify_graph(graph)


def test_the_pipeline_records_every_pass_and_composes_their_id_maps():
    circuit = fhe.compiler({"x": "encrypted", "y": "encrypted"})(
        lambda x, y: np.maximum(x, y) + (np.exp(x) / 3).astype(np.int64)).compile(
        [(a, b) for a in range(4) for b in range(4)])
    passes = circuit.analysis.passes
    assert [p.name for p in passes] == ["fuse float subgraphs", "lower bivariate ops",
                                        "clear exactly rounded bits", "fuse lookup chains",
                                        "assign bit widths"]
    for before, after in zip(passes, passes[1:]):
        assert after.before is before.after
    assert passes[-1].after is circuit.analysis.lowered
    assert compose(passes[1:]) == circuit.analysis.fused_to_lowered
    assert passes[1].before.count(OpKind.MAXIMUM) == 1          # "why did this become a TLU"
    assert passes[1].after.count(OpKind.MAXIMUM) == 0


def test_a_pass_that_breaks_the_graph_is_named(monkeypatch):
    def broken_lowering(graph):
        copier = GraphCopier(graph)
        for node in graph.nodes:
            copier.copy(node)
        lowered = copier.finish()
        last = lowered.nodes[-1]
        last.spec = ValueSpec(last.spec.dtype, (5,) + tuple(last.spec.shape), last.is_encrypted)
        return lowered, copier.mapping

    monkeypatch.setattr(pipeline, "lower_bivariate", broken_lowering)
    with pytest.raises(MalformedGraphError, match=r"in the output of lower bivariate ops"):
        fhe.compiler({"x": "encrypted"})(lambda x: x + 1).compile(range(4), verify_passes=True)
