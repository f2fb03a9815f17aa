"""Data types of graph values: integers of a known bit width, or floats.

Bit widths follow Concrete: an unsigned value needs ``ceil(log2(max + 1))`` bits
(at least 1), a signed value the smallest ``b`` with ``-2**(b-1) <= min`` and
``max < 2**(b-1)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Integer:
    """An integer type; ``bit_width`` counts the sign bit for signed types."""

    bit_width: int
    is_signed: bool

    def __post_init__(self) -> None:
        if self.bit_width < 1:
            raise ValueError(f"bit_width must be >= 1, got {self.bit_width}")

    @property
    def min(self) -> int:
        return -(1 << (self.bit_width - 1)) if self.is_signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bit_width - 1)) - 1 if self.is_signed else (1 << self.bit_width) - 1

    def can_represent(self, value: int) -> bool:
        return self.min <= value <= self.max

    def __str__(self) -> str:
        return f"{'int' if self.is_signed else 'uint'}{self.bit_width}"

    @staticmethod
    def that_can_represent(low: int, high: int) -> Integer:
        """The narrowest integer type holding every value of ``[low, high]``."""
        return Integer(integer_bit_width(low, high), low < 0)


@dataclass(frozen=True, slots=True)
class Float:
    """A floating point type (only legal inside fused subgraphs)."""

    bit_width: int = 64

    def __str__(self) -> str:
        return f"float{self.bit_width}"


DType = Integer | Float

#: The integer type of a node whose range is not measured yet (tracing, lowering).
UNMEASURED_INTEGER = Integer(64, True)


def integer_bit_width(low: int, high: int) -> int:
    """Bits needed for ``[low, high]``: signed (two's complement) when ``low < 0``."""
    low, high = int(low), int(high)
    if low < 0:
        width = 1
        while not (-(1 << (width - 1)) <= low and high < (1 << (width - 1))):
            width += 1
        return width
    return max(1, int(high).bit_length())


def dtype_of_numpy(np_dtype: np.dtype, low=None, high=None) -> DType:
    """Map a numpy dtype (and optional value range) to our dtype."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind == "f":
        return Float(np_dtype.itemsize * 8)
    if np_dtype.kind in "iub":
        if low is None:
            return Integer(np_dtype.itemsize * 8 if np_dtype.kind != "b" else 1, np_dtype.kind == "i")
        return Integer.that_can_represent(low, high)
    raise TypeError(f"unsupported numpy dtype {np_dtype}")
