"""What every request passes before the application sees it (ASGI middleware).

In order: bearer-token authentication (when the server has tokens: 401 otherwise), the
client's identity (its token, else its address), for key uploads a concurrent-upload slot
and room reserved in the key store (503 with ``Retry-After`` otherwise, before a byte of
the body is read), then the body read against its path's limit (413 past it).
"""
from __future__ import annotations

import hmac
import json

from ..core.errors import InputError
from .key_store import KeyStore, StoreFull

#: Past its limit, a body is drained (then refused with 413) up to this many extra bytes.
_DRAIN = 16 << 20
UPLOAD_PATH = "/evaluation_keys"


def read_tokens(path) -> list[str]:
    """Bearer tokens, one a line (blank lines and ``#`` comments ignored)."""
    with open(path, encoding="utf-8") as file:
        tokens = [line.strip() for line in file if line.strip() and
                  not line.lstrip().startswith("#")]
    if not tokens or any(len(token) < 16 for token in tokens):
        raise InputError(f"{path}: expected one token of at least 16 characters a line")
    return tokens


async def _answer(send, status: int, detail: str, headers: dict[str, str] | None = None):
    payload = json.dumps({"detail": detail}).encode()
    extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"), *extra]})
    await send({"type": "http.response.body", "body": payload})


class Guard:
    """ASGI middleware: authentication, upload admission and body limits (module doc)."""

    def __init__(self, app, limits: dict[str, int], store: KeyStore, *,
                 tokens: list[str] | None = None, max_uploads: int = 2,
                 default_limit: int = 64 << 10):
        self.app, self.limits, self.store, self.default = app, limits, store, default_limit
        self.tokens = [token.encode() for token in tokens or []]
        self.max_uploads, self.uploads = max_uploads, 0

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.default

    def _identity(self, scope, headers: dict) -> str | None:
        """The client's name for quotas, or None when authentication fails."""
        if not self.tokens:
            client = scope.get("client") or ("unknown", 0)
            return f"address {client[0]}"
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() != b"bearer":
            return None
        token = token.strip()
        for index, known in enumerate(self.tokens):
            if hmac.compare_digest(token, known):
                return f"token {index}"
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        identity = self._identity(scope, headers)
        if identity is None:
            return await _answer(send, 401, "missing or wrong bearer token (Authorization: "
                                 "Bearer …)", {"WWW-Authenticate": "Bearer"})
        scope.setdefault("state", {})["fhe_client"] = identity
        if scope["method"] == "POST" and scope["path"] == UPLOAD_PATH:
            return await self._upload(scope, receive, send, headers, identity)
        return await self._limited(scope, receive, send, headers)

    async def _upload(self, scope, receive, send, headers, identity):
        if self.uploads >= self.max_uploads:
            return await _answer(send, 503, f"{self.uploads} key uploads in progress (the "
                                 f"limit): retry shortly", {"Retry-After": "5"})
        try:
            capability = self.store.reserve(identity)
        except StoreFull as full:
            return await _answer(send, 503, full.detail, {"Retry-After": str(full.retry_after)})
        self.uploads += 1
        scope["state"]["fhe_reservation"] = capability
        try:
            return await self._limited(scope, receive, send, headers)
        finally:
            self.uploads -= 1
            self.store.cancel(capability)  # a no-op once the keys were stored

    async def _limited(self, scope, receive, send, headers):
        limit = self._limit(scope["path"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit + _DRAIN:
            return await self._too_large(send, limit)
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
            return await self._too_large(send, limit)
        body, delivered = b"".join(chunks), False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(send, limit: int) -> None:
        await _answer(send, 413, f"request body too large: this endpoint accepts at most "
                                 f"{limit} bytes")
