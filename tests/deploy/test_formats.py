"""Every artifact's format: round trips, and refusal of truncated, altered, mismatched or
newer payloads with a SerializationError (never another exception, never garbage)."""
from __future__ import annotations

import os
import stat
import zipfile

import numpy as np
import pytest

from fhe_assistant.backend.tfhe import EvaluationKeys as TFHEEvaluationKeys
from fhe_assistant.backend.tfhe import SecretKeys, ggsw_to_natural_order
from fhe_assistant.backend.values import EncryptedValue
from fhe_assistant.core.errors import InputError
from fhe_assistant.crypto.parameters import TFHEParameters
from fhe_assistant.deploy import (
    Client,
    ClientSpecs,
    EvaluationKeys,
    Keys,
    SerializationError,
    Server,
    Value,
)
from fhe_assistant.deploy.envelope import (
    FORMAT_VERSION,
    HEADER_SIZE,
    Kind,
    decode_envelope,
    encode_envelope,
    split_envelopes,
)
from fhe_assistant.deploy.specs import parameters_to_json

TOY = TFHEParameters(lwe_dimension=10, glwe_dimension=1, polynomial_size=16,
                     decomposition_base_log=8, decomposition_level_count=2,
                     ks_decomposition_base_log=4, ks_decomposition_level_count=2,
                     message_bit_width=2)  # INSECURE


