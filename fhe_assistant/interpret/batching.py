"""Helpers that let per-sample op semantics run on a leading batch axis.

Every value in the interpreter has shape ``(batch, *sample_shape)``; constants have
``batch == 1`` and broadcast. These helpers translate per-sample arguments (axes,
indices, shapes) to the batched array.
"""
from __future__ import annotations

import numpy as np


def sample_ndim(value: np.ndarray) -> int:
    return value.ndim - 1


def align(value: np.ndarray, rank: int) -> np.ndarray:
    """Insert unit axes after the batch axis so the sample rank is ``rank`` (numpy broadcasting)."""
    missing = rank - sample_ndim(value)
    if missing <= 0:
        return value
    return value.reshape((value.shape[0],) + (1,) * missing + value.shape[1:])


def align_all(values, rank: int) -> list[np.ndarray]:
    return [align(v, rank) for v in values]


def batch_axis(axis: int, ndim: int) -> int:
    """Per-sample axis (possibly negative) to the batched array's axis."""
    return (axis % ndim) + 1 if ndim else 1


def batch_axes(axis, ndim: int):
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(batch_axis(a, ndim) for a in axis)
    return batch_axis(axis, ndim)


def batch_size(values) -> int:
    return max(v.shape[0] for v in values)


def broadcast_batch(values) -> list[np.ndarray]:
    """Give every operand the same batch size (constants have batch 1)."""
    size = batch_size(values)
    return [v if v.shape[0] == size else np.broadcast_to(v, (size,) + v.shape[1:]) for v in values]


def batch_index(index: tuple) -> tuple:
    """A per-sample basic index (no Ellipsis left) applied to the batched array."""
    return (slice(None),) + tuple(index)
