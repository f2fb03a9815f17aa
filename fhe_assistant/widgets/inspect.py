"""What the node inspector shows, as data: details, value histograms, lookup tables."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..compiler.inputs import stack_inputset
from ..core.dtypes import Integer
from ..interpret import constant_value, evaluate_graph
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.ops import OpKind
from ..ir.printer import node_expression
from .locations import shown_location

#: Histograms and lookup plots are computed on at most this many inputset samples.
MAX_SAMPLES = 2000
#: Lookup tables are plotted on at most this many input values.
MAX_TABLE_POINTS = 4096


@dataclass(frozen=True, slots=True)
class NodeDetails:
    node_id: int
    title: str
    expression: str
    op: str
    spec: str
    shape: tuple[int, ...]
    dtype: str
    bit_width: int | None
    encrypted: bool
    bounds: str
    location: str
    code: str
    is_lookup: bool
    fused_ops: tuple[str, ...]
    users: tuple[int, ...]
    issues: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    tag: str = ""  # the user's fhe.tag ("" outside any)


def node_details(program, node_id: int) -> NodeDetails:
    """Everything the inspector lists about one node of a program's graph."""
    view = program.graph
    node = view.graph[node_id]
    bounds = view.bounds.get(node_id)
    dtype = node.spec.dtype
    issues = [i for i in program.compatibility.issues if i.node_id == node_id]
    return NodeDetails(
        node_id=node_id, title=f"%{node_id} {node.label}", expression=node_expression(node),
        op=node.op.value, spec=str(node.spec), shape=tuple(node.spec.shape), dtype=str(dtype),
        bit_width=dtype.bit_width if isinstance(dtype, Integer) else None,
        encrypted=node.is_encrypted, bounds="" if bounds is None else str(bounds),
        location=shown_location(node)[0], code=shown_location(node)[1],
        is_lookup=node_id in view.lookup_nodes,
        fused_ops=tuple(node.attrs.get("source_ops", ())) if node.op is OpKind.TLU else (),
        users=tuple(view.graph.users()[node_id]),
        issues=tuple(i.message for i in issues), suggestions=tuple(i.suggestion for i in issues),
        tag=node.tag)


def sample_rows(arrays: list[np.ndarray], limit: int = MAX_SAMPLES) -> list[np.ndarray]:
    """At most ``limit`` samples, evenly spread over the inputset."""
    count = arrays[0].shape[0]
    if count <= limit:
        return arrays
    rows = np.linspace(0, count - 1, limit).astype(np.int64)
    return [a[rows] for a in arrays]


def node_values(program, inputset, limit: int = MAX_SAMPLES) -> dict[int, np.ndarray]:
    """Every node's values over the inputset: ``{node id: array (samples, *shape)}``."""
    inputs = sample_rows(stack_inputset(inputset, program.input_names), limit)
    with np.errstate(all="ignore"):
        return evaluate_graph(program.analysis.fused, inputs, keep=True)


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts of values in bins ``[edges[i], edges[i+1])``; integer data get integer bins."""

    edges: np.ndarray
    counts: np.ndarray
    integer: bool
    total: int
    minimum: float
    maximum: float

    @property
    def bin_width(self) -> float:
        return float(self.edges[1] - self.edges[0]) if len(self.edges) > 1 else 1.0


def value_histogram(values, max_bins: int = 32) -> Histogram:
    """A histogram of every element of ``values`` (one bin per integer when they fit)."""
    array = np.asarray(values).ravel()
    if array.size == 0:
        return Histogram(np.array([0.0, 1.0]), np.array([0]), True, 0, 0.0, 0.0)
    low, high = array.min(), array.max()
    integer = array.dtype.kind in "iub" or bool(np.all(np.mod(array, 1) == 0))
    if integer:
        low, high = int(low), int(high)
        width = max(1, -(-(high - low + 1) // max_bins))
        edges = np.arange(low, high + width + 1, width, dtype=np.float64)
        counts = np.bincount(((array.astype(np.int64) - low) // width),
                             minlength=len(edges) - 1)[: len(edges) - 1]
    else:
        counts, edges = np.histogram(array, bins=max_bins)
    return Histogram(edges, counts.astype(np.int64), integer, int(array.size), float(low),
                     float(high))


@dataclass(frozen=True, slots=True)
class LookupPlot:
    """A table lookup's function over its input's measured range."""

    x: np.ndarray
    series: tuple[tuple[str, np.ndarray], ...]
    operand_id: int
    note: str = ""
    distinct_tables: int = 1
    extra: dict = field(default_factory=dict)


def _encrypted_operands(graph: Graph, node_id: int) -> list[int]:
    return [o for o in graph[node_id].operands if graph[o].is_encrypted]


def lookup_plot(program, node_id: int, values: dict[int, np.ndarray] | None = None,
                max_series: int = 4) -> LookupPlot | None:
    """The table of a lookup node over its encrypted input's range (None if not a lookup).

    Nodes with one encrypted operand are evaluated with their own clear rule on every
    integer of the operand's measured range. A tensor node may hold one table per element:
    the first ``max_series`` distinct ones are returned.
    """
    view = program.graph
    graph = view.graph
    if node_id not in view.lookup_nodes:
        return None
    node = graph[node_id]
    encrypted = _encrypted_operands(graph, node_id)
    if len(encrypted) != 1:
        return LookupPlot(np.array([]), (), encrypted[0] if encrypted else -1,
                          note=f"{len(encrypted)} encrypted operands: lowered to lookups of "
                               f"sums and differences, no single table to plot")
    operand_id = encrypted[0]
    bounds = view.bounds.get(operand_id)
    if bounds is None:
        return None
    low, high = int(bounds.min), int(bounds.max)
    x = np.arange(low, high + 1, dtype=np.int64)
    if len(x) > MAX_TABLE_POINTS:
        x = np.unique(np.linspace(low, high, MAX_TABLE_POINTS).round().astype(np.int64))
    operand_shape = graph[operand_id].spec.shape
    arguments = []
    for operand in node.operands:
        if operand == operand_id:
            arguments.append(np.broadcast_to(x.reshape((-1,) + (1,) * len(operand_shape)),
                                             (len(x),) + tuple(operand_shape)))
        elif graph[operand].op is OpKind.CONSTANT:
            arguments.append(constant_value(graph[operand]))
        elif values is not None and operand in values:
            arguments.append(values[operand][:1])
        else:
            return None
    with np.errstate(all="ignore"):
        try:
            table = np.asarray(RULES[node.op](node, arguments))
        except Exception as error:  # a function undefined on part of the range
            return LookupPlot(x, (), operand_id, note=f"could not tabulate: {error}")
    table = np.broadcast_to(table, (len(x),) + tuple(node.spec.shape)).reshape(len(x), -1)
    distinct, first_columns = np.unique(table.T, axis=0, return_index=True)
    order = np.sort(first_columns)
    series = tuple((f"element {int(column)}" if len(order) > 1 else node.label,
                    table[:, column].astype(np.float64)) for column in order[:max_series])
    note = "" if len(order) == 1 else (f"{len(order)} different tables (one per element); "
                                       f"first {min(len(order), max_series)} shown")
    return LookupPlot(x, series, operand_id, note, len(distinct))
