"""HTTP inference server (FastAPI + uvicorn) for a saved ``server.zip``.

Endpoints (bodies are raw envelopes, ``application/octet-stream``)

=======================  ======================================================================
``GET  /health``         ``{"status": "ok", "runs_in_progress": n}``
``GET  /info``           parameters, input/output specs, limits (JSON)
``GET  /client_specs``   the serialized :class:`ClientSpecs`
``POST /evaluation_keys``  body: serialized :class:`EvaluationKeys` -> ``{"key_id": …}``
``DELETE /evaluation_keys/{key_id}``
``POST /run?key_id=…``   body: the call's serialized values back to back -> the results back
                         to back (``X-Output-Count`` header)
=======================  ======================================================================

Errors are JSON ``{"detail": message}``: 400 for a malformed, tampered, mismatched or
newer-version payload, 404 for an unknown key id, 413 for a body over the limit, 503 when
too many runs are queued. Bodies are never logged. PBS work runs in a dedicated thread pool
(``run_workers`` threads, 1 by default: numba's kernels already use every core) and payload
parsing in the default one, so the event loop keeps answering while runs are in progress.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import socket
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..core.errors import InputError
from .envelope import HEADER_SIZE, split_envelopes
from .errors import SerializationError
from .keys import EvaluationKeys, evaluation_key_shapes
from .server import Server
from .value import Value

logger = logging.getLogger("fhe_assistant.deploy.http")

#: Envelope header and JSON slack allowed on top of the exact array bytes.
_SLACK = 64 << 10
#: Past its limit, a body is drained (then refused with 413) up to this many extra bytes.
_DRAIN = 16 << 20


def _expected_input_bytes(server: Server) -> int:
    lwe_size = server.parameters.big_lwe_dimension + 1
    total = 0
    for spec in server.client_specs.inputs:
        count = 1
        for dim in spec.shape:
            count *= dim
        total += HEADER_SIZE + _SLACK + 8 * count * (lwe_size if spec.is_encrypted else 1)
    return total


def _expected_key_bytes(server: Server) -> int:
    words = 0
    for shape in evaluation_key_shapes(server.parameters).values():
        count = 1
        for dim in shape:
            count *= dim
        words += count
    return 16 * words + HEADER_SIZE + _SLACK  # 8-byte words (float64 BSK, uint64 KSK); 16: room


class BodyLimit:
    """ASGI middleware: reads each request body, refusing (413) one over its path's limit."""

    def __init__(self, app, limits: dict[str, int], default: int = 64 << 10):
        self.app, self.limits, self.default = app, limits, default

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit + _DRAIN:
            return await self._refuse(send, limit)
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body = message.get("body", b"")
            total += len(body)
            if total <= limit:
                chunks.append(body)
            elif total > limit + _DRAIN:
                break
            more = message.get("more_body", False)
        if total > limit:
            return await self._refuse(send, limit)
        body, delivered = b"".join(chunks), False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send, limit: int) -> None:
        payload = json.dumps({"detail": f"request body too large: this endpoint accepts at "
                                        f"most {limit} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


class ServerState:
    """Uploaded evaluation keys (an LRU of ``max_key_sets``) and the run queue."""

    def __init__(self, server: Server, max_key_sets: int, max_pending_runs: int,
                 run_workers: int):
        self.server = server
        self.max_key_sets, self.max_pending_runs = max_key_sets, max_pending_runs
        self.keys: OrderedDict[str, EvaluationKeys] = OrderedDict()
        self.lock = threading.Lock()
        self.pending = 0
        self.pool = ThreadPoolExecutor(max_workers=run_workers, thread_name_prefix="fhe-run")

    def add_keys(self, data: bytes) -> str:
        keys = self.server.check_keys(EvaluationKeys.deserialize(data))
        key_id = hashlib.sha256(data).hexdigest()[:32]
        with self.lock:
            self.keys[key_id] = keys
            self.keys.move_to_end(key_id)
            while len(self.keys) > self.max_key_sets:
                self.keys.popitem(last=False)
        return key_id

    def get_keys(self, key_id: str) -> EvaluationKeys | None:
        with self.lock:
            keys = self.keys.get(key_id)
            if keys is not None:
                self.keys.move_to_end(key_id)
            return keys

    def run(self, keys: EvaluationKeys, inputs: list) -> bytes:
        outputs = self.server.runtime.run(keys.inner, inputs)
        return b"".join(Value(o, keys.key_id).serialize() for o in outputs)


def _parse_values(state: ServerState, body: bytes, keys: EvaluationKeys) -> list:
    if not body:
        raise SerializationError("empty request body: send the serialized values back to back")
    values = [Value.deserialize(piece) for piece in split_envelopes(body)]
    return state.server.check_arguments(values, keys)


def create_app(server: Server, *, max_key_sets: int = 4, max_pending_runs: int = 64,
               run_workers: int = 1, max_key_bytes: int | None = None,
               max_input_bytes: int | None = None):
    """The ASGI application serving ``server`` (wrapped in the body-size limit)."""
    state = ServerState(server, max_key_sets, max_pending_runs, run_workers)
    specs_bytes = server.client_specs.serialize()
    limits = {"/evaluation_keys": max_key_bytes or _expected_key_bytes(server),
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
                "limits": limits, "max_key_sets": max_key_sets,
                "max_pending_runs": max_pending_runs}

    @app.get("/client_specs")
    async def client_specs():
        return Response(specs_bytes, media_type="application/octet-stream")

    @app.post("/evaluation_keys")
    async def upload_keys(request: Request):
        body = await request.body()
        key_id = await run_in_threadpool(state.add_keys, body)
        return {"key_id": key_id}

    @app.delete("/evaluation_keys/{key_id}")
    async def delete_keys(key_id: str):
        with state.lock:
            found = state.keys.pop(key_id, None)
        if found is None:
            return JSONResponse({"detail": f"unknown key id {key_id!r}"}, status_code=404)
        return Response(status_code=204)

    @app.post("/run")
    async def run(request: Request, key_id: str = ""):
        keys = state.get_keys(key_id)
        if keys is None:
            return JSONResponse({"detail": f"unknown key id {key_id!r}: upload the evaluation "
                                           f"keys to /evaluation_keys first"}, status_code=404)
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

    return BodyLimit(app, limits)


def serve(path, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning",
          **options) -> None:
    """Load ``path`` (a server.zip) and serve it until interrupted (SIGINT/SIGTERM)."""
    import uvicorn

    server = Server.load(path)
    app = create_app(server, **options)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio: TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, timeout_keep_alive=5,
                            timeout_graceful_shutdown=5)
    print(f"fhe-assistant: serving {path} on http://{host}:{bound} "
          f"({server.client_specs})", flush=True)
    sys.stdout.flush()
    uvicorn.Server(config).run(sockets=[sock])
