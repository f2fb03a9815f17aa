"""Files of programs with several parameter sets (format version 2): round trips, the checks
on load, and the resealed fuzzing every loader gets (only ``SerializationError`` may come out).
"""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.backend.key_sets import PartitionedEvaluationKeys, PartitionedSecretKeys
from fhe_assistant.backend.tfhe import SecretKeys
from fhe_assistant.crypto.key_set import KeySetParameters, KeyswitchParameters
from fhe_assistant.crypto.parameters import TFHEParameters
from fhe_assistant.deploy import ClientSpecs, EvaluationKeys, Keys, SerializationError, Server
from fhe_assistant.deploy.envelope import Kind, decode_envelope, encode_envelope
from fhe_assistant.deploy.program import Program

from .test_fuzz import mutate, outcome

# INSECURE toy sizes: formats only.
TOY_SETS = KeySetParameters(
    (TFHEParameters(10, 1, 16, 8, 2, 4, 2, 2), TFHEParameters(12, 2, 16, 8, 2, 3, 3, 4)),
    (KeyswitchParameters(0, 0, 4, 2), KeyswitchParameters(0, 1, 2, 5)))
RNG = np.random.default_rng(5)
T2 = fhe.LookupTable(RNG.integers(0, 4, 4).tolist())
T4 = fhe.LookupTable(RNG.integers(0, 16, 16).tolist())


@pytest.fixture(scope="module")
def multi_server() -> Server:
    circuit = fhe.Compiler(lambda x: T4[np.sum(T2[x])], {"x": "encrypted"}).compile(
        [RNG.integers(0, 4, 4) for _ in range(20)] + [np.full(4, 3)])
    assert circuit.program.assignment is not None
    return circuit.server


def toy_key_set() -> Keys:
    """Random arrays of the right shapes (toy sizes are below the security curve's range)."""
    rng = np.random.default_rng(7)
    secrets, bootstrap_keys = [], []
    for p in TOY_SETS.partitions:
        n, k, size = p.lwe_dimension, p.glwe_dimension, p.polynomial_size
        secrets.append(SecretKeys(rng.integers(0, 2, n).astype(np.uint64),
                                  rng.integers(0, 2, (k, size)).astype(np.uint64)))
        level = p.decomposition_level_count
        bootstrap_keys.append(rng.normal(size=(n, k + 1, (k + 1) * level, 2, size // 2)))
    keyswitch_keys = {}
    for ks in TOY_SETS.keyswitches:
        shape = TOY_SETS.keyswitch_shape(ks.source, ks.target)
        keyswitch_keys[(ks.source, ks.target)] = rng.integers(
            0, 2**32, (shape.big_lwe_dimension, ks.level, shape.lwe_dimension + 1),
            dtype=np.uint64).astype(np.uint32)
    keys = Keys(TOY_SETS.partitions[1], key_set=TOY_SETS)
    keys.assign(PartitionedSecretKeys(tuple(secrets)),
                PartitionedEvaluationKeys(tuple(bootstrap_keys), keyswitch_keys))
    return keys


def multi_artifacts(server: Server) -> dict:
    keys = toy_key_set()
    return {
        "client specs": (server.client_specs.serialize(), ClientSpecs.deserialize),
        "evaluation keys": (keys.evaluation.serialize(), EvaluationKeys.deserialize),
        "key set": (keys.serialize(), Keys.deserialize),
        "server program": (server.serialize_program(), Program.deserialize),
    }


def test_round_trips_keep_every_partition(multi_server):
    specs = ClientSpecs.deserialize(multi_server.client_specs.serialize())
    assert specs == multi_server.client_specs and len(specs.key_set.partitions) == 2
    program = Program.deserialize(multi_server.serialize_program())
    assert program.key_set == multi_server.program.key_set
    assert dict(program.assignment.lookups) == dict(multi_server.program.assignment.lookups)
    keys = toy_key_set()
    again = Keys.deserialize(keys.serialize())
    assert again.key_id == keys.key_id and again.key_set == TOY_SETS
    for mine, theirs in zip(again.secret.partitions, keys.secret.partitions):
        assert np.array_equal(mine.glwe_key, theirs.glwe_key)
    evaluation = EvaluationKeys.deserialize(keys.evaluation.serialize())
    assert set(evaluation.inner.keyswitch_keys) == {(0, 0), (0, 1)}
    assert evaluation.nbytes == keys.evaluation.nbytes and evaluation.fingerprint == \
        TOY_SETS.fingerprint()


def test_files_with_several_sets_are_version_2_and_single_set_files_stay_1(multi_server):
    for data, _ in multi_artifacts(multi_server).values():
        assert data[4] == 2
    single = fhe.Compiler(lambda x: T2[x], {"x": "encrypted"}).compile(range(4)).server
    assert single.serialize_program()[4] == 1 and single.client_specs.serialize()[4] == 1


def test_a_key_set_that_does_not_match_its_sections_is_refused():
    data = toy_key_set().serialize()
    envelope = decode_envelope(data, Kind.KEY_SET)
    arrays = dict(envelope.arrays)
    del arrays["keyswitch_key.0.1"]
    with pytest.raises(SerializationError, match="keyswitch_key.0.1"):
        Keys.deserialize(encode_envelope(Kind.KEY_SET, envelope.metadata, arrays, version=2))
    metadata = {**envelope.metadata, "key_set": {**envelope.metadata["key_set"],
                                                  "keyswitches": [[0, 5, 2, 5]]}}
    with pytest.raises(SerializationError, match="partition"):
        Keys.deserialize(encode_envelope(Kind.KEY_SET, metadata, envelope.arrays, version=2))


@pytest.mark.parametrize("name", ["client specs", "evaluation keys", "key set",
                                  "server program"])
def test_every_key_set_loader_raises_only_serialization_errors(multi_server, name):
    data, load = multi_artifacts(multi_server)[name]
    kind = {"client specs": Kind.CLIENT_SPECS, "evaluation keys": Kind.EVALUATION_KEYS,
            "key set": Kind.KEY_SET, "server program": Kind.SERVER_PROGRAM}[name]
    rng = np.random.default_rng(len(name) * 104729)
    counts = {"refused": 0, "loaded": 0}
    for _ in range(600):
        counts[outcome(load, mutate(data, int(kind), rng))] += 1
    assert counts["refused"] > 300, counts
