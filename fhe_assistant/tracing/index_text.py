"""Refusing malformed indices (``x[1.5]``, ``x[1.5:2.5]``, ragged lists) as Concrete does.

Concrete raises ``ValueError("Tracer<output=EncryptedTensor<uint3, shape=(3,)>> cannot be
indexed with 1.5")`` (``… [1.5] cannot be assigned 0`` for an assignment); programs and tests
compare that text, so it is the message here too, with the detail, the line and the fix as
exception notes. The value is described as Concrete describes it while tracing: an input by
its first inputset sample, anything else by its traced type.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..core.errors import TracingValueError

_HINT = "index with integers, slices of integers, None, ... or integer arrays"


def _is_integer(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def _element_is_malformed(item) -> bool:
    if item is None or item is Ellipsis or _is_integer(item) or hasattr(item, "_node_id"):
        return False
    if isinstance(item, slice):
        return any(bound is not None and not _is_integer(bound)
                   for bound in (item.start, item.stop, item.step))
    if isinstance(item, (list, np.ndarray)):
        try:
            array = np.asarray(item)
        except ValueError:  # ragged
            return True
        return array.dtype.kind not in "iub"
    return True


def is_malformed(index) -> bool:
    """An index element that is not an integer, a slice of integers, None, ``...``, an
    integer array (rectangular) or a traced value."""
    items = index if isinstance(index, tuple) else (index,)
    return any(_element_is_malformed(item) for item in items)


def format_index(index) -> str:
    """Concrete's text of an index: ``1.5``, ``1.5:2.5``, ``0, 1.5``, ``['abc', 3]``."""
    def element(item) -> str:
        if isinstance(item, slice):
            text = ("" if item.start is None else str(item.start)) + ":" + \
                   ("" if item.stop is None else str(item.stop))
            return text + ("" if item.step is None else f":{item.step}")
        if item is Ellipsis:
            return "..."
        return str(item)

    items = index if isinstance(index, tuple) else (index,)
    return ", ".join(element(item) for item in items)


def describe(tracer) -> str:
    """``Tracer<output=EncryptedTensor<uint3, shape=(3,)>>``."""
    spec = tracer._context.described.get(tracer._node_id, tracer.node.spec)
    return f"Tracer<output={spec}>"


def refuse_index(tracer, index, location) -> None:
    if is_malformed(index):
        raise TracingValueError(f"{describe(tracer)} cannot be indexed with "
                                f"{format_index(index)}", location, hint=_HINT)


def refuse_assignment(tracer, index, value, location) -> None:
    if is_malformed(index):
        raise TracingValueError(f"{describe(tracer)}[{format_index(index)}] cannot be "
                                f"assigned {value}", location, hint=_HINT)
