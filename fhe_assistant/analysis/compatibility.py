"""The FHE compatibility check: every node that prevents compilation, why, and what to do."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.dtypes import Integer
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..lowered.fhe_plan import FHEPlan


@dataclass(frozen=True, slots=True)
class CompatibilityIssue:
    node_id: int
    kind: str            # "tlu-too-wide" | "unsupported-op" | "encrypted-float" | "non-integer"
    message: str
    suggestion: str
    location: str = ""
    code: str = ""
    bit_width: int | None = None
    limit: int | None = None

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        code = f"\n      {self.code}" if self.code else ""
        return f"%{self.node_id}{where}: {self.message}{code}\n      fix: {self.suggestion}"


@dataclass(frozen=True, slots=True)
class CompatibilityReport:
    issues: tuple[CompatibilityIssue, ...]
    maximum_tlu_bit_width: int

    @property
    def is_compatible(self) -> bool:
        return not self.issues

    def __str__(self) -> str:
        if self.is_compatible:
            return "FHE-compatible"
        return "not FHE-compatible:\n  - " + "\n  - ".join(str(i) for i in self.issues)

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame([{"node": f"%{i.node_id}", "kind": i.kind, "message": i.message,
                              "suggestion": i.suggestion, "location": i.location,
                              "bit_width": i.bit_width, "limit": i.limit} for i in self.issues])


def _where(node: Node) -> tuple[str, str]:
    if node.location is None:
        return "", ""
    return str(node.location), node.location.code


def _issue(node: Node, kind: str, message: str, suggestion: str, **extra) -> CompatibilityIssue:
    location, code = _where(node)
    return CompatibilityIssue(node.id, kind, message, suggestion, location, code, **extra)


def _source_node(original: Graph | None, lowered_to_original: dict[int, int], node: Node) -> Node:
    """Issues name the user's node (before lowering) when there is one."""
    if original is not None and node.id in lowered_to_original:
        return original[lowered_to_original[node.id]]
    return node


def check_compatibility(graph: Graph, plan: FHEPlan, maximum_tlu_bit_width: int,
                        original: Graph | None = None,
                        lowered_to_original: dict[int, int] | None = None,
                        unfusable: list[tuple[Node, str]] = (),
                        unsupported: list[tuple[Node, str]] = ()) -> CompatibilityReport:
    """Check a lowered graph (bit widths assigned) against what the backend can run.

    The passes report what they could not do, and this check turns it into advice:
    ``unfusable`` lists float regions fusion had to leave alone (their last node, why),
    ``unsupported`` the encrypted nodes no lowering can run (the node, why).
    """
    lowered_to_original = lowered_to_original or {}
    issues: list[CompatibilityIssue] = [
        _issue(node, "unfusable-float", message,
               "compute each float part from a single encrypted value and cast it to int "
               "(each then becomes one table lookup), or quantize the function")
        for node, message in unfusable]
    for node, why in unsupported:
        issues.append(_issue(_source_node(original, lowered_to_original, node), "unsupported-op",
                             why, "compute one side in the clear, or rewrite with supported ops "
                             "(a table lookup of one value, + - and multiplication)"))
    for output in graph.outputs:
        node = graph[output]
        if node.is_encrypted and node.spec.is_float:
            issues.append(_issue(_source_node(original, lowered_to_original, node),
                                 "encrypted-float",
                                 f"the result {node.label} is a float: FHE returns integers",
                                 "end the float computation with .astype(np.int64) (it then "
                                 "becomes one table lookup), or quantize the function"))
    for lookup in plan.lookups.values():
        node = graph[lookup.node_id]
        operand = graph[lookup.operand_id]
        if lookup.effective_precision <= maximum_tlu_bit_width or node.spec.is_float \
                or operand.spec.is_float:
            continue  # floats are reported above
        shown = _source_node(original, lowered_to_original, node)
        dtype = operand.spec.dtype
        width = lookup.effective_precision
        removable = width - maximum_tlu_bit_width
        operand_id = lowered_to_original.get(operand.id, operand.id)
        detail = (f" (its input %{operand_id} is {dtype}; values it is added to share that "
                  f"precision)" if isinstance(dtype, Integer) and dtype.bit_width != width else "")
        if node.op is OpKind.ROUND_BIT_PATTERN:
            suggestion = (f"this rounding also feeds linear ops, so it cannot be folded into the "
                          f"lookups after it and is a {width}-bit lookup itself: round right "
                          f"before each table lookup instead (fhe.univariate(f)"
                          f"(fhe.round_bit_pattern(x, lsbs_to_remove={removable}))) and use the "
                          f"unrounded value in the linear ops")
        else:
            suggestion = (f"lower n_bits or the inputset range, or round first: "
                          f"fhe.round_bit_pattern(x, lsbs_to_remove={removable}) before "
                          f"{shown.label}")
        issues.append(_issue(
            shown, "tlu-too-wide",
            f"table lookup {shown.label} reads a {width}-bit value, more than the "
            f"{maximum_tlu_bit_width}-bit limit{detail}", suggestion,
            bit_width=width, limit=maximum_tlu_bit_width))
    return CompatibilityReport(tuple(issues), maximum_tlu_bit_width)
