"""``fhe.zero/one/zeros/ones(_like)``, ``fhe.constant`` (encrypted constants) and ``fhe.array``.

Inside a traced function these are *encrypted* values, as in Concrete, so that they can be
assigned encrypted values or start an encrypted accumulation; they run as trivial (noiseless)
ciphertexts. Outside tracing they are numpy values.
"""
from __future__ import annotations

import numpy as np

from ..core.dtypes import UNMEASURED_INTEGER
from ..core.values import ValueSpec
from ..ir.ops import OpKind
from ..tracing.context import current_context
from ..tracing.tracer import Tracer, wrap


def _encrypted_constant(value: np.ndarray):
    context = current_context()
    if context is None:
        return value if value.ndim else value.item()
    node = context.add_node(OpKind.CONSTANT, [], {"value": value, "trivial": True},
                            spec=ValueSpec(UNMEASURED_INTEGER, value.shape, True))
    return wrap(context, node)


def _shape(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def zeros(shape):
    """An encrypted tensor of zeros of ``shape``."""
    return _encrypted_constant(np.zeros(_shape(shape), dtype=np.int64))


def ones(shape):
    """An encrypted tensor of ones of ``shape``."""
    return _encrypted_constant(np.ones(_shape(shape), dtype=np.int64))


def zero():
    """An encrypted scalar 0."""
    return zeros(())


def one():
    """An encrypted scalar 1."""
    return ones(())


def zeros_like(x):
    """Encrypted zeros of ``x``'s shape."""
    return zeros(np.shape(x) if not isinstance(x, Tracer) else x.shape)


def ones_like(x):
    """Encrypted ones of ``x``'s shape."""
    return ones(np.shape(x) if not isinstance(x, Tracer) else x.shape)


def constant(x):
    """``x`` (a clear value, traced or not) as an encrypted value: Concrete's server-side
    trivial encryption, ``zeros(shape) + x``, for ops that need an encrypted operand."""
    return zeros_like(x) + x


def _flatten(values) -> list:
    if isinstance(values, (list, tuple)):
        return [item for value in values for item in _flatten(value)]
    return [values]


def _shape_of_nested(values) -> tuple[int, ...]:
    if isinstance(values, (list, tuple)):
        inner = {_shape_of_nested(v) for v in values}
        if len(inner) != 1:
            raise ValueError("fhe.array needs a rectangular nesting of values")
        return (len(values),) + inner.pop()
    if isinstance(values, Tracer):
        if values.shape != ():
            raise ValueError(f"fhe.array takes scalars, got a value of shape {values.shape}")
        return ()
    return np.shape(values)


def array(values):
    """A tensor built from (nested lists of) scalars, traced or not (``np.array`` for tracers)."""
    items = _flatten(values)
    if not any(isinstance(item, Tracer) for item in items):
        return np.array(values)
    shape = _shape_of_nested(values)
    return np.reshape(np.stack([np.reshape(item, ()) if isinstance(item, Tracer)
                                else np.asarray(item, dtype=np.int64) for item in items]), shape)
