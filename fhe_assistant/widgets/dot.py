"""The op-graph as Graphviz DOT text: labels, colours, lookups, clusters, expanded subgraphs.

Pure functions of a graph and its side tables; rendering to SVG is in ``render.py``. Every
graph node becomes exactly one DOT node named ``n<id>`` (so the SVG has one ``g.node`` per
graph node); an expanded fused lookup adds its subgraph's nodes, named ``n<id>s<k>``.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..core.bounds import Bounds
from ..core.dtypes import Integer
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import TABLE_LOOKUP_OPS, OpKind
from ..ir.printer import format_constant, node_expression
from .colors import BROKEN, CLEAR, FLOAT, LIGHT_TEXT, SELECTED, bit_width_color, text_color
from .locations import shown_location

FONT = "Helvetica,Arial,sans-serif"
#: Graphs with at least this many nodes are drawn with their repeated blocks as clusters.
CLUSTER_THRESHOLD = 40
_MAX_FUSED_TEXT = 30


@dataclass(frozen=True, slots=True)
class Block:
    """A run of nodes from one pass over the same source lines (a loop body, a helper call)."""

    index: int
    node_ids: tuple[int, ...]
    first_line: int
    last_line: int
    function: str
    role: str = ""          # a built-in model's layer label, when the nodes carry one

    @property
    def label(self) -> str:
        if self.role:
            return self.role
        lines = (f"line {self.first_line}" if self.first_line == self.last_line
                 else f"lines {self.first_line}–{self.last_line}")
        where = f"{self.function} · " if self.function and self.function != "<module>" else ""
        return f"block {self.index + 1} · {where}{lines}"


def repeated_blocks(graph: Graph, minimum_size: int = 2) -> list[Block]:
    """Split the graph where source lines jump back (a loop or a helper starts again).

    Only computing nodes count; each constant joins the block of its first user and inputs
    stay outside. Returns no blocks unless at least two blocks of ``minimum_size`` nodes
    repeat the same lines (then the graph is drawn with one cluster per block).
    """
    segments: list[list[Node]] = []
    previous: tuple[str, int] | None = None
    for node in graph.nodes:
        if node.op in (OpKind.INPUT, OpKind.CONSTANT) or node.location is None:
            if node.op not in (OpKind.INPUT, OpKind.CONSTANT) and segments:
                segments[-1].append(node)
            continue
        location = node.location
        key = (location.filename, location.lineno, location.label)
        if previous is None or (key[0] == previous[0] and key[1] < previous[1]) \
                or (key[0] == previous[0] == "" and key[2] != previous[2]):   # next layer
            segments.append([])
        segments[-1].append(node)
        previous = key
    if len(segments) < 2 or sum(len(s) >= minimum_size for s in segments) < 2:
        return []
    first_user = {}
    for node in graph.nodes:
        for operand in node.operands:
            first_user.setdefault(operand, node.id)
    block_of = {node.id: index for index, segment in enumerate(segments) for node in segment}
    members: list[list[int]] = [[node.id for node in segment] for segment in segments]
    for node in graph.nodes:
        if node.op is OpKind.CONSTANT and first_user.get(node.id) in block_of:
            members[block_of[first_user[node.id]]].append(node.id)
    blocks = []
    for index, (segment, ids) in enumerate(zip(segments, members)):
        lines = [n.location.lineno for n in segment if n.location is not None]
        functions = {n.location.function for n in segment if n.location is not None}
        roles = {n.location.label for n in segment if n.location is not None}
        blocks.append(Block(index, tuple(sorted(ids)), min(lines), max(lines),
                            functions.pop() if len(functions) == 1 else "",
                            roles.pop() if len(roles) == 1 else ""))
    return blocks


def collapsed_block_statement(block: Block, graph: Graph, limit: int,
                              broken: Mapping[int, list[str]]) -> str:
    """One box standing for a collapsed block: its label, size, widest value, lookups."""
    nodes = [graph[i] for i in block.node_ids if graph[i].op is not OpKind.CONSTANT]
    widths = [n.spec.dtype.bit_width for n in nodes
              if n.is_encrypted and isinstance(n.spec.dtype, Integer)]
    widest = max(widths, default=0)
    lookups = sum(n.op in TABLE_LOOKUP_OPS for n in nodes)
    is_broken = any(i in broken for i in block.node_ids)
    fill = BROKEN if is_broken else bit_width_color(widest, limit) if widest else CLEAR
    detail = f"{len(nodes)} nodes · max {widest}-bit · {lookups} lookup{'s' * (lookups != 1)}"
    label = _label([(f"▸ {block.label}", 13, True), (detail, 11, False),
                    ("double-click to expand", 9, False)], text_color(fill))
    attributes = {"label": label, "shape": "box", "style": "rounded,filled,dashed",
                  "fillcolor": fill, "color": "#888888", "tooltip": f"{block.label}: {detail}"}
    return f"b{block.index} {_attributes(attributes)};"


def escape_html(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def escape_string(text: str) -> str:
    """A DOT double-quoted string's content (newlines become DOT's ``\\n``)."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _attributes(values: Mapping[str, str]) -> str:
    parts = []
    for key, value in values.items():
        if value.startswith("<") and value.endswith(">"):
            parts.append(f"{key}={value}")
        else:
            parts.append(f'{key}="{escape_string(value)}"')
    return "[" + " ".join(parts) + "]"


