"""Quantized values inside a program: integers plus the affine map back to floats.

A float value ``x`` of the original program is carried as an integer node ``q`` with
``x ≈ scale * q + offset``; ``scale`` and ``offset`` are float arrays that broadcast
against one sample of ``q`` (scalars per tensor, vectors per channel, full arrays per
element). Linear operations with constants only change the map (they cost nothing under
FHE); non-linear ones become table lookups that read ``q`` and write a new quantized value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def compress(array, shape: tuple[int, ...]) -> np.ndarray:
    """The smallest array that broadcasts to ``shape`` with the same values.

    Axes along which ``array`` is constant shrink to 1, then leading unit axes are dropped
    (a per-feature vector stays a vector, a constant becomes a scalar).
    """
    full = np.broadcast_to(np.asarray(array, dtype=np.float64), shape)
    reduced = full
    for axis in range(full.ndim):
        first = np.take(reduced, [0], axis=axis)
        if np.all(reduced == first):
            reduced = first
    while reduced.ndim and reduced.shape[0] == 1:
        reduced = reduced[0]
    return np.array(reduced, dtype=np.float64)  # (ascontiguousarray would make 0-d arrays 1-d)


def varies_only_along_last(array, shape: tuple[int, ...]) -> bool:
    """True when ``array`` (broadcast to ``shape``) is constant along every axis but the last."""
    return np.ndim(compress(array, shape)) <= 1


def last_axis_vector(array, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` as a vector over the last axis of ``shape`` (it must vary only along it)."""
    compact = compress(array, shape)
    size = shape[-1] if shape else 1
    return np.broadcast_to(compact, (size,)).astype(np.float64) if np.ndim(compact) <= 1 \
        else compact


@dataclass(frozen=True, eq=False)
class QValue:
    """An encrypted integer node standing for ``scale * q + offset``."""

    node: int
    scale: np.ndarray
    offset: np.ndarray
    shape: tuple[int, ...]

    @staticmethod
    def of(node: int, scale, offset, shape) -> QValue:
        shape = tuple(shape)
        return QValue(node, compress(scale, shape), compress(offset, shape), shape)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        """Floats of a batch of integers (``q`` of shape ``(batch, *shape)``)."""
        return np.asarray(q, dtype=np.float64) * self.scale + self.offset

    @property
    def has_uniform_scale(self) -> bool:
        return np.ndim(self.scale) == 0

    def same_map(self, other: QValue) -> bool:
        shape = np.broadcast_shapes(self.shape, other.shape)
        return bool(np.allclose(np.broadcast_to(self.scale, shape),
                                np.broadcast_to(other.scale, shape), rtol=1e-12, atol=0)
                    and np.allclose(np.broadcast_to(self.offset, shape),
                                    np.broadcast_to(other.offset, shape), rtol=1e-12, atol=1e-300))
