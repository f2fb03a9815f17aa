"""Encrypted values as the client and server exchange them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(eq=False)
class EncryptedValue:
    """A tensor of LWE ciphertexts under the big key.

    ``ciphertexts`` has shape ``(*shape, lwe_size)`` uint64. ``precision`` and ``is_signed``
    say how to decode it; ``parameters_fingerprint`` ties it to one parameter set.
    """

    ciphertexts: np.ndarray
    precision: int
    is_signed: bool
    parameters_fingerprint: str

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.ciphertexts.shape[:-1])

    @property
    def lwe_size(self) -> int:
        return int(self.ciphertexts.shape[-1])

    @property
    def nbytes(self) -> int:
        return int(self.ciphertexts.nbytes)

    def __repr__(self) -> str:
        return (f"EncryptedValue(shape={self.shape}, lwe_size={self.lwe_size}, "
                f"precision={self.precision}, signed={self.is_signed})")
