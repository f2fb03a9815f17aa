"""Lowering of the remaining ops on two encrypted values, once their bounds are measured.

A table lookup reads one encrypted value, so an elementwise op ``f(x, y)`` of two encrypted
integers (``x & y``, ``x << y``, ``x // y``, ``fhe.multivariate`` …) is rewritten as Concrete's
*promoted* strategies do:

| case                            | becomes                                              |
|---------------------------------|------------------------------------------------------|
| ``bx + by`` ≤ the lookup limit   | ``g((x − x_min)·2^by + (y − y_min))``: one lookup    |
| ``fhe.multivariate`` of n values | the same packing of all n values (widths summed)     |
| ``&``, ``|``, ``^`` of wider      | per chunk of c bits: ``xk``, ``yk`` (a lookup each), |
| unsigned values                 | ``hk(xk·2^c + yk)`` (one lookup), summed (chunked)   |
|                                 | — also when ``bx + by`` fits the limit but not 8 bits: |
|                                 | chunks of ≤ 8-bit lookups beat one WoP-PBS lookup    |
| ``where(c, d, 0)`` too wide      | ``(c != 0)·d`` by the square trick (two lookups)     |

Other operands of the node must be constants (``where(c, d, 0)`` from the lowering of
``np.where`` with an encrypted condition is one).

``bx``, ``by`` are the bit widths of the operands' measured ranges (``x − x_min``). Values
outside the inputset's range are outside the tables, as in Concrete.
"""
from __future__ import annotations

import numpy as np

from ..core.bounds import Bounds
from ..core.dtypes import UNMEASURED_INTEGER, Integer
from ..core.values import ValueSpec
from ..interpret.interpreter import constant_value
from ..interpret.rules import RULES
from ..ir.graph import Graph
from ..ir.node import Node
from ..ir.ops import ELEMENTWISE_OPS, LINEAR_OPS, OpKind
from ..ir.rewrite import GraphCopier
from .lowering import _Builder as Builder

_BITWISE = {np.bitwise_and, np.bitwise_or, np.bitwise_xor}
#: Widest packed lookup a bitwise op is promoted to when it could be chunked instead: above
#: it the lookup is a WoP-PBS (≈0.5 s) while the chunks stay native lookups of ≤ 8 bits.
_CHEAP_PACKED_BITS = 8


def type_range(bounds: Bounds) -> Bounds:
    """The range of the narrowest integer type holding ``bounds`` (what Concrete's dtypes
    promise: a value anywhere in its type is handled, not only where the inputset put it)."""
    dtype = Integer.that_can_represent(int(bounds.min), int(bounds.max))
    return Bounds(dtype.min, dtype.max)


def widen_differences(graph: Graph, bounds: dict[int, Bounds]) -> dict[int, Bounds]:
    """Bounds where each ``a − b`` of the lowering spans its operands' type ranges."""
    widened = dict(bounds)
    for node in graph.nodes:
        if node.op is not OpKind.SUBTRACT or not node.attrs.get("sized_by_operand_types") \
                or any(o not in bounds for o in node.operands):
            continue
        a, b = [bounds[o] if graph[o].op is OpKind.CONSTANT else type_range(bounds[o])
                for o in node.operands]
        if node.id in widened:
            widened[node.id] = widened[node.id].union(Bounds(a.min - b.max, a.max - b.min))
    return widened


def _range_width(bounds: Bounds) -> int:
    return max(1, int(int(bounds.max) - int(bounds.min)).bit_length())


def packable_nodes(graph: Graph) -> list[Node]:
    """Elementwise, non-linear integer nodes with exactly two encrypted operands (any number
    of them for ``fhe.multivariate``)."""
    found = []
    for node in graph.nodes:
        if node.op not in ELEMENTWISE_OPS or node.op in LINEAR_OPS or node.spec.is_float:
            continue
        encrypted = [o for o in node.operands if graph[o].is_encrypted]
        others_constant = all(graph[o].is_encrypted or graph[o].op is OpKind.CONSTANT
                              for o in node.operands)
        count_fits = len(encrypted) == 2 or (node.op is OpKind.MULTIVARIATE
                                             and len(encrypted) > 2)
        if count_fits and others_constant \
                and all(graph[o].spec.is_integer for o in node.operands):
            found.append(node)
    return found