def node_title(node: Node) -> str:
    """First label line: ``%3 matmul`` (the input's name for inputs)."""
    if node.op is OpKind.TLU:
        return f"%{node.id} TLU"
    return f"%{node.id} {node.label}"


def constant_text(value) -> str:
    """A constant's label: its value when short, else its shape and range."""
    array = np.asarray(value)
    if array.size <= 6:
        return format_constant(array)
    low, high = array.min(), array.max()
    return f"{array.dtype.kind == 'f' and 'float' or 'const'} {tuple(array.shape)} ∈ " \
           f"{Bounds.of(array)}" if low != high else f"{format_constant(array.flat[0])} × " \
           f"{tuple(array.shape)}"


def node_detail(node: Node, bounds: Bounds | None) -> str:
    """Second label line: type and range, e.g. ``uint5 ∈ [0, 24]``, with the shape if any."""
    if node.op is OpKind.CONSTANT:
        return constant_text(node.attrs["value"])
    text = str(node.spec.dtype)
    if bounds is not None:
        text += f" ∈ {bounds}"
    if node.spec.shape:
        text += f"  {tuple(node.spec.shape)}"
    return text


def fused_text(node: Node) -> str:
    """Third line of a fused lookup: the ops it contains, shortened."""
    ops = [op for op in node.attrs.get("source_ops", []) if op not in ("input",)]
    text = " · ".join(ops)
    if len(text) > _MAX_FUSED_TEXT:
        text = text[: _MAX_FUSED_TEXT - 1] + "…"
    return text


def node_fill(node: Node, limit: int, broken: bool) -> str:
    if broken:
        return BROKEN
    if not node.is_encrypted:
        return CLEAR
    if isinstance(node.spec.dtype, Integer):
        return bit_width_color(node.spec.dtype.bit_width, limit)
    return FLOAT


def node_tooltip(node: Node, bounds: Bounds | None, issue_messages: Iterable[str] = ()) -> str:
    lines = [f"%{node.id} = {node_expression(node)}", str(node.spec)]
    if bounds is not None:
        lines.append(f"∈ {bounds}")
    if node.tag:
        lines.append(f"@ {node.tag}")
    where, code = shown_location(node)
    if where:
        lines.append(f"{where}: {code}")
    lines += [f"✗ {message}" for message in issue_messages]
    return "\n".join(lines)


def _label(lines: list[tuple[str, int, bool]], color: str) -> str:
    rows = []
    for text, size, bold in lines:
        content = escape_html(text)
        if bold:
            content = f"<b>{content}</b>"
        rows.append(f'<font point-size="{size}" color="{color}">{content}</font>')
    return "<" + "<br/>".join(rows) + ">"


