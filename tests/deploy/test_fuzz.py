"""Fuzzing every loader: thousands of mutated payloads, checksums resealed, and nothing but
``SerializationError`` (or a clean load) may come out.

The checksum stops accidents only: an attacker reseals. So the mutations here are applied
to the decoded envelope (JSON values replaced by hostile ones, fields deleted or added,
sections and header fields altered, NaN/infinity/huge numbers injected into arrays), and
the result is sealed with a valid SHA-256 before it reaches the loader. Seeded (bounded
loops, fixed seed); about 2,000 payloads per loader.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

from fhe_assistant.core.errors import InputError
from fhe_assistant.deploy import SerializationError, Server, Value
from fhe_assistant.deploy.envelope import _PREFIX, HEADER_SIZE, MAGIC, Kind, decode_envelope
from fhe_assistant.deploy.server import PROGRAM_ENTRY, SPECS_ENTRY

from .test_formats import artifacts

PER_LOADER = 2000
KINDS = {"client specs": Kind.CLIENT_SPECS, "value": Kind.VALUE, "seeded value": Kind.VALUE,
         "clear value": Kind.VALUE, "evaluation keys": Kind.EVALUATION_KEYS,
         "key set": Kind.KEY_SET, "server program": Kind.SERVER_PROGRAM}

#: raw JSON tokens a hostile writer can put anywhere (the Python json module emits none).
RAW_TOKENS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 5000,
              "-" + "9" * 30, "[" * 5000 + "]" * 5000, "[" * 40 + "]" * 40,
              '{"a":' * 3000 + "1" + "}" * 3000, "18446744073709551616", "-1", "0.5",
              '"\\ud800"', '"' + "x" * 100_000 + '"']
VALUES = [None, True, False, 0, -1, 1, 2**31, 2**63, 2**64, -(2**63), 1.5, 1e300, "", "x",
          "ab" * 16, "00" * 32, [], {}, [0], [-1], [2**40, 2**40], [1] * 40, [[1]], ["int64"],
          {"name": "x"}, "complex128", "object", "float64", "uint64"]


def reseal(kind: int, text: bytes, payload: bytes, version: int = 1) -> bytes:
    """An envelope with a valid checksum around arbitrary metadata text and payload."""
    prefix = _PREFIX.pack(MAGIC, version, kind, len(text), len(payload))
    digest = hashlib.sha256(prefix + text + payload).digest()
    return prefix + digest + text + payload


def split(data: bytes) -> tuple[dict, bytes]:
    metadata_length = _PREFIX.unpack_from(data)[3]
    text = data[HEADER_SIZE:HEADER_SIZE + metadata_length]
    return json.loads(text), data[HEADER_SIZE + metadata_length:]


def _paths(node, path=()):
    """Every (container, key) pair in a JSON tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        yield node, key
        yield from _paths(child, path + (key,))


def _copy(metadata: dict) -> dict:
    return json.loads(json.dumps(metadata))


