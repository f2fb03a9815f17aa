"""How each encrypted value is encoded and which nodes are table lookups.

Encoding follows Concrete: encrypted values linked by linear ops share one
precision ``p`` (a *partition*), so their ciphertexts can be added; each is encoded as
``(v mod 2**(p+1)) * 2**(63-p)`` with one padding bit. A table lookup reads its input's
partition and writes its output's, so precisions change only at lookups.

A ``round_bit_pattern`` whose users are all table lookups is *folded*: the lookups read
the unrounded ciphertext at ``p - lsbs_to_remove`` bits of precision. An exact rounding
first clears the low bits one by one (:mod:`transforms.exact_rounding`: each cleared bit is
a *bit read*, a lookup that reads bit ``i`` of its input alone), so the folded read sees
an exact multiple of the step; an approximate one (Concrete's ``Exactness.APPROXIMATE``)
reads the low bits as they are and may land one step off near a tie; where that step would
leave the read's window (the top rounded value plus one, the bottom minus one), the read
gets a *slip window* (``TableLookupPlan.slip_low/high``) or one more bit. Noise: each encrypted
node carries the worst squared 2-norm of the weights with which fresh inputs and PBS
outputs reach it; the optimizer needs these at lookup inputs and at circuit outputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.dtypes import Integer
from ..core.strategies import Exactness
from ..crypto.requirements import lookup_noise_bit_width
from ..interpret.interpreter import constant_value
from ..interpret.rules import round_bits
from ..ir.graph import Graph, encrypted_operands, is_table_lookup
from ..ir.node import Node
from ..ir.ops import OpKind


@dataclass(frozen=True, slots=True)
class TableLookupPlan:
    """One table-lookup node: where its index comes from and at what precision."""

    node_id: int
    operand_id: int          # the encrypted operand (a folded rounding's input counts as it)
    read_id: int             # the node whose ciphertext the PBS reads
    input_precision: int     # p of the partition read
    lsbs_removed: int        # folded rounding
    offset: int              # added before the PBS so that signed inputs index from 0
    output_precision: int
    output_signed: bool
    element_count: int
    approximate: bool = False  # folded rounding marked ``exactness="approximate"``
    reads_bit: int | None = None  # a bit read: bit i of the input alone (lower bits are 0)
    #: an approximate read's exact index range [low, high] over the inputset: it may slip
    #: one step past either end, and those slips read the end's entry (see lowered.tables)
    slip_low: int | None = None
    slip_high: int | None = None

    @property
    def effective_precision(self) -> int:
        if self.reads_bit is not None:
            return 1
        return max(self.input_precision - self.lsbs_removed, 1)

    @property
    def rounds_its_operand(self) -> bool:
        """An approximate rounding that is a lookup itself: its operand is the unrounded
        value (a folded rounding's lookup gets the rounded one)."""
        return self.lsbs_removed > 0 and self.operand_id == self.read_id

    @property
    def read_shift(self) -> int:
        """A bit read multiplies its ciphertext by ``2**(p − i)`` before the bootstrap (bit
        i moves to the top, the bits above wrap away, Concrete's exact-rounding step), which
        multiplies the noise it carries as well. Charged as a 1-bit read (bound 2**61, half
        the quarter-torus margin the read really has) of noise multiplied by
        ``2**read_shift`` = ``2**(p − i − 1)``: exact for the carried noise, twice too strict
        for the keyswitch and modulus-switch noise the read adds after the multiplication."""
        return 0 if self.reads_bit is None else self.input_precision - self.reads_bit - 1

    @property
    def noise_precision(self) -> int:
        """The precision whose decoding bound this lookup's noise must meet: the read
        width, one bit less for an approximate rounded read (see
        :func:`crypto.requirements.lookup_noise_bit_width`)."""
        return lookup_noise_bit_width(self.effective_precision,
                                      self.approximate and self.lsbs_removed > 0)


@dataclass
class FHEPlan:
    partition_of: dict[int, int] = field(default_factory=dict)      # node id -> partition id
    precision_of_partition: dict[int, int] = field(default_factory=dict)
    lookups: dict[int, TableLookupPlan] = field(default_factory=dict)
    folded_roundings: set[int] = field(default_factory=set)
    fresh_norm2: dict[int, float] = field(default_factory=dict)    # squared 2-norms
    pbs_norm2: dict[int, float] = field(default_factory=dict)

    def precision(self, node_id: int) -> int:
        return self.precision_of_partition[self.partition_of[node_id]]

    def read_norm2(self, lookup: TableLookupPlan) -> tuple[float, float]:
        """(fresh, bootstrapped) squared 2-norms of the noise ``lookup``'s bootstrap reads:
        those of the value it reads, times ``4**read_shift`` for a bit read."""
        scale = 4.0 ** lookup.read_shift
        return (self.fresh_norm2[lookup.read_id] * scale,
                self.pbs_norm2[lookup.read_id] * scale)

    @property
    def pbs_count(self) -> int:
        return sum(lookup.element_count for lookup in self.lookups.values())

    @property
    def max_lookup_precision(self) -> int:
        return max((lookup.effective_precision for lookup in self.lookups.values()), default=0)

    @property
    def max_noise_precision(self) -> int:
        """The strictest noise bound among the lookups (see ``TableLookupPlan.noise_precision``)."""
        return max((lookup.noise_precision for lookup in self.lookups.values()), default=0)


class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


#: Attribute of a lookup node that reads one bit of its input (``exactness`` expansion).
READS_BIT = "reads_bit"

#: ``round_bit_pattern``'s ``exactness`` attribute value that lets its folded lookup be off by
#: one step (Concrete's ``Exactness.APPROXIMATE``); absent means exact noise bounds.
APPROXIMATE = Exactness.APPROXIMATE.value


def folded_roundings(graph: Graph) -> set[int]:
    users = graph.users()
    return {node.id for node in graph.nodes
            if node.op is OpKind.ROUND_BIT_PATTERN and node.is_encrypted and users[node.id]
            and node.attrs["lsbs_to_remove"] > 0
            and all(is_table_lookup(graph, graph[u]) for u in users[node.id])
            and node.id not in graph.outputs}


def _reads_its_own_top_bits(node: Node) -> bool:
    """An approximate rounding that is a lookup itself (a linear op or an output reads it):
    its bootstrap reads the top bits of its input, as a folded one does, and writes them
    back at their scale (exact roundings are bit reads, :mod:`transforms.exact_rounding`)."""
    return (node.op is OpKind.ROUND_BIT_PATTERN and node.attrs["lsbs_to_remove"] > 0
            and node.attrs.get("exactness") == APPROXIMATE)


def _bit_width(node: Node) -> int:
    return node.spec.dtype.bit_width if isinstance(node.spec.dtype, Integer) else 64


def _clear_abs_max(graph: Graph, node_id: int) -> float:
    node = graph[node_id]
    if node.op is OpKind.CONSTANT:
        return float(np.max(np.abs(constant_value(node)))) if node.spec.size else 0.0
    return float(2 ** _bit_width(node))  # a clear input: its type's bound


def _constant_weights(graph: Graph, node_id: int) -> np.ndarray | None:
    node = graph[node_id]
    return constant_value(node)[0].astype(np.float64) if node.op is OpKind.CONSTANT else None


def _matmul_factors(graph: Graph, node: Node) -> tuple[float, float]:
    """(independent, correlated) factors of a product with clear weights: per output,
    Σ w² when the encrypted elements' noises are independent, (Σ |w|)² in the worst case."""
    a, b = node.operands
    encrypted, weights = (a, b) if graph[a].is_encrypted else (b, a)
    w = _constant_weights(graph, weights)
    if w is None:
        inner = graph[a].spec.shape[-1] if graph[a].spec.shape else 1
        bound2 = _clear_abs_max(graph, weights) ** 2
        return inner * bound2, inner ** 2 * bound2
    if w.ndim == 1:
        return float(np.sum(w ** 2)), float(np.sum(np.abs(w))) ** 2
    axis = -2 if encrypted == a else -1  # x @ W sums over W's rows, W @ x over its columns
    return (float(np.max(np.sum(w ** 2, axis=axis))),
            float(np.max(np.sum(np.abs(w), axis=axis))) ** 2)


def _conv_factors(graph: Graph, node: Node) -> tuple[float, float]:
    """One output channel's weights: (Σ w², (Σ |w|)²), the worst channel."""
    w = _constant_weights(graph, node.operands[1]).reshape(graph[node.operands[1]].spec.shape[0], -1)
    return float(np.max(np.sum(w ** 2, axis=1))), float(np.max(np.sum(np.abs(w), axis=1))) ** 2


_MOVES_KEEPING_ELEMENTS_APART = (OpKind.RESHAPE, OpKind.TRANSPOSE, OpKind.EXPAND_DIMS,
                                 OpKind.SQUEEZE, OpKind.NEGATIVE, OpKind.ASTYPE,
                                 OpKind.ROUND_BIT_PATTERN, OpKind.BROADCAST_TO)


def _basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class _NoiseWeights:
    """Worst squared 2-norms with which one kind of noise source (fresh inputs, or lookup
    outputs) reaches each encrypted node, with the sources kept apart.

    A source is a node (an input, or a lookup) whose elements carry independent noises.
    Per node and source, ``per_source`` holds the worst element's squared norm of the
    weights from that source; ``independent`` says whether the node's elements have
    mutually independent noises; ``reach`` (from :func:`_reach`) bounds how many of a
    node's elements one source element reaches. Adding operands that share a source adds
    their weights before squaring (Minkowski: (√a + √b)², exact for ``x + x``); a sum, dot,
    matmul or conv over elements of reach r weighs them by min(r·Σw², (Σ|w|)²) (Cauchy–
    Schwarz over the ≤ r terms of each source element) instead of Σw². Both are sound
    upper bounds, equal to the old rule when nothing is shared (r = 1).
    """

    def __init__(self, graph: Graph, kind_is_fresh: bool, lookup_ids):
        self.graph, self.fresh, self.lookup_ids = graph, kind_is_fresh, lookup_ids
        self.norm2: dict[int, float] = {}
        self.per_source: dict[int, dict[int, float]] = {}

    def add(self, node: Node, reach: dict[int, int]) -> None:
        norm2, per_source = self._rule(node, reach)
        self.norm2[node.id] = norm2
        self.per_source[node.id] = {s: min(q, norm2) for s, q in per_source.items()}

    def _scaled(self, operand: int, factor: float) -> tuple[float, dict[int, float]]:
        return (self.norm2[operand] * factor,
                {s: q * factor for s, q in self.per_source[operand].items()})

    def _rule(self, node: Node, reach: dict[int, int]):
        graph = self.graph
        if node.op is OpKind.INPUT:
            return (1.0, {node.id: 1.0}) if self.fresh else (0.0, {})
        if node.id in self.lookup_ids:  # a lookup outputs fresh PBS noise
            return (0.0, {}) if self.fresh else (1.0, {node.id: 1.0})
        encrypted = encrypted_operands(graph, node)
        if not encrypted:
            return 0.0, {}
        if node.op in (OpKind.ADD, OpKind.SUBTRACT):
            return self._add(encrypted)
        if node.op is OpKind.MULTIPLY:
            clear = [o for o in node.operands if o not in encrypted]
            return self._scaled(encrypted[0], _clear_abs_max(graph, clear[0]) ** 2
                                if clear else 1.0)
        factors = None
        if node.op is OpKind.MATMUL:
            factors = _matmul_factors(graph, node)
        elif node.op is OpKind.CONV:
            factors = _conv_factors(graph, node)
        elif node.op is OpKind.SUM:
            summed = graph[encrypted[0]].spec.size // max(node.spec.size, 1)
            factors = (float(summed), float(summed) ** 2)
        if factors is not None:  # independent terms: Σw²; r-fold shared: ≤ r·Σw², (Σ|w|)²
            return self._scaled(encrypted[0], min(reach[encrypted[0]] * factors[0],
                                                  factors[1]))
        per_source: dict[int, float] = {}
        for operand in encrypted:  # data movement: each element comes from one operand
            for s, q in self.per_source[operand].items():
                per_source[s] = max(per_source.get(s, 0.0), q)
        return max(self.norm2[o] for o in encrypted), per_source

    def _add(self, encrypted: list[int]):
        norm2 = sum(self.norm2[o] for o in encrypted)
        roots: dict[int, list[float]] = {}
        for operand in encrypted:
            for s, q in self.per_source[operand].items():
                roots.setdefault(s, []).append(float(np.sqrt(q)))
        for values in roots.values():  # 2·Σ_{pairs} √(q_a·q_b) per shared source
            norm2 += sum(values) ** 2 - sum(v * v for v in values)
        return norm2, {s: sum(values) ** 2 for s, values in roots.items()}


def _sources(weights: tuple[_NoiseWeights, ...], node_id: int) -> set[int]:
    return set().union(*(w.per_source[node_id] for w in weights))


def _fan_out(graph: Graph, node: Node, encrypted: int) -> int:
    """How many outputs of a matmul or conv one element of its encrypted operand reaches."""
    if node.op is OpKind.CONV:
        weights = graph[node.operands[1]].spec.shape
        return weights[0] * int(np.prod(weights[2:], dtype=np.int64))
    a, b = node.operands
    clear = graph[b if encrypted == a else a].spec.shape
    if len(graph[encrypted].spec.shape) > 2 or len(clear) > 2:
        return node.spec.size  # batched products: no finer bound kept
    if len(clear) == 1:
        return 1  # a dot with a vector: each element reaches one output
    return clear[-1] if encrypted == a else clear[-2]  # x @ W: W's columns; W @ x: its rows


def _reach(graph: Graph, node: Node, weights, reach: dict[int, int], lookup_ids) -> int:
    """A bound on how many of ``node``'s elements one source element reaches (1: the
    elements' noises are independent; see _NoiseWeights)."""
    size = max(node.spec.size, 1)
    if node.op is OpKind.INPUT or node.id in lookup_ids or size == 1:
        return 1
    encrypted = encrypted_operands(graph, node)
    joins = node.op in (OpKind.CONCATENATE, OpKind.STACK)
    operand_reach = [reach[o] * (1 if joins else max(size // max(graph[o].spec.size, 1), 1))
                     for o in encrypted]  # a broadcast operand reaches every copy
    if len(encrypted) > 1:  # operands with a common source may reach one element twice
        seen: set[int] = set()
        shared = False
        for operand in encrypted:
            sources = _sources(weights, operand)
            shared = shared or bool(seen & sources)
            seen |= sources
        known = node.op in (OpKind.ADD, OpKind.SUBTRACT) or joins
        result = (sum if shared else max)(operand_reach) if known else size
    elif node.op in (OpKind.MATMUL, OpKind.CONV):
        result = operand_reach[0] * _fan_out(graph, node, encrypted[0])
    elif node.op is OpKind.INDEX:
        result = operand_reach[0] if _basic_index(node.attrs["index"]) else size
    elif node.op in (OpKind.ADD, OpKind.SUBTRACT, OpKind.MULTIPLY, OpKind.SUM) \
            or node.op in _MOVES_KEEPING_ELEMENTS_APART:
        result = operand_reach[0]
    else:
        result = size
    return min(result, size)


def _approximate_read(graph: Graph, folded: set[int], node: Node) -> Node | None:
    """The approximate rounding a lookup reads the unrounded top bits of, if any."""
    operands = encrypted_operands(graph, node)
    if operands and operands[0] in folded:
        rounding = graph[operands[0]]
        return rounding if rounding.attrs.get("exactness") == APPROXIMATE else None
    return node if _reads_its_own_top_bits(node) else None


def _rounded_range(graph: Graph, rounding: Node, bounds) -> tuple[int, int]:
    """The range of the exactly rounded values the read sees, before any overflow clipping
    (``transforms.rounding_clipping``): its input's measured range rounded, else its
    input's type's (wider, still sound)."""
    lsbs = rounding.attrs["lsbs_to_remove"]
    measured = None if bounds is None else bounds.get(rounding.operands[0])
    if measured is None:
        dtype = graph[rounding.operands[0]].spec.dtype
        low, high = dtype.min(), dtype.max()
    else:
        low, high = measured.min, measured.max
    return round_bits(int(low), lsbs), round_bits(int(high), lsbs)


def slip_room_precision(precision: int, lsbs: int, low: int, high: int) -> int:
    """The least partition precision ≥ ``precision`` whose approximate read of rounded
    values in [low, high] (multiples of ``2**lsbs``) has room for a one-step slip at each
    end: the span plus two steps within the ``2**(p − lsbs)`` entries of one table (a slip
    past an end wraps through the padding bit into the other end of the table, which must
    then be unused; :func:`lowered.tables.window_indices`)."""
    steps = (high - low) >> lsbs
    while (steps + 3) > 1 << max(precision - lsbs, 1) and precision < 64:
        precision += 1
    return precision


def build_plan(graph: Graph, bounds=None) -> FHEPlan:
    """Partitions, lookups and noise norms of a lowered graph with bit widths assigned.

    ``bounds`` (node id → measured :class:`core.bounds.Bounds`) sizes approximate roundings'
    slip windows; without them the rounded values' types are used (sometimes one bit more).
    """
    plan = FHEPlan()
    plan.folded_roundings = folded_roundings(graph)
    union = _UnionFind()
    lookup_ids = set()
    for node in graph.nodes:
        if not node.is_encrypted:
            continue
        union.find(node.id)
        if is_table_lookup(graph, node) and node.id not in plan.folded_roundings:
            lookup_ids.add(node.id)
            continue
        for operand in encrypted_operands(graph, node):
            union.union(node.id, operand)
    for node in graph.nodes:
        if node.is_encrypted:
            root = union.find(node.id)
            plan.partition_of[node.id] = root
            plan.precision_of_partition[root] = max(plan.precision_of_partition.get(root, 1),
                                                    _bit_width(node))
    rounded_ranges = {}  # approximate read -> the exactly rounded values it sees
    for node_id in sorted(lookup_ids):
        rounding = _approximate_read(graph, plan.folded_roundings, graph[node_id])
        if rounding is not None:
            low, high = rounded_ranges[node_id] = _rounded_range(graph, rounding, bounds)
            root = plan.partition_of[rounding.operands[0]]
            precision = plan.precision_of_partition[root]
            plan.precision_of_partition[root] = slip_room_precision(
                precision, min(rounding.attrs["lsbs_to_remove"], precision - 1), low, high)
    weights = (_NoiseWeights(graph, True, lookup_ids), _NoiseWeights(graph, False, lookup_ids))
    reach: dict[int, int] = {}
    for node in graph.nodes:
        if not node.is_encrypted:
            continue
        for kind in weights:
            kind.add(node, reach)
        reach[node.id] = _reach(graph, node, weights, reach, lookup_ids)
    plan.fresh_norm2, plan.pbs_norm2 = weights[0].norm2, weights[1].norm2
    for node_id in sorted(lookup_ids):
        node = graph[node_id]
        operand_id = encrypted_operands(graph, node)[0]
        read_id, lsbs, approximate = operand_id, 0, False
        reads_bit = node.attrs.get(READS_BIT)
        if operand_id in plan.folded_roundings:
            read_id = graph[operand_id].operands[0]
            lsbs = graph[operand_id].attrs["lsbs_to_remove"]
            approximate = graph[operand_id].attrs.get("exactness") == APPROXIMATE
        elif _reads_its_own_top_bits(node):
            lsbs, approximate = node.attrs["lsbs_to_remove"], True
        precision = plan.precision(read_id)
        lsbs = min(lsbs, precision - 1)
        signed = any(isinstance(graph[i].spec.dtype, Integer) and graph[i].spec.dtype.is_signed
                     for i in (operand_id, read_id))
        output_dtype = node.spec.dtype
        offset = (1 << (precision - 1)) if signed and reads_bit is None else 0
        slip_low = slip_high = None
        if node_id in rounded_ranges and lsbs > 0:
            low, high = rounded_ranges[node_id]
            slip_low, slip_high = (low + offset) >> lsbs, (high + offset) >> lsbs
        plan.lookups[node_id] = TableLookupPlan(
            node_id=node_id, operand_id=operand_id, read_id=read_id, input_precision=precision,
            lsbs_removed=lsbs, offset=offset, output_precision=plan.precision(node_id),
            output_signed=isinstance(output_dtype, Integer) and output_dtype.is_signed,
            element_count=node.spec.size, approximate=approximate, reads_bit=reads_bit,
            slip_low=slip_low, slip_high=slip_high)
    return plan
