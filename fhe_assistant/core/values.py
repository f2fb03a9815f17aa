"""Value specs: what flows along a graph edge (dtype, shape, encrypted or clear)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .dtypes import DType, Float, Integer


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """The static description of one node's output."""

    dtype: DType
    shape: tuple[int, ...]
    is_encrypted: bool

    @property
    def is_scalar(self) -> bool:
        return self.shape == ()

    @property
    def is_integer(self) -> bool:
        return isinstance(self.dtype, Integer)

    @property
    def is_float(self) -> bool:
        return isinstance(self.dtype, Float)

    @property
    def size(self) -> int:
        size = 1
        for dim in self.shape:
            size *= dim
        return size

    def with_dtype(self, dtype: DType) -> ValueSpec:
        return replace(self, dtype=dtype)

    def __str__(self) -> str:
        """Concrete's notation, e.g. ``EncryptedTensor<uint2, shape=(1,)>``."""
        status = "Encrypted" if self.is_encrypted else "Clear"
        if self.is_scalar:
            return f"{status}Scalar<{self.dtype}>"
        return f"{status}Tensor<{self.dtype}, shape={self.shape}>"
