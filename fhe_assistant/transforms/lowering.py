"""Lowering for FHE: rewrite ops on two encrypted values into linear ops and table lookups.

After this pass every encrypted node is either *linear* (runs leveled on ciphertexts:
additions, multiplication by clear values, data movement) or a *table lookup* (a
non-linear op with exactly one encrypted operand, evaluated by one PBS per element).

| op on two encrypted values | becomes                                             |
|----------------------------|-----------------------------------------------------|
| a * b                      | ((a+b)² // 4) − ((a−b)² // 4)   (two TLUs)           |
| a < b, a == b, …           | (a − b) < 0, (a − b) == 0, …    (one TLU)            |
| maximum(a, b)              | b + relu(a − b)                 (one TLU)            |
| minimum(a, b)              | a − relu(a − b)                 (one TLU)            |
| a @ b                      | sum(expand(a) * expand(b))      (products as above)  |
| where(c, x, y)             | y + c * (x − y)                                     |
"""
from __future__ import annotations

import numpy as np

from ..core.dtypes import UNMEASURED_INTEGER as TRACE_INTEGER
from ..core.values import ValueSpec
from ..ir.graph import Graph, encrypted_operands
from ..ir.node import Node
from ..ir.ops import OpKind
from ..ir.rewrite import GraphCopier

_COMPARE_WITH_ZERO = {
    OpKind.LESS: np.less, OpKind.LESS_EQUAL: np.less_equal, OpKind.EQUAL: np.equal,
    OpKind.NOT_EQUAL: np.not_equal, OpKind.GREATER: np.greater,
    OpKind.GREATER_EQUAL: np.greater_equal,
}

#: Bivariate ops on two encrypted values that the lowering knows how to rewrite.
LOWERABLE_BIVARIATE = frozenset({OpKind.MULTIPLY, OpKind.MATMUL, OpKind.MAXIMUM, OpKind.MINIMUM,
                                 OpKind.WHERE, *_COMPARE_WITH_ZERO})


class _Builder:
    """Adds integer nodes to the target graph with shapes from numpy broadcasting."""

    def __init__(self, copier: GraphCopier, location):
        self.graph = copier.target
        self.location = location

    def _spec(self, shape, encrypted=True):
        return ValueSpec(TRACE_INTEGER, tuple(shape), encrypted)

    def binary(self, op, a, b):
        shape = np.broadcast_shapes(self.graph[a].spec.shape, self.graph[b].spec.shape)
        encrypted = self.graph[a].is_encrypted or self.graph[b].is_encrypted
        return self.graph.add(op, [a, b], self._spec(shape, encrypted), {}, self.location).id

    def univariate(self, a, function, name):
        function.__name__ = name
        return self.graph.add(OpKind.UNIVARIATE, [a], self._spec(self.graph[a].spec.shape),
                              {"function": function}, self.location).id

    def unary(self, op, a, attrs):
        shape = np.empty(self.graph[a].spec.shape)
        if op is OpKind.EXPAND_DIMS:
            shape = np.expand_dims(shape, attrs["axis"])
        elif op is OpKind.SUM:
            shape = np.sum(shape, axis=attrs["axis"], keepdims=attrs.get("keepdims", False))
        return self.graph.add(op, [a], self._spec(np.shape(shape), self.graph[a].is_encrypted),
                              attrs, self.location).id

    def difference(self, a, b):
        """``a − b`` whose range is that of the operands' integer types, not the measured one
        (transforms/packing.widen_differences): a comparison of values inside their types is
        right even where the inputset never put them."""
        node_id = self.binary(OpKind.SUBTRACT, a, b)
        self.graph[node_id].attrs["sized_by_operand_types"] = True
        return node_id

    def select(self, condition, value):
        """``where(condition, value, 0)``."""
        zero = self.graph.add(OpKind.CONSTANT, [], ValueSpec(TRACE_INTEGER, (), False),
                              {"value": np.asarray(0, dtype=np.int64)}, self.location).id
        shape = np.broadcast_shapes(self.graph[condition].spec.shape,
                                    self.graph[value].spec.shape)
        return self.graph.add(OpKind.WHERE, [condition, value, zero], self._spec(shape), {},
                              self.location).id

    def multiply_encrypted(self, a, b):
        total = self.binary(OpKind.ADD, a, b)
        difference = self.binary(OpKind.SUBTRACT, a, b)
        high = self.univariate(total, _square_quarter_fn(), "square_quarter")
        low = self.univariate(difference, _square_quarter_fn(), "square_quarter")
        return self.binary(OpKind.SUBTRACT, high, low)


