"""Clear semantics of every op: the executable specification (the virtual library).

Each rule maps ``(node, operands)`` to the node's value. Operands and results are
batched: shape ``(batch, *sample_shape)``; integers are int64, floats float64.
These rules are what an encrypted run must reproduce.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.errors import EvaluationError
from ..ir.node import Node
from ..ir.ops import CLIP_TO, OpKind
from ..ir.printer import node_error
from .batching import (
    align,
    align_all,
    apply_index,
    batch_axes,
    batch_axis,
    broadcast_batch,
    normalize_axis,
)
from .convolution import conv_batched
from .walk import Rule, walk_graph

_INT64_SAFE = float(2**62)

RULES: dict[OpKind, Rule] = {}


def rule(*ops: OpKind):
    def register(fn: Rule) -> Rule:
        for op in ops:
            RULES[op] = fn
        return fn

    return register


def _rank(node: Node) -> int:
    return len(node.spec.shape)


def _as_int(value: np.ndarray) -> np.ndarray:
    if value.dtype.kind == "b":
        return value.astype(np.int64)
    return value


def _max_abs(value: np.ndarray) -> float:
    return float(np.max(np.abs(value))) if value.size else 0.0


def _overflow_guard(node: Node, estimate: float, exact_in_float: Callable[[], np.ndarray]) -> None:
    """Refuse integer results past int64: exact semantics end there."""
    if estimate < _INT64_SAFE:
        return
    if _max_abs(exact_in_float()) >= _INT64_SAFE:
        raise node_error(EvaluationError, node, "overflows 64-bit integers",
                         detail="; reduce the inputset range or the constants")


def _is_int(*values) -> bool:
    return all(v.dtype.kind in "iub" for v in values)


#: Below this input magnitude an integer function of one value is assumed not to overflow
#: int64 (a square of 2**31 already reaches 2**62); above it the function is re-run in
#: floating point to detect a silently wrapped int64 result.
_LARGE_INPUT = float(2**20)
#: Past this magnitude float64 no longer holds every integer; a large float result the int64
#: one disagrees with means an intermediate int64 value wrapped (``v * v // 4`` near 2**32).
_FLOAT_EXACT = float(2**52)


def _guard_integer_function(node: Node, function, operands: list, result) -> None:
    """Refuse an int64 result of an arbitrary function (univariate, ufunc) that wrapped."""
    result = np.asarray(result)
    if result.dtype.kind not in "iu" or not _is_int(*operands):
        return
    if max((_max_abs(o) for o in operands), default=0.0) < _LARGE_INPUT \
            and _max_abs(result) < _INT64_SAFE:
        return
    try:
        with np.errstate(all="ignore"):
            approximate = np.asarray(function(*[o.astype(np.float64) for o in operands]),
                                     dtype=np.float64)
    except Exception:  # noqa: BLE001 - it needs integers (bit operations…): nothing to compare
        return
    approximate = np.nan_to_num(approximate, nan=0.0)
    large = np.abs(approximate) >= _FLOAT_EXACT
    wrapped = bool(np.any(large & (np.abs(result - approximate) > 1e-6 * np.abs(approximate))))
    if wrapped or _max_abs(approximate) >= _INT64_SAFE or _max_abs(result) >= _INT64_SAFE:
        raise node_error(EvaluationError, node, "overflows 64-bit integers",
                         detail="; reduce the inputset range or the constants")


_BINARY = {
    OpKind.ADD: np.add, OpKind.SUBTRACT: np.subtract, OpKind.MULTIPLY: np.multiply,
    OpKind.FLOOR_DIVIDE: np.floor_divide, OpKind.REMAINDER: np.remainder,
    OpKind.LESS: np.less, OpKind.LESS_EQUAL: np.less_equal, OpKind.EQUAL: np.equal,
    OpKind.NOT_EQUAL: np.not_equal, OpKind.GREATER: np.greater,
    OpKind.GREATER_EQUAL: np.greater_equal, OpKind.MAXIMUM: np.maximum,
    OpKind.MINIMUM: np.minimum,
}


@rule(*_BINARY)
def _binary(node, args):
    a, b = align_all(args, _rank(node))
    fn = _BINARY[node.op]
    if _is_int(a, b):
        if node.op in (OpKind.ADD, OpKind.SUBTRACT):
            _overflow_guard(node, _max_abs(a) + _max_abs(b),
                            lambda: fn(a.astype(float), b.astype(float)))
        elif node.op is OpKind.MULTIPLY:
            _overflow_guard(node, _max_abs(a) * _max_abs(b),
                            lambda: fn(a.astype(float), b.astype(float)))
        elif node.op in (OpKind.FLOOR_DIVIDE, OpKind.REMAINDER) and np.any(b == 0):
            raise node_error(EvaluationError, node, "divides by zero")
    with np.errstate(all="ignore"):
        return _as_int(fn(a, b))


@rule(OpKind.POWER)
def _power(node, args):
    a, b = align_all(args, _rank(node))
    if _is_int(a, b):
        if np.any(b < 0):
            raise node_error(EvaluationError, node, "has a negative integer exponent")
        _overflow_guard(node, _max_abs(a) ** min(_max_abs(b), 64.0),
                        lambda: np.power(a.astype(float), b.astype(float)))
    with np.errstate(all="ignore"):
        return np.power(a, b)


@rule(OpKind.NEGATIVE)
def _negative(node, args):
    return np.negative(args[0])


@rule(OpKind.ABSOLUTE)
def _absolute(node, args):
    return np.abs(args[0])


@rule(OpKind.CLIP)
def _clip(node, args):
    x, low, high = align_all(args, _rank(node))
    return np.minimum(np.maximum(x, low), high)


@rule(OpKind.WHERE)
def _where(node, args):
    condition, a, b = align_all(args, _rank(node))
    return np.where(condition != 0, a, b)


def round_bits(x, lsbs_to_remove: int):
    """Round to the nearest multiple of 2**lsbs_to_remove (ties up), as Concrete does."""
    if lsbs_to_remove == 0:
        return x
    return ((x + (1 << (lsbs_to_remove - 1))) >> lsbs_to_remove) << lsbs_to_remove


@rule(OpKind.ROUND_BIT_PATTERN)
def _round_bit_pattern(node, args):
    rounded = round_bits(args[0], node.attrs["lsbs_to_remove"])
    clip = node.attrs.get(CLIP_TO)  # an approximate overflow clipped, as Concrete's default
    return rounded if clip is None else np.minimum(rounded, clip)


@rule(OpKind.UFUNC)
def _ufunc(node, args):
    operands = align_all(args, _rank(node))
    ufunc, kwargs = node.attrs["ufunc"], node.attrs.get("kwargs", {})
    with np.errstate(all="ignore"):
        result = _as_int(ufunc(*operands, **kwargs))
    _guard_integer_function(node, lambda *values: ufunc(*values, **kwargs), operands, result)
    return result


@rule(OpKind.ASTYPE)
def _astype(node, args):
    """numpy's own cast (truncation toward zero, wrap-around for small int types)."""
    target = np.dtype(node.attrs["dtype"])
    with np.errstate(all="ignore"):
        value = args[0].astype(target)
    return value.astype(np.int64) if target.kind in "iub" else value.astype(np.float64)


