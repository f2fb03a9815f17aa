"""DOT text, colours and clusters: pure functions of a graph and its side tables."""
from __future__ import annotations

import re

import numpy as np

import fhe_assistant as fhe
from fhe_assistant.ir import OpKind
from fhe_assistant.widgets.colors import BROKEN, CLEAR, SCALE, bit_width_color, legend, text_color
from fhe_assistant.widgets.dot import (
    CLUSTER_THRESHOLD,
    constant_text,
    escape_string,
    graph_dot,
    parse_node_name,
    repeated_blocks,
)
from fhe_assistant.widgets.reprs import graph_dot_of


def node_statements(dot: str) -> list[str]:
    return re.findall(r"^\s*(n\d+(?:s\d+)?) \[", dot, re.MULTILINE)


def test_bit_width_colours_run_light_to_dark_and_saturate():
    assert bit_width_color(1) == SCALE[0]
    assert bit_width_color(8) == SCALE[-1]
    assert bit_width_color(23) == SCALE[-1]
    widths = [SCALE.index(bit_width_color(w)) for w in range(1, 9)]
    assert widths == sorted(widths)
    assert bit_width_color(16, limit=16) == SCALE[-1] and bit_width_color(8, 16) != SCALE[-1]
    assert text_color("#ffffff") == "#1a1a1a" and text_color("#081d58") == "#ffffff"
    labels = [entry.label for entry in legend(8)]
    assert labels[0] == "1" and "8+" in labels and "clear" in labels


def test_one_dot_node_per_graph_node_with_op_and_bit_width(linear_program):
    view = linear_program.graph
    dot = graph_dot(view.graph, view.bounds, lookup_nodes=view.lookup_nodes)
    assert node_statements(dot) == [f"n{i}" for i in range(len(view.graph))]
    assert "%2 matmul" in dot and "uint3 ∈ [0, 6]" in dot and "%4 add" in dot
    assert dot.count(" -> ") == sum(len(n.operands) for n in view.graph.nodes)
    assert f'fillcolor="{CLEAR}"' in dot                          # the clear constants


def test_lookups_double_bordered_and_broken_nodes_red(wide_program):
    dot = graph_dot_of(wide_program)
    for node_id in wide_program.graph.lookup_nodes:
        line = next(line for line in dot.splitlines() if line.strip().startswith(f"n{node_id} ["))
        assert 'peripheries="2"' in line and "lookup" in line
        assert f'fillcolor="{BROKEN}"' in line and "broken" in line
    assert "sin · multiply · astype" in dot                       # the fused ops of %1


def test_selection_and_expanded_subgraph(wide_program):
    view = wide_program.graph
    dot = graph_dot(view.graph, view.bounds, selected=3, expanded={1})
    assert "selected" in next(line for line in dot.splitlines() if line.strip().startswith("n3 ["))
    subgraph = view.graph[1].attrs["subgraph"]
    assert "cluster_tlu1" in dot
    assert node_statements(dot).count("n1s0") == 1
    assert len([n for n in node_statements(dot) if n.startswith("n1s")]) == len(subgraph)
    assert "float64" in dot


def test_repeated_blocks_become_clusters_on_large_graphs():
    weights = [np.array([[1, -1], [1, 1]]) for _ in range(12)]

    @fhe.compiler({"x": "encrypted"})
    def deep(x):
        for w in weights:
            y = x @ w
            x = np.maximum(y, 0) // 2
        return x

    program = deep.trace(np.arange(16).reshape(8, 2))
    graph = program.graph.graph
    assert len(graph) >= CLUSTER_THRESHOLD
    blocks = repeated_blocks(graph)
    assert len(blocks) == 12
    placed = [i for block in blocks for i in block.node_ids]
    assert len(placed) == len(set(placed))
    assert graph.inputs[0] not in placed
    assert all(graph[i].op is not OpKind.INPUT for i in placed)
    assert "block 1" in blocks[0].label and "deep" in blocks[0].label
    dot = graph_dot_of(program)
    assert dot.count("subgraph cluster_b") == 12
    assert sorted(node_statements(dot), key=lambda n: int(n[1:])) == \
        [f"n{i}" for i in range(len(graph))]


def test_small_or_straight_graphs_have_no_blocks(linear_program):
    assert repeated_blocks(linear_program.graph.graph) == []
    assert "cluster_b" not in graph_dot_of(linear_program)


def test_helpers():
    assert parse_node_name("n12") == 12 and parse_node_name("n3s4") == 3
    assert parse_node_name("node7") is None and parse_node_name("x") is None
    assert escape_string('a "b"\nc\\') == 'a \\"b\\"\\nc\\\\'
    assert constant_text(5) == "5" and constant_text(np.array([1, 2])) == "[1, 2]"
    assert constant_text(np.arange(60).reshape(30, 2)) == "const (30, 2) ∈ [0, 59]"
    assert constant_text(np.ones((3, 4), dtype=np.int64)) == "1 × (3, 4)"
