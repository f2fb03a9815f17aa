"""Files of programs with WoP-PBS lookups (format version 3): round trips, the checks on load,
and the resealed fuzzing every loader gets (only ``SerializationError`` may come out).

The programs are small circuits with their lookups marked WoP-PBS under Concrete's 12-bit
parameter row (formats only: nothing here runs a WoP-PBS).
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.crypto.wop_parameters import WopParameters
from fhe_assistant.deploy import ClientSpecs, SerializationError, Server
from fhe_assistant.deploy.envelope import FORMAT_VERSION, Kind
from fhe_assistant.deploy.program import Program
from fhe_assistant.deploy.wop_format import wop_parameters_from_json
from fhe_assistant.lowered.wop_lookups import WopAssignment

from .test_fuzz import mutate, outcome, reseal, split

WOP_12 = WopParameters(lwe_dimension=735, glwe_dimension=2, polynomial_size=1024,
                       decomposition_base_log=6, decomposition_level_count=7,
                       ks_decomposition_base_log=2, ks_decomposition_level_count=7,
                       pfpks_base_log=16, pfpks_level=2, cb_base_log=6, cb_level=4,
                       message_bit_width=12)
RNG = np.random.default_rng(11)
T4 = fhe.LookupTable(RNG.integers(0, 16, 16).tolist())


def wop_server(lookups=None) -> Server:
    circuit = fhe.Compiler(lambda x: T4[x] + T4[15 - x], {"x": "encrypted"}).compile(
        [RNG.integers(0, 16, 3) for _ in range(20)])
    program = circuit.program
    chosen = program.plan.lookups if lookups is None else lookups
    parameter_sets = {0: WOP_12.ks_pbs()}
    return Server(dataclasses.replace(program, parameter_sets=parameter_sets,
                                      wop=WopAssignment(WOP_12, frozenset(chosen))))


@pytest.fixture(scope="module")
def server() -> Server:
    return wop_server()


def test_round_trips_keep_the_wop_parameters_and_lookups(server, tmp_path):
    specs = ClientSpecs.deserialize(server.client_specs.serialize())
    assert specs == server.client_specs and specs.wop_parameters == WOP_12
    assert specs.parameters == WOP_12.ks_pbs() and specs.fingerprint == WOP_12.fingerprint()
    program = Program.deserialize(server.serialize_program())
    assert program.wop == server.program.wop and len(program.wop.lookups) == 2
    assert all(program.lookup_method(i) == "wop" for i in program.plan.lookups)
    path = tmp_path / "server.zip"
    server.save(path)
    loaded = Server.load(path)
    assert loaded.client_specs == server.client_specs
    assert loaded.program.wop == server.program.wop


def test_mixed_methods_round_trip():
    first = min(wop_server().program.plan.lookups)
    server = wop_server([first])
    program = Program.deserialize(server.serialize_program())
    assert {i: program.lookup_method(i) for i in program.plan.lookups} == {
        i: server.program.lookup_method(i) for i in server.program.plan.lookups}
    assert sorted({program.lookup_method(i) for i in program.plan.lookups}) == ["native", "wop"]


def test_wop_files_are_version_3_and_others_unchanged(server):
    assert FORMAT_VERSION >= 3
    assert server.serialize_program()[4] == 3 and server.client_specs.serialize()[4] == 3
    single = fhe.Compiler(lambda x: T4[x], {"x": "encrypted"}).compile(range(16)).server
    assert single.serialize_program()[4] == 1 and single.client_specs.serialize()[4] == 1


def _resealed(data: bytes, kind: Kind, **changes) -> bytes:
    metadata, payload = split(data)
    metadata.update(changes)
    return reseal(int(kind), json.dumps(metadata).encode(), payload, 3)


def test_inconsistent_headers_are_refused(server):
    program, specs = server.serialize_program(), server.client_specs.serialize()
    other = dataclasses.replace(WOP_12, cb_level=3)
    cases = [
        (program, Kind.SERVER_PROGRAM, Program.deserialize,
         {"wop_lookups": [10_000]}, "WoP-PBS lookups"),
        (program, Kind.SERVER_PROGRAM, Program.deserialize,
         {"wop_lookups": "all"}, "WoP-PBS lookups"),
        (program, Kind.SERVER_PROGRAM, Program.deserialize,
         {"wop_parameters": other.as_dict()}, "fingerprint"),
        (specs, Kind.CLIENT_SPECS, ClientSpecs.deserialize,
         {"parameters": dataclasses.replace(WOP_12.ks_pbs(), lwe_dimension=700).as_dict()},
         "KS-PBS part"),
        (specs, Kind.CLIENT_SPECS, ClientSpecs.deserialize,
         {"wop_parameters": {**WOP_12.as_dict(), "cb_level": 0}}, "circuit bootstrap"),
        (specs, Kind.CLIENT_SPECS, ClientSpecs.deserialize,
         {"key_set": {"partitions": [], "keyswitches": []}}, "one parameter set"),
    ]
    for data, kind, load, changes, fragment in cases:
        with pytest.raises(SerializationError, match=fragment):
            load(_resealed(data, kind, **changes))


@pytest.mark.parametrize("data", [None, [], {"lwe_dimension": 1},
                                  {**WOP_12.as_dict(), "message_bit_width": 17},
                                  {**WOP_12.as_dict(), "lwe_dimension": 0},
                                  {**WOP_12.as_dict(), "pfpks_base_log": 40, "pfpks_level": 2},
                                  {**WOP_12.as_dict(), "polynomial_size": 1000},
                                  {**WOP_12.as_dict(), "cb_level": True}])
def test_malformed_wop_parameters_are_refused(data):
    with pytest.raises(SerializationError, match="corrupted x"):
        wop_parameters_from_json(data, "x")


@pytest.mark.parametrize("name", ["client specs", "server program"])
def test_every_wop_loader_raises_only_serialization_errors(server, name):
    data, load, kind = {
        "client specs": (server.client_specs.serialize(), ClientSpecs.deserialize,
                         Kind.CLIENT_SPECS),
        "server program": (server.serialize_program(), Program.deserialize,
                           Kind.SERVER_PROGRAM)}[name]
    rng = np.random.default_rng(len(name) * 7727)
    counts = {"refused": 0, "loaded": 0}
    for _ in range(600):
        counts[outcome(load, mutate(data, int(kind), rng))] += 1
    assert counts["refused"] > 300, counts


# -- keys (INSECURE toy sizes: random arrays of the shapes the parameters imply) --------------
TOY = WopParameters(lwe_dimension=10, glwe_dimension=1, polynomial_size=16,
                    decomposition_base_log=8, decomposition_level_count=2,
                    ks_decomposition_base_log=4, ks_decomposition_level_count=2,
                    pfpks_base_log=8, pfpks_level=2, cb_base_log=4, cb_level=2,
                    message_bit_width=4)


def toy_wop_keys():
    from fhe_assistant.backend.tfhe import SecretKeys, WopEvaluationKeys, wop_key_shapes
    from fhe_assistant.deploy import Keys

    rng = np.random.default_rng(17)
    arrays = {}
    for name, (shape, dtype) in wop_key_shapes(TOY).items():
        arrays[name] = (rng.normal(size=shape) if dtype.kind == "f"
                        else rng.integers(0, 2**32, shape, dtype=np.uint64).astype(dtype))
    keys = Keys(TOY.ks_pbs(), wop_parameters=TOY)
    keys.assign(SecretKeys(rng.integers(0, 2, 10).astype(np.uint64),
                           rng.integers(0, 2, (1, 16)).astype(np.uint64)),
                WopEvaluationKeys(**arrays))
    return keys


def test_wop_keys_round_trip_and_are_version_3():
    from fhe_assistant.deploy import EvaluationKeys, Keys

    keys = toy_wop_keys()
    evaluation = EvaluationKeys.deserialize(keys.evaluation.serialize())
    assert evaluation.wop_parameters == TOY and evaluation.fingerprint == TOY.fingerprint()
    assert evaluation.nbytes == keys.evaluation.nbytes == keys.evaluation.inner.nbytes
    for name in ("packing_keyswitch_key", "scheme_switch_key_fourier"):
        assert np.array_equal(getattr(evaluation.inner, name),
                              getattr(keys.evaluation.inner, name))
    again = Keys.deserialize(keys.serialize())
    assert again.key_id == keys.key_id and again.wop_parameters == TOY
    assert np.array_equal(again.secret.glwe_key, keys.secret.glwe_key)
    assert keys.serialize()[4] == 3 and keys.evaluation.serialize()[4] == 3


def test_wop_keys_with_a_wrong_shape_or_other_parameters_are_refused():
    from fhe_assistant.deploy import EvaluationKeys

    data = toy_wop_keys().evaluation.serialize()
    metadata, payload = split(data)
    section = next(s for s in metadata["sections"] if s["name"] == "packing_keyswitch_key")
    section["shape"] = [section["shape"][0] // 2] + section["shape"][1:] + [2]
    with pytest.raises(SerializationError, match="packing_keyswitch_key"):
        EvaluationKeys.deserialize(reseal(int(Kind.EVALUATION_KEYS),
                                          json.dumps(metadata).encode(), payload, 3))
    other = dataclasses.replace(TOY, pfpks_level=3)
    with pytest.raises(SerializationError, match="fingerprint"):
        EvaluationKeys.deserialize(_resealed(data, Kind.EVALUATION_KEYS,
                                             wop_parameters=other.as_dict()))


@pytest.mark.parametrize("name", ["evaluation keys", "key set"])
def test_every_wop_key_loader_raises_only_serialization_errors(name):
    from fhe_assistant.deploy import EvaluationKeys, Keys

    keys = toy_wop_keys()
    data, load, kind = {
        "evaluation keys": (keys.evaluation.serialize(), EvaluationKeys.deserialize,
                            Kind.EVALUATION_KEYS),
        "key set": (keys.serialize(), Keys.deserialize, Kind.KEY_SET)}[name]
    rng = np.random.default_rng(len(name) * 3571)
    counts = {"refused": 0, "loaded": 0}
    for _ in range(600):
        counts[outcome(load, mutate(data, int(kind), rng))] += 1
    assert counts["refused"] > 300, counts


def test_the_http_key_store_budgets_a_wop_key_set(server):
    from fhe_assistant.backend.tfhe import wop_key_sizes
    from fhe_assistant.deploy.http_server import key_set_bytes

    assert key_set_bytes(server) == wop_key_sizes(WOP_12)["evaluation_keys"]
