"""``Integer``: a signed or unsigned integer of a given bit width (Concrete's API)."""
from __future__ import annotations

from functools import partial

import numpy as np

from ..core.dtypes import integer_bit_width
from .base import BaseDataType


class Integer(BaseDataType):
    """An integer type; ``bit_width`` counts the sign bit of signed integers."""

    def __init__(self, is_signed: bool, bit_width: int):
        if isinstance(bit_width, bool) or not isinstance(bit_width, (int, np.integer)) \
                or bit_width <= 0:
            name = "SignedInteger" if is_signed else "UnsignedInteger"
            raise ValueError(f"{name}({bit_width!r}) is not supported "
                             f"(bit width must be a positive integer)")
        self.is_signed = bool(is_signed)
        self.bit_width = int(bit_width)

    @staticmethod
    def that_can_represent(value, force_signed: bool = False) -> Integer:
        """The narrowest integer holding ``value`` (an int, or every element of an array)."""
        if isinstance(value, list):
            try:
                value = np.array(value, dtype=np.int64)
            except (TypeError, ValueError, OverflowError):
                pass
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            low = high = int(value)
        elif isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer) \
                and value.size > 0:
            low, high = int(value.min()), int(value.max())
        else:
            raise ValueError(f"Integer cannot represent {value!r}")
        is_signed = force_signed or low < 0
        if is_signed:
            return Integer(True, integer_bit_width(min(low, -1), high))
        return Integer(False, integer_bit_width(low, high))

    def update_to_represent(self, value, force_signed: bool = False) -> None:
        """Widen (or narrow) in place to the narrowest integer holding ``value``."""
        wanted = Integer.that_can_represent(value, force_signed)
        self.is_signed, self.bit_width = wanted.is_signed, wanted.bit_width

    def min(self) -> int:
        return -(1 << (self.bit_width - 1)) if self.is_signed else 0

    def max(self) -> int:
        return (1 << (self.bit_width - 1)) - 1 if self.is_signed else (1 << self.bit_width) - 1

    def can_represent(self, value: int) -> bool:
        return self.min() <= value <= self.max()

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, self.__class__) and self.is_signed == other.is_signed
                and self.bit_width == other.bit_width)

    def __str__(self) -> str:
        return f"{'int' if self.is_signed else 'uint'}{self.bit_width}"


SignedInteger = partial(Integer, True)
UnsignedInteger = partial(Integer, False)
