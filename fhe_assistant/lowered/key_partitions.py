"""Which parameter set (key partition) each lookup uses and which big key holds each value.

Concrete's MULTI strategy with ``PRECISION`` partitioning: a table lookup belongs to the
partition of its (effective) input precision, and each partition gets its own keys. The
FHE plan's *blocks* (values linked by linear ops, :mod:`.fhe_plan`) each live under one
partition's big key:

* a block that lookups write into is held under their partition's big key (a bootstrap
  outputs under its own GLWE key). Lookups of different precisions that write into one
  block are merged into one partition, so a block never mixes keys (Concrete converts
  such values with a big-to-big "fast keyswitch" instead; not done here);
* a block that only fresh inputs feed is held under the key of the partition that reads it
  most (lookup elements), so most lookups keyswitch with their own key;
* a block nothing reads or writes by lookup is held under the widest partition's key.

A lookup whose input block is held under another partition's key reads it through a
cross-partition keyswitch (source big key → target small key).

``by_norm`` (Concrete's ``PRECISION_AND_NORM2``) splits each precision further by the
norm its lookups' *outputs* are amplified with downstream, as Concrete's ``partition_cut``:
⌈log2(‖w‖₂ · 2^(p_out − p_in))⌉, 1-bit buckets, where ‖w‖₂² is the largest squared norm
(fresh + bootstrapped) of any lookup input or circuit output read from the block the
lookup writes into. A partition's bootstrap noise is what its outputs carry, so lookups
whose results are summed with large weights need a quieter (dearer) bootstrap than those
read as they are; splitting them lets the others keep cheap keys. Whether a split pays
is the optimizer's to say (:func:`compiler.circuit.choose_parameters` keeps the cheaper).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..crypto.partitioned import NoiseConstraint, PartitionedRequirements
from ..ir.graph import Graph
from ..ir.ops import OpKind
from .fhe_plan import FHEPlan


@dataclass(frozen=True)
class KeyPartitioning:
    """Lookup → partition and block → partition maps, and each partition's precision."""

    precisions: tuple[int, ...]
    partition_of_lookup: dict[int, int]   # lookup node id -> partition
    key_of_block: dict[int, int]          # FHE-plan block (partition_of value) -> partition

    @property
    def partition_count(self) -> int:
        return len(self.precisions)

    def key_of(self, plan: FHEPlan, node_id: int) -> int:
        """The partition whose big key holds the ciphertext of ``node_id``."""
        return self.key_of_block[plan.partition_of[node_id]]

    def source_of(self, plan: FHEPlan, lookup_id: int) -> int:
        """The partition whose big key holds what the lookup reads."""
        return self.key_of(plan, plan.lookups[lookup_id].read_id)


def output_norm_buckets(plan: FHEPlan, outputs: Iterable[int] = ()) -> dict[int, int]:
    """Lookup id → ⌈log2(‖w‖₂ · 2^(p_out − p_in))⌉ of what reads its output's block
    (Concrete's ``maximal_partitionning`` buckets; a lookup nothing reads gets 0)."""
    read_norm2: dict[int, float] = {}
    reads = [(lookup.read_id, sum(plan.read_norm2(lookup))) for lookup in plan.lookups.values()]
    reads += [(o, plan.fresh_norm2[o] + plan.pbs_norm2[o]) for o in outputs
              if o in plan.partition_of]
    for read, norm2 in reads:
        block = plan.partition_of[read]
        read_norm2[block] = max(read_norm2.get(block, 0.0), norm2)
    buckets = {}
    for lookup in plan.lookups.values():
        norm2 = read_norm2.get(plan.partition_of[lookup.node_id], 0.0)
        if norm2 <= 0.0:
            buckets[lookup.node_id] = 0
            continue
        delta = plan.precision(lookup.node_id) - lookup.effective_precision
        buckets[lookup.node_id] = math.ceil(0.5 * math.log2(norm2) + delta - 1e-9)
    return buckets


