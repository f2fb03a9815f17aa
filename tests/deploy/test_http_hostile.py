"""Two clients and a hostile third on one server (loopback, bearer tokens, bounded loops).

The hostile client holds a valid token (an insider) and the others' *public* material
(their evaluation keys and key set ids); it must not be able to delete, evict or use their
uploads, nor make the server answer 500.
"""
from __future__ import annotations

import secrets

import httpx
import numpy as np
import pytest

from fhe_assistant.deploy import Client, HTTPClient, RemoteError

from .conftest import SEED, ServeProcess, expected

TOKENS = [secrets.token_hex(16) for _ in range(3)]


@pytest.fixture(scope="module")
def guarded_server(server_zip, tmp_path_factory):
    token_file = tmp_path_factory.mktemp("tokens") / "tokens.txt"
    token_file.write_text("# one client a line\n" + "\n".join(TOKENS) + "\n")
    process = ServeProcess(server_zip, "--token-file", str(token_file), "--max-key-sets", "3",
                           "--max-key-sets-per-client", "1")
    yield process
    process.stop()


def _hostile_bodies(payload: bytes, rng) -> list[bytes]:
    bodies = [b"", b"{}", payload[:40], payload + payload, bytes(300)]
    for _ in range(40):
        body = bytearray(payload)
        for position in rng.integers(0, len(body), 3):
            body[position] ^= 0xFF
        bodies.append(bytes(body))
    return bodies


def test_two_clients_and_a_hostile_third(guarded_server, server, client, key_cache):
    url, statuses = guarded_server.url, []
    alice, bob = client, Client(server.client_specs, keyset_cache_directory=key_cache)
    bob.keys.generate(seed=1)
    mallory_keys = Client(server.client_specs, keyset_cache_directory=key_cache)
    mallory_keys.keys.generate(seed=2)
    with HTTPClient(url, token=TOKENS[0]) as a, HTTPClient(url, token=TOKENS[1]) as b, \
            HTTPClient(url, token=TOKENS[2], busy_wait=0) as m, \
            httpx.Client(base_url=url, timeout=60) as raw:
        alice_id = a.upload_evaluation_keys(alice.evaluation_keys)
        bob_id = b.upload_evaluation_keys(bob.evaluation_keys)
        # the same public bytes uploaded by the hostile client: a different capability
        stolen_id = m.upload_evaluation_keys(alice.evaluation_keys.serialize())
        assert len({alice_id, bob_id, stolen_id}) == 3

        def refused(call, status: int) -> None:
            with pytest.raises(RemoteError) as error:
                call()
            statuses.append(error.value.status_code)
            assert error.value.status_code == status, error.value.detail

        # no token, a wrong token: 401 on every endpoint
        for path in ("/info", "/client_specs", "/health"):
            for headers in ({}, {"authorization": "Bearer " + "0" * 32},
                            {"authorization": TOKENS[0]}):
                response = raw.get(path, headers=headers)
                statuses.append(response.status_code)
                assert response.status_code == 401
        # the store and the quota are full for the hostile client: 503, nothing evicted
        refused(lambda: m.upload_evaluation_keys(mallory_keys.evaluation_keys), 503)
        # deleting or running with what it knows or guesses: 404
        guesses = [alice.evaluation_keys.key_id, bob.evaluation_keys.key_id,
                   alice_id[:-1], alice_id.upper(), "", "../" + alice_id,
                   *(secrets.token_hex(16) for _ in range(40))]
        for guess in guesses:
            if guess:
                refused(lambda g=guess: m.delete_evaluation_keys(g), 404)
            refused(lambda g=guess: m.run(alice.encrypt(3), key_id=g), 404)
        # malformed bodies with a valid capability: 4xx, never 500
        rng = np.random.default_rng(SEED)
        for body in _hostile_bodies(alice.encrypt(3).serialize(), rng):
            try:
                m.run_serialized(body, stolen_id)
                statuses.append(200)
            except RemoteError as error:
                statuses.append(error.value.status_code if hasattr(error, "value")
                                else error.status_code)
                assert 400 <= error.status_code < 500, error.detail
        # the others' keys are intact and theirs alone
        for x in range(8):
            assert alice.decrypt(a.run(alice.encrypt(x), key_id=alice_id)) == expected(x)
            assert bob.decrypt(b.run(bob.encrypt(x), key_id=bob_id)) == expected(x)
        # a holder deletes its own; then there is room again for that client only
        m.delete_evaluation_keys(stolen_id)
        refused(lambda: m.delete_evaluation_keys(stolen_id), 404)
        own_id = m.upload_evaluation_keys(mallory_keys.evaluation_keys)
        assert mallory_keys.decrypt(m.run(mallory_keys.encrypt(5), key_id=own_id)) == expected(5)
        refused(lambda: a.upload_evaluation_keys(alice.evaluation_keys), 503)  # A's quota: 1
        info = a.info()
        assert info["key_store"]["key_sets"] == 3 and info["authentication"] == "bearer"
    assert 500 not in statuses and len(statuses) > 100
