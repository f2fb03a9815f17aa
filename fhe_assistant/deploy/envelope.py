"""The binary envelope every deploy artifact shares: header, JSON metadata, raw arrays.

Layout (all integers little-endian)::

    offset  size  field
    0       4     magic  b"FHEA"
    4       2     format version (uint16)            -- this reader: 1 to 3 (2: artifacts of
                  programs with several parameter sets, 3: of programs with WoP-PBS
                  lookups; single-set artifacts are still 1)
    6       2     kind (uint16): 1 client specs, 2 key set (secret), 3 evaluation keys,
                  4 value, 5 server program
    8       4     metadata length M (uint32)
    12      8     payload length P (uint64)
    20      32    SHA-256 of bytes [0, 20) + metadata + payload
    52      M     metadata: UTF-8 JSON object; its "sections" list describes the arrays
    52+M    P     payload: the arrays' raw bytes, C order, little-endian, back to back

A section is ``{"name", "dtype", "shape", "offset", "nbytes"}``; dtypes come from a short
allow-list (integers, floats, complex128), so nothing in a payload is ever executed or
unpickled. Readers check, in this order: length, magic, version (a newer one is refused
with an "upgrade" message; bytes [0, 8) stay the same in every version), kind, lengths,
checksum, JSON (no NaN/Infinity, nesting at most ``MAX_JSON_DEPTH`` deep), then each
section's dtype, shape, bounds and contiguity. Any failure raises
:class:`SerializationError` naming the artifact and the field; no other exception leaves a
reader, whatever the bytes (``tests/deploy/test_fuzz.py`` feeds thousands of resealed
mutations to every loader). The checksum detects accidents, not attacks: anyone can reseal
altered bytes, so a reader trusts nothing it has not checked.

Envelopes are self-delimiting (the prefix gives the total length), so several can be sent
back to back (:func:`split_envelopes`), as the HTTP ``/run`` endpoint does.
"""
from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from .errors import SerializationError

MAGIC = b"FHEA"
FORMAT_VERSION = 5  # the newest version read; 2 adds key sets (several parameter sets), 3 WoP
BIT_READS_FORMAT_VERSION = 4  # programs whose plan has bit reads (exact rounding)
SLIP_WINDOWS_FORMAT_VERSION = 5  # programs whose approximate reads have slip windows
WRITTEN_VERSION = 1  # single-set artifacts keep version 1 (older readers load them)
_PREFIX = struct.Struct("<4sHHIQ")
PREFIX_SIZE = _PREFIX.size            # 20
DIGEST_SIZE = 32
HEADER_SIZE = PREFIX_SIZE + DIGEST_SIZE
MAX_METADATA_BYTES = 16 << 20
#: JSON nesting allowed in metadata (a program's graph uses about 6 levels).
MAX_JSON_DEPTH = 32
MAX_DIMENSIONS = 32
#: a dimension is below this (reshape and size arithmetic stay in int64).
MAX_DIMENSION = 1 << 40