def toy_keys(seed: int = 0) -> Keys:
    rng = np.random.default_rng(seed)
    n, k, size = TOY.lwe_dimension, TOY.glwe_dimension, TOY.polynomial_size
    secret = SecretKeys(rng.integers(0, 2, n).astype(np.uint64),
                        rng.integers(0, 2, (k, size)).astype(np.uint64))
    bsk = rng.normal(size=(n, k + 1, (k + 1) * TOY.decomposition_level_count, 2, size // 2))
    ksk = rng.integers(0, 2**32, (k * size, 2, n + 1), dtype=np.uint64).astype(np.uint32)
    keys = Keys(TOY)
    keys.assign(secret, TFHEEvaluationKeys(bsk, ksk))
    return keys


def toy_value(shape=(2, 3)) -> Value:
    rng = np.random.default_rng(1)
    ciphertexts = rng.integers(0, 2**63, shape + (TOY.big_lwe_dimension + 1,), dtype=np.uint64)
    return Value(EncryptedValue(ciphertexts, 2, False, TOY.fingerprint()), "ab" * 16)


def artifacts(server: Server) -> dict:
    """name -> (bytes, reader) for every format, on small payloads."""
    keys = toy_keys()
    return {
        "client specs": (server.client_specs.serialize(), ClientSpecs.deserialize),
        "value": (toy_value().serialize(), Value.deserialize),
        "seeded value": (Value(toy_value().encrypted, "cd" * 16, bytes(32)).serialize(),
                         Value.deserialize),
        "clear value": (Value(np.arange(6).reshape(2, 3)).serialize(), Value.deserialize),
        "evaluation keys": (keys.evaluation.serialize(), EvaluationKeys.deserialize),
        "key set": (keys.serialize(), Keys.deserialize),
        "server program": (server.serialize_program(),
                           lambda data: __import__("fhe_assistant.deploy.program", fromlist=["x"])
                           .Program.deserialize(data)),
    }


def with_version(data: bytes, kind: Kind, version: int) -> bytes:
    envelope = decode_envelope(data, kind)
    return encode_envelope(kind, envelope.metadata, envelope.arrays, version=version)


# -- round trips ----------------------------------------------------------------------------
def test_client_specs_round_trip(server, tmp_path):
    specs = server.client_specs
    assert ClientSpecs.deserialize(specs.serialize()) == specs
    specs.save(tmp_path / "client.specs")
    assert ClientSpecs.load(tmp_path / "client.specs") == specs
    assert specs.inputs[0].name == "x" and specs.inputs[0].is_encrypted
    assert "EncryptedScalar<uint3>" in str(specs)


def test_values_round_trip():
    value = toy_value()
    again = Value.deserialize(value.serialize())
    np.testing.assert_array_equal(again.encrypted.ciphertexts, value.encrypted.ciphertexts)
    assert (again.shape, again.key_id, again.encrypted.precision) == \
        (value.shape, value.key_id, value.encrypted.precision)
    clear = Value.deserialize(Value(np.array([[-3, 4]])).serialize())
    assert not clear.is_encrypted and clear.clear.tolist() == [[-3, 4]]


def test_seeded_ciphertexts_expand_to_what_was_encrypted(client):
    value = client.encrypt(3)
    assert value.mask_seed is not None
    data = value.serialize()
    assert len(data) < 1024 < value.encrypted.nbytes
    again = Value.deserialize(data)
    np.testing.assert_array_equal(again.encrypted.ciphertexts, value.encrypted.ciphertexts)
    assert client.decrypt(again) == 3
    assert again.serialize() == data
    full = Client(client.specs, compress_input_ciphertexts=False)
    full.keys = client.keys
    assert full.encrypt(3).mask_seed is None
    assert len(full.encrypt(3).serialize()) > value.encrypted.nbytes


def test_seeded_masks_are_checked_before_they_are_expanded(server, client):
    envelope = decode_envelope(client.encrypt(3).serialize(), Kind.VALUE)
    bomb = Value.deserialize(encode_envelope(
        Kind.VALUE, {**envelope.metadata, "shape": [4096], "lwe_size": 1 << 17},
        {"bodies": np.zeros(4096, np.uint64)}))
    with pytest.raises(InputError, match="other parameters"):
        server.run(bomb, evaluation_keys=client.evaluation_keys)
    assert bomb._encrypted is None
    with pytest.raises(SerializationError, match="too large"):
        _ = bomb.encrypted


def test_toy_keys_round_trip():
    keys = toy_keys()
    evaluation = EvaluationKeys.deserialize(keys.evaluation.serialize())
    np.testing.assert_array_equal(evaluation.inner.keyswitch_key,
                                  keys.evaluation.inner.keyswitch_key)
    np.testing.assert_array_equal(evaluation.inner.bootstrap_key_fourier,
                                  keys.evaluation.inner.bootstrap_key_fourier)
    again = Keys.deserialize(keys.serialize())
    assert again.key_id == keys.key_id
    np.testing.assert_array_equal(again.secret.glwe_key, keys.secret.glwe_key)
    np.testing.assert_array_equal(again.secret.lwe_key, keys.secret.lwe_key)


def _legacy_evaluation_keys(keys: Keys, metadata_extra: dict | None = None) -> bytes:
    """``keys``' evaluation keys as written before the FFT's kernel order: complex128
    spectra in natural frequency order, no ``fourier_layout`` (or ``metadata_extra``)."""
    natural = ggsw_to_natural_order(keys.evaluation.inner.bootstrap_key_fourier,
                                    keys.parameters.decomposition_level_count)
    metadata = {"parameters": parameters_to_json(keys.parameters),
                "fingerprint": keys.parameters.fingerprint(), "key_id": keys.key_id,
                "has_pbs": True, **(metadata_extra or {})}
    return encode_envelope(Kind.EVALUATION_KEYS, metadata,
                           {"bootstrap_key_fourier": natural,
                            "keyswitch_key": wide_keyswitch_key(keys)})


def wide_keyswitch_key(keys: Keys) -> np.ndarray:
    """A 64-bit keyswitching key (the older format) whose rounding is ``keys``' 32-bit one."""
    return (keys.evaluation.inner.keyswitch_key.astype(np.uint64) << np.uint64(32)) \
        - np.uint64(2**31 - 1)


def test_evaluation_keys_of_the_natural_layout_are_converted_on_load(client):
    keys = client.keys
    loaded = EvaluationKeys.deserialize(_legacy_evaluation_keys(keys))
    np.testing.assert_array_equal(loaded.inner.bootstrap_key_fourier,
                                  keys.evaluation.inner.bootstrap_key_fourier)
    np.testing.assert_array_equal(loaded.inner.keyswitch_key, keys.evaluation.inner.keyswitch_key)
    assert loaded.key_id == keys.key_id
    assert b'"fourier_layout"' in keys.evaluation.serialize()[:4096]


def test_unknown_fourier_layout_is_refused(client):
    data = _legacy_evaluation_keys(client.keys, {"fourier_layout": "from-the-future"})
    with pytest.raises(SerializationError, match="upgrade"):
        EvaluationKeys.deserialize(data)


def test_real_keys_save_and_load(client, tmp_path):
    path = tmp_path / "keys.bin"
    client.keys.save(path)
    other = Client(client.specs)
    other.keys.load(path)
    assert other.keys.key_id == client.keys.key_id
    assert other.decrypt(client.encrypt(5)) == 5


def test_several_envelopes_split_back():
    pieces = [toy_value((1,)).serialize(), Value(np.array(3)).serialize()]
    assert split_envelopes(b"".join(pieces)) == pieces


# -- refusals ----------------------------------------------------------------------------------
def test_every_truncation_and_bit_flip_is_refused(server):
    rng = np.random.default_rng(7)
    count = 0
    for data, read in artifacts(server).values():
        read(data)  # the intact payload reads
        lengths = list(range(HEADER_SIZE + 8)) + list(rng.integers(0, len(data), 40))
        for length in lengths:
            with pytest.raises(SerializationError):
                read(data[:length])
            count += 1
        for _ in range(60):
            corrupted = bytearray(data)
            position = int(rng.integers(0, len(data)))
            corrupted[position] ^= 1 << int(rng.integers(0, 8))
            with pytest.raises(SerializationError):
                read(bytes(corrupted))
            count += 1
        with pytest.raises(SerializationError, match="unexpected bytes"):
            read(data + b"\0")
    assert count > 500


@pytest.mark.parametrize("kind, make", [
    (Kind.VALUE, lambda server: toy_value().serialize()),
    (Kind.CLIENT_SPECS, lambda server: server.client_specs.serialize()),
    (Kind.EVALUATION_KEYS, lambda server: toy_keys().evaluation.serialize()),
    (Kind.KEY_SET, lambda server: toy_keys().serialize()),
])
def test_newer_format_version_is_refused(server, kind, make):
    read = {Kind.VALUE: Value.deserialize, Kind.CLIENT_SPECS: ClientSpecs.deserialize,
            Kind.EVALUATION_KEYS: EvaluationKeys.deserialize, Kind.KEY_SET: Keys.deserialize}
    newer = with_version(make(server), kind, FORMAT_VERSION + 1)
    with pytest.raises(SerializationError, match="newer .* upgrade fhe_assistant"):
        read[kind](newer)


def test_newer_server_zip_is_refused(server, tmp_path):
    path = tmp_path / "server.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("server.program", with_version(server.serialize_program(),
                                                        Kind.SERVER_PROGRAM, 9))
    with pytest.raises(SerializationError, match="format version 9, newer"):
        Server.load(path)


