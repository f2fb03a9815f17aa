"""TFHE parameter sets, named as in TFHE usage (tfhe-rs / Concrete)."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class TFHEParameters:
    """One KS-PBS parameter set (Concrete's "big key at rest" order, tfhe-notes §1.7).

    Ciphertexts at rest live under the flattened GLWE key (dimension
    ``glwe_dimension * polynomial_size``); a table lookup is a keyswitch to
    ``lwe_dimension`` followed by a programmable bootstrap back to the big key.
    ``message_bit_width`` is p: messages are encoded with Δ = 2**(63 - p) (one padding bit).
    """

    lwe_dimension: int
    glwe_dimension: int
    polynomial_size: int
    pbs_base_log: int
    pbs_level: int
    ks_base_log: int
    ks_level: int
    message_bit_width: int

    @property
    def big_lwe_dimension(self) -> int:
        return self.glwe_dimension * self.polynomial_size

    @property
    def delta_log(self) -> int:
        return 63 - self.message_bit_width

    def as_dict(self) -> dict:
        return asdict(self)

    def fingerprint(self) -> str:
        """A short stable hash, stored in key and ciphertext headers."""
        text = ",".join(f"{k}={v}" for k, v in sorted(asdict(self).items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]
