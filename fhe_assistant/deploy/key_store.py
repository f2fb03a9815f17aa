"""The HTTP server's store of uploaded evaluation keys, addressed by capabilities.

An upload gets a fresh capability: 128 bits from the OS CSPRNG (:func:`secrets.token_hex`),
unrelated to the bytes, so the same keys uploaded twice get two ids and knowing a key set
(or its public ``key_id``) gives no access to anyone's upload. ``run`` and ``delete`` need
the capability. Nothing is ever evicted to make room: the store is bounded (key sets, bytes,
key sets per client) and a new upload past a bound is refused with the time until room
frees up; entries leave only when their holder deletes them or after ``idle_seconds``
without use. So one client's requests can neither evict nor delete another's keys.

Room is *reserved* before an upload's body is read (the size of a key set follows from the
parameters), so concurrent uploads cannot overshoot the budget.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from .keys import EvaluationKeys

CAPABILITY_BYTES = 16  # 128 bits


class StoreFull(Exception):
    """No room for another key set: ``detail`` says which bound, ``retry_after`` when."""

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.detail, self.retry_after = detail, retry_after


@dataclass
class _Entry:
    owner: str
    nbytes: int
    keys: EvaluationKeys | None = None          # None while the upload is in flight
    last_used: float = field(default_factory=time.monotonic)


class KeyStore:
    """Capability -> evaluation keys, bounded in count, bytes and per-client count.

    Parameters
    ----------
    key_set_bytes : int
        Memory of one key set (all key sets of a program have the same shapes).
    max_key_sets, max_bytes, max_per_client : int
        The bounds; ``max_bytes`` defaults to ``max_key_sets * key_set_bytes``.
    idle_seconds : float
        An entry unused that long is dropped (its holder gets 404 and uploads again).
    """

    def __init__(self, key_set_bytes: int, max_key_sets: int = 4, max_bytes: int | None = None,
                 max_per_client: int = 2, idle_seconds: float = 3600.0, clock=time.monotonic):
        self.key_set_bytes, self.max_key_sets = key_set_bytes, max_key_sets
        self.max_bytes = max_bytes if max_bytes is not None else max_key_sets * key_set_bytes
        self.max_per_client, self.idle_seconds, self._clock = max_per_client, idle_seconds, clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    # -- bounds --------------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        for capability, entry in list(self._entries.items()):
            if entry.keys is not None and now - entry.last_used > self.idle_seconds:
                del self._entries[capability]

    def _retry_after(self, now: float, owner: str | None = None) -> int:
        idle = [e.last_used + self.idle_seconds - now for e in self._entries.values()
                if e.keys is not None and (owner is None or e.owner == owner)]
        return max(1, int(min(idle, default=60.0)) + 1)

    def reserve(self, owner: str) -> str:
        """Room for one key set of ``owner``: a capability, or :class:`StoreFull`."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            used = sum(e.nbytes for e in self._entries.values())
            mine = sum(e.owner == owner for e in self._entries.values())
            if len(self._entries) >= self.max_key_sets \
                    or used + self.key_set_bytes > self.max_bytes:
                raise StoreFull(f"the key store is full ({len(self._entries)} key sets, "
                                f"{used / 2**20:.1f} of {self.max_bytes / 2**20:.1f} MiB): "
                                f"retry later", self._retry_after(now))
            if mine >= self.max_per_client:
                raise StoreFull(f"this client already holds {mine} key sets (the limit): delete "
                                f"one (DELETE /evaluation_keys/{{key_id}}) or retry later",
                                self._retry_after(now, owner))
            capability = secrets.token_hex(CAPABILITY_BYTES)
            self._entries[capability] = _Entry(owner, self.key_set_bytes, last_used=now)
            return capability

    def fill(self, capability: str, keys: EvaluationKeys) -> None:
        with self._lock:
            entry = self._entries.get(capability)
            if entry is not None:
                entry.keys, entry.last_used = keys, self._clock()

    def cancel(self, capability: str) -> None:
        with self._lock:
            entry = self._entries.get(capability)
            if entry is not None and entry.keys is None:
                del self._entries[capability]

    # -- holders -------------------------------------------------------------------------------
    def get(self, capability: str) -> EvaluationKeys | None:
        with self._lock:
            now = self._clock()
            self._expire(now)
            entry = self._entries.get(capability)
            if entry is None or entry.keys is None:
                return None
            entry.last_used = now
            return entry.keys

    def delete(self, capability: str) -> bool:
        with self._lock:
            entry = self._entries.get(capability)
            if entry is None or entry.keys is None:
                return False
            del self._entries[capability]
            return True

    def usage(self) -> dict:
        with self._lock:
            self._expire(self._clock())
            return {"key_sets": len(self._entries),
                    "bytes": sum(e.nbytes for e in self._entries.values()),
                    "max_key_sets": self.max_key_sets, "max_bytes": self.max_bytes,
                    "max_key_sets_per_client": self.max_per_client,
                    "idle_seconds": self.idle_seconds}
