"""Integer bit widths from measured bounds, written into a new graph's value specs."""
from __future__ import annotations

from ..core.bounds import Bounds
from ..core.dtypes import Float, Integer
from ..ir.graph import Graph
from ..ir.ops import OpKind
from ..ir.rewrite import GraphCopier


def dtype_for(node, bounds: Bounds | None):
    if node.spec.is_float:
        return Float(64)
    if bounds is None:
        return Integer(1, False)
    return Integer.that_can_represent(int(bounds.min), int(bounds.max))


def assign_bit_widths(graph: Graph, bounds: dict[int, Bounds]) -> Graph:
    """A copy of ``graph`` whose integer specs carry the measured bit widths."""
    copier = GraphCopier(graph)
    for node in graph.nodes:
        dtype = dtype_for(node, bounds.get(node.id))
        attrs = node.attrs
        if node.op is OpKind.TLU:
            attrs = dict(attrs, subgraph=_typed_subgraph(attrs["subgraph"],
                                                         copier.target[copier.mapping[
                                                             node.operands[0]]].spec.dtype, dtype))
        copier.copy(node, spec=node.spec.with_dtype(dtype), attrs=attrs)
    return copier.finish()


def _typed_subgraph(subgraph: Graph, input_dtype, output_dtype) -> Graph:
    """A fused subgraph whose input and output show the measured integer types."""
    copier = GraphCopier(subgraph)
    for node in subgraph.nodes:
        if node.op is OpKind.INPUT:
            copier.copy(node, spec=node.spec.with_dtype(input_dtype))
        elif node.id in subgraph.outputs:
            copier.copy(node, spec=node.spec.with_dtype(output_dtype))
        elif node.op is OpKind.CONSTANT and not node.spec.is_float:
            value = node.attrs["value"]
            copier.copy(node, spec=node.spec.with_dtype(
                Integer.that_can_represent(int(value.min()), int(value.max()))
                if value.size else Integer(1, False)))
        else:
            copier.copy(node)
    return copier.finish()