def partition_lookups(plan: FHEPlan, multi: bool = True, by_norm: bool = False,
                      outputs: Iterable[int] = ()) -> KeyPartitioning:
    """Partitions by lookup precision (``multi``), also by output norm bucket (``by_norm``;
    ``outputs``: the circuit's outputs, which read values too), or one partition."""
    blocks = set(plan.partition_of.values())
    lookups = plan.lookups.values()
    buckets = output_norm_buckets(plan, outputs) if by_norm else {}

    def key(lookup) -> tuple[int, int]:
        return (lookup.effective_precision, buckets.get(lookup.node_id, 0))

    if not multi or len({key(lookup) for lookup in lookups}) <= 1:
        precision = max((lookup.effective_precision for lookup in lookups), default=1)
        return KeyPartitioning((precision,), {lookup.node_id: 0 for lookup in lookups},
                               {block: 0 for block in blocks})
    group = {k: k for k in {key(lookup) for lookup in lookups}}

    def find(p: int) -> int:
        while group[p] != p:
            group[p] = group[group[p]]
            p = group[p]
        return p

    writers: dict[int, set[int]] = {}
    for lookup in lookups:
        writers.setdefault(plan.partition_of[lookup.node_id], set()).add(key(lookup))
    for precisions in writers.values():
        first, *rest = sorted(precisions)
        for p in rest:
            group[find(p)] = find(first)
    # narrowest first, then the lower norm bucket; a merged group is named by its widest
    roots = sorted({find(k) for k in group}, key=lambda r: max(
        k for k in group if find(k) == r))
    index_of_root = {root: i for i, root in enumerate(roots)}
    precisions = tuple(max(k for k in group if find(k) == root)[0] for root in roots)
    partition_of_lookup = {lookup.node_id: index_of_root[find(key(lookup))]
                           for lookup in lookups}
    readers: dict[int, Counter] = {}
    for lookup in lookups:
        readers.setdefault(plan.partition_of[lookup.read_id], Counter())[
            partition_of_lookup[lookup.node_id]] += lookup.element_count
    widest = len(precisions) - 1
    key_of_block = {}
    for block in blocks:
        if block in writers:
            key_of_block[block] = index_of_root[find(next(iter(writers[block])))]
        elif block in readers:
            # most lookup elements, then the widest partition
            key_of_block[block] = max(readers[block].items(), key=lambda kv: (kv[1], kv[0]))[0]
        else:
            key_of_block[block] = widest
    return KeyPartitioning(precisions, partition_of_lookup, key_of_block)


def partitioned_requirements(graph: Graph, plan: FHEPlan, partitioning: KeyPartitioning
                             ) -> PartitionedRequirements:
    """The optimizer's input: one constraint per kind of lookup input and of output."""
    counts: Counter = Counter()
    for lookup in plan.lookups.values():
        counts[(partitioning.source_of(plan, lookup.node_id),
                partitioning.partition_of_lookup[lookup.node_id], lookup.noise_precision,
                *plan.read_norm2(lookup))] += lookup.element_count
    for output in graph.outputs:
        if graph[output].is_encrypted:
            counts[(partitioning.key_of(plan, output), None, plan.precision(output),
                    plan.fresh_norm2[output], plan.pbs_norm2[output])] += graph[output].spec.size
    leveled = [0] * partitioning.partition_count
    for node_id in plan.partition_of:
        node = graph[node_id]
        if node_id not in plan.lookups and node.op is not OpKind.INPUT:
            leveled[partitioning.key_of(plan, node_id)] += node.spec.size
    constraints = tuple(
        NoiseConstraint(source=s, target=t, precision=p, fresh_norm2=f, pbs_norm2=b, count=c)
        for (s, t, p, f, b), c in sorted(counts.items(), key=lambda kv: (
            kv[0][0], -1 if kv[0][1] is None else kv[0][1], kv[0][2:])))
    return PartitionedRequirements(partitioning.precisions, constraints, tuple(leveled))