def node_statement(node: Node, bounds: Bounds | None, *, name: str, limit: int,
                   is_lookup: bool, broken_messages: Collection[str] = (),
                   selected: bool = False, is_output: bool = False) -> str:
    """The DOT line of one node."""
    broken = bool(broken_messages)
    fill = node_fill(node, limit, broken)
    font_color = LIGHT_TEXT if broken else text_color(fill)
    classes = ["fhe-node", node.op.value]
    attrs = {"id": f"fhe-{name}", "fillcolor": fill, "tooltip":
             node_tooltip(node, bounds, broken_messages)}
    if node.op is OpKind.CONSTANT:
        attrs.update(shape="box", style="rounded,filled,dashed", color="#9a9a9a",
                     label=_label([(node_detail(node, bounds), 9, False)], "#555555"))
        classes.append("constant")
    else:
        lines = [(node_title(node), 11, True), (node_detail(node, bounds), 9, False)]
        if node.op is OpKind.TLU and fused_text(node):
            lines.append((fused_text(node), 8, False))
        attrs["label"] = _label(lines, font_color)
        if node.op is OpKind.INPUT:
            attrs.update(shape="box", style="filled,bold", color="#333333")
            classes.append("input")
        elif is_lookup:
            attrs.update(shape="box", style="filled", peripheries="2", color="#333333")
            classes.append("lookup")
        else:
            attrs.update(shape="box", style="rounded,filled", color="#666666")
    if not node.is_encrypted and node.op is not OpKind.CONSTANT:
        attrs["style"] += ",dashed"
    if is_output:
        attrs["penwidth"] = "2.2"
        classes.append("output")
    if broken:
        attrs["color"] = "#8b0000"
        classes.append("broken")
    if selected:
        attrs.update(color=SELECTED, penwidth="3.5")
        classes.append("selected")
    attrs["class"] = " ".join(classes)
    return f"{name} {_attributes(attrs)};"


def _edge(source: str, target: str, clear: bool, extra: str = "") -> str:
    style = ' [style=dashed color="#9a9a9a" arrowsize=0.6]' if clear else ""
    if extra:
        style = f" [{extra}]"
    return f"{source} -> {target}{style};"


def _subgraph_cluster(node: Node, limit: int) -> list[str]:
    """An expanded fused lookup: its float subgraph as a cluster beside the TLU node."""
    subgraph: Graph = node.attrs["subgraph"]
    sub_bounds = node.attrs.get("subgraph_bounds") or {}
    lines = [f"subgraph cluster_tlu{node.id} {{",
             f'  label="%{node.id}: fused into one table lookup"; style="rounded,filled"; '
             f'fillcolor="#faf7ff"; color="#b794f4"; fontsize=10; fontname="{FONT}";']
    for sub in subgraph.nodes:
        statement = node_statement(sub, sub_bounds.get(sub.id), name=f"n{node.id}s{sub.id}",
                                   limit=limit, is_lookup=False)
        lines.append("  " + statement)
    for sub in subgraph.nodes:
        for operand in sub.operands:
            lines.append("  " + _edge(f"n{node.id}s{operand}", f"n{node.id}s{sub.id}",
                                      not subgraph[operand].is_encrypted))
    lines.append("}")
    for operand in node.operands:
        lines.append(_edge(f"n{operand}", f"n{node.id}s{subgraph.inputs[0]}", False,
                           'style=dotted color="#b794f4"'))
    for output in subgraph.outputs:
        lines.append(_edge(f"n{node.id}s{output}", f"n{node.id}", False,
                           'style=dotted color="#b794f4"'))
    return lines


