"""The HTTP server in its own process on 127.0.0.1: round trip, load, fuzzing, limits."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from fhe_assistant.deploy import Client, HTTPClient, RemoteError, Value
from fhe_assistant.deploy.envelope import FORMAT_VERSION, Kind, decode_envelope, encode_envelope

from .conftest import SEED, ServeProcess, expected


def test_two_process_round_trip(http_server, key_cache):
    with HTTPClient(http_server.url) as remote:
        assert remote.health()["status"] == "ok"
        client = Client(remote.client_specs(), keyset_cache_directory=key_cache)
        client.keys.generate(seed=SEED)
        key_id = remote.upload_evaluation_keys(client.evaluation_keys)
        again = remote.upload_evaluation_keys(client.evaluation_keys.serialize())
        assert again != key_id and len(key_id) == 32  # a fresh 128-bit capability each time
        for x in (0, 3, 7):
            assert client.decrypt(remote.run(client.encrypt(x), key_id=key_id)) == expected(x)
        assert client.decrypt(remote.run(client.encrypt(2), key_id=again)) == expected(2)
        remote.delete_evaluation_keys(key_id)
        remote.delete_evaluation_keys(again)
        info = remote.info()
        assert info["inputs"][0]["name"] == "x" and info["fingerprint"] == client.specs.fingerprint


def test_load_fifty_concurrent_requests_over_eight_workers(http_server, client, remote_key_id):
    """50 runs over 8 workers decrypt right, and /health answers while runs are in progress
    (its latency is a benchmark figure, not asserted here)."""
    xs = [int(v) for v in np.random.default_rng(SEED).integers(0, 8, 50)]
    arguments = [client.encrypt(x) for x in xs]
    watching, stop, busy_seen = threading.Event(), threading.Event(), []

    def watch_health():
        with HTTPClient(http_server.url, timeout=30) as remote:
            while not stop.is_set():
                busy_seen.append(remote.health()["runs_in_progress"])
                watching.set()
                if busy_seen[-1] > 0:
                    return  # seen: the event loop answered during a run

    def call(argument):
        with HTTPClient(http_server.url, timeout=120) as remote:
            return remote.run(argument, key_id=remote_key_id)

    watcher = threading.Thread(target=watch_health, daemon=True)
    watcher.start()
    assert watching.wait(timeout=30), "/health never answered"
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(call, arguments, timeout=300))
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive()
    assert len(results) == 50
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]
    assert max(busy_seen) > 0, "no /health answer saw a run in progress"


def _fuzz_cases(client, server, rng):
    """(label, body, expected status, expected message fragment)."""
    full_client = Client(client.specs, compress_input_ciphertexts=False)
    full_client.keys = client.keys
    seeded = client.encrypt(5).serialize()
    valid = full_client.encrypt(5).serialize()
    envelope = decode_envelope(valid, Kind.VALUE)
    meta, arrays = envelope.metadata, envelope.arrays
    cases = []
    for payload in (valid, seeded):
        for length in sorted({int(n) for n in rng.integers(1, len(payload), 60)}):
            cases.append(("truncated", payload[:length], 400, "truncated"))
        for _ in range(70):
            body = bytearray(payload)
            for position in rng.integers(0, len(payload), int(rng.integers(1, 4))):
                body[position] ^= 1 << int(rng.integers(0, 8))
            cases.append(("bit flip", bytes(body), 400, ""))
    seeded_meta = decode_envelope(seeded, Kind.VALUE).metadata
    cases.append(("seeded, wrong shape", encode_envelope(
        Kind.VALUE, {**seeded_meta, "shape": [4000]}, {"bodies": np.zeros(4000, np.uint64)}),
        400, "shape"))
    cases.append(("seeded, bad seed", encode_envelope(
        Kind.VALUE, {**seeded_meta, "mask_seed": "00"}, {"bodies": np.zeros((), np.uint64)}),
        400, "mask_seed"))
    for version in (FORMAT_VERSION + 1, FORMAT_VERSION + 2, 255, 65535):
        cases.append(("newer version", encode_envelope(Kind.VALUE, meta, arrays, version=version),
                      400, "newer"))
    for shape in ((1,), (2,), (3, 1)):
        count = int(np.prod(shape))
        cts = np.repeat(arrays["ciphertexts"][None], count, 0).reshape(shape + (-1,))
        cases.append(("wrong shape", encode_envelope(Kind.VALUE, {**meta, "shape": list(shape)},
                                                     {"ciphertexts": cts}), 400, "shape"))
    cases.append(("other parameters", encode_envelope(
        Kind.VALUE, {**meta, "fingerprint": "0123456789abcdef"}, arrays), 400,
        "other parameters"))
    cases.append(("other LWE size", encode_envelope(
        Kind.VALUE, {**meta, "lwe_size": meta["lwe_size"] - 1},
        {"ciphertexts": arrays["ciphertexts"][:-1]}), 400, "other parameters"))
    cases.append(("other key set", encode_envelope(Kind.VALUE, {**meta, "key_id": "f" * 32},
                                                   arrays), 400, "another key set"))
    cases.append(("other precision", encode_envelope(Kind.VALUE, {**meta, "precision": 5},
                                                     arrays), 400, "encoded at 5 bits"))
    cases.append(("clear value", Value(np.array(3)).serialize(), 400, "must be encrypted"))
    cases.append(("two values", valid + valid, 400, "expected 1 value"))
    cases.append(("wrong kind", server.client_specs.serialize(), 400, "expected a serialized"))
    cases.append(("empty", b"", 400, "empty request body"))
    cases.append(("garbage", bytes(rng.integers(0, 256, 5000, dtype=np.uint8)), 400, ""))
    cases.append(("json", b'{"x": 5}', 400, ""))
    cases.append(("bad metadata", encode_envelope(Kind.VALUE, {**meta, "shape": "x"}, arrays),
                  400, "shape"))
    cases.append(("oversized", valid * 10, 413, "too large"))
    return cases


def test_fuzzed_payloads_get_clear_4xx_and_the_server_survives(http_server, client, server,
                                                                remote_key_id):
    cases = _fuzz_cases(client, server, np.random.default_rng(SEED))
    assert len(cases) >= 200
    statuses = {}
    with httpx.Client(base_url=http_server.url, timeout=60) as http:
        for label, body, status, fragment in cases:
            response = http.post("/run", params={"key_id": remote_key_id}, content=body)
            assert response.status_code == status, (label, response.text)
            detail = response.json()["detail"]
            assert isinstance(detail, str) and len(detail) > 10 and fragment in detail, \
                (label, detail)
            statuses[label] = status
        uploads = [(b"", "truncated"), (client.encrypt(1).serialize(), "expected a serialized"),
                   (client.evaluation_keys.serialize()[:100_000], "truncated")]
        for body, fragment in uploads:
            response = http.post("/evaluation_keys", content=body)
            assert response.status_code == 400 and fragment in response.json()["detail"]
        response = http.post("/run", params={"key_id": "unknown"}, content=b"x")
        assert response.status_code == 404
    with HTTPClient(http_server.url) as remote:
        assert remote.health()["status"] == "ok"
        assert client.decrypt(remote.run(client.encrypt(4), key_id=remote_key_id)) == expected(4)


def test_remote_errors_carry_the_servers_message(http_server, client, remote_key_id):
    with HTTPClient(http_server.url) as remote:
        with pytest.raises(RemoteError, match="unknown key id"):
            remote.run(client.encrypt(1), key_id="nope")
        bad = bytearray(client.encrypt(1).serialize())
        bad[-1] ^= 1
        with pytest.raises(RemoteError, match="400: corrupted value: checksum mismatch"):
            remote.run_serialized(bytes(bad), remote_key_id)


def test_a_full_key_store_refuses_new_uploads_and_evicts_nothing(http_server, server,
                                                                  client, remote_key_id):
    with HTTPClient(http_server.url, busy_wait=0) as remote:
        ids = []
        with pytest.raises(RemoteError) as refused:
            for _ in range(4):  # the server holds 4 (--max-key-sets 4), one is remote_key_id
                ids.append(remote.upload_evaluation_keys(client.evaluation_keys))
        assert len(ids) == 3 and refused.value.status_code == 503
        assert refused.value.retry_after >= 1 and "full" in refused.value.detail
        for key_id in [remote_key_id, *ids]:  # nothing was evicted
            assert client.decrypt(remote.run(client.encrypt(1), key_id=key_id)) == expected(1)
        for key_id in ids:
            remote.delete_evaluation_keys(key_id)
        with pytest.raises(RemoteError, match="404"):
            remote.delete_evaluation_keys(ids[0])
        with pytest.raises(RemoteError, match="404"):
            remote.run(client.encrypt(1), key_id=ids[0])


def test_serve_reports_a_bad_artifact(tmp_path):
    path = tmp_path / "server.zip"
    path.write_bytes(b"nothing")
    with pytest.raises(RuntimeError, match="not a valid server.zip"):
        ServeProcess(str(path), startup_timeout=60)


def test_key_upload_limit_follows_the_true_key_size(http_server, evaluation_key_bytes):
    with HTTPClient(http_server.url) as remote:
        limit = remote.info()["limits"]["/evaluation_keys"]
    assert 0 <= limit - len(evaluation_key_bytes) <= (64 << 10) + 52
    with httpx.Client(base_url=http_server.url, timeout=60) as http:
        response = http.post("/evaluation_keys", content=bytes(limit + 1))
    assert response.status_code == 413 and "at most" in response.json()["detail"]
