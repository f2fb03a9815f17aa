"""The client's secret keys: the small LWE key and the GLWE key (tfhe-notes §1.8).

* ``lwe_key`` s ∈ {0,1}**n and ``glwe_key`` S ∈ {0,1}**(k×N), uniform binary (CSPRNG).
* ``big_lwe_key`` s' = S flattened (s'[iN + j] = S_i[j]), dimension k·N: the key of the
  ciphertexts at rest, of fresh encryptions and of PBS outputs (sample extraction).

``lwe_dimension == 0`` means "no PBS in this circuit": ``lwe_key`` is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SecretKeys"]


@dataclass(frozen=True, slots=True, eq=False)
class SecretKeys:
    """The client's secret keys: ``lwe_key`` uint64 (n,) and ``glwe_key`` uint64 (k, N)."""

    lwe_key: np.ndarray
    glwe_key: np.ndarray

    @property
    def big_lwe_key(self) -> np.ndarray:
        """The flattened GLWE key, uint64 (k·N,): the key of ciphertexts at rest."""
        return self.glwe_key.reshape(-1)
