"""TFHE parameter sets, named as in TFHE usage (tfhe-rs / Concrete)."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields

#: Field names written before the TFHE names (files and dicts in this form still load).
LEGACY_FIELD_NAMES = {
    "pbs_base_log": "decomposition_base_log",
    "pbs_level": "decomposition_level_count",
    "ks_base_log": "ks_decomposition_base_log",
    "ks_level": "ks_decomposition_level_count",
}
_FINGERPRINT_NAMES = {new: old for old, new in LEGACY_FIELD_NAMES.items()}


@dataclass(frozen=True, slots=True)
class KeyShape:
    """The seven numbers that fix a KS-PBS key set's shapes (what the optimizer searches)."""

    lwe_dimension: int
    glwe_dimension: int
    polynomial_size: int
    decomposition_base_log: int
    decomposition_level_count: int
    ks_decomposition_base_log: int
    ks_decomposition_level_count: int

    @property
    def big_lwe_dimension(self) -> int:
        """The flattened GLWE key's dimension, k·N (where ciphertexts live at rest)."""
        return self.glwe_dimension * self.polynomial_size

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, slots=True)
class TFHEParameters(KeyShape):
    """One KS-PBS parameter set (Concrete's "big key at rest" order, tfhe-notes §1.7).

    Ciphertexts at rest live under the flattened GLWE key (dimension
    ``glwe_dimension * polynomial_size``); a table lookup is a keyswitch to
    ``lwe_dimension`` followed by a programmable bootstrap back to the big key.
    ``decomposition_base_log``/``decomposition_level_count`` are the gadget (b, l) of the
    bootstrapping key (tfhe-rs ``DecompositionBaseLog``/``DecompositionLevelCount``), the
    ``ks_`` pair that of the keyswitching key. ``message_bit_width`` is p: messages are
    encoded with Δ = 2**(63 - p) (one padding bit).
    """

    message_bit_width: int

    @property
    def delta_log(self) -> int:
        return 63 - self.message_bit_width

    @staticmethod
    def upgrade_field_names(data):
        """``data`` with field names written before the TFHE names (``pbs_base_log``,
        ``pbs_level``, ``ks_base_log``, ``ks_level``) renamed; anything else, and a dict that
        mixes both forms, is returned unchanged for the caller's own validation."""
        if not isinstance(data, dict) or not any(name in data for name in LEGACY_FIELD_NAMES):
            return data
        upgraded = {LEGACY_FIELD_NAMES.get(name, name): value for name, value in data.items()}
        return upgraded if len(upgraded) == len(data) else data

    @classmethod
    def from_dict(cls, data: dict) -> TFHEParameters:
        """Parameters from :meth:`as_dict`'s form, or the older one (legacy field names)."""
        return cls(**cls.upgrade_field_names(dict(data)))

    def fingerprint(self) -> str:
        """A short stable hash, stored in key and ciphertext headers.

        It hashes the values under the field names of the first format version, so files
        written before the TFHE names keep their fingerprints.
        """
        items = sorted((_FINGERPRINT_NAMES.get(k, k), v) for k, v in asdict(self).items())
        text = ",".join(f"{k}={v}" for k, v in items)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
