"""``circuit.lowered``: the program after lowering, as a user reads Concrete's MLIR.

Every node shows what it becomes on ciphertexts: a leveled op, or a keyswitch plus a
programmable bootstrap with its precisions and count, and the predicted share of run time.
"""
from __future__ import annotations

from ..crypto.result import OptimizationResult
from ..ir.graph import Graph
from ..ir.ops import OpKind
from ..ir.printer import node_expression
from ..lowered.fhe_plan import FHEPlan


def node_costs(graph: Graph, plan: FHEPlan, optimization: OptimizationResult) -> list[dict]:
    """One row per encrypted node: kind, KS/PBS counts, predicted seconds, share of total."""
    rows = []
    seconds_per_pbs = optimization.seconds_per_pbs
    for node in graph.nodes:
        if not node.is_encrypted or node.op in (OpKind.INPUT,):
            continue
        lookup = plan.lookups.get(node.id)
        count = lookup.element_count if lookup else 0
        rows.append({
            "node": f"%{node.id}", "op": node.label,
            "kind": "KS+PBS" if lookup else "leveled",
            "pbs": count, "ks": count,
            "input_precision": lookup.effective_precision if lookup else None,
            "output_precision": plan.precision(node.id),
            "predicted_seconds": count * seconds_per_pbs,
            "location": str(node.location) if node.location else "",
        })
    total = sum(r["predicted_seconds"] for r in rows) or 1.0
    for row in rows:
        row["share"] = row["predicted_seconds"] / total
    return rows


def format_lowered(graph: Graph, plan: FHEPlan, optimization: OptimizationResult) -> str:
    parameters = optimization.parameters
    lines = [f"// parameters: n={parameters.lwe_dimension} k={parameters.glwe_dimension} "
             f"N={parameters.polynomial_size} "
             f"pbs(base_log={parameters.decomposition_base_log}, "
             f"level={parameters.decomposition_level_count}) "
             f"ks(base_log={parameters.ks_decomposition_base_log}, "
             f"level={parameters.ks_decomposition_level_count}) p_error={optimization.p_error:.3g}"]
    big = parameters.big_lwe_dimension
    for node in graph.nodes:
        text = f"%{node.id} = {node_expression(node)}"
        if not node.is_encrypted:
            lines.append(f"{text:<48} // clear")
            continue
        lookup = plan.lookups.get(node.id)
        if node.op is OpKind.INPUT:
            detail = f"input: LWE[{big}] x {node.spec.size}, {plan.precision(node.id)}-bit encoding"
        elif lookup is not None:
            rounding = (f", rounding {lookup.lsbs_removed} lsbs of %{lookup.read_id}"
                        if lookup.lsbs_removed else "")
            detail = (f"{lookup.element_count} x (keyswitch LWE[{big}]→LWE[{parameters.lwe_dimension}]"
                      f" + PBS {lookup.effective_precision}→{lookup.output_precision} bits"
                      f"{rounding})")
        elif node.id in plan.folded_roundings:
            detail = "folded into the following lookups (approximate rounding)"
        else:
            detail = f"leveled on LWE[{big}], {plan.precision(node.id)}-bit encoding"
        lines.append(f"{text:<48} // {detail}")
    lines.append("return " + ", ".join(f"%{o}" for o in graph.outputs))
    lines.append(f"// total: {plan.pbs_count} PBS, {plan.pbs_count} KS; predicted "
                 f"{plan.pbs_count * optimization.seconds_per_pbs * 1e3:.1f} ms single-thread")
    return "\n".join(lines)