class _Packer:
    def __init__(self, copier: GraphCopier, node: Node):
        self.graph, self.node = copier.target, node
        self.location = node.location

    def _spec(self, shape) -> ValueSpec:
        return ValueSpec(UNMEASURED_INTEGER, tuple(shape), True)

    def constant(self, value: int) -> int:
        array = np.asarray(value, dtype=np.int64)
        return self.graph.add(OpKind.CONSTANT, [], ValueSpec(UNMEASURED_INTEGER, (), False),
                              {"value": array}, self.location).id

    def binary(self, op: OpKind, a: int, b: int) -> int:
        shape = np.broadcast_shapes(self.graph[a].spec.shape, self.graph[b].spec.shape)
        encrypted = self.graph[a].is_encrypted or self.graph[b].is_encrypted
        return self.graph.add(op, [a, b], ValueSpec(UNMEASURED_INTEGER, shape, encrypted), {},
                              self.location).id

    def lookup(self, a: int, function, name: str) -> int:
        function.__name__ = name
        return self.graph.add(OpKind.UNIVARIATE, [a], self._spec(self.graph[a].spec.shape),
                              {"function": function}, self.location).id

    def shifted(self, a: int, low: int, scale: int) -> int:
        if low:
            a = self.binary(OpKind.SUBTRACT, a, self.constant(low))
        if scale != 1:
            a = self.binary(OpKind.MULTIPLY, a, self.constant(scale))
        return a

    def broadcast(self, a: int) -> int:
        shape = tuple(self.node.spec.shape)
        if tuple(self.graph[a].spec.shape) == shape:
            return a
        return self.graph.add(OpKind.BROADCAST_TO, [a], self._spec(shape), {"shape": shape},
                              self.location).id


