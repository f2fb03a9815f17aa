"""``Tracer``: stands for a traced value and records every numpy operation on it."""
from __future__ import annotations

import numbers

import numpy as np

from ..core.errors import TracingError


class DirectDefinitionError(TracingError, RuntimeError):
    """What a direct circuit definition (``fhe.circuit``) cannot trace (Concrete raises
    ``RuntimeError``)."""

from ..core.location import user_location
from ..ir.ops import OpKind
from .context import TraceContext, spec_of_array

_BRANCH_HINT = ("a traced value has no concrete value while tracing: compute both branches and "
                "select with np.where(condition, a, b)")
_INT_HINT = "keep it a traced value: use x.astype(np.int64) (or np.rint/np.floor first)"
_FLOAT_HINT = ("keep it a traced value: use x.astype(np.float64) and numpy functions (np.sin, "
               "np.exp …) instead of the math module; end with .astype(np.int64)")
_INDEX_HINT = ("loop bounds, shapes and indices must be clear Python ints: use a constant "
               "(e.g. x.shape[0]), or np.where / fhe.LookupTable to select by an encrypted value")

#: ndarray methods a Tracer does not provide, and what to use instead.
_METHOD_HINTS = {
    "mean": "use x.sum() and scale the result (or multiply by 1/n inside a float expression "
            "that ends in .astype(np.int64))",
    "max": "use np.maximum on pairs of values", "min": "use np.minimum on pairs of values",
    "argmax": "compute argmax in the clear after decryption",
    "argmin": "compute argmin in the clear after decryption",
    "sort": "sorting encrypted values is not supported; sort in the clear after decryption",
    "tolist": "keep it a traced value: index it (x[i]) or use numpy operations",
    "item": "keep it a traced value: index it (x[i]) or use numpy operations",
}


