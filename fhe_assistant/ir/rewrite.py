"""Building a new graph from an old one: id remapping and dead-node removal."""
from __future__ import annotations

from .graph import Graph
from .node import Node


class GraphCopier:
    """Copies nodes into a fresh graph, remembering old id -> new id."""

    def __init__(self, source: Graph):
        self.source = source
        self.target = Graph(name=source.name)
        self.mapping: dict[int, int] = {}

    def copy(self, node: Node, operands=None, **changes) -> Node:
        new_operands = [self.mapping[o] for o in node.operands] if operands is None else operands
        new = self.target.add(changes.get("op", node.op), new_operands,
                              changes.get("spec", node.spec), changes.get("attrs", node.attrs),
                              changes.get("location", node.location))
        self.mapping[node.id] = new.id
        return new

    def finish(self) -> Graph:
        self.target.outputs = [self.mapping[o] for o in self.source.outputs]
        return self.target


def retyped(graph: Graph, dtypes: dict) -> Graph:
    """The graph with the nodes of ``dtypes`` (id -> dtype) given those types (same ids)."""
    copier = GraphCopier(graph)
    for node in graph.nodes:
        if node.id in dtypes and node.spec.dtype != dtypes[node.id]:
            copier.copy(node, spec=node.spec.with_dtype(dtypes[node.id]))
        else:
            copier.copy(node)
    return copier.finish()


def live_nodes(graph: Graph) -> set[int]:
    """Nodes an output depends on (inputs always count: they are the signature)."""
    live = set(graph.inputs)
    stack = list(graph.outputs)
    while stack:
        node_id = stack.pop()
        if node_id in live and node_id not in graph.inputs:
            continue
        live.add(node_id)
        stack.extend(o for o in graph[node_id].operands if o not in live)
    return live


def remove_dead_nodes(graph: Graph) -> Graph:
    return remove_dead_nodes_mapped(graph)[0]


def remove_dead_nodes_mapped(graph: Graph) -> tuple[Graph, dict[int, int]]:
    """The graph without dead nodes, and old id -> new id for the nodes kept."""
    live = live_nodes(graph)
    copier = GraphCopier(graph)
    for node in graph.nodes:
        if node.id in live:
            copier.copy(node)
    return copier.finish(), dict(copier.mapping)
