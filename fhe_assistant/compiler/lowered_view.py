"""``circuit.lowered``: the program after lowering, as a user reads Concrete's MLIR.

Every node shows what it becomes on ciphertexts: a leveled op, a keyswitch plus a
programmable bootstrap with its precisions and count, or a WoP-PBS (bit extraction, circuit
bootstrapping, vertical packing) for wide lookups, and the predicted share of run time.
"""
from __future__ import annotations

from ..crypto.parameters import TFHEParameters
from ..ir.graph import Graph
from ..ir.ops import OpKind
from ..ir.printer import node_expression
from ..lowered.fhe_plan import FHEPlan
from ..lowered.parameter_assignment import ParameterAssignment
from ..lowered.wop_lookups import WOP, method_of, wop_input_bit_width


def _set_text(parameters: TFHEParameters) -> str:
    return (f"n={parameters.lwe_dimension} k={parameters.glwe_dimension} "
            f"N={parameters.polynomial_size} pbs(base_log={parameters.decomposition_base_log}, "
            f"level={parameters.decomposition_level_count})")


def node_costs(graph: Graph, plan: FHEPlan, assignment: ParameterAssignment) -> list[dict]:
    """One row per encrypted node: kind, KS/PBS counts, the parameter set a lookup bootstraps
    with and the key it reads, predicted seconds, share of total."""
    rows = []
    for node in graph.nodes:
        if not node.is_encrypted or node.op in (OpKind.INPUT,):
            continue
        lookup = plan.lookups.get(node.id)
        count = lookup.element_count if lookup else 0
        wop = lookup is not None and method_of(assignment.wop, node.id) == WOP
        rows.append({
            "node": f"%{node.id}", "op": node.label,
            "kind": "WoP-PBS" if wop else "KS+PBS" if lookup else "leveled",
            "method": method_of(assignment.wop, node.id).value if lookup else "",
            "pbs": count, "ks": count, "packing_ks": count if wop else 0,
            "input_precision": lookup.effective_precision if lookup else None,
            "output_precision": plan.precision(node.id),
            "parameter_set": assignment.lookups[node.id].target if lookup else
            assignment.key_of(plan, node.id),
            "keyswitch": (f"{assignment.lookups[node.id].source}->"
                          f"{assignment.lookups[node.id].target}") if lookup else "",
            "predicted_seconds": count * assignment.lookups[node.id].seconds if lookup else 0.0,
            "location": str(node.location) if node.location else "",
        })
    total = sum(r["predicted_seconds"] for r in rows) or 1.0
    for row in rows:
        row["share"] = row["predicted_seconds"] / total
    return rows


def format_lowered(graph: Graph, plan: FHEPlan, assignment: ParameterAssignment) -> str:
    sets = assignment.key_set.partitions
    if len(sets) == 1:
        p = sets[0]
        lines = [(f"// parameters: {_set_text(p)} ks(base_log={p.ks_decomposition_base_log}, "
                  f"level={p.ks_decomposition_level_count}) p_error={assignment.p_error:.3g}")]
        if assignment.wop is not None:
            w = assignment.wop.parameters
            lines.append(f"// WoP-PBS: packing keyswitch (base_log={w.pfpks_base_log}, "
                         f"level={w.pfpks_level}), circuit bootstrap (base_log="
                         f"{w.cb_base_log}, level={w.cb_level})")
    else:
        lines = [f"// parameter set {i} ({p.message_bit_width}-bit lookups): {_set_text(p)}"
                 for i, p in enumerate(sets)]
        lines += [f"// keyswitch {k.source}->{k.target}: LWE[{sets[k.source].big_lwe_dimension}]"
                  f"→LWE[{sets[k.target].lwe_dimension}] (base_log={k.base_log}, level={k.level})"
                  for k in assignment.key_set.keyswitches]
        lines.append(f"// p_error={assignment.p_error:.3g} "
                     f"global_p_error={assignment.global_p_error:.3g}")

    def key(node_id: int) -> str:
        big = assignment.parameters_of(plan, node_id).big_lwe_dimension
        if len(sets) == 1:
            return f"LWE[{big}]"
        return f"LWE[{big}] (set {assignment.key_of(plan, node_id)})"

    for node in graph.nodes:
        text = f"%{node.id} = {node_expression(node)}"
        if not node.is_encrypted:
            lines.append(f"{text:<48} // clear")
            continue
        lookup = plan.lookups.get(node.id)
        if node.op is OpKind.INPUT:
            detail = (f"input: {key(node.id)} x {node.spec.size}, "
                      f"{plan.precision(node.id)}-bit encoding")
        elif lookup is not None and method_of(assignment.wop, node.id) == WOP:
            rounding = (f", rounding {lookup.lsbs_removed} lsbs of %{lookup.read_id} in the "
                        f"table" if lookup.lsbs_removed else "")
            detail = (f"{lookup.element_count} x WoP-PBS {wop_input_bit_width(lookup)}→"
                      f"{lookup.output_precision} bits on {key(lookup.read_id)} (bit "
                      f"extraction, circuit bootstrap, vertical packing{rounding})")
        elif lookup is not None:
            rounding = (f", rounding {lookup.lsbs_removed} lsbs of %{lookup.read_id}"
                        if lookup.lsbs_removed else "")
            target = sets[assignment.lookups[node.id].target]
            detail = (f"{lookup.element_count} x (keyswitch {key(lookup.read_id)}→"
                      f"LWE[{target.lwe_dimension}] + PBS {lookup.effective_precision}→"
                      f"{lookup.output_precision} bits{rounding})")
        elif node.id in plan.folded_roundings:
            detail = "folded into the following lookups (approximate rounding)"
        else:
            detail = f"leveled on {key(node.id)}, {plan.precision(node.id)}-bit encoding"
        lines.append(f"{text:<48} // {detail}")
    lines.append("return " + ", ".join(f"%{o}" for o in graph.outputs))
    wop_count = sum(lk.element_count for i, lk in plan.lookups.items()
                    if method_of(assignment.wop, i) == WOP)
    if wop_count:
        lines.append(f"// of which {wop_count} WoP-PBS ({wop_count} packing keyswitches)")
    lines.append(f"// total: {plan.pbs_count} PBS, {plan.pbs_count} KS; predicted "
                 f"{assignment.predicted_seconds(plan) * 1e3:.1f} ms single-thread")
    return "\n".join(lines)
