"""Exact rounding on ciphertexts: clear the low bits one at a time, as Concrete does.

A lookup after ``round_bit_pattern(x, k)`` reads the top bits of ``x``'s ciphertext with
the low ``k`` bits still in it (:mod:`lowered.fhe_plan`: the rounding is *folded*). That
read is one step off whenever the noise carries a value across a rounding tie, which
happens to a few percent of values at any noise level: Concrete's ``Exactness.APPROXIMATE``.
An exact rounding (the default) must first make the low bits zero, and only a read of one
bit at a time can learn them without the bits above getting in the way (Concrete's
``add_expanded_round``)::

    u = x + 2**(k-1)                      the rounding constant (leveled)
    for i in 0 … k-1:
        b = u & 2**i                      a *bit read* (one PBS per element)
        u = u - b                         (leveled)
    round_bit_pattern(x, k) == u          a multiple of 2**k: the folded read is now exact

A bit read multiplies its ciphertext by ``2**(p - i)`` (bit ``i`` to the top of the
torus, the bits above it wrap away) and bootstraps a constant; its noise bound is that of
the carried noise times ``2**(p - i)`` (:attr:`lowered.fhe_plan.TableLookupPlan.read_shift`),
so exact rounding asks for quieter parameters than the approximate one, and costs ``k``
bootstraps per rounded element. Table lookups read the cleared value through a rounding
node (they fold it and read the top bits); other users read the cleared value directly.
"""
from __future__ import annotations

import numpy as np

from ..core.dtypes import UNMEASURED_INTEGER
from ..core.values import ValueSpec
from ..ir.graph import Graph, is_table_lookup
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.rewrite import GraphCopier
from ..lowered.fhe_plan import APPROXIMATE, READS_BIT


def _rounding(node: Node) -> bool:
    return (node.op is OpKind.ROUND_BIT_PATTERN and node.is_encrypted
            and node.attrs["lsbs_to_remove"] > 0)


def _needs_expansion(graph: Graph, node: Node, users: dict[int, list[int]]) -> bool:
    """An exact rounding of an encrypted value that removes bits, or an approximate one
    that lookups share with other users (an output, a linear op)."""
    if not _rounding(node):
        return False
    if node.attrs.get("exactness") != APPROXIMATE:
        return True
    lookups = [is_table_lookup(graph, graph[u]) for u in users[node.id]]
    return any(lookups) and (not all(lookups) or node.id in graph.outputs)


def _constant(graph: Graph, value: int, location) -> int:
    return graph.add(OpKind.CONSTANT, [], ValueSpec(UNMEASURED_INTEGER, (), False),
                     {"value": np.asarray(value, dtype=np.int64)}, location).id


def _cleared(graph: Graph, operand: int, lsbs: int, location) -> int:
    """``operand`` rounded to a multiple of ``2**lsbs`` by ``lsbs`` bit reads."""
    spec = ValueSpec(UNMEASURED_INTEGER, tuple(graph[operand].spec.shape), True)
    value = graph.add(OpKind.ADD, [operand, _constant(graph, 1 << (lsbs - 1), location)],
                      spec, {}, location).id
    for bit in range(lsbs):
        low = graph.add(OpKind.UFUNC, [value, _constant(graph, 1 << bit, location)], spec,
                        {"ufunc": np.bitwise_and, READS_BIT: bit}, location).id
        value = graph.add(OpKind.SUBTRACT, [value, low], spec, {}, location).id
    return value


def expand_exact_roundings(graph: Graph) -> tuple[Graph, dict[int, int]]:
    """Every exact ``round_bit_pattern`` of an encrypted value becomes bit reads; returns
    the new graph and old id -> new id (the rounding maps to the cleared value).

    Table lookups that read the rounding read it through a rounding node on the cleared
    value (they fold it: their index is its top bits); every other user, and the circuit's
    outputs, take the cleared value itself. An approximate rounding that lookups share with
    other users is its own cleared value (a lookup that reads its input's top bits and
    writes them back at their scale, :mod:`lowered.fhe_plan`): its lookups read it the same
    way instead of at its full width."""
    users = graph.users()
    if not any(_needs_expansion(graph, node, users) for node in graph.nodes):
        return graph, {node.id: node.id for node in graph.nodes}
    copier = GraphCopier(graph)
    for_lookups: dict[int, int] = {}   # rounding id -> the rounding node lookups read
    for node in graph.nodes:
        if _needs_expansion(graph, node, users):
            if node.attrs.get("exactness") == APPROXIMATE:
                cleared = copier.copy(node).id
            else:
                cleared = _cleared(copier.target, copier.mapping[node.operands[0]],
                                   node.attrs["lsbs_to_remove"], node.location)
                copier.mapping[node.id] = cleared
            if any(is_table_lookup(graph, graph[u]) for u in users[node.id]):
                for_lookups[node.id] = copier.target.add(
                    OpKind.ROUND_BIT_PATTERN, [cleared], node.spec, node.attrs,
                    node.location).id
            continue
        lookup = is_table_lookup(graph, node)
        copier.copy(node, operands=[for_lookups[o] if lookup and o in for_lookups
                                    else copier.mapping[o] for o in node.operands])
    return copier.finish(), dict(copier.mapping)