def _square_quarter_fn():
    """floor(v²/4) without the square (exact wherever the product a·b fits int64)."""
    return lambda v: (v // 2) * (v - v // 2)


def _relu_fn():
    return lambda v: np.maximum(v, 0)


def _compare_fn(op):
    compare = _COMPARE_WITH_ZERO[op]
    return lambda v: compare(v, 0).astype(np.int64)


def _lower_matmul(builder: _Builder, a: int, b: int) -> int:
    a_shape, b_shape = builder.graph[a].spec.shape, builder.graph[b].spec.shape
    if len(a_shape) == 1 and len(b_shape) == 1:
        product = builder.multiply_encrypted(a, b)
        return builder.unary(OpKind.SUM, product, {"axis": -1, "keepdims": False})
    if len(a_shape) == 1:  # (k,) @ (..., k, m)
        a_expanded = builder.unary(OpKind.EXPAND_DIMS, a, {"axis": -1})
        product = builder.multiply_encrypted(a_expanded, b)
        return builder.unary(OpKind.SUM, product, {"axis": -2, "keepdims": False})
    if len(b_shape) == 1:  # (..., n, k) @ (k,)
        product = builder.multiply_encrypted(a, b)
        return builder.unary(OpKind.SUM, product, {"axis": -1, "keepdims": False})
    a_expanded = builder.unary(OpKind.EXPAND_DIMS, a, {"axis": -1})       # (..., n, k, 1)
    b_expanded = builder.unary(OpKind.EXPAND_DIMS, b, {"axis": -3})       # (..., 1, k, m)
    product = builder.multiply_encrypted(a_expanded, b_expanded)          # (..., n, k, m)
    return builder.unary(OpKind.SUM, product, {"axis": -2, "keepdims": False})


def unsupported_encrypted_ops(graph: Graph) -> list[tuple[Node, str]]:
    """Encrypted nodes no lowering can run, each with the reason."""
    problems = []
    for node in graph.nodes:
        if not node.is_encrypted or node.op in (OpKind.INPUT, OpKind.CONSTANT):
            continue
        encrypted = encrypted_operands(graph, node)
        if node.op in (OpKind.ADD, OpKind.SUBTRACT, OpKind.CONCATENATE, OpKind.STACK,
                       OpKind.ASSIGN, OpKind.DYNAMIC_ASSIGN):
            continue
        if len(encrypted) >= 2 and node.op not in LOWERABLE_BIVARIATE:
            problems.append((node, f"{node.label} of {len(encrypted)} encrypted values is not "
                                   f"supported: table lookups take one encrypted value"))
    return problems


def lower_bivariate(graph: Graph) -> tuple[Graph, dict[int, int]]:
    """Rewrite ops on two encrypted values; returns the new graph and old id -> new id."""
    copier = GraphCopier(graph)
    for node in graph.nodes:
        encrypted = encrypted_operands(graph, node)
        if len(encrypted) < 2 or node.op not in LOWERABLE_BIVARIATE:
            copier.copy(node)
            continue
        builder = _Builder(copier, node.location)
        operands = [copier.mapping[o] for o in node.operands]
        if node.op is OpKind.MULTIPLY:
            result = builder.multiply_encrypted(*operands)
        elif node.op is OpKind.MATMUL:
            result = _lower_matmul(builder, *operands)
        elif node.op in _COMPARE_WITH_ZERO:
            difference = builder.difference(*operands)
            result = builder.univariate(difference, _compare_fn(node.op), node.op.value)
        elif node.op in (OpKind.MAXIMUM, OpKind.MINIMUM):
            a, b = operands
            difference = builder.difference(a, b)
            positive = builder.univariate(difference, _relu_fn(), "relu")
            result = (builder.binary(OpKind.ADD, b, positive) if node.op is OpKind.MAXIMUM
                      else builder.binary(OpKind.SUBTRACT, a, positive))
        elif node.op is OpKind.WHERE:
            condition, x, y = operands
            difference = builder.difference(x, y)
            if graph[node.operands[0]].is_encrypted:
                # where(c, d, 0) of two encrypted values: packed into one lookup once bounds
                # are known (transforms/packing.py)
                selected = builder.select(condition, difference) \
                    if copier.target[difference].is_encrypted else \
                    builder.binary(OpKind.MULTIPLY, condition, difference)
            else:
                selected = builder.binary(OpKind.MULTIPLY, condition, difference)
            result = builder.binary(OpKind.ADD, y, selected)
        else:  # pragma: no cover - guarded by LOWERABLE_BIVARIATE
            raise AssertionError(node.op)
        result_shape = copier.target[result].spec.shape
        if tuple(result_shape) != tuple(node.spec.shape):
            result = copier.target.add(OpKind.BROADCAST_TO, [result],
                                       ValueSpec(TRACE_INTEGER, node.spec.shape, True),
                                       {"shape": tuple(node.spec.shape)}, node.location).id
        copier.mapping[node.id] = result
    return copier.finish(), dict(copier.mapping)
