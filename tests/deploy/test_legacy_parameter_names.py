"""Files written before the TFHE parameter names (``pbs_base_log``, ``pbs_level``,
``ks_base_log``, ``ks_level``) still load; new files carry the new names.

``data/before_tfhe_names/`` holds a client specs file and an encrypted value written by the
code of that time (parameters n=450, k=1, N=512, PBS 8/1, KS 4/3, p=3; INSECURE key seed 12).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fhe_assistant.backend.tfhe import EvaluationKeys as TFHEEvaluationKeys
from fhe_assistant.backend.tfhe import SecretKeys
from fhe_assistant.crypto.parameters import LEGACY_FIELD_NAMES, TFHEParameters
from fhe_assistant.deploy import Client, ClientSpecs, EvaluationKeys, Keys, Value
from fhe_assistant.deploy.envelope import Kind, decode_envelope, encode_envelope
from fhe_assistant.deploy.errors import SerializationError
from fhe_assistant.deploy.specs import parameters_from_json

DATA = Path(__file__).parent / "data" / "before_tfhe_names"
OLD = TFHEParameters(lwe_dimension=450, glwe_dimension=1, polynomial_size=512,
                     decomposition_base_log=8, decomposition_level_count=1,
                     ks_decomposition_base_log=4, ks_decomposition_level_count=3,
                     message_bit_width=3)  # INSECURE toy set of the fixture files
TOY = TFHEParameters(10, 1, 32, 8, 2, 4, 2, 2)  # INSECURE


def _old_names(metadata: dict) -> dict:
    """The metadata as the code before the rename wrote it."""
    old = {new: old for old, new in LEGACY_FIELD_NAMES.items()}
    return {**metadata, "parameters": {old.get(k, k): v for k, v in metadata["parameters"].items()}}


def _rewrite(data: bytes, kind: Kind) -> bytes:
    envelope = decode_envelope(data, kind)
    metadata = {k: v for k, v in envelope.metadata.items() if k != "sections"}
    return encode_envelope(kind, _old_names(metadata), envelope.arrays)


def test_fingerprints_do_not_change_with_the_names():
    # values computed by the code before the rename
    assert TFHEParameters(822, 2, 1024, 23, 1, 5, 3, 4).fingerprint() == "d4c257f6991555bd"
    assert OLD.fingerprint() == "a7b61192da8faa4f"


def test_parameters_from_the_old_dict_form():
    old = {"lwe_dimension": 822, "glwe_dimension": 2, "polynomial_size": 1024, "pbs_base_log": 23,
           "pbs_level": 1, "ks_base_log": 5, "ks_level": 3, "message_bit_width": 4}
    params = TFHEParameters.from_dict(old)
    assert params == TFHEParameters(822, 2, 1024, 23, 1, 5, 3, 4)
    assert params.decomposition_level_count == 1 and params.ks_decomposition_base_log == 5
    assert parameters_from_json(old, "client specs") == params
    assert "pbs_level" not in params.as_dict() and params.as_dict()["ks_decomposition_level_count"] == 3


def test_a_dict_that_mixes_old_and_new_names_is_refused():
    mixed = {**TOY.as_dict(), "pbs_level": 2}
    with pytest.raises(SerializationError, match="malformed TFHE parameters"):
        parameters_from_json(mixed, "client specs")


def test_client_specs_and_value_written_before_load_and_decrypt(tmp_path):
    specs = ClientSpecs.load(DATA / "client_specs.bin")
    assert specs.parameters == OLD
    client = Client(specs)
    keys = Keys(OLD)
    keys.generate(seed=12)  # the secret keys of the fixture (binary draws come first)
    client.keys = keys
    value = Value.deserialize((DATA / "value_0_3_5_7.bin").read_bytes())
    assert np.array_equal(client.decrypt(value), [0, 3, 5, 7])
    specs.save(tmp_path / "specs.bin")  # written again: the new names
    metadata = decode_envelope((tmp_path / "specs.bin").read_bytes(), Kind.CLIENT_SPECS).metadata
    assert set(metadata["parameters"]) == set(OLD.as_dict())
    assert ClientSpecs.load(tmp_path / "specs.bin") == specs


def _toy_keys() -> Keys:
    rng = np.random.default_rng(3)
    n, k, size = TOY.lwe_dimension, TOY.glwe_dimension, TOY.polynomial_size
    secret = SecretKeys(rng.integers(0, 2, n).astype(np.uint64),
                        rng.integers(0, 2, (k, size)).astype(np.uint64))
    bsk = rng.normal(size=(n, k + 1, (k + 1) * TOY.decomposition_level_count, 2, size // 2))
    ksk = rng.integers(0, 2**32, (k * size, TOY.ks_decomposition_level_count, n + 1),
                       dtype=np.uint64).astype(np.uint32)
    keys = Keys(TOY)
    keys.assign(secret, TFHEEvaluationKeys(bsk, ksk))
    return keys


def test_key_files_with_the_old_names_load():
    keys = _toy_keys()
    old_set = _rewrite(keys.serialize(), Kind.KEY_SET)
    assert "pbs_level" in json.dumps(decode_envelope(old_set, Kind.KEY_SET).metadata)
    loaded = Keys.deserialize(old_set)
    assert loaded.parameters == TOY and loaded.key_id == keys.key_id
    assert np.array_equal(loaded.secret.glwe_key, keys.secret.glwe_key)
    old_evaluation = _rewrite(keys.evaluation.serialize(), Kind.EVALUATION_KEYS)
    evaluation = EvaluationKeys.deserialize(old_evaluation)
    assert evaluation.parameters == TOY
    assert np.array_equal(evaluation.inner.bootstrap_key_fourier,
                          keys.evaluation.inner.bootstrap_key_fourier)
