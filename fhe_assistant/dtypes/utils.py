"""Combining data types, and converting to and from the compiler's ``core.dtypes``."""
from __future__ import annotations

from ..core import dtypes as core
from .base import BaseDataType
from .float import Float
from .integer import Integer


def _combine_two(first: BaseDataType, second: BaseDataType) -> BaseDataType:
    if isinstance(first, Integer) and isinstance(second, Integer):
        if first.is_signed == second.is_signed:
            return Integer(first.is_signed, max(first.bit_width, second.bit_width))
        signed, unsigned = (first, second) if first.is_signed else (second, first)
        if unsigned.bit_width >= signed.bit_width:
            return Integer(True, unsigned.bit_width + 1)
        return Integer(True, signed.bit_width)
    if isinstance(first, Float) and isinstance(second, Float):
        return Float(max(first.bit_width, second.bit_width))
    return first if isinstance(first, Float) else second


def combine_dtypes(dtypes: list[BaseDataType]) -> BaseDataType:
    """The type that holds every type in ``dtypes`` (a float wins over integers)."""
    if not dtypes or not all(isinstance(d, (Integer, Float)) for d in dtypes):
        raise AssertionError("combine_dtypes takes a non-empty list of Integer or Float")
    result = dtypes[0]
    for other in dtypes[1:]:
        result = _combine_two(result, other)
    return result


def to_core(dtype: BaseDataType) -> core.DType:
    """The compiler's dtype for a user-facing one."""
    if isinstance(dtype, Integer):
        return core.Integer(dtype.bit_width, dtype.is_signed)
    if isinstance(dtype, Float):
        return core.Float(dtype.bit_width)
    raise TypeError(f"{dtype!r} is not a data type")


def from_core(dtype: core.DType) -> BaseDataType:
    """The user-facing dtype for one of the compiler's."""
    if isinstance(dtype, core.Integer):
        return Integer(dtype.is_signed, dtype.bit_width)
    return Float(dtype.bit_width)
