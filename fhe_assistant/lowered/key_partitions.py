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
"""
from __future__ import annotations

from collections import Counter
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


def partition_lookups(plan: FHEPlan, multi: bool = True) -> KeyPartitioning:
    """Partitions by lookup precision (``multi``), or one partition for everything."""
    blocks = set(plan.partition_of.values())
    lookups = plan.lookups.values()
    if not multi or len({lookup.effective_precision for lookup in lookups}) <= 1:
        precision = max((lookup.effective_precision for lookup in lookups), default=1)
        return KeyPartitioning((precision,), {lookup.node_id: 0 for lookup in lookups},
                               {block: 0 for block in blocks})
    group = {p: p for p in {lookup.effective_precision for lookup in lookups}}

    def find(p: int) -> int:
        while group[p] != p:
            group[p] = group[group[p]]
            p = group[p]
        return p

    writers: dict[int, set[int]] = {}
    for lookup in lookups:
        writers.setdefault(plan.partition_of[lookup.node_id], set()).add(
            lookup.effective_precision)
    for precisions in writers.values():
        first, *rest = sorted(precisions)
        for p in rest:
            group[find(p)] = find(first)
    roots = sorted({find(p) for p in group}, key=lambda r: max(
        p for p in group if find(p) == r))
    index_of_root = {root: i for i, root in enumerate(roots)}
    precisions = tuple(max(p for p in group if find(p) == root) for root in roots)
    partition_of_lookup = {lookup.node_id: index_of_root[find(lookup.effective_precision)]
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
        read = lookup.read_id
        counts[(partitioning.source_of(plan, lookup.node_id),
                partitioning.partition_of_lookup[lookup.node_id], lookup.noise_precision,
                plan.fresh_norm2[read], plan.pbs_norm2[read])] += lookup.element_count
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
