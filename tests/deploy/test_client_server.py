"""The concrete.fhe-style round trip in one process, with real keys and ciphertexts."""
from __future__ import annotations

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.core.errors import InputError
from fhe_assistant.deploy import (
    Client,
    ClientSpecs,
    EvaluationKeys,
    Server,
    Value,
    client_from_circuit,
    server_from_circuit,
)

from .conftest import SEED, expected


def test_round_trip_through_bytes_only(server_zip, key_cache, tmp_path):
    server = Server.load(server_zip)
    client = Client(ClientSpecs.deserialize(server.client_specs.serialize()),
                    keyset_cache_directory=key_cache)
    client.keys.generate(seed=SEED)
    evaluation_keys = client.evaluation_keys.serialize()
    for x in range(8):
        argument = client.encrypt(x).serialize()
        result = server.run(Value.deserialize(argument),
                            evaluation_keys=EvaluationKeys.deserialize(evaluation_keys))
        assert client.decrypt(Value.deserialize(result.serialize())) == expected(x)
    client.keys.save(tmp_path / "keys.bin")
    restored = Client(server.client_specs)
    restored.keys.load(tmp_path / "keys.bin")
    assert restored.decrypt(result) == expected(7)


def test_fresh_keys_from_the_os_random_work(server):
    client = Client(server.client_specs)
    client.keys.generate()
    assert client.decrypt(server.run(client.encrypt(6), evaluation_keys=client.evaluation_keys)) \
        == expected(6)


def test_circuit_helpers_share_the_circuits_keys(circuit):
    circuit.keygen()
    client = client_from_circuit(circuit)
    assert client.keys.are_generated
    server = server_from_circuit(circuit)
    result = server.run(client.encrypt(2), evaluation_keys=client.evaluation_keys)
    assert circuit.decrypt(result.encrypted) == expected(2)
    assert client.decrypt(circuit.run(client.encrypt(3).encrypted)) == expected(3)


@pytest.fixture(scope="module")
def two_in_two_out(tmp_path_factory, key_cache):
    table = fhe.LookupTable([1, 0, 3, 2, 5, 4, 7, 6])

    @fhe.compiler({"x": "encrypted", "y": "clear"})
    def program(x, y):
        return x + y, table[x] - 4

    inputset = [(np.array([a, 7 - a]), np.array([b, 1])) for a in range(8) for b in range(-2, 3)]
    circuit = program.compile(inputset, insecure_key_cache_location=key_cache)
    server = Server.from_circuit(circuit)
    client = Client(server.client_specs, keyset_cache_directory=key_cache)
    client.keys.generate(seed=SEED)
    return server, client


def test_several_inputs_and_outputs_with_a_clear_argument(two_in_two_out):
    server, client = two_in_two_out
    specs = server.client_specs
    assert [s.is_encrypted for s in specs.inputs] == [True, False]
    assert len(specs.outputs) == 2 and specs.outputs[1].is_signed
    x, y = np.array([5, 2]), np.array([-2, 1])
    arguments = client.encrypt(x, y)
    assert isinstance(arguments, tuple) and not arguments[1].is_encrypted
    wire = [Value.deserialize(a.serialize()) for a in arguments]
    total, looked_up = server.run(*wire, evaluation_keys=client.evaluation_keys)
    got = client.decrypt(Value.deserialize(total.serialize()), looked_up)
    np.testing.assert_array_equal(got[0], x + y)
    np.testing.assert_array_equal(got[1], np.array([4, 3]) - 4)
    assert server.run(arguments, evaluation_keys=client.evaluation_keys)  # a tuple works too


def test_clear_where_encrypted_and_bad_shapes_are_refused(two_in_two_out, server, client):
    two, two_client = two_in_two_out
    x = two_client.encrypt(np.array([1, 2]), np.array([0, 0]))
    with pytest.raises(InputError, match="must be encrypted"):
        two.run(Value(np.array([1, 2])), x[1], evaluation_keys=two_client.evaluation_keys)
    with pytest.raises(InputError, match="expected 2 value"):
        two.run(x[0], evaluation_keys=two_client.evaluation_keys)
    with pytest.raises(InputError, match="holds values in"):
        two.run(x[0], Value(np.array([9, 0])), evaluation_keys=two_client.evaluation_keys)
    with pytest.raises(InputError, match="shape"):
        two_client.encrypt(np.array([1, 2, 3]), np.array([0, 0]))
    with pytest.raises(InputError, match=r"outside EncryptedScalar<uint3>"):
        client.encrypt(8)
    with pytest.raises(InputError, match="integers"):
        client.encrypt("3")
    with pytest.raises(InputError, match="evaluation_keys must be"):
        server.run(client.encrypt(1), evaluation_keys=b"bytes")


def test_values_and_keys_of_another_key_set_are_caught(server, client):
    stranger = Client(server.client_specs)
    stranger.keys.generate(seed=SEED + 1)
    with pytest.raises(InputError, match="another key set"):
        server.run(stranger.encrypt(1), evaluation_keys=client.evaluation_keys)
    result = server.run(client.encrypt(1), evaluation_keys=client.evaluation_keys)
    with pytest.raises(InputError, match="another key set"):
        stranger.decrypt(result)


def test_keys_are_needed_before_decrypting(server, client):
    fresh = Client(server.client_specs)
    with pytest.raises(InputError, match="no keys yet"):
        fresh.decrypt(client.encrypt(1))
