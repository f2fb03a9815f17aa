"""Which numpy callables can be traced, and the node each one becomes."""
from __future__ import annotations

import sys

import numpy as np

from ..core.errors import TracingError, TracingValueError
from ..core.location import user_location
from ..ir.ops import OpKind
from .context import TraceContext
from .index_text import refuse_index
from .tracer import Tracer, as_operand, wrap
from .typing import ScalarAnnotation

#: ufuncs that map onto an op of their own.
UFUNC_OPS: dict[np.ufunc, OpKind] = {
    np.add: OpKind.ADD, np.subtract: OpKind.SUBTRACT, np.multiply: OpKind.MULTIPLY,
    np.negative: OpKind.NEGATIVE, np.power: OpKind.POWER, np.floor_divide: OpKind.FLOOR_DIVIDE,
    np.remainder: OpKind.REMAINDER, np.less: OpKind.LESS, np.less_equal: OpKind.LESS_EQUAL,
    np.equal: OpKind.EQUAL, np.not_equal: OpKind.NOT_EQUAL, np.greater: OpKind.GREATER,
    np.greater_equal: OpKind.GREATER_EQUAL, np.maximum: OpKind.MAXIMUM,
    np.minimum: OpKind.MINIMUM, np.absolute: OpKind.ABSOLUTE, np.matmul: OpKind.MATMUL,
}

#: Elementwise ufuncs kept as generic UFUNC nodes (float math, bit ops): with one encrypted
#: operand they become table lookups; floats among them must be fused before compiling.
ELEMENTWISE_UFUNCS = frozenset({
    np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.arctan2, np.sinh, np.cosh,
    np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.exp, np.exp2, np.expm1, np.log, np.log2,
    np.log10, np.log1p, np.sqrt, np.cbrt, np.square, np.reciprocal, np.true_divide, np.rint,
    np.floor, np.ceil, np.trunc, np.sign, np.fabs, np.hypot, np.logaddexp, np.logaddexp2,
    np.fmod, np.fmax, np.fmin, np.float_power, np.deg2rad, np.rad2deg, np.degrees,
    np.radians, np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift,
    np.right_shift, np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
    np.isnan, np.isinf, np.isfinite, np.signbit, np.copysign, np.nextafter, np.heaviside,
    np.spacing,
})


SUPPORTED_HINT = ("supported: arithmetic (+ - * // % **), @ / np.dot / np.matmul, np.sum, "
                  "comparisons, np.maximum / np.minimum, np.abs, np.clip, np.where, "
                  "reshape / flatten / transpose / expand_dims / squeeze, np.concatenate, "
                  "np.stack, indexing, astype and elementwise float math (np.sin, np.exp, …)")


def _unsupported(name: str, hint: str = "") -> TracingError:
    return TracingError(f"numpy function {name} is not supported in FHE programs",
                        user_location(), hint=hint or SUPPORTED_HINT)


def trace_ufunc(context: TraceContext, ufunc, method, inputs, kwargs):
    if method != "__call__":
        raise _unsupported(f"np.{ufunc.__name__}.{method}",
                           "reductions: use np.sum; others are not supported")
    if kwargs.get("out") is not None:
        out = kwargs["out"]
        out = out[0] if isinstance(out, tuple) and len(out) == 1 else out
        if not (isinstance(out, Tracer) and any(out is i for i in inputs)):
            raise _unsupported(f"np.{ufunc.__name__}(..., out=...)",
                               "drop out= and use the result")
        # in place (x += y): x becomes the result, as an ndarray would
        result = trace_ufunc(context, ufunc, method, inputs,
                             {k: v for k, v in kwargs.items() if k != "out"})
        if not isinstance(result, Tracer) or result.shape != out.shape:
            raise _unsupported(f"np.{ufunc.__name__}(..., out=...) changing the shape "
                               f"{out.shape}", "use the result: x = x + y")
        out._node_id = result._node_id
        return out
    if kwargs.get("where", True) is not True:
        raise _unsupported(f"np.{ufunc.__name__}(..., where=...)",
                           "compute everywhere and select with np.where(mask, result, other)")
    if kwargs.get("dtype") is not None and ufunc not in ELEMENTWISE_UFUNCS:
        raise _unsupported(f"np.{ufunc.__name__}(..., dtype=...)",
                           "cast the operands with .astype(...) first")
    if ufunc is np.positive:
        return inputs[0]
    operands = [as_operand(context, value) for value in inputs]
    if ufunc in UFUNC_OPS:
        node = context.add_node(UFUNC_OPS[ufunc], operands)
    elif ufunc in ELEMENTWISE_UFUNCS:
        extra = {k: v for k, v in kwargs.items() if k in ("dtype",)}
        node = context.add_node(OpKind.UFUNC, operands, {"ufunc": ufunc, "kwargs": extra})
    else:
        raise _unsupported(f"np.{ufunc.__name__}")
    return wrap(context, node)


