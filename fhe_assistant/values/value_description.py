"""``ValueDescription``: Concrete's user-facing description of a value.

The compiler's own record is ``core.values.ValueSpec``; ``to_spec`` converts.
"""
from __future__ import annotations

import numpy as np

from ..core.values import ValueSpec
from ..dtypes import BaseDataType, Float, Integer, UnsignedInteger, to_core

_FLOAT_WIDTHS = {np.dtype(np.float64): 64, np.dtype(np.float32): 32, np.dtype(np.float16): 16}


class ValueDescription:
    """The data type, shape and encryption status of one value."""

    def __init__(self, dtype: BaseDataType, shape: tuple[int, ...], is_encrypted: bool):
        self.dtype = dtype
        self.shape = tuple(shape)
        self.is_encrypted = is_encrypted

    @staticmethod
    def of(value, is_encrypted: bool = False) -> ValueDescription:
        """The narrowest description of a Python/numpy value."""
        if isinstance(value, (bool, np.bool_)):
            return ValueDescription(UnsignedInteger(1), (), is_encrypted)
        if isinstance(value, (int, np.integer)):
            return ValueDescription(Integer.that_can_represent(value), (), is_encrypted)
        if isinstance(value, (float, np.floating)):
            width = _FLOAT_WIDTHS.get(np.asarray(value).dtype, 64)
            return ValueDescription(Float(width), (), is_encrypted)
        if isinstance(value, list):
            try:
                value = np.array(value)
            except ValueError:
                pass
        if isinstance(value, np.ndarray):
            if value.dtype == np.bool_:
                return ValueDescription(UnsignedInteger(1), value.shape, is_encrypted)
            if np.issubdtype(value.dtype, np.integer):
                return ValueDescription(Integer.that_can_represent(value), value.shape,
                                        is_encrypted)
            if value.dtype in _FLOAT_WIDTHS:
                return ValueDescription(Float(_FLOAT_WIDTHS[value.dtype]), value.shape,
                                        is_encrypted)
        raise ValueError(f"Concrete cannot represent {value!r}")

    def to_spec(self) -> ValueSpec:
        """The compiler's ``ValueSpec`` for this description."""
        return ValueSpec(to_core(self.dtype), self.shape, self.is_encrypted)

    @property
    def is_clear(self) -> bool:
        return not self.is_encrypted

    @property
    def is_scalar(self) -> bool:
        return self.shape == ()

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ValueDescription) and self.dtype == other.dtype
                and self.shape == other.shape and self.is_encrypted == other.is_encrypted)

    __hash__ = None

    def __str__(self) -> str:
        status = "Encrypted" if self.is_encrypted else "Clear"
        if self.is_scalar:
            return f"{status}Scalar<{self.dtype}>"
        return f"{status}Tensor<{self.dtype}, shape={self.shape}>"

    def __repr__(self) -> str:
        return str(self)


def ClearScalar(dtype: BaseDataType) -> ValueDescription:
    return ValueDescription(dtype, (), False)


def EncryptedScalar(dtype: BaseDataType) -> ValueDescription:
    return ValueDescription(dtype, (), True)


def ClearTensor(dtype: BaseDataType, shape: tuple[int, ...]) -> ValueDescription:
    return ValueDescription(dtype, shape, False)


def EncryptedTensor(dtype: BaseDataType, shape: tuple[int, ...]) -> ValueDescription:
    return ValueDescription(dtype, shape, True)