def mutate(data: bytes, kind: int, rng: np.random.Generator) -> bytes:
    """One resealed mutation of the envelope ``data``."""
    metadata, payload = split(data)
    choice = int(rng.integers(0, 9))
    raw = None
    if choice <= 2:      # replace a JSON value by a hostile one (or a raw token)
        metadata = _copy(metadata)
        places = list(_paths(metadata))
        container, key = places[int(rng.integers(0, len(places)))]
        if rng.random() < 0.4:
            raw = RAW_TOKENS[int(rng.integers(0, len(RAW_TOKENS)))]
            container[key] = "__raw__"
        else:
            container[key] = VALUES[int(rng.integers(0, len(VALUES)))]
    elif choice == 3:    # delete a field, or add one
        metadata = _copy(metadata)
        dicts = [c for c, _ in _paths(metadata) if isinstance(c, dict)] + [metadata]
        target = dicts[int(rng.integers(0, len(dicts)))]
        if target and rng.random() < 0.7:
            del target[list(target)[int(rng.integers(0, len(target)))]]
        else:
            target["extra"] = VALUES[int(rng.integers(0, len(VALUES)))]
    elif choice == 4:    # flip bytes of the JSON text itself
        text = bytearray(json.dumps(metadata).encode())
        for position in rng.integers(0, len(text), int(rng.integers(1, 4))):
            text[position] = int(rng.integers(0, 256))
        return reseal(kind, bytes(text), payload)
    elif choice == 5 and payload:   # hostile numbers inside the arrays
        body = bytearray(payload)
        special = [np.float64(np.nan), np.float64(np.inf), np.float64(-np.inf),
                   np.float64(1e300), np.float64(-1e300)]
        for _ in range(int(rng.integers(1, 5))):
            position = int(rng.integers(0, max(1, len(body) // 8))) * 8
            word = special[int(rng.integers(0, len(special)))].tobytes() if rng.random() < 0.6 \
                else rng.integers(0, 2**64, dtype=np.uint64).tobytes()
            body[position:position + 8] = word[:len(body) - position]
        payload = bytes(body)
    elif choice == 6:    # cut or extend the payload (sections keep their sizes)
        cut = int(rng.integers(0, len(payload) + 1))
        payload = payload[:cut] if rng.random() < 0.5 else payload + bytes(int(rng.integers(1, 64)))
    elif choice == 7:    # header fields: version, kind
        version = int(rng.choice([0, 1, 2, 65535]))
        other = int(rng.integers(0, 7))
        return reseal(other if rng.random() < 0.5 else kind, json.dumps(metadata).encode(),
                      payload, version)
    else:                # a section entry reshaped consistently (nbytes follow the shape)
        metadata = _copy(metadata)
        if metadata.get("sections"):
            section = metadata["sections"][int(rng.integers(0, len(metadata["sections"])))]
            shape = [int(d) for d in rng.integers(0, 5, int(rng.integers(0, 4)))]
            section["shape"] = shape
            section["nbytes"] = int(np.prod(shape, dtype=np.int64)) * 8
    text = json.dumps(metadata, allow_nan=True).encode()
    if raw is not None:
        text = text.replace(b'"__raw__"', raw.encode("utf-8", "surrogatepass"))
    return reseal(kind, text, payload)


def outcome(load, payload: bytes) -> str:
    try:
        load(payload)
    except SerializationError as error:
        assert str(error), "an empty message"
        return "refused"
    return "loaded"


@pytest.mark.parametrize("name", list(KINDS))
def test_every_loader_raises_only_serialization_errors(server, name):
    data, load = artifacts(server)[name]
    rng = np.random.default_rng(len(name) * 7919)
    counts = {"refused": 0, "loaded": 0}
    for _ in range(PER_LOADER):
        payload = mutate(data, int(KINDS[name]), rng)
        counts[outcome(load, payload)] += 1
    assert counts["refused"] + counts["loaded"] == PER_LOADER
    assert counts["refused"] > PER_LOADER // 2, counts


def test_checked_fields_are_named(server):
    """Hostile values the review found: each refused with the field's name."""
    cases = {
        "value": [("lwe_size", 2**40, "'lwe_size'"), ("key_id", None, "'key_id'"),
                  ("key_id", "f" * 31, "'key_id'"), ("precision", 1e300, "'precision'"),
                  ("fingerprint", [], "'fingerprint'")],
        "seeded value": [("lwe_size", (1 << 17) + 2, "'lwe_size'"),
                         ("mask_seed", "zz" * 32, "'mask_seed'")],
        "evaluation keys": [("key_id", None, "'key_id'"), ("has_pbs", 1, "'has_pbs'")],
        "client specs": [("inputs", [[]] * 2000, "inputs")],
    }
    for name, fields in cases.items():
        data, load = artifacts(server)[name]
        metadata, payload = split(data)
        for key, value, fragment in fields:
            sealed = reseal(int(KINDS[name]), json.dumps({**metadata, key: value}).encode(),
                            payload)
            with pytest.raises(SerializationError, match=fragment):
                load(sealed)
    data, load = artifacts(server)["value"]
    metadata, payload = split(data)
    for token, fragment in (("NaN", "NaN"), ("Infinity", "Infinity"),
                            ("[" * 5000 + "]" * 5000, "nested"), ("[" * 40 + "]" * 40, "nested")):
        text = json.dumps({**metadata, "precision": "__raw__"}).encode()
        with pytest.raises(SerializationError, match=fragment):
            load(reseal(int(Kind.VALUE), text.replace(b'"__raw__"', token.encode()), payload))


def test_a_seeded_value_is_checked_before_its_masks_are_expanded(server, client):
    """8 bytes of body with the largest LWE size would expand to 1 MiB of masks: the
    server compares the header with its parameters first and expands nothing."""
    metadata, payload = split(client.encrypt(3).serialize())
    sealed = reseal(int(Kind.VALUE), json.dumps({**metadata, "lwe_size": (1 << 17) + 1}).encode(),
                    payload)
    value = Value.deserialize(sealed)
    with pytest.raises(InputError, match="other parameters"):
        server.run(value, evaluation_keys=client.evaluation_keys)
    assert value._encrypted is None


def test_key_material_is_range_checked(server):
    data, load = artifacts(server)["evaluation keys"]
    envelope = decode_envelope(data, Kind.EVALUATION_KEYS)
    metadata, payload = split(data)
    section = next(s for s in metadata["sections"] if s["name"] == "bootstrap_key_fourier")
    for bad, fragment in ((np.nan, "NaN"), (np.inf, "NaN or infinite"), (1e300, "beyond")):
        body = bytearray(payload)
        offset = section["offset"] + 8 * 5
        body[offset:offset + 8] = np.float64(bad).tobytes()
        with pytest.raises(SerializationError, match=fragment):
            load(reseal(int(Kind.EVALUATION_KEYS), json.dumps(metadata).encode(), bytes(body)))
    assert envelope.arrays["bootstrap_key_fourier"].size > 5


def _zip(entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_server_load_raises_only_serialization_errors(server, tmp_path):
    program, specs = server.serialize_program(), server.client_specs.serialize()
    valid = _zip({PROGRAM_ENTRY: program, SPECS_ENTRY: specs})
    rng = np.random.default_rng(11)
    path = tmp_path / "server.zip"
    stored = _zip({PROGRAM_ENTRY: program}, zipfile.ZIP_STORED)
    method_field = stored.index(b"PK\x03\x04") + 8
    candidates = [
        b"", b"PK", valid[:len(valid) // 2],
        _zip({"other": program}),
        _zip({PROGRAM_ENTRY: program[:-1]}),
        _zip({PROGRAM_ENTRY: program + b"\0"}),
        _zip({PROGRAM_ENTRY: b"\0" * (64 << 20)}),  # a bomb: 64 MiB of zeros, a few KiB
        _zip({PROGRAM_ENTRY: program, SPECS_ENTRY: program}),
        stored[:method_field] + b"\x63\x00" + stored[method_field + 2:],  # unknown method
        stored[:6] + b"\x01\x00" + stored[8:],                            # "encrypted" flag
    ]
    for _ in range(400):  # bytes of the archive altered
        body = bytearray(valid)
        for position in rng.integers(0, len(body), int(rng.integers(1, 4))):
            body[position] = int(rng.integers(0, 256))
        candidates.append(bytes(body))
    for _ in range(200):  # a resealed hostile program inside a well-formed archive
        candidates.append(_zip({PROGRAM_ENTRY: mutate(program, int(Kind.SERVER_PROGRAM), rng),
                                SPECS_ENTRY: specs}))
    counts = {"refused": 0, "loaded": 0}
    for candidate in candidates:
        path.write_bytes(candidate)
        counts[outcome(Server.load, path)] += 1
    assert counts["refused"] >= len(candidates) // 2, counts
    path.write_bytes(valid)
    assert outcome(Server.load, path) == "loaded"
