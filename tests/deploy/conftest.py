"""Shared circuits, keys and a live HTTP server for the deploy tests.

Keys are generated once per session with an INSECURE seed (tests only) and cached in a
session directory; the HTTP server is a real ``fhe-assistant serve`` subprocess bound to
127.0.0.1 on a free port, stopped when the session ends.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading

import numpy as np
import pytest

import fhe_assistant as fhe
from fhe_assistant.deploy import Client, Server

TABLE = [3, 1, 0, 2, 6, 7, 5, 4]
SEED = 20240601


def expected(x: int) -> int:
    return TABLE[x] + x


def compile_lookup(cache: str):
    """A 3-bit table lookup plus a leveled add: one PBS per call."""
    table = fhe.LookupTable(TABLE)

    @fhe.compiler({"x": "encrypted"})
    def lookup(x):
        return table[x] + x

    return lookup.compile(range(8), insecure_key_cache_location=cache,
                          insecure_keygen_seed=SEED)


@pytest.fixture(scope="session")
def key_cache(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("key-cache"))


@pytest.fixture(scope="session")
def circuit(key_cache):
    return compile_lookup(key_cache)


@pytest.fixture(scope="session")
def server(circuit) -> Server:
    return Server.from_circuit(circuit)


@pytest.fixture(scope="session")
def client(server, key_cache) -> Client:
    client = Client(server.client_specs, keyset_cache_directory=key_cache)
    client.keys.generate(seed=SEED, encryption_seed=SEED)
    return client


@pytest.fixture(scope="session")
def evaluation_key_bytes(client) -> bytes:
    return client.evaluation_keys.serialize()


@pytest.fixture(scope="session")
def server_zip(server, tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("artifact") / "server.zip")
    server.save(path)
    return path


class ServeProcess:
    """``python -m fhe_assistant serve`` in a subprocess; ``url`` once it listens."""

    def __init__(self, artifact: str, *options: str, startup_timeout: float = 120.0):
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fhe_assistant", "serve", artifact, "--host", "127.0.0.1",
             "--port", "0", *options],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.output: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            line = self.output.get(timeout=startup_timeout)
        except queue.Empty:
            self.stop()
            raise RuntimeError("the server did not start in time") from None
        if " on http://127.0.0.1:" not in line:
            self.stop()
            raise RuntimeError(f"the server failed to start: {line!r} {self.stderr()[-2000:]}")
        self.url = line.split(" on ", 1)[1].split()[0]

    def _read(self) -> None:
        for line in self.process.stdout:  # drained to the end, so the pipe never fills
            self.output.put(line)
        self.output.put("")

    def stderr(self) -> str:
        if self.log.closed:
            return self.final_stderr
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if not self.log.closed:
            self.final_stderr = self.stderr()
            self.log.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def http_server(server_zip):
    process = ServeProcess(server_zip, "--max-key-sets", "4", "--max-key-sets-per-client", "4")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def remote_key_id(http_server, client) -> str:
    from fhe_assistant.deploy import HTTPClient

    with HTTPClient(http_server.url) as remote:
        return remote.upload_evaluation_keys(client.evaluation_keys)


@pytest.fixture
def rng():
    return np.random.default_rng(SEED)
