"""The parameter assignment of a program with several parameter sets, in a program file.

Metadata (format version 2)::

    "key_set":    {"partitions": [{parameters}, …], "keyswitches": [[source, target, b, l], …]}
    "assignment": {"precisions": [p, …],
                   "lookups": [[node id, partition, source, target, p_error, log2 σ, seconds]],
                   "blocks": [[block, partition]],
                   "p_error", "global_p_error", "complexity"}

Everything is checked against the plan on load: every lookup and every block of the plan
is assigned, partitions and keyswitches exist, and each lookup's source is the partition
holding the block it reads.
"""
from __future__ import annotations

import math

from ..lowered.fhe_plan import FHEPlan
from ..lowered.key_partitions import KeyPartitioning
from ..lowered.parameter_assignment import LookupAssignment, ParameterAssignment
from .errors import SerializationError
from .specs import key_set_from_json, key_set_to_json


def encode_assignment(assignment: ParameterAssignment) -> dict:
    partitioning = assignment.partitioning
    return {
        "key_set": key_set_to_json(assignment.key_set),
        "assignment": {
            "precisions": list(partitioning.precisions),
            "lookups": [[node_id, partitioning.partition_of_lookup[node_id], a.source, a.target,
                         a.p_error, a.pre_pbs_log2_std, a.seconds]
                        for node_id, a in assignment.lookups.items()],
            "blocks": [[block, key] for block, key in partitioning.key_of_block.items()],
            "p_error": assignment.p_error, "global_p_error": assignment.global_p_error,
            "complexity": assignment.complexity}}


def decode_assignment(metadata: dict, plan: FHEPlan, what: str) -> ParameterAssignment:
    key_set = key_set_from_json(metadata.get("key_set"), what)
    data = metadata.get("assignment")
    try:
        precisions = tuple(_int(p) for p in data["precisions"])
        blocks = {_int(b): _int(k) for b, k in data["blocks"]}
        lookups, partition_of_lookup = {}, {}
        for node_id, partition, source, target, p_error, log2_std, seconds in data["lookups"]:
            partition_of_lookup[_int(node_id)] = _int(partition)
            lookups[_int(node_id)] = LookupAssignment(_int(source), _int(target), _float(p_error),
                                                      _float(log2_std), _float(seconds))
        figures = [_float(data[name]) for name in ("p_error", "global_p_error", "complexity")]
    except (KeyError, TypeError, ValueError):
        raise SerializationError(f"corrupted {what}: malformed parameter assignment") from None
    count = len(key_set.partitions)
    used = {(k.source, k.target) for k in key_set.keyswitches}
    ok = (len(precisions) == count and set(blocks) == set(plan.partition_of.values())
          and set(lookups) == set(plan.lookups) and all(0 <= k < count for k in blocks.values())
          and all(1 <= p <= 16 for p in precisions))
    for node_id, lookup in lookups.items() if ok else ():
        read_block = plan.partition_of[plan.lookups[node_id].read_id]
        ok &= (lookup.target == partition_of_lookup[node_id]
               and lookup.source == blocks[read_block] and (lookup.source, lookup.target) in used)
    if not ok:
        raise SerializationError(f"corrupted {what}: the parameter assignment does not match "
                                 f"the plan")
    partitioning = KeyPartitioning(precisions, partition_of_lookup, blocks)
    return ParameterAssignment(key_set, partitioning, lookups, *figures)


def _int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValueError(value)
    return value


def _float(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(value)
    return float(value)
