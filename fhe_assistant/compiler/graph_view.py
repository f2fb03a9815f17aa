"""``circuit.graph``: a graph seen together with its measured bounds (Concrete's API)."""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.bit_widths import maximum_integer_bit_width
from ..core.bounds import Bounds
from ..core.dtypes import Integer
from ..ir.graph import Graph
from ..ir.ops import OpKind


@dataclass(eq=False)
class GraphView:
    """The user-facing graph: nodes with bit widths, plus a bounds side table."""

    graph: Graph
    bounds: dict[int, Bounds]
    lookup_nodes: frozenset[int] = frozenset()

    @property
    def nodes(self):
        return self.graph.nodes

    @property
    def inputs(self):
        return self.graph.inputs

    @property
    def outputs(self):
        return self.graph.outputs

    def maximum_integer_bit_width(self) -> int:
        return maximum_integer_bit_width(self.graph)

    def integer_range(self, node_id: int) -> tuple[int, int]:
        bounds = self.bounds[node_id]
        return int(bounds.min), int(bounds.max)

    def format(self, show_locations: bool = False) -> str:
        return self.graph.format(self.bounds, show_locations=show_locations)

    def __str__(self) -> str:
        return self.format()

    def save(self, path, *, horizontal: bool = False):
        """Write the graph as a picture: ``.svg``, ``.png``, ``.pdf`` (Graphviz) or ``.dot``
        (its source), by the suffix of ``path``. Returns the path."""
        from .drawing import save_picture

        return save_picture(self, path, horizontal=horizontal)

    def __repr__(self) -> str:
        return (f"<GraphView {self.graph.name}: {len(self.graph)} nodes, "
                f"maximum integer bit width {self.maximum_integer_bit_width()}>")

    def to_dataframe(self):
        """One row per node: op, operands, shape, type, bit width, bounds, TLU, source line."""
        import pandas as pd

        rows = []
        for node in self.graph.nodes:
            dtype = node.spec.dtype
            bounds = self.bounds.get(node.id)
            rows.append({
                "id": node.id,
                "op": node.label,
                "kind": node.op.value,
                "operands": [f"%{o}" for o in node.operands],
                "shape": node.spec.shape,
                "encrypted": node.is_encrypted,
                "dtype": str(dtype),
                "bit_width": dtype.bit_width if isinstance(dtype, Integer) else None,
                "signed": dtype.is_signed if isinstance(dtype, Integer) else None,
                "min": None if bounds is None else bounds.min,
                "max": None if bounds is None else bounds.max,
                "is_tlu": node.id in self.lookup_nodes,
                "fused_ops": ", ".join(node.attrs.get("source_ops", [])) if node.op is OpKind.TLU
                else "",
                "location": str(node.location) if node.location else "",
                "code": node.location.code if node.location else "",
            })
        return pd.DataFrame(rows).set_index("id")
