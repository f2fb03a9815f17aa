"""HTTP inference server (FastAPI + uvicorn) for a saved ``server.zip``.

Endpoints (bodies are raw envelopes, ``application/octet-stream``)

=======================  ======================================================================
``GET  /health``         ``{"status": "ok", "runs_in_progress": n}``
``GET  /info``           parameters, input/output specs, limits, key store usage (JSON)
``GET  /client_specs``   the serialized :class:`ClientSpecs`
``POST /evaluation_keys``  body: serialized :class:`EvaluationKeys` -> ``{"key_id": capability,
                         "idle_seconds": …}``
``DELETE /evaluation_keys/{key_id}``  (the capability)
``POST /run?key_id=…``   body: the call's serialized values back to back -> the results back
                         to back (``X-Output-Count`` header)
=======================  ======================================================================

``key_id`` here is a *capability* (:mod:`.key_store`): 128 random bits given to the
uploader, needed to run with or delete those keys; keys are never evicted by other
clients' uploads (a full store answers 503 with ``Retry-After``). With ``tokens`` every
request needs ``Authorization: Bearer <token>`` (:mod:`.http_guard`).

Errors are JSON ``{"detail": message}``: 400 for a malformed, tampered, mismatched or
newer-version payload, 401 without a valid token, 404 for an unknown key id, 413 for a body
over the limit, 503 when the key store is full, too many uploads are in flight or too many
runs are queued. Bodies and capabilities are never logged. PBS work runs in a dedicated
thread pool (``run_workers`` threads, 1 by default: numba's kernels already use every core)
and payload parsing in the default one, so the event loop keeps answering while runs are
in progress.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..core.errors import InputError
from .envelope import HEADER_SIZE, split_envelopes
from .errors import SerializationError
from .http_guard import Guard, read_tokens
from .key_set_format import partitioned_shapes
from .key_store import KeyStore
from .keys import EvaluationKeys, evaluation_key_shapes
from .server import Server
from .value import Value
from .wop_format import wop_key_shapes

logger = logging.getLogger("fhe_assistant.deploy.http")

#: Envelope header and JSON metadata allowed on top of the exact array bytes.
_SLACK = 64 << 10
_ITEMSIZE = {"bootstrap_key_fourier": 8, "keyswitch_key": 4}  # float64, uint32


def _count(shape) -> int:
    count = 1
    for dim in shape:
        count *= dim
    return count


def _expected_input_bytes(server: Server) -> int:
    specs = server.client_specs
    return sum(HEADER_SIZE + _SLACK + 8 * _count(spec.shape) * (
        specs.parameters_of(spec).big_lwe_dimension + 1 if spec.is_encrypted else 1)
        for spec in specs.inputs)


def key_set_bytes(server: Server) -> int:
    """Bytes of one key set's arrays, from the shapes and dtypes the parameters imply (every
    partition's keys for a program with several parameter sets, the WoP keys of a program
    with WoP-PBS lookups)."""
    key_set, wop = server.client_specs.key_set, server.client_specs.wop_parameters
    if wop is not None:  # WoP keys: shapes and dtypes from the parameters
        return sum(dtype.itemsize * _count(shape)
                   for shape, dtype in wop_key_shapes(wop).values())
    shapes = (evaluation_key_shapes(server.parameters) if key_set is None
              else partitioned_shapes(key_set))
    return sum(_ITEMSIZE[name.split(".")[0]] * _count(shape) for name, shape in shapes.items())


class ServerState:
    """The key store and the run queue."""

    def __init__(self, server: Server, store: KeyStore, max_pending_runs: int,
                 run_workers: int):
        self.server, self.store, self.max_pending_runs = server, store, max_pending_runs
        self.lock = threading.Lock()
        self.pending = 0
        self.pool = ThreadPoolExecutor(max_workers=run_workers, thread_name_prefix="fhe-run")

    def add_keys(self, data: bytes, capability: str) -> None:
        self.store.fill(capability, self.server.check_keys(EvaluationKeys.deserialize(data)))

    def run(self, keys: EvaluationKeys, inputs: list) -> bytes:
        outputs = self.server.runtime.run(keys.inner, inputs)
        return b"".join(Value(o, keys.key_id).serialize() for o in outputs)


_UNKNOWN = "unknown key id (expired after its idle time, deleted, or never issued)"


def _parse_values(state: ServerState, body: bytes, keys: EvaluationKeys) -> list:
    if not body:
        raise SerializationError("empty request body: send the serialized values back to back")
    values = [Value.deserialize(piece) for piece in split_envelopes(body)]
    return state.server.check_arguments(values, keys)


def create_app(server: Server, *, max_key_sets: int = 4, max_key_sets_per_client: int = 2,
               max_key_memory: int | None = None, key_idle_seconds: float = 3600.0,
               max_uploads: int = 2, max_pending_runs: int = 64, run_workers: int = 1,
               max_key_bytes: int | None = None, max_input_bytes: int | None = None,
               tokens: list[str] | None = None):
    """The ASGI application serving ``server`` (wrapped in :class:`http_guard.Guard`).

    ``max_key_memory`` (bytes) defaults to ``max_key_sets`` key sets; ``tokens`` (bearer
    tokens, one per client) turns authentication on; quotas then count per token, else per
    client address.
    """
    store = KeyStore(key_set_bytes(server), max_key_sets, max_key_memory,
                     max_key_sets_per_client, key_idle_seconds)
    state = ServerState(server, store, max_pending_runs, run_workers)
    specs_bytes = server.client_specs.serialize()
    limits = {"/evaluation_keys": max_key_bytes or key_set_bytes(server) + HEADER_SIZE + _SLACK,
              "/run": max_input_bytes or _expected_input_bytes(server)}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        state.pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="fhe_assistant server", version="1", lifespan=lifespan)
    app.state.fhe = state

    @app.exception_handler(InputError)
    async def _input_error(request, error: InputError):
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(Exception)
    async def _internal_error(request, error: Exception):
        logger.error("internal error on %s: %s", request.url.path, type(error).__name__)
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    @app.get("/health")
    async def health():
        return {"status": "ok", "runs_in_progress": state.pending}

    @app.get("/info")
    async def info():
        specs = server.client_specs
        return {"parameters": specs.parameters.as_dict(), "fingerprint": specs.fingerprint,
                "inputs": [s.to_json() for s in specs.inputs],
                "outputs": [s.to_json() for s in specs.outputs],
                "limits": limits, "key_store": store.usage(),
                "max_concurrent_uploads": max_uploads, "max_pending_runs": max_pending_runs,
                "authentication": "bearer" if tokens else "none"}

    @app.get("/client_specs")
    async def client_specs():
        return Response(specs_bytes, media_type="application/octet-stream")

    @app.post("/evaluation_keys")
    async def upload_keys(request: Request):
        capability = request.state.fhe_reservation  # room reserved by the guard
        body = await request.body()
        await run_in_threadpool(state.add_keys, body, capability)
        return {"key_id": capability, "idle_seconds": key_idle_seconds}

    @app.delete("/evaluation_keys/{key_id}")
    async def delete_keys(key_id: str):
        if not store.delete(key_id):
            return JSONResponse({"detail": _UNKNOWN}, status_code=404)
        return Response(status_code=204)

    @app.post("/run")
    async def run(request: Request, key_id: str = ""):
        keys = store.get(key_id)
        if keys is None:
            return JSONResponse({"detail": f"{_UNKNOWN}: upload the evaluation keys to "
                                           f"/evaluation_keys first"}, status_code=404)
        body = await request.body()
        inputs = await run_in_threadpool(_parse_values, state, body, keys)
        with state.lock:
            if state.pending >= state.max_pending_runs:
                return JSONResponse({"detail": "server busy: too many runs queued, retry later"},
                                    status_code=503, headers={"Retry-After": "1"})
            state.pending += 1
        try:
            loop = asyncio.get_running_loop()
            payload = await loop.run_in_executor(state.pool, state.run, keys, inputs)
        finally:
            with state.lock:
                state.pending -= 1
        return Response(payload, media_type="application/octet-stream",
                        headers={"X-Output-Count": str(len(server.client_specs.outputs))})

    return Guard(app, limits, store, tokens=tokens, max_uploads=max_uploads)


def serve(path, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning",
          token_file=None, **options) -> None:
    """Load ``path`` (a server.zip) and serve it until interrupted (SIGINT/SIGTERM).

    ``token_file``: bearer tokens, one a line; every request must carry one of them.
    """
    import uvicorn

    tokens = read_tokens(token_file) if token_file is not None else None
    server = Server.load(path)
    app = create_app(server, tokens=tokens, **options)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio: TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, timeout_keep_alive=5,
                            timeout_graceful_shutdown=5, access_log=False)  # URLs hold ids
    print(f"fhe-assistant: serving {path} on http://{host}:{bound} "
          f"({server.client_specs})", flush=True)
    sys.stdout.flush()
    uvicorn.Server(config).run(sockets=[sock])
