"""Errors of the deploy layer: a payload that cannot be read, a request that cannot run."""
from __future__ import annotations

from ..core.errors import InputError


class SerializationError(InputError):
    """A serialized artifact is malformed, truncated, tampered with, of a newer format
    version, of the wrong kind, or made for other parameters or keys.

    The message says which artifact and what is wrong; it never echoes the payload.
    """
