"""``np.max`` / ``np.min`` (and ``x.max()``, ``x.min()``) of traced values.

A reduction is a balanced tree of pairwise ``np.maximum`` / ``np.minimum``: on encrypted
values each level is one lookup per pair (depth ⌈log2 n⌉), as Concrete lowers it.
"""
from __future__ import annotations

import numpy as np

from ..core.errors import TracingError
from ..core.location import user_location
from .tracer import Tracer


def _take(x: Tracer, axis: int, part: slice) -> Tracer:
    return x[(slice(None),) * axis + (part,)]


def _reduce_axis(x: Tracer, axis: int, pairwise) -> Tracer:
    """Reduce one axis, keeping it with length 1."""
    while x.shape[axis] > 1:
        size = x.shape[axis]
        half = size // 2
        reduced = pairwise(_take(x, axis, slice(0, half)), _take(x, axis, slice(half, 2 * half)))
        if size % 2:
            reduced = np.concatenate([reduced, _take(x, axis, slice(2 * half, size))], axis=axis)
        x = reduced
    return x


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    normalized = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise TracingError(f"axis {a} is out of bounds for a value with {ndim} dimensions",
                               user_location())
        normalized.append(a % ndim)
    return tuple(sorted(set(normalized)))


def _reduction(pairwise, name: str):
    def reduce(context, a, axis=None, out=None, keepdims=False, initial=None, where=None, **_):
        if out is not None or initial is not None or where is not None:
            raise TracingError(f"np.{name}(..., out/initial/where=...) is not supported",
                               user_location(), hint=f"call np.{name}(x, axis=..., keepdims=...)")
        if not isinstance(a, Tracer):
            a = np.asarray(a)
        if a.ndim == 0:
            return a
        if 0 in a.shape:
            raise TracingError(f"np.{name} of an empty array", user_location())
        axes = _axes(axis, a.ndim)
        for current in axes:
            a = _reduce_axis(a, current, pairwise)
        if keepdims:
            return a
        kept = tuple(d for i, d in enumerate(a.shape) if i not in axes)
        return np.reshape(a, kept)

    reduce.__name__ = name
    return reduce


_max = _reduction(np.maximum, "max")
_min = _reduction(np.minimum, "min")

REDUCTION_FUNCTIONS = {np.max: _max, np.amax: _max, np.min: _min, np.amin: _min}
