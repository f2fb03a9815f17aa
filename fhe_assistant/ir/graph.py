"""The op-graph: an ordered SSA list of nodes (ids are positions), its inputs and outputs."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.location import SourceLocation
from ..core.values import ValueSpec
from .node import Node
from .ops import LINEAR_OPS, OpKind


@dataclass(eq=False)
class Graph:
    """Nodes in topological order; ``nodes[i].id == i``.

    ``inputs`` are the INPUT node ids in argument order and ``outputs`` the ids the
    function returns. The graph never stores analysis results (bounds, noise…).
    """

    nodes: list[Node] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    name: str = "main"

    def add(self, op: OpKind, operands, spec: ValueSpec, attrs: dict[str, Any] | None = None,
            location: SourceLocation | None = None) -> Node:
        node = Node(len(self.nodes), op, tuple(int(o) for o in operands), spec, dict(attrs or {}),
                    location)
        self.nodes.append(node)
        if op is OpKind.INPUT:
            self.inputs.append(node.id)
        return node

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, node_id: int) -> Node:
        return self.nodes[node_id]

    @property
    def input_names(self) -> list[str]:
        return [self.nodes[i].attrs["name"] for i in self.inputs]

    def users(self) -> dict[int, list[int]]:
        """node id -> ids of the nodes that consume it."""
        table: dict[int, list[int]] = {node.id: [] for node in self.nodes}
        for node in self.nodes:
            for operand in node.operands:
                table[operand].append(node.id)
        return table

    def count(self, *ops: OpKind) -> int:
        return sum(1 for node in self.nodes if node.op in ops)

    def format(self, bounds=None, show_locations: bool = False, **options) -> str:
        """Concrete's text; ``options``: ``show_types``, ``show_bounds``, ``show_tags``."""
        from .printer import format_graph

        return format_graph(self, bounds, show_locations=show_locations, **options)

    def __str__(self) -> str:
        return self.format()


def encrypted_operands(graph: Graph, node: Node) -> list[int]:
    """The ids of ``node``'s encrypted operands, in operand order."""
    return [o for o in node.operands if graph[o].is_encrypted]


def is_table_lookup(graph: Graph, node: Node) -> bool:
    """A non-linear op with one encrypted operand: one PBS per output element."""
    if not node.is_encrypted or node.op in (OpKind.INPUT, OpKind.CONSTANT) or node.op in LINEAR_OPS:
        return False
    return len(encrypted_operands(graph, node)) == 1
