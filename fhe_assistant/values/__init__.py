"""Concrete's value descriptions (``concrete.fhe.values``): dtype, shape, encrypted or clear."""
from .value_description import (
                                ClearScalar,
                                ClearTensor,
                                EncryptedScalar,
                                EncryptedTensor,
                                ValueDescription,
)

__all__ = ["ClearScalar", "ClearTensor", "EncryptedScalar", "EncryptedTensor",
           "ValueDescription"]
