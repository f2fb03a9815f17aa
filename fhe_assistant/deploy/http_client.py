"""``HTTPClient``: talks to ``fhe-assistant serve`` (see :mod:`.http_server`) with httpx."""
from __future__ import annotations

import time

from ..core.errors import InputError
from .envelope import split_envelopes
from .keys import EvaluationKeys
from .specs import ClientSpecs
from .value import Value


class RemoteError(InputError):
    """The server refused a request; ``status_code``, the server's ``detail`` message and,
    for a 503, ``retry_after`` (seconds)."""

    def __init__(self, status_code: int, detail: str, retry_after: float | None = None):
        self.status_code, self.detail, self.retry_after = status_code, detail, retry_after
        super().__init__(f"server answered {status_code}: {detail}")


class HTTPClient:
    """A synchronous client of one inference server.

    Parameters
    ----------
    url : str
        e.g. ``"https://fhe.example.org"`` (use TLS beyond a trusted network: the server's
        answers carry no signature, and the key id is a bearer capability).
    timeout : float
        Seconds for each request (a run waits for its queue and its bootstraps).
    token : str, optional
        Bearer token, for a server started with ``--token-file``.
    busy_wait : float
        Seconds to keep retrying a request the server answers 503 (busy, key store full),
        sleeping what its ``Retry-After`` says; 0 raises at once.

    Examples
    --------
    >>> with HTTPClient("http://127.0.0.1:8000") as remote:      # doctest: +SKIP
    ...     client = fhe.Client(remote.client_specs())
    ...     key_id = remote.upload_evaluation_keys(client.evaluation_keys)  # a capability
    ...     result = client.decrypt(remote.run(client.encrypt(3), key_id=key_id))
    ...     remote.delete_evaluation_keys(key_id)
    """

    def __init__(self, url: str, timeout: float = 120.0, transport=None, *,
                 token: str | None = None, busy_wait: float = 30.0):
        import httpx

        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=url, timeout=timeout, transport=transport,
                                  headers=headers)
        self.busy_wait = busy_wait

    @staticmethod
    def _error(response) -> RemoteError:
        try:
            detail = response.json().get("detail", response.text)
        except (ValueError, AttributeError):
            detail = response.text
        try:
            retry_after = float(response.headers.get("retry-after", ""))
        except ValueError:
            retry_after = None
        return RemoteError(response.status_code, str(detail), retry_after)

    def _check(self, response):
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _request(self, method: str, path: str, **options):
        """One request, retried while the server answers 503 within ``busy_wait``."""
        deadline = time.monotonic() + self.busy_wait
        while True:
            response = self._http.request(method, path, **options)
            if response.status_code != 503:
                return self._check(response)
            error = self._error(response)
            pause = min(max(error.retry_after or 1.0, 0.1), 60.0)
            if time.monotonic() + pause > deadline:
                raise error
            time.sleep(pause)

    def health(self) -> dict:
        return self._check(self._http.get("/health")).json()

    def info(self) -> dict:
        return self._check(self._http.get("/info")).json()

    def client_specs(self) -> ClientSpecs:
        return ClientSpecs.deserialize(self._check(self._http.get("/client_specs")).content)

    def upload_evaluation_keys(self, keys: EvaluationKeys | bytes) -> str:
        """Send the evaluation keys once; returns the key id to pass to :meth:`run`.

        The id is a capability (128 random bits): whoever holds it can run with or delete
        these keys, so keep it like a password. Each upload gets a new one.
        """
        data = keys.serialize() if isinstance(keys, EvaluationKeys) else bytes(keys)
        response = self._request("POST", "/evaluation_keys", content=data,
                                 headers={"content-type": "application/octet-stream"})
        return response.json()["key_id"]

    def delete_evaluation_keys(self, key_id: str) -> None:
        """Free the server's copy (only the holder of ``key_id`` can)."""
        self._check(self._http.delete(f"/evaluation_keys/{key_id}"))

    def run_serialized(self, payload: bytes, key_id: str) -> list[bytes]:
        """Post already serialized values (back to back); returns the serialized results."""
        response = self._request("POST", "/run", params={"key_id": key_id}, content=payload,
                                 headers={"content-type": "application/octet-stream"})
        return split_envelopes(response.content)

    def run(self, *values, key_id: str):
        """Run one call remotely: a Value, or a tuple of Values for several outputs."""
        if len(values) == 1 and isinstance(values[0], (tuple, list)):
            values = tuple(values[0])
        payload = b"".join(v.serialize() for v in values)
        results = tuple(Value.deserialize(r) for r in self.run_serialized(payload, key_id))
        return results[0] if len(results) == 1 else results

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
