"""Extensions that are compositions of traced numpy ops: ``relu``, ``if_then_else``, and the
value-preserving ``identity``, ``refresh`` and ``hint``."""
from __future__ import annotations

import numpy as np

from ..tracing.extensions import univariate
from ..tracing.tracer import Tracer


def relu(x):
    """``max(x, 0)`` elementwise: one table lookup on an encrypted value."""
    if isinstance(x, Tracer):
        return np.maximum(x, 0)
    result = np.maximum(x, 0)
    return int(result) if isinstance(x, (int, np.integer)) else result


def if_then_else(condition, when_true, when_false):
    """``when_true`` where ``condition`` is non-zero, else ``when_false`` (``np.where``)."""
    return np.where(condition, when_true, when_false)


def identity(x):
    """The value itself. Concrete copies it (to give it its own bit width); here bit widths
    come from each node's measured bounds, so the value is returned as is."""
    return x


def _refreshed(value):
    return value


_refreshed.__name__ = "refresh"


def refresh(x):
    """The same value through one table lookup, which resets its noise (one PBS per element)."""
    if isinstance(x, Tracer):
        return univariate(_refreshed)(x)
    return x


def hint(x, *, bit_width: int | None = None, can_store=None):
    """Concrete's bit-width hint. Values are unchanged; here each node's bit width comes from
    its measured bounds and precisions are unified per partition, so the hint has no effect
    (it is validated and accepted so that programs written for Concrete run)."""
    if bit_width is not None and (not isinstance(bit_width, (int, np.integer)) or bit_width < 1):
        raise ValueError(f"hint: bit_width must be a positive integer, got {bit_width!r}")
    return x