def _normalize_axis(axis):
    if isinstance(axis, list):
        return tuple(int(a) for a in axis)
    if isinstance(axis, tuple):
        return tuple(int(a) for a in axis)
    return None if axis is None else int(axis)


def _sum(context, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         **_):
    if out is not None:
        raise _unsupported("np.sum(..., out=...)", "drop out= and use the result")
    if initial is not None:
        raise _unsupported("np.sum(..., initial=...)", "add the initial value to the sum")
    if where is not None:
        raise _unsupported("np.sum(..., where=...)", "sum np.where(mask, x, 0) instead")
    if dtype is not None:
        same_kind = isinstance(a, Tracer) and np.dtype(dtype) == a.dtype
        if not same_kind:
            raise _unsupported(f"np.sum(..., dtype={np.dtype(dtype).name})",
                               "cast the operand with .astype(...) before summing")
    node = context.add_node(OpKind.SUM, [as_operand(context, a)],
                            {"axis": _normalize_axis(axis), "keepdims": bool(keepdims)})
    return wrap(context, node)


def _matmul(context, a, b, *args, **kwargs):
    node = context.add_node(OpKind.MATMUL, [as_operand(context, a), as_operand(context, b)])
    return wrap(context, node)


def _dot(context, a, b, out=None):
    a_ndim, b_ndim = np.ndim(a) if not isinstance(a, Tracer) else a.ndim, \
        np.ndim(b) if not isinstance(b, Tracer) else b.ndim
    if a_ndim == 0 or b_ndim == 0:
        return np.multiply(a, b)
    if a_ndim > 2 or b_ndim > 2:
        raise _unsupported("np.dot on arrays of more than 2 dimensions", "use np.matmul")
    return _matmul(context, a, b)


