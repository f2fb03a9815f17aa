"""One parameter set and one key set for all the functions of a module.

Functions of a module share their keys, so one TFHE parameter set must satisfy every one of
them (the noise constraints of all their lookups and outputs, expressed at the widest
precision, as ``requirements.circuit_requirements`` does for one circuit).

Composition adds two things (Concrete's rules, see :mod:`.composition`):

* encoding: a linked output and input must be encoded alike, so each group of linked ports
  gets one precision and signedness — their nodes in the lowered graphs are widened to it
  and the plans rebuilt (:func:`unify_ports`);
* noise: a value may come back as an input any number of times, so an output's noise must
  not grow with its input's: an output reached by input noise with a 2-norm above 1, or by
  input noise *and* lookup noise, cannot be composed (:func:`check_composable`). An output
  that is a lookup result (weight ``w``) comes back with lookup noise: every input then
  counts as a lookup output of 2-norm ``max(1, w)`` (``chained`` in the optimizer).
"""
from __future__ import annotations

import math
import os
from dataclasses import replace

from ..core.dtypes import Integer
from ..core.errors import CompilationError
from ..crypto.optimizer import optimize
from ..crypto.requirements import CircuitRequirements
from ..ir.ops import OpKind
from ..ir.printer import node_reference
from ..ir.rewrite import retyped
from ..lowered.fhe_plan import build_plan
from .pipeline import ProgramAnalysis

#: Rounding slack when comparing noise weights with 1.
_TOLERANCE = 1e-9
_MIN_NORM2 = 1e-12


class CompositionError(CompilationError, RuntimeError):
    """The module's functions cannot be composed as its policy says (Concrete raises
    ``RuntimeError`` here)."""


