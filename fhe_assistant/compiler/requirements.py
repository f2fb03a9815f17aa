"""Summarizing a lowered program into what the parameter optimizer needs.

One parameter set serves the circuit, sized at ``p_pbs``, the widest lookup precision.
A lookup or output at another precision ``p`` tolerates noise 2**(p_pbs − p) times smaller
or larger than at ``p_pbs``; scaling its 2-norm by 2**(p − p_pbs) expresses every
constraint at the single precision the optimizer works with.
"""
from __future__ import annotations

import math

#: A 2-norm of 0 (an output multiplied by 0) carries no noise; a tiny floor keeps the
#: optimizer's arithmetic free of 0·inf on insecure (infinite-noise) candidates.
_MIN_NORM2 = 1e-12

from ..crypto.requirements import CircuitRequirements
from ..ir.graph import Graph
from ..ir.ops import OpKind
from ..lowered.fhe_plan import FHEPlan


def circuit_requirements(graph: Graph, plan: FHEPlan) -> CircuitRequirements:
    outputs = [o for o in graph.outputs if graph[o].is_encrypted]
    output_precisions = [plan.precision(o) for o in outputs]
    leveled = sum(graph[n].spec.size for n in plan.partition_of
                  if n not in plan.lookups and graph[n].op not in (OpKind.INPUT,))
    output_count = sum(graph[o].spec.size for o in outputs)
    if not plan.lookups:
        precision = max(output_precisions)
        norm2 = max(plan.fresh_norm2[o] * 4.0 ** (plan.precision(o) - precision)
                    for o in outputs)
        return CircuitRequirements(message_bit_width=precision, pbs_count=0,
                                   max_norm2_into_output=math.sqrt(max(norm2, _MIN_NORM2)),
                                   outputs_from_pbs=False, output_count=output_count,
                                   leveled_op_count=leveled)
    precision = plan.max_noise_precision  # approximate rounded reads: one bit less
    into_pbs = max(sum(plan.read_norm2(lookup)) * 4.0 ** (lookup.noise_precision - precision)
                   for lookup in plan.lookups.values())
    chained = any(plan.read_norm2(lookup)[1] > 0 for lookup in plan.lookups.values())
    into_output = max((plan.fresh_norm2[o] + plan.pbs_norm2[o]) * 4.0 ** (plan.precision(o) - precision)
                      for o in outputs)
    from_pbs = any(plan.pbs_norm2[o] > 0 for o in outputs)
    return CircuitRequirements(
        message_bit_width=precision, pbs_count=plan.pbs_count,
        max_norm2_into_pbs=math.sqrt(max(into_pbs, _MIN_NORM2)), pbs_input_from_pbs=chained,
        max_norm2_into_output=math.sqrt(max(into_output, _MIN_NORM2)), outputs_from_pbs=from_pbs,
        output_count=output_count, leveled_op_count=leveled)
