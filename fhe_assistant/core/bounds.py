"""Measured value ranges of nodes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dtypes import DType, Float, Integer


@dataclass(frozen=True, slots=True)
class Bounds:
    """Inclusive [min, max] observed for a node over an inputset."""

    min: float
    max: float

    def union(self, other: Bounds) -> Bounds:
        return Bounds(min(self.min, other.min), max(self.max, other.max))

    @staticmethod
    def of(values) -> Bounds:
        array = np.asarray(values)
        if array.size == 0:
            raise ValueError("cannot take bounds of an empty array")
        low, high = array.min(), array.max()
        if array.dtype.kind in "iub":
            return Bounds(int(low), int(high))
        return Bounds(float(low), float(high))

    def is_integral(self) -> bool:
        return float(self.min).is_integer() and float(self.max).is_integer()

    def dtype(self, values_are_float: bool) -> DType:
        if values_are_float:
            return Float(64)
        return Integer.that_can_represent(int(self.min), int(self.max))

    def __str__(self) -> str:
        def fmt(v):
            return str(int(v)) if float(v).is_integer() else f"{v:.6g}"

        return f"[{fmt(self.min)}, {fmt(self.max)}]"
