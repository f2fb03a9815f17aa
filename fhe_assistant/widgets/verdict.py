"""The compatibility verdict as data: a summary and one item per offending node."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..analysis.compatibility import CompatibilityIssue
from .locations import shown_location

#: A verdict item is the library's issue, with the location as the views show it.
VerdictItem = CompatibilityIssue


@dataclass(frozen=True, slots=True)
class Verdict:
    compatible: bool
    items: tuple[VerdictItem, ...]
    node_count: int
    max_bit_width: int
    lookup_count: int
    pbs_count: int
    limit: int
    warnings: tuple[str, ...] = ()     # compiles, but the results may not be worth it

    @property
    def headline(self) -> str:
        if self.compatible:
            return "FHE-compatible"
        count = len({item.node_id for item in self.items})
        return f"not FHE-compatible: {count} node{'s' if count != 1 else ''} to fix"

    @property
    def summary(self) -> str:
        """One line: nodes, widest integer, lookups and bootstraps."""
        return (f"{self.node_count} nodes · max {self.max_bit_width}-bit integer · "
                f"{self.lookup_count} table lookup{'s' if self.lookup_count != 1 else ''} "
                f"({self.pbs_count} PBS) · lookup limit {self.limit} bits")

    def broken_nodes(self) -> dict[int, list[str]]:
        """Node id → its issue messages (what the graph colours red)."""
        table: dict[int, list[str]] = {}
        for item in self.items:
            table.setdefault(item.node_id, []).append(item.message)
        return table


def verdict_of(program, warnings: tuple[str, ...] = ()) -> Verdict:
    """The verdict of an ``FHEProgram`` or ``Circuit`` (``warnings``: about its values,
    e.g. :func:`model_warnings.model_warnings`; constant outputs are always checked)."""
    from .model_warnings import constant_output_warnings

    warnings = tuple(warnings) or constant_output_warnings(program)
    report = program.compatibility
    view = program.graph
    items = []
    for issue in report.issues:
        location, code = issue.location, issue.code
        if 0 <= issue.node_id < len(view.graph):
            location, code = shown_location(view.graph[issue.node_id])
        items.append(replace(issue, location=location, code=code))
    items = tuple(items)
    return Verdict(report.is_compatible, items, len(view.graph), view.maximum_integer_bit_width(is_encrypted_filter=True),
                   len(view.lookup_nodes), program.analysis.plan.pbs_count,
                   report.maximum_tlu_bit_width, warnings)