_DTYPES = {name: np.dtype(name).newbyteorder("<") for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex128")}


class Kind(IntEnum):
    CLIENT_SPECS = 1
    KEY_SET = 2
    EVALUATION_KEYS = 3
    VALUE = 4
    SERVER_PROGRAM = 5

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


@dataclass
class Envelope:
    """A decoded artifact: its kind, JSON metadata and named arrays."""

    kind: Kind
    metadata: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    version: int = WRITTEN_VERSION


def _dtype_name(array: np.ndarray) -> str:
    for name, dtype in _DTYPES.items():
        if array.dtype.kind == dtype.kind and array.dtype.itemsize == dtype.itemsize:
            return name
    raise SerializationError(f"cannot serialize an array of dtype {array.dtype}")


def encode_envelope(kind: Kind, metadata: dict, arrays: dict[str, np.ndarray] | None = None,
                    version: int = WRITTEN_VERSION) -> bytes:
    """Serialize ``metadata`` (JSON-able) and ``arrays`` into one envelope."""
    sections, chunks, offset = [], [], 0
    for name, array in (arrays or {}).items():
        dtype_name = _dtype_name(np.asarray(array))
        data = np.ascontiguousarray(array, dtype=_DTYPES[dtype_name]).tobytes()
        sections.append({"name": name, "dtype": dtype_name, "shape": list(np.shape(array)),
                         "offset": offset, "nbytes": len(data)})
        chunks.append(data)
        offset += len(data)
    text = json.dumps({**metadata, "sections": sections}, separators=(",", ":"),
                      allow_nan=False).encode()
    payload = b"".join(chunks)
    prefix = _PREFIX.pack(MAGIC, version, int(kind), len(text), len(payload))
    digest = hashlib.sha256(prefix)
    digest.update(text)
    digest.update(payload)
    return prefix + digest.digest() + text + payload


def envelope_length(data: bytes | memoryview, offset: int = 0) -> int:
    """Total length of the envelope starting at ``offset`` (from its prefix)."""
    if len(data) - offset < PREFIX_SIZE:
        raise SerializationError(f"truncated payload: {len(data) - offset} bytes, an artifact "
                                 f"starts with a {HEADER_SIZE}-byte header")
    magic, _, _, metadata_length, payload_length = _PREFIX.unpack_from(data, offset)
    if magic != MAGIC:
        raise SerializationError("not an fhe_assistant artifact (bad magic bytes)")
    return HEADER_SIZE + metadata_length + payload_length


def split_envelopes(data: bytes) -> list[bytes]:
    """Cut back-to-back envelopes apart (each is then validated by its own reader)."""
    pieces, offset = [], 0
    view = memoryview(data)
    while offset < len(data):
        length = envelope_length(view, offset)
        if offset + length > len(data):
            raise SerializationError(f"truncated payload: artifact {len(pieces)} needs {length} "
                                     f"bytes, {len(data) - offset} remain")
        pieces.append(bytes(view[offset:offset + length]))
        offset += length
    return pieces


def _check_prefix(data, expected: Kind) -> tuple[int, int, int]:
    what = expected.label
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SerializationError(f"a serialized {what} must be bytes, got {type(data).__name__}")
    if len(data) < HEADER_SIZE:
        raise SerializationError(f"truncated {what}: {len(data)} bytes, shorter than the "
                                 f"{HEADER_SIZE}-byte header")
    magic, version, kind, metadata_length, payload_length = _PREFIX.unpack_from(data, 0)
    if magic != MAGIC:
        raise SerializationError(f"not a serialized {what} (bad magic bytes)")
    if version > FORMAT_VERSION:
        raise SerializationError(
            f"this {what} was written in format version {version}, newer than this "
            f"fhe_assistant reads (up to {FORMAT_VERSION}): upgrade fhe_assistant")
    if version < 1:
        raise SerializationError(f"unknown format version {version} for a {what}")
    if kind != int(expected):
        found = Kind(kind).label if kind in Kind._value2member_map_ else f"kind {kind}"
        raise SerializationError(f"expected a serialized {what}, got a {found}")
    if metadata_length > MAX_METADATA_BYTES:
        raise SerializationError(f"{what}: metadata of {metadata_length} bytes is too large")
    total = HEADER_SIZE + metadata_length + payload_length
    if len(data) < total:
        raise SerializationError(f"truncated {what}: {len(data)} bytes, the header announces "
                                 f"{total}")
    if len(data) > total:
        raise SerializationError(f"{what}: {len(data) - total} unexpected bytes after the end")
    return version, metadata_length, payload_length


def decode_envelope(data: bytes, expected: Kind) -> Envelope:
    """Validate and decode one envelope of kind ``expected`` (see the module docstring)."""
    what = expected.label
    version, metadata_length, payload_length = _check_prefix(data, expected)
    view = memoryview(data)
    digest = hashlib.sha256(view[:PREFIX_SIZE])
    digest.update(view[HEADER_SIZE:])
    if digest.digest() != bytes(view[PREFIX_SIZE:HEADER_SIZE]):
        raise SerializationError(f"corrupted {what}: checksum mismatch (the bytes were "
                                 f"truncated, altered or tampered with)")
    start = HEADER_SIZE + metadata_length
    metadata = parse_json(bytes(view[HEADER_SIZE:start]), what)
    if not isinstance(metadata, dict) or not isinstance(metadata.get("sections"), list):
        raise SerializationError(f"corrupted {what}: metadata is not a section table")
    arrays = _read_sections(view[start:start + payload_length], metadata.pop("sections"), what)
    return Envelope(Kind(expected), metadata, arrays, version)


def _refuse_constant(name: str):
    raise SerializationError(f"{name} is not allowed in metadata")


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, stopping once past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(text: bytes, what: str):
    """Strict JSON metadata: UTF-8, no NaN/Infinity, nesting at most ``MAX_JSON_DEPTH``."""
    try:
        metadata = json.loads(text.decode("utf-8"), parse_constant=_refuse_constant)
    except SerializationError as error:
        raise SerializationError(f"corrupted {what}: {error}") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise SerializationError(f"corrupted {what}: unreadable metadata ({error})") from None
    except RecursionError:
        raise SerializationError(f"corrupted {what}: metadata nested too deeply") from None
    if _depth(metadata, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise SerializationError(f"corrupted {what}: metadata nested more than "
                                 f"{MAX_JSON_DEPTH} levels deep")
    return metadata


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _section_fields(section, what: str) -> tuple[str, str, tuple[int, ...], int, int]:
    if not isinstance(section, dict):
        raise SerializationError(f"corrupted {what}: a section entry is not an object")
    name, dtype_name = section.get("name"), section.get("dtype")
    shape, offset, nbytes = section.get("shape"), section.get("offset"), section.get("nbytes")
    if not isinstance(name, str) or len(name) > 256:
        raise SerializationError(f"corrupted {what}: a section has no valid 'name'")
    if not isinstance(dtype_name, str) or dtype_name not in _DTYPES:
        raise SerializationError(f"{what}: section {name!r} has unsupported 'dtype' "
                                 f"{str(dtype_name)[:40]!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS or not all(
            _is_int(d) and 0 <= d < MAX_DIMENSION for d in shape):
        raise SerializationError(f"corrupted {what}: section {name!r} has a malformed 'shape'")
    extent = 1
    for dim in shape:
        extent *= max(dim, 1)
    if extent >= MAX_DIMENSION:  # numpy refuses such shapes even when empty
        raise SerializationError(f"corrupted {what}: section {name!r} has a malformed 'shape'")
    for label, number in (("offset", offset), ("nbytes", nbytes)):
        if not _is_int(number) or not 0 <= number < 1 << 63:
            raise SerializationError(f"corrupted {what}: section {name!r} has a malformed "
                                     f"{label!r}")
    return name, dtype_name, tuple(shape), offset, nbytes


def _read_sections(payload: memoryview, sections: list, what: str) -> dict[str, np.ndarray]:
    arrays, expected_offset = {}, 0
    for section in sections:
        name, dtype_name, shape, offset, nbytes = _section_fields(section, what)
        if name in arrays:
            raise SerializationError(f"corrupted {what}: section {name!r} appears twice")
        dtype = _DTYPES[dtype_name]
        count = 1
        for dim in shape:
            count *= dim
        if offset != expected_offset or nbytes != count * dtype.itemsize \
                or offset + nbytes > len(payload):
            raise SerializationError(f"corrupted {what}: section {name!r} does not match its "
                                     f"shape {shape} and dtype {dtype_name}")
        array = np.frombuffer(payload[offset:offset + nbytes], dtype=dtype).reshape(shape)
        arrays[name] = array.astype(dtype.newbyteorder("="), copy=True)
        expected_offset += nbytes
    if expected_offset != len(payload):
        raise SerializationError(f"corrupted {what}: {len(payload) - expected_offset} payload "
                                 f"bytes belong to no section")
    return arrays


def require(metadata: dict, key: str, kind: type | tuple, what: str):
    """A metadata field of the given type, or a SerializationError naming it."""
    value = metadata.get(key) if isinstance(metadata, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SerializationError(f"corrupted {what}: field {key!r} is missing or malformed")
    return value


def require_int(metadata: dict, key: str, low: int, high: int, what: str) -> int:
    """An integer field in [low, high], or a SerializationError naming it."""
    value = require(metadata, key, int, what)
    if not low <= value <= high:
        raise SerializationError(f"corrupted {what}: field {key!r} = {value} is outside "
                                 f"[{low}, {high}]")
    return value


def require_hex(metadata: dict, key: str, digits: int, what: str) -> str:
    """A lowercase hexadecimal string of ``digits`` digits (key ids, fingerprints, seeds)."""
    value = require(metadata, key, str, what)
    if len(value) != digits or value.strip("0123456789abcdef"):
        raise SerializationError(f"corrupted {what}: field {key!r} is not {digits} hex digits")
    return value


def checked_shape(value, what: str, field_name: str = "shape") -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_DIMENSIONS or not all(
            _is_int(d) and 0 <= d < 2**31 for d in value):
        raise SerializationError(f"corrupted {what}: field {field_name!r} is not a shape")
    return tuple(value)
