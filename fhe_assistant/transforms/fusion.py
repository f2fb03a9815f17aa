"""Float-subgraph fusion: every float region fed by one integer value becomes one TLU.

FHE computes on integers only; a float computation such as ``(np.sin(x) * 3).astype(int)``
is fine as long as it is a function of a single encrypted integer: it is then
tabulated over that integer's range and evaluated by one programmable bootstrap.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import CompilationError
from ..core.values import ValueSpec
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import ELEMENTWISE_OPS, OpKind
from ..ir.printer import node_reference
from ..ir.rewrite import GraphCopier, remove_dead_nodes_mapped

#: Ops that may sit inside a fused region (elementwise, so the region is a table per element).
FUSABLE_OPS = ELEMENTWISE_OPS | {OpKind.CONSTANT, OpKind.BROADCAST_TO}


def _is_float(node: Node) -> bool:
    return node.spec.is_float


def _describe(node: Node) -> str:
    return node_reference(node, with_code=True)


def _terminals(graph: Graph) -> list[Node]:
    """Integer nodes computed from a float operand: where a float region ends."""
    return [node for node in graph.nodes
            if not _is_float(node) and node.op is not OpKind.CONSTANT
            and any(_is_float(graph[o]) for o in node.operands)]


def find_region(graph: Graph, terminal: Node) -> tuple[set[int], int | None]:
    """The nodes of the region ending at ``terminal`` and its single variable input.

    Float nodes and constants belong to the region. While more than one variable input
    remains, the latest one is absorbed if it is elementwise (``x + sin(x)`` fuses as a
    function of ``x``); a region that still has several variable inputs is an error.
    """
    region: set[int] = set()
    inputs: set[int] = set()

    def absorb(node_id: int) -> None:
        stack = [node_id]
        while stack:
            current = graph[stack.pop()]
            if current.id in region:
                continue
            region.add(current.id)
            inputs.discard(current.id)
            for operand_id in current.operands:
                operand = graph[operand_id]
                if operand_id in region:
                    continue
                if operand.op is OpKind.CONSTANT or _is_float(operand):
                    stack.append(operand_id)
                else:
                    inputs.add(operand_id)

    absorb(terminal.id)
    while len(inputs) > 1:
        latest = graph[max(inputs)]
        if latest.op not in FUSABLE_OPS or latest.op is OpKind.CONSTANT:
            break
        absorb(latest.id)
    if len(inputs) != 1:
        return region, None
    return region, next(iter(inputs))


def _check_elementwise(graph: Graph, region: set[int]) -> list[Node]:
    return [graph[i] for i in sorted(region) if graph[i].op not in FUSABLE_OPS]


def build_subgraph(graph: Graph, region: set[int], input_id: int, input_spec: ValueSpec,
                   terminal: Node) -> Graph:
    """The region as a graph of its own with one INPUT (shaped like the TLU input)."""
    subgraph = Graph(name=f"subgraph_{terminal.id}")
    mapping = {input_id: subgraph.add(OpKind.INPUT, [], input_spec,
                                      {"name": "input", "index": 0},
                                      graph[input_id].location).id}
    for node_id in sorted(region):
        node = graph[node_id]
        mapping[node_id] = subgraph.add(node.op, [mapping[o] for o in node.operands], node.spec,
                                        node.attrs, node.location).id
    subgraph.outputs = [mapping[terminal.id]]
    return subgraph


@dataclass(frozen=True, slots=True)
class FusionProblem:
    """A float region that cannot become one table lookup.

    ``node_id`` is the region's last node (where the float value becomes an integer),
    ``variables`` the encrypted values it depends on, ``message`` why it cannot be fused,
    in the user's terms.
    """

    node_id: int
    variables: tuple[int, ...]
    message: str

    def __str__(self) -> str:
        return self.message


def _entry(graph: Graph, region: set[int], variable: int) -> str:
    """The variable and the first region node that consumes it (the user's line)."""
    consumer = next((graph[i] for i in sorted(region) if variable in graph[i].operands), None)
    text = _describe(graph[variable])
    return text if consumer is None else f"{text}, used by {_describe(consumer)}"


def plan_fusion(graph: Graph) -> tuple[dict[int, tuple[set[int], int]], list[FusionProblem]]:
    """Regions to fuse (terminal id -> (region, its input)) and the regions that cannot be."""
    problems: list[FusionProblem] = []
    replacements: dict[int, tuple[set[int], int]] = {}
    for terminal in _terminals(graph):
        region, input_id = find_region(graph, terminal)
        if input_id is None:
            variables = tuple(sorted({o for i in region for o in graph[i].operands
                                      if o not in region}))
            problems.append(FusionProblem(terminal.id, variables, (
                f"{_describe(terminal)} is a float computation of {len(variables)} variable values "
                f"({'; '.join(_entry(graph, region, v) for v in variables)}); a table lookup "
                f"takes one: compute each float part from one value and cast it to int first "
                f"(.astype(np.int64)), then combine the integers")))
            continue
        bad = _check_elementwise(graph, region)
        if bad:
            problems.append(FusionProblem(terminal.id, (input_id,), (
                f"{_describe(terminal)}: the float computation goes through "
                f"{', '.join(_describe(b) for b in bad)}, which is not elementwise "
                f"and cannot be tabulated; cast to int before it")))
            continue
        replacements[terminal.id] = (region, input_id)
    return replacements, problems


def fusion_problems(graph: Graph) -> list[FusionProblem]:
    """Every float region of ``graph`` that cannot be fused (empty when all can)."""
    return plan_fusion(graph)[1]


def fuse_float_subgraphs(graph: Graph, strict: bool = True) -> Graph:
    """Replace each float region by a TLU node.

    With ``strict`` a region that cannot be fused (several variable inputs, a
    non-elementwise op inside) raises one ``CompilationError`` listing them all; without,
    such regions are left as they are (``fusion_problems`` lists them) so that a program
    can still be traced, measured and simulated.
    """
    return fuse_float_subgraphs_mapped(graph, strict)[0]


def fuse_float_subgraphs_mapped(graph: Graph, strict: bool = True
                                ) -> tuple[Graph, dict[int, int]]:
    """``fuse_float_subgraphs`` and old id -> new id for the nodes that remain."""
    replacements, problems = plan_fusion(graph)
    if problems and strict:
        raise CompilationError("float subgraphs cannot be fused into table lookups:\n  - "
                               + "\n  - ".join(str(p) for p in problems), problems)
    if not replacements:
        return graph, {node.id: node.id for node in graph.nodes}
    return replace_regions_mapped(graph, replacements)


def replace_regions(graph: Graph, replacements: dict[int, tuple[set[int], int]]) -> Graph:
    """Replace each region (terminal id -> (region node ids, its one input)) by a TLU node."""
    return replace_regions_mapped(graph, replacements)[0]


def replace_regions_mapped(graph: Graph, replacements: dict[int, tuple[set[int], int]]
                           ) -> tuple[Graph, dict[int, int]]:
    """``replace_regions`` and old id -> new id for the nodes that remain."""
    copier = GraphCopier(graph)
    for node in graph.nodes:
        if node.id not in replacements:
            copier.copy(node)
            continue
        region, input_id = replacements[node.id]
        input_node = graph[input_id]
        tlu_input = copier.mapping[input_id]
        if tuple(input_node.spec.shape) != tuple(node.spec.shape):
            # constants broadcast the region: give each output position its own table
            tlu_input = copier.target.add(
                OpKind.BROADCAST_TO, [tlu_input],
                ValueSpec(input_node.spec.dtype, node.spec.shape, input_node.is_encrypted),
                {"shape": tuple(node.spec.shape)}, node.location).id
        input_spec = ValueSpec(input_node.spec.dtype, node.spec.shape, input_node.is_encrypted)
        subgraph = build_subgraph(graph, region, input_id, input_spec, node)
        source_ops = [graph[i].label for i in sorted(region)
                      if graph[i].op is not OpKind.CONSTANT]
        copier.copy(node, operands=[tlu_input], op=OpKind.TLU,
                    attrs={"subgraph": subgraph, "source_ops": source_ops},
                    spec=ValueSpec(node.spec.dtype, node.spec.shape,
                                   input_node.is_encrypted))
    replaced, survivors = remove_dead_nodes_mapped(copier.finish())
    return replaced, {old: survivors[new] for old, new in copier.mapping.items()
                      if new in survivors}



#: Ops a univariate chain may contain (a rounding stays visible so lookups can fold it).
_CHAINABLE = (ELEMENTWISE_OPS | {OpKind.BROADCAST_TO}) - {OpKind.ROUND_BIT_PATTERN}
_LINEAR_ELEMENTWISE = {OpKind.ADD, OpKind.SUBTRACT, OpKind.MULTIPLY, OpKind.NEGATIVE}


def _univariate_input(graph: Graph, node: Node) -> int | None:
    """The one non-constant operand of an elementwise encrypted op of the same shape."""
    if node.op not in _CHAINABLE or not node.is_encrypted or node.spec.is_float:
        return None
    variables = [o for o in node.operands if graph[o].op is not OpKind.CONSTANT]
    if len(variables) != 1 or graph[variables[0]].spec.shape != node.spec.shape:
        return None
    return variables[0]


def fuse_univariate_chains(graph: Graph) -> tuple[Graph, dict[int, int]]:
    """Fuse chains of elementwise ops on one encrypted value into one table lookup.

    ``np.maximum(y, 0) // 16`` is two lookups as written but one function of ``y``: like
    Concrete, evaluate it with a single bootstrap. A chain grows backwards through ops whose
    only user is the next op; it must hold at least one non-linear op (a chain of additions
    stays leveled) and at least two ops. Returns the new graph and old id -> new id (the
    absorbed ops have none).
    """
    users = graph.users()
    outputs = set(graph.outputs)
    replacements: dict[int, tuple[set[int], int]] = {}
    taken: set[int] = set()
    for node in reversed(graph.nodes):
        if node.id in taken or _univariate_input(graph, node) is None:
            continue
        members = [node.id]
        current = node
        while True:
            operand = _univariate_input(graph, current)
            previous = graph[operand]
            if (_univariate_input(graph, previous) is None or users[previous.id] != [current.id]
                    or previous.id in outputs or previous.id in taken):
                break
            members.append(previous.id)
            current = previous
        nonlinear = [m for m in members if graph[m].op not in _LINEAR_ELEMENTWISE]
        if len(members) < 2 or not nonlinear:
            continue
        region = set(members) | {o for m in members for o in graph[m].operands
                                 if graph[o].op is OpKind.CONSTANT}
        replacements[node.id] = (region, _univariate_input(graph, current))
        taken.update(members)
    if not replacements:
        return graph, {node.id: node.id for node in graph.nodes}
    return replace_regions_mapped(graph, replacements)


def float_outputs(graph: Graph) -> list[Node]:
    return [graph[o] for o in graph.outputs if graph[o].spec.is_float]


__all__ = [
    "FusionProblem",
    "find_region",
    "float_outputs",
    "fuse_float_subgraphs",
    "fuse_univariate_chains",
    "fusion_problems",
    "np",
    "plan_fusion",
    "replace_regions",
]