def graph_dot(graph: Graph, bounds: Mapping[int, Bounds] | None = None, *, limit: int = 8,
              lookup_nodes: Collection[int] = (), broken: Mapping[int, list[str]] | None = None,
              selected: int | None = None, expanded: Collection[int] = (),
              clusters: bool | None = None, rankdir: str = "TB",
              collapsed: Collection[int] = ()) -> str:
    """DOT text of a graph coloured by bit width.

    Parameters
    ----------
    bounds
        Measured ranges by node id (shown in labels and tooltips).
    limit
        The table-lookup bit-width limit (the colour scale reaches its darkest there or at 8).
    lookup_nodes
        Ids of nodes that run as table lookups (drawn with a double border).
    broken
        Node id → messages of the compatibility issues it has (drawn red).
    selected
        The node to outline.
    expanded
        Ids of fused lookups (``OpKind.TLU``) whose float subgraph is drawn beside them.
    clusters
        Draw repeated blocks as clusters; by default when the graph has at least
        ``CLUSTER_THRESHOLD`` nodes.
    collapsed
        Indices of clusters drawn as one box each (``b<index>``; edges go to the box).
    """
    bounds = bounds or {}
    broken = broken or {}
    lookup_nodes = set(lookup_nodes)
    outputs = set(graph.outputs)
    lines = ["digraph fhe {",
             f'  graph [rankdir={rankdir} bgcolor="transparent" nodesep=0.25 ranksep=0.32 '
             f'fontname="{FONT}"];',
             f'  node [fontname="{FONT}" margin="0.12,0.05" height=0.3];',
             '  edge [color="#555555" arrowsize=0.7];']
    statements = {node.id: node_statement(
        node, bounds.get(node.id), name=f"n{node.id}", limit=limit,
        is_lookup=node.id in lookup_nodes, broken_messages=broken.get(node.id, ()),
        selected=node.id == selected, is_output=node.id in outputs) for node in graph.nodes}
    use_clusters = len(graph) >= CLUSTER_THRESHOLD if clusters is None else clusters
    blocks = repeated_blocks(graph) if use_clusters else []
    placed: set[int] = set()
    shown_as = {n.id: f"n{n.id}" for n in graph.nodes}
    for block in blocks:
        if block.index in set(collapsed):
            lines.append("  " + collapsed_block_statement(block, graph, limit, broken))
            placed.update(block.node_ids)
            shown_as.update({i: f"b{block.index}" for i in block.node_ids})
            continue
        lines.append(f"  subgraph cluster_b{block.index} {{")
        lines.append(f'    label="{escape_string(block.label)}  ▾ (double-click: collapse)"; '
                     f'labeljust=l; fontsize=11; '
                     f'style="rounded,dashed"; color="#aaaaaa"; fontcolor="#555555";')
        for node_id in block.node_ids:
            # constants stay outside the frame: one placed above its user would make the
            # frame share ranks with the previous one, and Graphviz then sets them side by
            # side (a staircase) instead of one under the other
            if graph[node_id].op is OpKind.CONSTANT:
                continue
            lines.append("    " + statements[node_id])
            placed.add(node_id)
        lines.append("  }")
    lines += ["  " + statements[node.id] for node in graph.nodes if node.id not in placed]
    drawn: set[tuple[str, str]] = set()
    for node in graph.nodes:
        for operand in node.operands:
            tail, head = shown_as[operand], shown_as[node.id]
            if tail[0] == "b" or head[0] == "b":       # a collapsed block: one edge each way
                if tail == head or (tail, head) in drawn:
                    continue
                drawn.add((tail, head))
            lines.append("  " + _edge(tail, head, not graph[operand].is_encrypted))
    for node_id in sorted(set(expanded)):
        node = graph[node_id]
        if node.op is OpKind.TLU and "subgraph" in node.attrs and shown_as[node_id][0] == "n":
            lines += ["  " + line for line in _subgraph_cluster(node, limit)]
    lines.append("}")
    return "\n".join(lines)


def parse_node_name(name: str) -> int | None:
    """``n12`` or ``n12s3`` (a node of an expanded subgraph) → 12; anything else → None."""
    if not name.startswith("n"):
        return None
    digits = ""
    for character in name[1:]:
        if not character.isdigit():
            break
        digits += character
    return int(digits) if digits else None