def _groups(links) -> list[set]:
    """Connected groups of ports (``("in"|"out", function, index)``) through ``links``."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for output, input_ in links:
        parent[find(("out",) + output)] = find(("in",) + input_)
    groups: dict = {}
    for port in list(parent):
        groups.setdefault(find(port), set()).add(port)
    return list(groups.values())


def _node_of(analysis: ProgramAnalysis, port) -> int:
    kind, _, index = port
    graph = analysis.lowered
    return graph.inputs[index] if kind == "in" else graph.outputs[index]


def _widen(analysis: ProgramAnalysis, targets: dict[int, Integer]) -> ProgramAnalysis:
    lowered = retyped(analysis.lowered, targets)
    return replace(analysis, lowered=lowered, plan=build_plan(lowered, analysis.lowered_bounds))


def unify_ports(analyses: dict, links, maximum_tlu_bit_width: int) -> dict:
    """Widen the nodes of each group of linked ports to one precision and signedness."""
    groups = _groups(links)
    for _ in range(8):  # widening a node can widen its partition: repeat until stable
        targets: dict[str, dict[int, Integer]] = {name: {} for name in analyses}
        changed = False
        for group in groups:
            nodes = [(port[1], _node_of(analyses[port[1]], port)) for port in group]
            dtypes = [analyses[f].lowered[n].spec.dtype for f, n in nodes]
            signed = any(d.is_signed for d in dtypes)
            width = max(max(analyses[f].plan.precision(n) for f, n in nodes),
                        max(d.bit_width + (signed and not d.is_signed) for d in dtypes))
            for f, n in nodes:
                target = Integer(width, signed)
                targets[f][n] = target
                plan = analyses[f].plan
                changed |= analyses[f].lowered[n].spec.dtype != target or \
                    plan.precision(n) != width
        if not changed:
            break
        analyses = {name: _widen(a, targets[name]) for name, a in analyses.items()}
    for name, analysis in analyses.items():
        widest = analysis.plan.max_lookup_precision
        if widest > maximum_tlu_bit_width:
            raise CompositionError(f"function {name!r}: composing it widens a table lookup to "
                                   f"{widest} bits, more than the {maximum_tlu_bit_width}-bit "
                                   f"limit")
    return analyses


def check_composable(analyses: dict, links) -> float:
    """Refuse outputs whose noise grows when composed; return the 2-norm with which lookup
    noise comes back through inputs (0 when no linked output is a lookup result)."""
    returned = 0.0
    for output, _ in links:
        name, index = output
        analysis = analyses[name]
        node_id = analysis.lowered.outputs[index]
        fresh, pbs = analysis.plan.fresh_norm2[node_id], analysis.plan.pbs_norm2[node_id]
        node = analysis.lowered[node_id]
        if fresh > 1 + _TOLERANCE or (fresh > _TOLERANCE and pbs > _TOLERANCE):
            raise CompositionError(_not_composable(analysis, node, fresh))
        returned = max(returned, pbs)
    return returned


def _not_composable(analysis: ProgramAnalysis, node, fresh_norm2: float) -> str:
    """Concrete's message: the output's source location and the weight of input noise in it
    (the node counted among the operations, inputs and constants excluded, as Concrete's
    optimizer does)."""
    graph = analysis.lowered
    position = sum(1 for n in graph.nodes[:node.id]
                   if n.op not in (OpKind.INPUT, OpKind.CONSTANT))
    location = node.location
    where = f"{os.path.basename(location.filename)}:{location.lineno}:0" if location and \
        location.filename else node_reference(node)
    return (f"Program can not be composed (see https://docs.zama.ai/concrete/compilation/"
            f"common_errors#id-9.-non-composable-circuit): At location {where}:\nThe noise of "
            f"the node {position} is contaminated by noise coming straight from the input "
            f"(partition: 0, coeff: {fresh_norm2:.2f}).")


def joint_parameters(analyses: dict, links, configuration) -> tuple[dict, object]:
    """Unified analyses and one optimization result for them all (see the module doc)."""
    analyses = unify_ports(analyses, links, configuration.maximum_tlu_bit_width)
    returned = check_composable(analyses, links)
    result = optimize(module_requirements(analyses, returned), p_error=configuration.p_error,
                      global_p_error=configuration.global_p_error)
    return analyses, result


def self_links(analysis: ProgramAnalysis) -> list:
    """``composable=True`` on one circuit: every encrypted output may come back as every
    encrypted input."""
    graph = analysis.lowered
    outputs = [k for k, o in enumerate(graph.outputs) if graph[o].is_encrypted]
    inputs = [k for k, i in enumerate(graph.inputs) if graph[i].is_encrypted]
    return [((graph.name, o), (graph.name, i)) for o in outputs for i in inputs]


def module_requirements(analyses: dict, returned_norm2: float) -> CircuitRequirements:
    """The requirements of all the functions, for one parameter set."""
    composed = returned_norm2 > 0
    scale_inputs = max(1.0, returned_norm2) if composed else 1.0
    precision = 1
    for analysis in analyses.values():
        plan, graph = analysis.plan, analysis.lowered
        precision = max([precision, plan.max_noise_precision] +
                        [plan.precision(o) for o in graph.outputs if graph[o].is_encrypted])
    into_pbs, into_output = [], []
    pbs_count = output_count = leveled = 0
    chained = outputs_from_pbs = composed
    for analysis in analyses.values():
        plan, graph = analysis.plan, analysis.lowered
        pbs_count += plan.pbs_count
        for lookup in plan.lookups.values():
            fresh, pbs = plan.read_norm2(lookup)
            chained |= pbs > 0
            into_pbs.append((fresh * scale_inputs + pbs)
                            * 4.0 ** (lookup.noise_precision - precision))
        for o in graph.outputs:
            if not graph[o].is_encrypted:
                continue
            output_count += graph[o].spec.size
            outputs_from_pbs |= plan.pbs_norm2[o] > 0
            into_output.append((plan.fresh_norm2[o] * scale_inputs + plan.pbs_norm2[o])
                               * 4.0 ** (plan.precision(o) - precision))
        leveled += sum(graph[n].spec.size for n in plan.partition_of
                       if n not in plan.lookups and graph[n].op is not OpKind.INPUT)
    norm_out = math.sqrt(max(max(into_output, default=1.0), _MIN_NORM2))
    if not pbs_count:
        return CircuitRequirements(message_bit_width=precision, pbs_count=0,
                                   max_norm2_into_output=norm_out, outputs_from_pbs=False,
                                   output_count=max(output_count, 1), leveled_op_count=leveled)
    return CircuitRequirements(
        message_bit_width=precision, pbs_count=pbs_count,
        max_norm2_into_pbs=math.sqrt(max(max(into_pbs), _MIN_NORM2)), pbs_input_from_pbs=chained,
        max_norm2_into_output=norm_out, outputs_from_pbs=outputs_from_pbs,
        output_count=max(output_count, 1), leveled_op_count=leveled)