def _unbroadcast(value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A batch of values unpacked at the node's shape, back at its operand's own ``shape``
    (the operand was broadcast into the packing: its copies along the added axes are equal),
    so the function sees each operand as it was given (``fhe.multivariate``)."""
    extra = value.ndim - 1 - len(shape)
    if extra < 0:
        return value
    index = (slice(None),) + (0,) * extra + tuple(
        slice(0, 1) if size == 1 and value.shape[1 + extra + axis] != 1 else slice(None)
        for axis, size in enumerate(shape))
    return value[index]


def _evaluator(graph: Graph, node: Node):
    """The node's own clear rule as a function of its encrypted operands' values (its
    other operands are constants)."""
    positions = [i for i, o in enumerate(node.operands) if graph[o].is_encrypted]
    constants = [None if graph[o].is_encrypted else constant_value(graph[o])
                 for o in node.operands]

    shapes = [graph[node.operands[p]].spec.shape for p in positions]

    def evaluate(*values: np.ndarray) -> np.ndarray:
        operands = list(constants)
        for position, value, shape in zip(positions, values, shapes):
            operands[position] = _unbroadcast(value, shape)
        with np.errstate(all="ignore"):
            return np.asarray(RULES[node.op](node, operands))

    return evaluate


def _promoted(packer: _Packer, operands: list[int], ranges: list[Bounds], evaluate,
              measured: list[Bounds]) -> int:
    """One lookup of ``Σ (x_i − low_i)·2^shift_i`` (the last operand in the low bits) over
    the operands' type ranges; where the function fails on values outside the measured
    ranges (``x // 0``), those read the nearest measured ones."""
    node = packer.node
    widths = [_range_width(r) for r in ranges]
    shifts = [sum(widths[k + 1:]) for k in range(len(widths))]
    lows = [int(r.min) for r in ranges]

    def packed_function(p):
        p = np.asarray(p, dtype=np.int64)
        values = [((p >> shift) & ((1 << width) - 1)) + low
                  for shift, width, low in zip(shifts, widths, lows)]
        try:
            return evaluate(*values)
        except Exception:  # noqa: BLE001 - retried on the measured ranges, as tabulate does
            return evaluate(*(np.clip(v, int(m.min), int(m.max))
                              for v, m in zip(values, measured)))

    terms = [packer.shifted(x, low, 1 << shift) for x, low, shift in zip(operands, lows, shifts)]
    packed = terms[0]
    for term in terms[1:]:
        packed = packer.binary(OpKind.ADD, packed, term)
    return packer.lookup(packed, packed_function, f"{node.label}_packed")


def _chunked_bitwise(packer: _Packer, x: int, y: int, width: int, chunk: int) -> int:
    ufunc = packer.node.attrs["ufunc"]
    mask = (1 << chunk) - 1
    total = None
    for start in range(0, width, chunk):
        def take(v, start=start):
            return (np.asarray(v, dtype=np.int64) >> start) & mask

        def combine(p, start=start):
            p = np.asarray(p, dtype=np.int64)
            return ufunc(p >> chunk, p & mask).astype(np.int64) << start

        xk = packer.lookup(x, take, f"bits_{start}_{start + chunk}")
        yk = packer.lookup(y, take, f"bits_{start}_{start + chunk}")
        packed = packer.binary(OpKind.ADD, packer.shifted(xk, 0, 1 << chunk), yk)
        part = packer.lookup(packed, combine, f"{ufunc.__name__}_chunk")
        total = part if total is None else packer.binary(OpKind.ADD, total, part)
    return total


def _is_clear_constant_at_most_zero(graph: Graph, node_id: int) -> bool:
    node = graph[node_id]
    return node.op is OpKind.CONSTANT and bool(np.all(np.asarray(node.attrs["value"]) <= 0))


def nonnegative_relus(graph: Graph, bounds: dict[int, Bounds]) -> set[int]:
    """``maximum(x, c)`` with ``c <= 0`` on an encrypted ``x`` measured non-negative: ``x``.

    (Concrete's ``relu`` of an unsigned value is the value: no lookup, at any width.)
    """
    found = set()
    for node in graph.nodes:
        if node.op is not OpKind.MAXIMUM or not node.is_encrypted or len(node.operands) != 2:
            continue
        x, c = node.operands if graph[node.operands[0]].is_encrypted else node.operands[::-1]
        if graph[x].is_encrypted and _is_clear_constant_at_most_zero(graph, c) \
                and x in bounds and bounds[x].min >= 0:
            found.add(node.id)
    return found


def pack_bivariate(graph: Graph, bounds: dict[int, Bounds], maximum_bit_width: int
                   ) -> tuple[Graph, dict[int, int]] | None:
    """Rewrite packable nodes (and drop relus of non-negative values); None when there is
    nothing to rewrite.

    Nodes whose operands are too wide for one lookup (and are not chunkable bitwise ops) are
    kept: the compatibility check reports them.
    """
    nodes = {n.id for n in packable_nodes(graph) if all(o in bounds for o in n.operands
                                                         if graph[o].is_encrypted)}
    relus = nonnegative_relus(graph, bounds)
    if not nodes and not relus:
        return None
    copier = GraphCopier(graph)
    for node in graph.nodes:
        if node.id in relus:
            x = next(o for o in node.operands if graph[o].is_encrypted)
            copier.mapping[node.id] = _Packer(copier, node).broadcast(copier.mapping[x])
            continue
        if node.id not in nodes:
            copier.copy(node)
            continue
        encrypted = [o for o in node.operands if graph[o].is_encrypted]
        ranges = [type_range(bounds[o]) for o in encrypted]
        packer = _Packer(copier, node)
        ufunc = node.attrs.get("ufunc") if node.op is OpKind.UFUNC else None
        packed = sum(_range_width(r) for r in ranges)
        if len(encrypted) > 2:  # fhe.multivariate of several values: packed, or refused
            if packed > maximum_bit_width:
                copier.copy(node)
                continue
            result = _promoted(packer, [copier.mapping[o] for o in encrypted], ranges,
                               _evaluator(graph, node), [bounds[o] for o in encrypted])
            copier.mapping[node.id] = packer.broadcast(result)
            continue
        (x, y), (bx, by) = encrypted, ranges
        mx, my = copier.mapping[x], copier.mapping[y]
        chunkable = ufunc in _BITWISE and bx.min >= 0 and by.min >= 0 and maximum_bit_width >= 2
        if packed <= maximum_bit_width and not (chunkable and packed > _CHEAP_PACKED_BITS):
            result = _promoted(packer, [mx, my], [bx, by], _evaluator(graph, node),
                               [bounds[x], bounds[y]])
        elif chunkable:
            width = max(int(bx.max).bit_length(), int(by.max).bit_length(), 1)
            chunk = min(maximum_bit_width, _CHEAP_PACKED_BITS) // 2
            result = _chunked_bitwise(packer, mx, my, width, chunk)
        elif node.op is OpKind.WHERE and node.operands[0] == x:  # c * d with the square trick
            condition = packer.binary(OpKind.NOT_EQUAL, mx, packer.constant(0))
            result = Builder(copier, node.location).multiply_encrypted(condition, my)
        else:
            copier.copy(node)
            continue
        copier.mapping[node.id] = packer.broadcast(result)
    return copier.finish(), dict(copier.mapping)
