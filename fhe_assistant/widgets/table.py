"""The node table: one row per node, widest encrypted nodes first by default."""
from __future__ import annotations

import math

from .locations import shown_location

#: Columns shown by default, in order.
COLUMNS = ("id", "op", "bit_width", "dtype", "shape", "min", "max", "is_tlu", "breaks",
           "tag", "location", "code")


def node_rows(program, sort_by: str = "bit_width", ascending: bool = False) -> list[dict]:
    """Rows of ``program.graph.to_dataframe()`` plus ``breaks`` (named by the report).

    Sorting puts missing values last and breaks ties by node id, so the default
    (``bit_width`` descending) lists the widest nodes first.
    """
    frame = program.graph.to_dataframe().reset_index()
    broken = {issue.node_id for issue in program.compatibility.issues}
    rows = frame.to_dict("records")
    graph = program.graph.graph
    for row in rows:
        row["id"] = int(row["id"])
        row["location"], row["code"] = shown_location(graph[row["id"]])
        row["breaks"] = row["id"] in broken
        for key in ("bit_width", "min", "max"):
            value = row.get(key)
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
            elif isinstance(value, float) and value.is_integer() and key == "bit_width":
                row[key] = int(value)
    return sort_rows(rows, sort_by, ascending)


def _key(value):
    if isinstance(value, (tuple, list)):
        return (1, len(value), tuple(value) if all(isinstance(v, int) for v in value) else 0)
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (2, 0, str(value))


def sort_rows(rows: list[dict], sort_by: str, ascending: bool) -> list[dict]:
    present = [r for r in rows if r.get(sort_by) is not None]
    missing = [r for r in rows if r.get(sort_by) is None]
    present.sort(key=lambda r: r["id"])
    present.sort(key=lambda r: _key(r[sort_by]), reverse=not ascending)
    return present + sorted(missing, key=lambda r: r["id"])
