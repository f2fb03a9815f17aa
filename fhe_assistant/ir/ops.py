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
    # Concrete's extensions (clear rules in interpret/extension_rules.py)
    EXTRACT_BITS = "extract_bit_pattern"        # attrs["bits"]: int or slice (fhe.bits)
    TRUNCATE_BIT_PATTERN = "truncate_bit_pattern"  # attrs["lsbs_to_remove"]
    ASSIGN = "assign"                   # x[index] = v, static index: attrs["index"]
    DYNAMIC_INDEX = "dynamic_index"     # x[i, …] with clear run-time indices: attrs["index"]
    DYNAMIC_ASSIGN = "dynamic_assign"   # x[i, …] = v with clear run-time indices
    DYNAMIC_TLU = "dynamic_tlu"         # table[x]: a clear run-time table, an encrypted index
    MULTIVARIATE = "multivariate"       # attrs["function"] of several values (fhe.multivariate)

    def __str__(self) -> str:
        return self.value


#: Ops that act on ciphertexts without a bootstrap when every non-encrypted operand is clear.
LINEAR_OPS = frozenset({
    OpKind.ADD, OpKind.SUBTRACT, OpKind.NEGATIVE, OpKind.MULTIPLY, OpKind.MATMUL, OpKind.SUM,
    OpKind.CONV, OpKind.RESHAPE, OpKind.TRANSPOSE, OpKind.EXPAND_DIMS, OpKind.SQUEEZE,
    OpKind.BROADCAST_TO, OpKind.CONCATENATE, OpKind.STACK, OpKind.INDEX, OpKind.ASSIGN,
    OpKind.DYNAMIC_INDEX, OpKind.DYNAMIC_ASSIGN,
})

#: Ops that only move data: bounds of the output are those of the input.
DATA_MOVEMENT_OPS = frozenset({
    OpKind.RESHAPE, OpKind.TRANSPOSE, OpKind.EXPAND_DIMS, OpKind.SQUEEZE, OpKind.BROADCAST_TO,
    OpKind.CONCATENATE, OpKind.STACK, OpKind.INDEX, OpKind.ASSIGN, OpKind.DYNAMIC_INDEX,
    OpKind.DYNAMIC_ASSIGN,
})

#: Data-movement ops whose operands after the first ``RUNTIME_INDEX_START`` are clear run-time
#: indices: they stay clear integers when the moved values are ciphertexts.
RUNTIME_INDEX_OPERANDS = {OpKind.DYNAMIC_INDEX: 1, OpKind.DYNAMIC_ASSIGN: 2}

#: Elementwise ops whose operands broadcast against each other.
ELEMENTWISE_OPS = frozenset({
    OpKind.ADD, OpKind.SUBTRACT, OpKind.MULTIPLY, OpKind.NEGATIVE, OpKind.POWER,
    OpKind.FLOOR_DIVIDE, OpKind.REMAINDER, OpKind.LESS, OpKind.LESS_EQUAL, OpKind.EQUAL,
    OpKind.NOT_EQUAL, OpKind.GREATER, OpKind.GREATER_EQUAL, OpKind.MAXIMUM, OpKind.MINIMUM,
    OpKind.ABSOLUTE, OpKind.CLIP, OpKind.WHERE, OpKind.ROUND_BIT_PATTERN, OpKind.UFUNC,
    OpKind.ASTYPE, OpKind.LOOKUP_TABLE, OpKind.UNIVARIATE, OpKind.TLU, OpKind.EXTRACT_BITS,
    OpKind.TRUNCATE_BIT_PATTERN, OpKind.MULTIVARIATE,
})

#: Ops that are always a table lookup when their single encrypted operand is encrypted.
TABLE_LOOKUP_OPS = frozenset({OpKind.LOOKUP_TABLE, OpKind.UNIVARIATE, OpKind.TLU})

#: ``round_bit_pattern`` attributes of an approximate rounding's overflow clipping
#: (``transforms.rounding_clipping``): from which rounded precision the tracer asked for it,
#: and the largest value the rounding yields once the bounds showed that it overflows.
CLIPS_OVERFLOW_FROM = "clips_overflow_from"
CLIP_TO = "clip_to"
