"""``circuit.graph``: a graph seen together with its measured bounds (Concrete's API)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.bounds import Bounds
from ..core.dtypes import Integer
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.query import query_nodes


@dataclass(eq=False)
class GraphView:
    """The user-facing graph: nodes with bit widths, plus a bounds side table.

    ``assigned_bit_widths``: node id -> the precision its ciphertext is encoded at (the
    width of its partition, Concrete's *assigned* bit width), for encrypted nodes.
    """

    graph: Graph
    bounds: dict[int, Bounds]
    lookup_nodes: frozenset[int] = frozenset()
    assigned_bit_widths: dict[int, int] = field(default_factory=dict)
    #: a direct circuit (``fhe.circuit``): types are declared, bounds are not shown
    is_direct: bool = False

    @property
    def nodes(self):
        return self.graph.nodes

    @property
    def inputs(self):
        return self.graph.inputs

    @property
    def outputs(self):
        return self.graph.outputs

    @property
    def input_nodes(self) -> dict[int, Node]:
        """Argument index -> input node (Concrete's ``Graph.input_nodes``)."""
        return dict(enumerate(self.ordered_inputs()))

    @property
    def output_nodes(self) -> dict[int, Node]:
        return dict(enumerate(self.ordered_outputs()))

    @property
    def inputs_count(self) -> int:
        return len(self.graph.inputs)

    @property
    def outputs_count(self) -> int:
        return len(self.graph.outputs)

    def ordered_inputs(self) -> list[Node]:
        return [self.graph[i] for i in self.graph.inputs]

    def ordered_outputs(self) -> list[Node]:
        return [self.graph[i] for i in self.graph.outputs]

    def query_nodes(self, tag_filter=None, operation_filter=None,
                    is_encrypted_filter: bool | None = None,
                    custom_filter: Callable[[Node], bool] | None = None,
                    ordered: bool = False) -> list[Node]:
        """Nodes by tag, operation name (``input``, ``constant``, ``subgraph``, ``add`` …)
        and encryption status: each filter a string, a list of strings or a ``re.Pattern``."""
        return query_nodes(self.graph.nodes, tag_filter, operation_filter, is_encrypted_filter,
                           custom_filter)

    def _bit_width(self, node: Node, assigned: bool) -> int:
        if assigned and node.id in self.assigned_bit_widths:
            return self.assigned_bit_widths[node.id]
        return node.spec.dtype.bit_width

    def maximum_integer_bit_width(self, tag_filter=None, operation_filter=None,
                                  is_encrypted_filter: bool | None = None,
                                  custom_filter: Callable[[Node], bool] | None = None,
                                  assigned_bit_width: bool = False) -> int:
        """The widest integer among the filtered nodes (clear ones included, as in Concrete),
        -1 when none; ``assigned_bit_width``: the widths ciphertexts are encoded at."""
        nodes = self.query_nodes(tag_filter, operation_filter, is_encrypted_filter,
                                 custom_filter)
        return max((self._bit_width(node, assigned_bit_width) for node in nodes
                    if isinstance(node.spec.dtype, Integer)), default=-1)

    def integer_range(self, tag_filter=None, operation_filter=None,
                      is_encrypted_filter: bool | None = None,
                      custom_filter: Callable[[Node], bool] | None = None
                      ) -> tuple[int, int] | None:
        """(smallest, largest) value the filtered integer nodes took on the inputset, None
        when no integer node passes the filters."""
        if self.is_direct:
            return None
        nodes = self.query_nodes(tag_filter, operation_filter, is_encrypted_filter,
                                 custom_filter)
        bounds = [self.bounds[node.id] for node in nodes
                  if isinstance(node.spec.dtype, Integer) and node.id in self.bounds]
        if not bounds:
            return None
        return int(min(b.min for b in bounds)), int(max(b.max for b in bounds))

    def format(self, maximum_constant_length: int = 25, highlighted_nodes=None,
               highlighted_result=None, show_types: bool = True, show_bounds: bool = True,
               show_tags: bool = True, show_locations: bool = False,
               show_assigned_bit_widths: bool = False) -> str:
        """Concrete's text of the graph; each ``show_*`` switches one column.
        (``maximum_constant_length`` and the highlights are accepted for Concrete's
        signature; constants are shortened by the printer's own rule.)"""
        type_of = None
        show_bounds = show_bounds and not self.is_direct
        if show_assigned_bit_widths:
            def type_of(node):
                if node.id not in self.assigned_bit_widths:
                    return str(node.spec)
                dtype = node.spec.dtype
                return str(node.spec.with_dtype(Integer(self.assigned_bit_widths[node.id],
                                                        dtype.is_signed)))
        return self.graph.format(self.bounds, show_locations=show_locations,
                                 show_types=show_types, show_bounds=show_bounds,
                                 show_tags=show_tags, type_of=type_of)

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
                "tag": node.tag,
                "fused_ops": ", ".join(node.attrs.get("source_ops", [])) if node.op is OpKind.TLU
                else "",
                "location": str(node.location) if node.location else "",
                "code": node.location.code if node.location else "",
            })
        return pd.DataFrame(rows).set_index("id")
