"""Deployment: client specs, keys, values and the server artifact, their versioned binary
formats, an HTTP server and client, and Dask scale-out.

The secret key stays with the :class:`Client`; the :class:`Server` gets a program without
keys or Python functions, :class:`EvaluationKeys` and :class:`Value` ciphertexts.
Every artifact is an *envelope* (:mod:`.envelope`): magic, format version, kind, lengths
and a SHA-256 checksum, then JSON metadata and raw arrays — never pickle.

``HTTPClient``, ``create_app`` and ``serve`` (FastAPI/uvicorn, httpx) and ``run_batch``
(dask.distributed) import their optional dependencies on first use.
"""
from __future__ import annotations

from .client import Client
from .errors import SerializationError
from .keys import EvaluationKeys, Keys
from .server import Server
from .specs import ArgumentSpec, ClientSpecs
from .value import Value

_LAZY = {"HTTPClient": ".http_client", "RemoteError": ".http_client",
         "create_app": ".http_server", "serve": ".http_server", "run_batch": ".batch"}


def server_from_circuit(circuit) -> Server:
    """``circuit.server``: the circuit's program, ready to ``save`` or ``run``."""
    return circuit.server


def client_from_circuit(circuit) -> Client:
    """``circuit.client``: the circuit's Client (its keys are the circuit's)."""
    return circuit.client


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ArgumentSpec",
    "Client",
    "ClientSpecs",
    "EvaluationKeys",
    "HTTPClient",
    "Keys",
    "RemoteError",
    "SerializationError",
    "Server",
    "Value",
    "client_from_circuit",
    "create_app",
    "run_batch",
    "serve",
    "server_from_circuit",
]