class Tracer(np.lib.mixins.NDArrayOperatorsMixin):
    """A node of the graph being traced, behaving like a numpy array.

    Operators and numpy ufuncs go through ``__array_ufunc__``, numpy functions through
    ``__array_function__``; both look the callable up in the tables of ``numpy_api``.
    """

    __array_priority__ = 10_000
    #: The module that traces numpy's protocols (:mod:`.numpy_api`). It builds on this one,
    #: so it installs itself here when imported (``fhe_assistant.tracing`` imports it) rather
    #: than being imported from here.
    numpy_api = None
    #: The module that traces ``x[i] = v`` and run-time indices (:mod:`.assignment`), set
    #: the same way.
    assignment_api = None

    def __init__(self, context: TraceContext, node_id: int):
        self._context = context
        self._node_id = node_id

    # -- plumbing -----------------------------------------------------------------------
    @property
    def node(self):
        return self._context.graph[self._node_id]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.node.spec.shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64) if self.node.spec.is_float else np.dtype(np.int64)

    @property
    def is_encrypted(self) -> bool:
        return self.node.is_encrypted

    def __repr__(self) -> str:
        return f"Tracer(%{self._node_id}: {self.node.spec})"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self.numpy_api.trace_ufunc(self._context, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return self.numpy_api.trace_function(self._context, func, args, kwargs)

    # -- Python protocols that need a concrete value --------------------------------------
    def _no_concrete_value(self, what: str, hint: str = _BRANCH_HINT):
        raise TracingError(f"{what} of a traced value (%{self._node_id}: {self.node.spec}) is not "
                           f"possible: its value is unknown while tracing", user_location(),
                           hint=hint)

    def __getattr__(self, name: str):
        """ndarray methods we do not trace fail with the user's line, not an AttributeError."""
        if not name.startswith("_") and hasattr(np.ndarray, name):
            hint = _METHOD_HINTS.get(name, "")
            if not hint:
                hint = self.numpy_api.SUPPORTED_HINT
            raise TracingError(f"the ndarray method or attribute .{name} is not supported on "
                               f"traced values", user_location(), hint=hint)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __bool__(self):  # noqa: PLE0304 (always raises)
        self._no_concrete_value("a Python `if`/`while`/`and`/`or` (bool())")

    def __int__(self):
        self._no_concrete_value("int()", _INT_HINT)

    def __float__(self):
        self._no_concrete_value("float() (or a math-module function)", _FLOAT_HINT)

    def __complex__(self):
        self._no_concrete_value("complex()", _FLOAT_HINT)

    def __index__(self):  # noqa: PLE0305 (always raises)
        self._no_concrete_value("using as an index, a shape or a range() bound (__index__)",
                                _INDEX_HINT)

    def __array__(self, dtype=None, copy=None):
        raise TracingError(f"converting a traced value (%{self._node_id}) to a concrete numpy "
                           f"array (np.array/np.asarray/math functions) is not possible",
                           user_location(),
                           hint="use numpy operations on the traced value directly; to "
                                "read a clear array at an encrypted index use "
                                "fhe.LookupTable(array)[x]")

    def __len__(self) -> int:
        if not self.shape:
            raise TracingError("len() of a scalar (a traced value of shape ())", user_location(),
                               hint="a scalar has no length; reshape it or index a tensor")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __setitem__(self, index, value):
        self.assignment_api.trace_assignment(self, index, value)

    # -- methods users call ----------------------------------------------------------------
    def __getitem__(self, index):
        if self.assignment_api.has_runtime_index(index):
            return self.assignment_api.trace_dynamic_index(self, index)
        return self.numpy_api.trace_index(self._context, self, index)

    def reshape(self, *shape, **kwargs):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np.reshape(self, shape, **kwargs)

    def flatten(self):
        return np.reshape(self, (-1,))

    def ravel(self):
        return np.reshape(self, (-1,))

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return np.transpose(self, axes or None)

    @property
    def T(self):
        return np.transpose(self)

    def sum(self, axis=None, keepdims=False, **kwargs):
        return np.sum(self, axis=axis, keepdims=keepdims, **kwargs)

    def max(self, axis=None, keepdims=False):
        return np.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return np.min(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return np.dot(self, other)

    def clip(self, a_min=None, a_max=None):
        return np.clip(self, a_min, a_max)

    def squeeze(self, axis=None):
        return np.squeeze(self, axis=axis)

    def copy(self):
        """A new tracer of the same value (so that ``y = x.copy(); y[0] = v`` leaves ``x``)."""
        return Tracer(self._context, self._node_id)

    def __round__(self, ndigits=None):
        """Python's ``round``: to the nearest integer (an integer value) without ``ndigits``."""
        if ndigits is None:
            if self._context.direct:
                raise DirectDefinitionError("'round(x)' cannot be used in direct definition "
                                            "(you may use np.around instead)")
            return np.round(self).astype(np.int64)
        return np.round(self, ndigits)

    def round(self, decimals=0):
        return np.round(self, decimals)

    def astype(self, dtype, **kwargs):
        return self.numpy_api.trace_astype(self._context, self, dtype)


def is_traced(value) -> bool:
    return isinstance(value, Tracer)


def is_scalar_number(value) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, bool)


def as_operand(context: TraceContext, value) -> int:
    """A node id for a tracer, or a new CONSTANT node for a Python/numpy value."""
    if isinstance(value, Tracer):
        if value._context is not context:
            raise TracingError("a traced value from another trace was used", user_location(),
                               hint="do not keep traced values between calls (globals, "
                                    "closures): compute everything from the parameters")
        return value._node_id
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        raise TracingError(f"the integer constant {value} does not fit in 64 bits",
                           user_location(), hint="use smaller constants: exact semantics are "
                                                 "int64 at most")
    array = np.asarray(value)
    if array.dtype == object:
        raise TracingError(f"cannot use {type(value).__name__} {value!r} as a constant: mixes "
                           f"traced and clear values or is not numeric", user_location(),
                           hint="build tensors of traced values with np.stack / np.concatenate")
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    if array.dtype.kind not in "iuf":
        raise TracingError(f"unsupported constant {value!r} of dtype {array.dtype}",
                           user_location(), hint="constants are integers, floats or booleans "
                                                 "(numpy arrays or Python numbers / lists)")
    return context.add_node(OpKind.CONSTANT, [], {"value": array}, spec=_constant_spec(array)).id


def _constant_spec(array: np.ndarray):
    return spec_of_array(array, is_encrypted=False)


def wrap(context: TraceContext, node) -> Tracer:
    return Tracer(context, node.id)