@rule(OpKind.LOOKUP_TABLE)
def _lookup_table(node, args):
    table = node.attrs["table"]
    index = args[0]
    size = table.shape[-1]
    if index.size and (index.min() < -size or index.max() >= size):
        raise node_error(EvaluationError, node, f"is indexed with {int(index.min())}.."
                         f"{int(index.max())} but the table has {size} entries")
    if table.ndim > 1:  # one table per element (a LookupTable of LookupTables)
        tables = np.broadcast_to(table, index.shape + (size,))
        return np.take_along_axis(tables, np.mod(index, size)[..., None], axis=-1)[..., 0]
    return table[index]


@rule(OpKind.UNIVARIATE)
def _univariate(node, args):
    function = node.attrs["function"]
    with np.errstate(all="ignore"):
        try:
            result = np.asarray(function(args[0]))
        except ValueError as error:  # `v if v > 0 else 0`: a function of one scalar
            if "truth value" not in str(error):
                raise
            result = np.asarray(np.vectorize(function)(args[0]))
    result = _as_int(np.broadcast_to(result, args[0].shape)) if result.shape != args[0].shape \
        else _as_int(result)
    _guard_integer_function(node, function, [args[0]], result)
    return result


@rule(OpKind.TLU)
def _tlu(node, args):
    return walk_graph(node.attrs["subgraph"], [args[0]], RULES)[0]


