"""How each encrypted value is encoded and which nodes are table lookups.

Encoding follows Concrete: encrypted values linked by linear ops share one
precision ``p`` (a *partition*), so their ciphertexts can be added; each is encoded as
``(v mod 2**(p+1)) * 2**(63-p)`` with one padding bit. A table lookup reads its input's
partition and writes its output's, so precisions change only at lookups.

A ``round_bit_pattern`` whose users are all table lookups is *folded*: the lookups read
the unrounded ciphertext at ``p - lsbs_to_remove`` bits of precision (Concrete's
approximate rounding). Noise: each encrypted node carries the worst squared 2-norm of the
weights with which fresh inputs and PBS outputs reach it; the optimizer needs these at
lookup inputs and at circuit outputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.dtypes import Integer
from ..interpret.interpreter import constant_value
from ..ir.graph import Graph, encrypted_operands, is_table_lookup
from ..ir.node import Node
from ..ir.ops import OpKind


@dataclass(frozen=True, slots=True)
class TableLookupPlan:
    """One table-lookup node: where its index comes from and at what precision."""

    node_id: int
    operand_id: int          # the encrypted operand (a folded rounding's input counts as it)
    read_id: int             # the node whose ciphertext the PBS reads
    input_precision: int     # p of the partition read
    lsbs_removed: int        # folded rounding
    offset: int              # added before the PBS so that signed inputs index from 0
    output_precision: int
    output_signed: bool
    element_count: int

    @property
    def effective_precision(self) -> int:
        return max(self.input_precision - self.lsbs_removed, 1)


@dataclass
class FHEPlan:
    partition_of: dict[int, int] = field(default_factory=dict)      # node id -> partition id
    precision_of_partition: dict[int, int] = field(default_factory=dict)
    lookups: dict[int, TableLookupPlan] = field(default_factory=dict)
    folded_roundings: set[int] = field(default_factory=set)
    fresh_norm2: dict[int, float] = field(default_factory=dict)    # squared 2-norms
    pbs_norm2: dict[int, float] = field(default_factory=dict)

    def precision(self, node_id: int) -> int:
        return self.precision_of_partition[self.partition_of[node_id]]

    @property
    def pbs_count(self) -> int:
        return sum(lookup.element_count for lookup in self.lookups.values())

    @property
    def max_lookup_precision(self) -> int:
        return max((lookup.effective_precision for lookup in self.lookups.values()), default=0)


class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def folded_roundings(graph: Graph) -> set[int]:
    users = graph.users()
    return {node.id for node in graph.nodes
            if node.op is OpKind.ROUND_BIT_PATTERN and node.is_encrypted and users[node.id]
            and node.attrs["lsbs_to_remove"] > 0
            and all(is_table_lookup(graph, graph[u]) for u in users[node.id])
            and node.id not in graph.outputs}


def _bit_width(node: Node) -> int:
    return node.spec.dtype.bit_width if isinstance(node.spec.dtype, Integer) else 64


def _clear_abs_max(graph: Graph, node_id: int) -> float:
    node = graph[node_id]
    if node.op is OpKind.CONSTANT:
        return float(np.max(np.abs(constant_value(node)))) if node.spec.size else 0.0
    return float(2 ** _bit_width(node))  # a clear input: its type's bound


def _matmul_norm2(graph: Graph, node: Node, norms: dict[int, float]) -> float:
    a, b = node.operands
    encrypted, weights = (a, b) if graph[a].is_encrypted else (b, a)
    weight_node = graph[weights]
    if weight_node.op is OpKind.CONSTANT:
        w = constant_value(weight_node)[0].astype(np.float64)
        if w.ndim == 1:
            per_output = np.sum(w ** 2)
        elif encrypted == a:  # x @ W: sum over W's second-to-last axis
            per_output = np.max(np.sum(w ** 2, axis=-2))
        else:  # W @ x: sum over W's last axis
            per_output = np.max(np.sum(w ** 2, axis=-1))
        return float(per_output) * norms[encrypted]
    inner = graph[a].spec.shape[-1] if graph[a].spec.shape else 1
    return inner * _clear_abs_max(graph, weights) ** 2 * norms[encrypted]


def _propagate(graph: Graph, node: Node, norms: dict[int, float], source: float,
               lookup_ids) -> float:
    """Worst squared 2-norm with which one kind of noise source reaches ``node``."""
    if node.op is OpKind.INPUT:
        return source
    if node.id in lookup_ids:
        return 1.0 - source  # lookups output fresh PBS noise: 1 for the PBS kind, 0 for fresh
    encrypted = encrypted_operands(graph, node)
    if not encrypted:
        return 0.0
    if node.op in (OpKind.ADD, OpKind.SUBTRACT):
        return sum(norms[o] for o in encrypted)
    if node.op is OpKind.MULTIPLY:
        clear = [o for o in node.operands if o not in encrypted]
        return norms[encrypted[0]] * (_clear_abs_max(graph, clear[0]) ** 2 if clear else 1.0)
    if node.op is OpKind.MATMUL:
        return _matmul_norm2(graph, node, norms)
    if node.op is OpKind.CONV:  # one output channel: sum of its squared weights
        weights = constant_value(graph[node.operands[1]])[0].astype(np.float64)
        return float(np.max(np.sum(weights.reshape(weights.shape[0], -1) ** 2, axis=1))) \
            * norms[encrypted[0]]
    if node.op is OpKind.SUM:
        summed = graph[encrypted[0]].spec.size // max(node.spec.size, 1)
        return summed * norms[encrypted[0]]
    return max(norms[o] for o in encrypted)


def build_plan(graph: Graph) -> FHEPlan:
    """Partitions, lookups and noise norms of a lowered graph with bit widths assigned."""
    plan = FHEPlan()
    plan.folded_roundings = folded_roundings(graph)
    union = _UnionFind()
    lookup_ids = set()
    for node in graph.nodes:
        if not node.is_encrypted:
            continue
        union.find(node.id)
        if is_table_lookup(graph, node) and node.id not in plan.folded_roundings:
            lookup_ids.add(node.id)
            continue
        for operand in encrypted_operands(graph, node):
            union.union(node.id, operand)
    for node in graph.nodes:
        if node.is_encrypted:
            root = union.find(node.id)
            plan.partition_of[node.id] = root
            plan.precision_of_partition[root] = max(plan.precision_of_partition.get(root, 1),
                                                    _bit_width(node))
    for node in graph.nodes:
        if not node.is_encrypted:
            continue
        plan.fresh_norm2[node.id] = _propagate(graph, node, plan.fresh_norm2, 1.0, lookup_ids)
        plan.pbs_norm2[node.id] = _propagate(graph, node, plan.pbs_norm2, 0.0, lookup_ids)
    for node_id in sorted(lookup_ids):
        node = graph[node_id]
        operand_id = encrypted_operands(graph, node)[0]
        read_id, lsbs = operand_id, 0
        if operand_id in plan.folded_roundings:
            read_id = graph[operand_id].operands[0]
            lsbs = graph[operand_id].attrs["lsbs_to_remove"]
        precision = plan.precision(read_id)
        lsbs = min(lsbs, precision - 1)
        signed = any(isinstance(graph[i].spec.dtype, Integer) and graph[i].spec.dtype.is_signed
                     for i in (operand_id, read_id))
        output_dtype = node.spec.dtype
        plan.lookups[node_id] = TableLookupPlan(
            node_id=node_id, operand_id=operand_id, read_id=read_id, input_precision=precision,
            lsbs_removed=lsbs, offset=(1 << (precision - 1)) if signed else 0,
            output_precision=plan.precision(node_id),
            output_signed=isinstance(output_dtype, Integer) and output_dtype.is_signed,
            element_count=node.spec.size)
    return plan