def test_wrong_kind_is_named():
    with pytest.raises(SerializationError, match="expected a serialized evaluation keys, got a "
                                                 "value"):
        EvaluationKeys.deserialize(toy_value().serialize())
    with pytest.raises(SerializationError, match="not a serialized value"):
        Value.deserialize(b"PK\x03\x04" + bytes(100))


def test_header_that_contradicts_its_arrays_is_refused():
    value = toy_value()
    envelope = decode_envelope(value.serialize(), Kind.VALUE)
    wrong_shape = encode_envelope(Kind.VALUE, {**envelope.metadata, "shape": [3, 2]},
                                  envelope.arrays)
    with pytest.raises(SerializationError, match="do not match the shape"):
        Value.deserialize(wrong_shape)
    no_precision = encode_envelope(Kind.VALUE, {**envelope.metadata, "precision": "2"},
                                   envelope.arrays)
    with pytest.raises(SerializationError, match="'precision'"):
        Value.deserialize(no_precision)
    keys = toy_keys()
    envelope = decode_envelope(keys.evaluation.serialize(), Kind.EVALUATION_KEYS)
    arrays = {**envelope.arrays, "keyswitch_key": envelope.arrays["keyswitch_key"][:-1]}
    with pytest.raises(SerializationError, match="keyswitch_key does not have the shape"):
        EvaluationKeys.deserialize(encode_envelope(Kind.EVALUATION_KEYS, envelope.metadata,
                                                   arrays))
    envelope = decode_envelope(keys.serialize(), Kind.KEY_SET)
    forged = encode_envelope(Kind.KEY_SET, {**envelope.metadata, "key_id": "0" * 32},
                             envelope.arrays)
    with pytest.raises(SerializationError, match="key id does not match"):
        Keys.deserialize(forged)
    params = dict(envelope.metadata["parameters"], lwe_dimension=11)
    with pytest.raises(SerializationError, match="fingerprint does not match"):
        Keys.deserialize(encode_envelope(Kind.KEY_SET, {**envelope.metadata,
                                                        "parameters": params}, envelope.arrays))


