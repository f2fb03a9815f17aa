"""``Value``: one argument or result as client and server exchange it.

Format (envelope kind 4)::

    metadata {"encrypted": true, "shape": [...], "lwe_size": k·N + 1, "precision": p,
              "is_signed": bool, "fingerprint": parameters fingerprint, "key_id": 32 hex digits,
              "mask_seed": null}
    section  "ciphertexts"  uint64 (*shape, lwe_size)

    the same with "mask_seed": 64 hex digits (a *seeded* ciphertext, 8 bytes an element):
    section  "bodies"  uint64 shape; the masks are SHAKE-256(MASK_DOMAIN ‖ seed) read as
             little-endian uint64, (element, coefficient) in C order

    metadata {"encrypted": false, "shape": [...]}
    section  "clear"  int64 shape          (a clear argument passed through the client)

``key_id`` (32 hex digits, mandatory for an encrypted value) names the key set the value
was encrypted under (or, for a result, the key set of the evaluation keys it was computed
with), so a value meeting the wrong keys fails with a clear error instead of decrypting to
garbage.

Seeded ciphertexts are what a client sends by default: an LWE mask is public and uniform,
so it can be replaced by the seed of a cryptographic XOF (as tfhe-rs's and Concrete's
compressed ciphertexts do with AES-CTR); the receiver expands it. Expansion is lazy: the
header (shape, LWE size, parameters) can be checked before any memory is spent on masks.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..backend.values import EncryptedValue
from .envelope import (
    Kind,
    checked_shape,
    decode_envelope,
    encode_envelope,
    require,
    require_hex,
    require_int,
)
from .errors import SerializationError

_WHAT = Kind.VALUE.label
MASK_DOMAIN = b"fhe_assistant seeded LWE masks v1\0"
SEED_BYTES = 32
KEY_ID_DIGITS = 32
MAX_LWE_SIZE = (1 << 17) + 1
MAX_EXPANDED_WORDS = 1 << 27


def expand_masks(seed: bytes, count: int, dimension: int) -> np.ndarray:
    """The ``count`` LWE masks of ``dimension`` words a seed stands for: uint64 (count, dim)."""
    words = count * dimension
    if words > MAX_EXPANDED_WORDS:
        raise SerializationError(f"a seeded {_WHAT} of {words} mask words is too large")
    data = hashlib.shake_256(MASK_DOMAIN + seed).digest(8 * words)
    return np.frombuffer(data, dtype="<u8").astype(np.uint64).reshape(count, dimension)


@dataclass(frozen=True)
class _Header:
    """What an encrypted value says about itself, readable before its masks exist."""

    shape: tuple[int, ...]
    lwe_size: int
    precision: int
    is_signed: bool
    fingerprint: str


class Value:
    """An encrypted tensor (wrapping :class:`EncryptedValue`) or a clear int64 tensor."""

    __slots__ = ("_bodies", "_encrypted", "_header", "clear", "key_id", "mask_seed")

    def __init__(self, inner: EncryptedValue | np.ndarray, key_id: str | None = None,
                 mask_seed: bytes | None = None):
        if isinstance(inner, Value):
            inner, key_id = inner.inner, key_id or inner.key_id
        self.key_id, self.mask_seed, self._bodies = key_id, mask_seed, None
        if isinstance(inner, EncryptedValue):
            self._encrypted, self.clear = inner, None
            self._header = _Header(inner.shape, inner.lwe_size, int(inner.precision),
                                   bool(inner.is_signed), inner.parameters_fingerprint)
        else:
            self._encrypted, self._header = None, None
            self.clear = np.asarray(inner, dtype=np.int64)

    @staticmethod
    def _seeded(header: _Header, seed: bytes, bodies: np.ndarray, key_id) -> Value:
        value = Value(np.zeros(0), key_id, seed)
        value.clear, value._header, value._bodies = None, header, bodies
        return value

    # -- what the value says about itself ---------------------------------------------------
    @property
    def is_encrypted(self) -> bool:
        return self._header is not None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._header.shape if self.is_encrypted else tuple(self.clear.shape)

    # an encrypted value's header, as read from its bytes (clear values have none)
    lwe_size = property(lambda self: self._header.lwe_size)
    precision = property(lambda self: self._header.precision)
    is_signed = property(lambda self: self._header.is_signed)
    fingerprint = property(lambda self: self._header.fingerprint)

    @property
    def encrypted(self) -> EncryptedValue | None:
        """The ciphertexts (a seeded value expands its masks on first access)."""
        if self._encrypted is None and self._bodies is not None:
            header, bodies = self._header, self._bodies
            masks = expand_masks(self.mask_seed, bodies.size, header.lwe_size - 1)
            ciphertexts = np.concatenate([masks, bodies.reshape(-1, 1)], axis=1)
            self._encrypted = EncryptedValue(ciphertexts.reshape(header.shape + (-1,)),
                                             header.precision, header.is_signed,
                                             header.fingerprint)
        return self._encrypted

    @property
    def inner(self) -> EncryptedValue | np.ndarray:
        return self.encrypted if self.is_encrypted else self.clear

    # -- format ------------------------------------------------------------------------------
    def serialize(self) -> bytes:
        if not self.is_encrypted:
            return encode_envelope(Kind.VALUE, {"encrypted": False, "shape": list(self.shape)},
                                   {"clear": self.clear})
        header = self._header
        metadata = {"encrypted": True, "shape": list(header.shape), "lwe_size": header.lwe_size,
                    "precision": header.precision, "is_signed": header.is_signed,
                    "fingerprint": header.fingerprint, "key_id": self.key_id,
                    "mask_seed": self.mask_seed.hex() if self.mask_seed else None}
        if self.mask_seed:
            bodies = self._bodies if self._bodies is not None \
                else self._encrypted.ciphertexts[..., -1]
            return encode_envelope(Kind.VALUE, metadata, {"bodies": bodies})
        return encode_envelope(Kind.VALUE, metadata,
                               {"ciphertexts": np.asarray(self._encrypted.ciphertexts,
                                                          dtype=np.uint64)})

    @staticmethod
    def deserialize(data: bytes) -> Value:
        envelope = decode_envelope(data, Kind.VALUE)
        metadata, arrays = envelope.metadata, envelope.arrays
        shape = checked_shape(metadata.get("shape"), _WHAT)
        if not require(metadata, "encrypted", bool, _WHAT):
            clear = arrays.get("clear")
            if clear is None or clear.dtype != np.int64 or clear.shape != shape or len(arrays) != 1:
                raise SerializationError(f"corrupted {_WHAT}: the clear tensor does not match "
                                         f"its shape {shape}")
            return Value(clear)
        header = _Header(shape, require_int(metadata, "lwe_size", 2, MAX_LWE_SIZE, _WHAT),
                         require_int(metadata, "precision", 1, 16, _WHAT),
                         require(metadata, "is_signed", bool, _WHAT),
                         require_hex(metadata, "fingerprint", 16, _WHAT))
        key_id = require_hex(metadata, "key_id", KEY_ID_DIGITS, _WHAT)
        seed = metadata.get("mask_seed")
        if seed is not None:
            seed = bytes.fromhex(require_hex(metadata, "mask_seed", 2 * SEED_BYTES, _WHAT))
            bodies = arrays.get("bodies")
            if bodies is None or bodies.dtype != np.uint64 \
                    or len(arrays) != 1 or bodies.shape != shape:
                raise SerializationError(f"corrupted {_WHAT}: seeded ciphertexts do not match "
                                         f"the shape {shape} of the header")
            return Value._seeded(header, seed, bodies, key_id)
        ciphertexts = arrays.get("ciphertexts")
        if ciphertexts is None or ciphertexts.dtype != np.uint64 or len(arrays) != 1 \
                or ciphertexts.shape != shape + (header.lwe_size,):
            raise SerializationError(f"corrupted {_WHAT}: ciphertexts do not match the shape "
                                     f"{shape} and LWE size {header.lwe_size} of the header")
        inner = EncryptedValue(ciphertexts, header.precision, header.is_signed,
                               header.fingerprint)
        return Value(inner, key_id)

    def __repr__(self) -> str:
        if self.is_encrypted:
            seeded = ", seeded" if self.mask_seed else ""
            return f"Value(encrypted, shape={self.shape}, precision={self.precision}{seeded})"
        return f"Value(clear, shape={self.shape})"
