"""``HTTPClient``: talks to ``fhe-assistant serve`` (see :mod:`.http_server`) with httpx."""
from __future__ import annotations

from ..core.errors import InputError
from .envelope import split_envelopes
from .keys import EvaluationKeys
from .specs import ClientSpecs
from .value import Value


class RemoteError(InputError):
    """The server refused a request; ``status_code`` and the server's ``detail`` message."""

    def __init__(self, status_code: int, detail: str):
        self.status_code, self.detail = status_code, detail
        super().__init__(f"server answered {status_code}: {detail}")


class HTTPClient:
    """A synchronous client of one inference server.

    Parameters
    ----------
    url : str
        e.g. ``"http://127.0.0.1:8000"``.
    timeout : float
        Seconds for each request (a run waits for its queue and its bootstraps).

    Examples
    --------
    >>> with HTTPClient("http://127.0.0.1:8000") as remote:      # doctest: +SKIP
    ...     client = fhe.Client(remote.client_specs())
    ...     key_id = remote.upload_evaluation_keys(client.evaluation_keys)
    ...     result = client.decrypt(remote.run(client.encrypt(3), key_id=key_id))
    """

    def __init__(self, url: str, timeout: float = 120.0, transport=None):
        import httpx

        self._http = httpx.Client(base_url=url, timeout=timeout, transport=transport)

    def _check(self, response):
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise RemoteError(response.status_code, str(detail))
        return response

    def health(self) -> dict:
        return self._check(self._http.get("/health")).json()

    def info(self) -> dict:
        return self._check(self._http.get("/info")).json()

    def client_specs(self) -> ClientSpecs:
        return ClientSpecs.deserialize(self._check(self._http.get("/client_specs")).content)

    def upload_evaluation_keys(self, keys: EvaluationKeys | bytes) -> str:
        """Send the evaluation keys once; returns the key id to pass to :meth:`run`."""
        data = keys.serialize() if isinstance(keys, EvaluationKeys) else bytes(keys)
        response = self._http.post("/evaluation_keys", content=data,
                                   headers={"content-type": "application/octet-stream"})
        return self._check(response).json()["key_id"]

    def delete_evaluation_keys(self, key_id: str) -> None:
        self._check(self._http.delete(f"/evaluation_keys/{key_id}"))

    def run_serialized(self, payload: bytes, key_id: str) -> list[bytes]:
        """Post already serialized values (back to back); returns the serialized results."""
        response = self._http.post("/run", params={"key_id": key_id}, content=payload,
                                   headers={"content-type": "application/octet-stream"})
        return split_envelopes(self._check(response).content)

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
