"""The operations a graph node can perform.

Ops are enum members, never strings. What an op *does* (its clear semantics,
bounds, cost, lowering) lives in tables keyed by ``OpKind`` in the layers above.
"""
from __future__ import annotations

from enum import Enum


class OpKind(Enum):
    # sources
    INPUT = "input"
    CONSTANT = "constant"
    # arithmetic (linear ones run leveled on ciphertexts)
    ADD = "add"
    SUBTRACT = "subtract"
    MULTIPLY = "multiply"
    NEGATIVE = "negative"
    MATMUL = "matmul"
    SUM = "sum"
    CONV = "conv"                     # attrs: strides, pads, dilations, groups (fhe.conv)
    # non-linear integer ops (table lookups when encrypted)
    POWER = "power"
    FLOOR_DIVIDE = "floor_divide"
    REMAINDER = "remainder"
    LESS = "less"
    LESS_EQUAL = "less_equal"
    EQUAL = "equal"
    NOT_EQUAL = "not_equal"
    GREATER = "greater"
    GREATER_EQUAL = "greater_equal"
    MAXIMUM = "maximum"
    MINIMUM = "minimum"
    ABSOLUTE = "absolute"
    CLIP = "clip"
    WHERE = "where"
    ROUND_BIT_PATTERN = "round_bit_pattern"
    # elementwise float math (fused into table lookups); attrs["ufunc"] holds the numpy ufunc
    UFUNC = "ufunc"
    ASTYPE = "astype"
    # table lookups
    LOOKUP_TABLE = "lookup_table"     # attrs["table"]: explicit table (fhe.LookupTable)
    UNIVARIATE = "univariate"         # attrs["function"]: a function of one value (fhe.univariate)
    TLU = "tlu"                       # a fused subgraph evaluated by one table lookup
    # shape and data movement (free on ciphertexts)
    RESHAPE = "reshape"
    TRANSPOSE = "transpose"
    EXPAND_DIMS = "expand_dims"
    SQUEEZE = "squeeze"
    BROADCAST_TO = "broadcast_to"
    CONCATENATE = "concatenate"
    STACK = "stack"
    INDEX = "index"

    def __str__(self) -> str:
        return self.value


#: Ops that act on ciphertexts without a bootstrap when every non-encrypted operand is clear.
LINEAR_OPS = frozenset({
    OpKind.ADD, OpKind.SUBTRACT, OpKind.NEGATIVE, OpKind.MULTIPLY, OpKind.MATMUL, OpKind.SUM,
    OpKind.CONV, OpKind.RESHAPE, OpKind.TRANSPOSE, OpKind.EXPAND_DIMS, OpKind.SQUEEZE, OpKind.BROADCAST_TO,
    OpKind.CONCATENATE, OpKind.STACK, OpKind.INDEX,
})

#: Ops that only move data: bounds of the output are those of the input.
DATA_MOVEMENT_OPS = frozenset({
    OpKind.RESHAPE, OpKind.TRANSPOSE, OpKind.EXPAND_DIMS, OpKind.SQUEEZE, OpKind.BROADCAST_TO,
    OpKind.CONCATENATE, OpKind.STACK, OpKind.INDEX,
})

#: Elementwise ops whose operands broadcast against each other.
ELEMENTWISE_OPS = frozenset({
    OpKind.ADD, OpKind.SUBTRACT, OpKind.MULTIPLY, OpKind.NEGATIVE, OpKind.POWER,
    OpKind.FLOOR_DIVIDE, OpKind.REMAINDER, OpKind.LESS, OpKind.LESS_EQUAL, OpKind.EQUAL,
    OpKind.NOT_EQUAL, OpKind.GREATER, OpKind.GREATER_EQUAL, OpKind.MAXIMUM, OpKind.MINIMUM,
    OpKind.ABSOLUTE, OpKind.CLIP, OpKind.WHERE, OpKind.ROUND_BIT_PATTERN, OpKind.UFUNC,
    OpKind.ASTYPE, OpKind.LOOKUP_TABLE, OpKind.UNIVARIATE, OpKind.TLU,
})

#: Ops that are always a table lookup when their single encrypted operand is encrypted.
TABLE_LOOKUP_OPS = frozenset({OpKind.LOOKUP_TABLE, OpKind.UNIVARIATE, OpKind.TLU})