def _matmul_operands(a: np.ndarray, b: np.ndarray):
    """Batched operands for a per-sample ``a @ b`` and the axis to squeeze afterwards."""
    a_rank, b_rank = a.ndim - 1, b.ndim - 1
    squeeze = None
    if a_rank == 1:
        a = a[:, None, :]
        squeeze = -2
        a_rank = 2
    if b_rank == 1:
        b = b[..., None]
        squeeze = -1 if squeeze is None else (-2, -1)
        b_rank = 2
    rank = max(a_rank, b_rank)
    return align(a, rank), align(b, rank), squeeze


@rule(OpKind.MATMUL)
def _matmul(node, args):
    a, b, squeeze = _matmul_operands(*args)
    if _is_int(a, b):
        inner = a.shape[-1]
        _overflow_guard(node, _max_abs(a) * _max_abs(b) * inner,
                        lambda: np.matmul(np.abs(a).astype(float), np.abs(b).astype(float)))
    result = np.matmul(a, b)
    if squeeze is not None:
        result = np.squeeze(result, axis=squeeze)
    return result


@rule(OpKind.CONV)
def _conv(node, args):
    x, weight = args
    attrs = node.attrs
    if _is_int(x, weight):
        _overflow_guard(node, _max_abs(x) * _max_abs(weight) * weight.size,
                        lambda: conv_batched(np.abs(x).astype(float), np.abs(weight).astype(float),
                                             attrs["strides"], attrs["pads"],
                                             attrs["dilations"], attrs["groups"]))
    return conv_batched(x, weight, attrs["strides"], attrs["pads"], attrs["dilations"],
                        attrs["groups"])


@rule(OpKind.SUM)
def _sum(node, args):
    x = args[0]
    axes = batch_axes(node.attrs.get("axis"), x.ndim - 1)
    if _is_int(x):
        count = x.size / max(x.shape[0], 1)
        _overflow_guard(node, _max_abs(x) * count,
                        lambda: np.sum(np.abs(x).astype(float), axis=axes))
    return np.sum(x, axis=axes, keepdims=node.attrs.get("keepdims", False))


@rule(OpKind.RESHAPE)
def _reshape(node, args):
    return args[0].reshape((args[0].shape[0],) + tuple(node.attrs["shape"]))


@rule(OpKind.TRANSPOSE)
def _transpose(node, args):
    x = args[0]
    axes = node.attrs.get("axes")
    ndim = x.ndim - 1
    axes = tuple(reversed(range(ndim))) if axes is None else \
        tuple(normalize_axis(a, ndim) for a in axes)
    return np.transpose(x, (0,) + tuple(a + 1 for a in axes))


@rule(OpKind.EXPAND_DIMS)
def _expand_dims(node, args):
    x = args[0]
    axis = node.attrs["axis"]
    axes = axis if isinstance(axis, tuple) else (axis,)
    out_ndim = x.ndim - 1 + len(axes)
    return np.expand_dims(x, tuple(normalize_axis(a, out_ndim) + 1 for a in axes))


@rule(OpKind.SQUEEZE)
def _squeeze(node, args):
    x = args[0]
    axis = node.attrs.get("axis")
    if axis is None:
        axis = tuple(i for i, d in enumerate(x.shape[1:]) if d == 1)
    return np.squeeze(x, axis=batch_axes(axis, x.ndim - 1))


@rule(OpKind.BROADCAST_TO)
def _broadcast_to(node, args):
    x = align(args[0], len(node.attrs["shape"]))
    return np.broadcast_to(x, (x.shape[0],) + tuple(node.attrs["shape"])).copy()


@rule(OpKind.CONCATENATE)
def _concatenate(node, args):
    values = broadcast_batch(args)
    return np.concatenate(values, axis=batch_axis(node.attrs["axis"], values[0].ndim - 1))


@rule(OpKind.STACK)
def _stack(node, args):
    values = broadcast_batch(args)
    axis = normalize_axis(node.attrs["axis"], values[0].ndim)  # the result has one more axis
    return np.stack(values, axis=axis + 1)


@rule(OpKind.INDEX)
def _index(node, args):
    return apply_index(args[0], node.attrs["index"])
