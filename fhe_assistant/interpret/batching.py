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


def normalize_axis(axis: int, ndim: int) -> int:
    """A per-sample axis in ``[-ndim, ndim)`` as a non-negative one; numpy's AxisError if not.

    (A plain ``axis % ndim`` would silently turn a user's mistake into another axis.)
    """
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def batch_axis(axis: int, ndim: int) -> int:
    """Per-sample axis (possibly negative) to the batched array's axis."""
    return normalize_axis(axis, ndim) + 1


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
    """A per-sample *basic* index (no Ellipsis, no integer array) for the batched array.

    With an integer array this is wrong when numpy moves the advanced dimensions to the
    front (``x[[0, 2], :, 1]``): use ``apply_index``.
    """
    return (slice(None),) + tuple(index)


def apply_index(value: np.ndarray, index: tuple) -> np.ndarray:
    """``sample[index]`` for every sample of ``value`` (any numpy index, advanced included).

    The batch axis is moved last, where it stays a trailing full slice whatever numpy does
    with advanced indices (it puts their dimensions first when they are not adjacent), then
    moved back to the front.
    """
    return np.moveaxis(np.moveaxis(value, 0, -1)[tuple(index)], -1, 0)