def test_keys_for_other_parameters_are_refused(client, server, tmp_path):
    toy_keys().save(tmp_path / "toy.keys")
    with pytest.raises(SerializationError, match="other parameters"):
        client.keys.load(tmp_path / "toy.keys")
    with pytest.raises(InputError, match="other parameters"):
        server.run(client.encrypt(1), evaluation_keys=toy_keys().evaluation)
    with pytest.raises(InputError, match="other parameters"):
        server.run(toy_value(()), evaluation_keys=client.evaluation_keys)


# -- secrets ---------------------------------------------------------------------------------
def test_key_files_are_owner_only(client, tmp_path):
    path = tmp_path / "keys.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    client.keys.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    toy_keys().save(tmp_path / "toy.keys")
    assert stat.S_IMODE(os.stat(tmp_path / "toy.keys").st_mode) == 0o600
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".fhe-keys-")]


def test_secret_key_is_in_no_public_artifact(client, server, server_zip, evaluation_key_bytes):
    secret = client.keys.secret
    needles = [secret.lwe_key.astype(np.uint64).tobytes()[:512],
               secret.glwe_key.astype(np.uint64).tobytes()[:512],
               np.packbits(secret.lwe_key.astype(np.uint8)).tobytes()[:48],
               np.packbits(secret.glwe_key.reshape(-1).astype(np.uint8)).tobytes()[:48]]
    with open(server_zip, "rb") as file:
        zip_bytes = file.read()
    with zipfile.ZipFile(server_zip) as archive:
        unpacked = b"".join(archive.read(name) for name in archive.namelist())
    public = [evaluation_key_bytes, zip_bytes, unpacked, server.client_specs.serialize(),
              client.encrypt(3).serialize()]
    for blob in public:
        for needle in needles:
            assert needle not in blob
    assert "lwe_key" not in decode_envelope(evaluation_key_bytes, Kind.EVALUATION_KEYS).arrays
    assert np.packbits(secret.lwe_key.astype(np.uint8)).tobytes()[:48] in client.keys.serialize()


def test_repr_and_errors_do_not_print_keys(client):
    text = repr(client.keys) + repr(client.evaluation_keys) + repr(client)
    assert "array" not in text and len(text) < 400


def test_natural_layout_keys_too_small_to_convert_are_refused():
    keys = toy_keys()  # N = 16: below the smallest transform the kernels have
    natural = np.zeros((TOY.lwe_dimension, TOY.decomposition_level_count, 2, 2,
                        TOY.polynomial_size // 2), dtype=np.complex128)
    metadata = {"parameters": parameters_to_json(TOY), "fingerprint": TOY.fingerprint(),
                "key_id": keys.key_id, "has_pbs": True}
    data = encode_envelope(Kind.EVALUATION_KEYS, metadata,
                           {"bootstrap_key_fourier": natural,
                            "keyswitch_key": wide_keyswitch_key(keys)})
    with pytest.raises(SerializationError, match="cannot convert"):
        EvaluationKeys.deserialize(data)
