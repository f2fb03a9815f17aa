"""``Float``: a floating point type of 16, 32 or 64 bits."""
from __future__ import annotations

from .base import BaseDataType


class Float(BaseDataType):
    """A float; only legal inside the parts of a program that become table lookups."""

    def __init__(self, bit_width: int):
        if bit_width not in (16, 32, 64):
            raise ValueError(f"Float({bit_width!r}) is not supported "
                             f"(bit width must be one of 16, 32 or 64)")
        self.bit_width = bit_width

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__) and self.bit_width == other.bit_width

    def __str__(self) -> str:
        return f"float{self.bit_width}"