def _reshape(context, a, shape=None, order="C", *, newshape=None, copy=None):
    shape = newshape if shape is None else shape
    if order != "C":
        raise _unsupported(f"reshape with order={order!r}", "use the default C order")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    tracer = a if isinstance(a, Tracer) else None
    size = tracer.size if tracer is not None else np.size(a)
    if shape.count(-1) > 1:
        raise TracingError(f"reshape to {shape}: only one dimension may be -1", user_location(),
                           hint="give every dimension but one explicitly")
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64)) or 1
        shape = tuple(size // known if s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
        in_shape = tracer.shape if tracer is not None else np.shape(a)
        raise TracingError(f"cannot reshape an array of shape {in_shape} into shape {shape}",
                           user_location(),
                           hint=f"the new shape must hold exactly {size} elements (use -1 for "
                                f"one dimension to have it computed)")
    node = context.add_node(OpKind.RESHAPE, [as_operand(context, a)], {"shape": shape})
    return wrap(context, node)


def _ravel(context, a, order="C"):
    return _reshape(context, a, (-1,), order)


def _transpose(context, a, axes=None):
    node = context.add_node(OpKind.TRANSPOSE, [as_operand(context, a)],
                            {"axes": None if axes is None else tuple(int(x) for x in axes)})
    return wrap(context, node)


def _expand_dims(context, a, axis):
    node = context.add_node(OpKind.EXPAND_DIMS, [as_operand(context, a)],
                            {"axis": _normalize_axis(axis)})
    return wrap(context, node)


def _squeeze(context, a, axis=None):
    node = context.add_node(OpKind.SQUEEZE, [as_operand(context, a)],
                            {"axis": _normalize_axis(axis)})
    return wrap(context, node)


def _broadcast_to(context, array, shape, subok=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    node = context.add_node(OpKind.BROADCAST_TO, [as_operand(context, array)], {"shape": shape})
    return wrap(context, node)


def _concatenate(context, arrays, axis=0, out=None, dtype=None, casting=None):
    if axis is None:
        arrays = [np.reshape(a, (-1,)) for a in arrays]
        axis = 0
    operands = [as_operand(context, a) for a in arrays]
    node = context.add_node(OpKind.CONCATENATE, operands, {"axis": int(axis)})
    return wrap(context, node)


def _stack(context, arrays, axis=0, out=None, dtype=None, casting=None):
    operands = [as_operand(context, a) for a in arrays]
    node = context.add_node(OpKind.STACK, operands, {"axis": int(axis)})
    return wrap(context, node)


def _where(context, condition, x=None, y=None):
    if x is None or y is None:
        raise _unsupported("np.where(condition) with one argument (nonzero)",
                           "use np.where(condition, a, b)")
    operands = [as_operand(context, v) for v in (condition, x, y)]
    return wrap(context, context.add_node(OpKind.WHERE, operands))


def _clip(context, a, a_min=None, a_max=None, out=None, *, min=None, max=None, **_):
    low = a_min if a_min is not None else min
    high = a_max if a_max is not None else max
    if low is None and high is None:
        raise TracingError("np.clip needs a lower or an upper bound", user_location(),
                           hint="np.clip(x, low, high); use None for a missing side")
    if low is None:
        return np.minimum(a, high)
    if high is None:
        return np.maximum(a, low)
    operands = [as_operand(context, v) for v in (a, low, high)]
    return wrap(context, context.add_node(OpKind.CLIP, operands))


def _round(context, a, decimals=0, out=None):
    """numpy's rounding (half to even); integers stay integers, as in numpy."""
    if out is not None:
        raise _unsupported("np.round(..., out=...)", "drop out= and use the result")
    decimals = int(decimals)
    is_integer = isinstance(a, Tracer) and not a.node.spec.is_float
    if is_integer and decimals >= 0:
        return a
    if decimals == 0:
        return np.rint(a)
    if decimals > 0:  # numpy: multiply, round, divide
        scale = 10.0 ** decimals
        return np.rint(np.multiply(a, scale)) / scale
    scale = 10 ** -decimals  # numpy: divide, round, multiply
    rounded = np.multiply(np.rint(np.true_divide(a, scale)), scale)
    return rounded.astype(np.int64) if is_integer else rounded


def _like(fill):
    def build(context, a, dtype=None, order="K", subok=True, shape=None, **_):
        shape = a.shape if shape is None else shape
        dtype = dtype or (np.float64 if a.node.spec.is_float else np.int64)
        return np.full(shape, fill, dtype=dtype)

    return build


def _full_like(context, a, fill_value, dtype=None, order="K", subok=True, shape=None, **_):
    return _like(fill_value)(context, a, dtype, order, subok, shape)


def _copy(context, a, *args, **kwargs):
    """``np.copy(x)``: a new tracer of the same value, so that assigning into the copy
    (``y = np.copy(x); y[1] = v``) leaves ``x`` as it was (as ``x.copy()``)."""
    return a.copy() if isinstance(a, Tracer) else np.copy(a, *args, **kwargs)


def _shape(context, a):
    return a.shape


def _ndim(context, a):
    return a.ndim


def _size(context, a, axis=None):
    return a.size if axis is None else a.shape[axis]


FUNCTIONS = {
    np.sum: _sum, np.matmul: _matmul, np.dot: _dot, np.reshape: _reshape, np.ravel: _ravel,
    np.transpose: _transpose, np.expand_dims: _expand_dims, np.squeeze: _squeeze,
    np.broadcast_to: _broadcast_to, np.concatenate: _concatenate, np.stack: _stack,
    np.where: _where, np.clip: _clip, np.round: _round, np.around: _round,
    np.zeros_like: _like(0), np.ones_like: _like(1), np.full_like: _full_like, np.copy: _copy,
    np.shape: _shape, np.ndim: _ndim, np.size: _size,
}

_FUNCTION_HINTS = {
    "mean": "use np.sum(x) and divide after the fact, or multiply by a constant inside a "
            "float expression that ends in astype(int)",
    "max": "use np.maximum on pairs of values", "min": "use np.minimum on pairs of values",
    "amax": "use np.maximum on pairs of values", "amin": "use np.minimum on pairs of values",
    "argmax": "compute argmax in the clear after decryption",
    "argmin": "compute argmin in the clear after decryption",
    "sort": "sorting encrypted values is not supported; sort in the clear after decryption",
}


def _register_reductions() -> None:
    from .reductions import REDUCTION_FUNCTIONS

    FUNCTIONS.update(REDUCTION_FUNCTIONS)


_register_reductions()


def trace_function(context: TraceContext, func, args, kwargs):
    handler = FUNCTIONS.get(func)
    if handler is None:
        name = getattr(func, "__name__", str(func))
        raise _unsupported(f"np.{name}", _FUNCTION_HINTS.get(name, ""))
    return handler(context, *args, **kwargs)


def _normalize_index(index, ndim: int, location) -> tuple:
    """An index without Ellipsis: ints, slices, None and integer arrays (numpy's advanced
    indexing: several arrays broadcast together, as in Concrete)."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for item in index:
        if isinstance(item, Tracer):
            raise TracingError("indexing with an encrypted value is not supported", location,
                               hint="use a clear index, or a LookupTable over the values")
        if isinstance(item, (list, np.ndarray)):
            item = np.asarray(item)
            if item.dtype.kind == "b":
                raise TracingError("boolean mask indexing is not supported", location,
                                   hint="use np.where(mask, x, 0)")
            if item.dtype.kind not in "iu":
                raise TracingError(f"index array of dtype {item.dtype} is not supported", location,
                                   hint="index with integers, slices, None, ... or integer arrays")
        elif isinstance(item, (np.integer, int)) and not isinstance(item, bool):
            item = int(item)
        elif not (item is None or item is Ellipsis or isinstance(item, slice)):
            raise TracingError(f"unsupported index {item!r}", location,
                               hint="index with integers, slices, None, ... or integer arrays")
        items.append(item)
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise TracingError("an index can only have a single ellipsis ('...')", location,
                           hint="keep one '...' in the index")
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    if consumed > ndim:
        raise TracingError(f"too many indices ({consumed}) for a value with {ndim} dimensions",
                           location, hint=f"give at most {ndim} indices (the value's shape is "
                                          f"known while tracing: x.shape)")
    if Ellipsis in [i for i in items if not isinstance(i, np.ndarray)]:
        position = next(k for k, i in enumerate(items) if i is Ellipsis)
        items[position:position + 1] = [slice(None)] * (ndim - consumed)
    return tuple(items)


def trace_index(context: TraceContext, tracer: Tracer, index):
    location = user_location()
    refuse_index(tracer, index, location)
    index = _normalize_index(index, tracer.ndim, location)
    for axis_position, item in enumerate(i for i in index if i is not None):
        if isinstance(item, int):
            dim = tracer.shape[axis_position]
            if not -dim <= item < dim:
                raise TracingError(f"index {item} is out of bounds for axis {axis_position} "
                                   f"with size {dim}", location,
                                   hint=f"use an index in [-{dim}, {dim - 1}]")
    node = context.add_node(OpKind.INDEX, [tracer._node_id], {"index": index}, location)
    return wrap(context, node)


def trace_astype(context: TraceContext, tracer: Tracer, dtype):
    if isinstance(dtype, type) and issubclass(dtype, ScalarAnnotation):  # fhe.uint3 …
        declared = dtype.dtype
        target = np.dtype(np.int64 if hasattr(declared, "is_signed") else np.float64)
        node = context.add_node(OpKind.ASTYPE, [tracer._node_id],
                                {"dtype": target, "outputs": str(declared)})
        return wrap(context, node)
    if context.direct:
        raise TracingValueError("`astype` method must be called with an fhe type for direct "
                                "circuit definition (e.g., value.astype(fhe.uint4))")
    target = np.dtype(dtype)
    if target.kind not in "iufb":
        raise TracingError(f"astype({target}) is not supported", user_location(),
                           hint="cast to an integer or a float type")
    if target.kind == "b":
        return np.not_equal(tracer, 0)
    node = context.add_node(OpKind.ASTYPE, [tracer._node_id], {"dtype": target})
    return wrap(context, node)


Tracer.numpy_api = sys.modules[__name__]
