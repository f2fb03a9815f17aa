"""The key store's bounds, without HTTP: capabilities, quotas, no eviction, idle expiry."""
from __future__ import annotations

import pytest

from fhe_assistant.deploy.key_store import KeyStore, StoreFull


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_capabilities_are_fresh_and_bounds_never_evict():
    clock = Clock()
    store = KeyStore(key_set_bytes=100, max_key_sets=3, max_per_client=2, idle_seconds=60,
                     clock=clock)
    ids = [store.reserve("a"), store.reserve("a")]
    with pytest.raises(StoreFull, match="already holds 2"):
        store.reserve("a")
    ids.append(store.reserve("b"))
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)
    for capability in ids:
        store.fill(capability, f"keys {capability}")
    with pytest.raises(StoreFull, match="full") as full:
        store.reserve("c")
    assert 1 <= full.value.retry_after <= 61
    assert [store.get(i) for i in ids] == [f"keys {i}" for i in ids]  # nothing evicted
    assert not store.delete("0" * 32) and store.delete(ids[0]) and not store.delete(ids[0])
    assert store.get(ids[0]) is None
    assert store.reserve("c")


def test_memory_budget_reservations_and_idle_expiry():
    clock = Clock()
    store = KeyStore(key_set_bytes=100, max_key_sets=10, max_bytes=250, max_per_client=10,
                     idle_seconds=60, clock=clock)
    first, second = store.reserve("a"), store.reserve("b")
    with pytest.raises(StoreFull, match="MiB"):  # 300 bytes > 250: reservations count
        store.reserve("c")
    store.cancel(second)                          # a failed upload frees its room
    assert store.get(second) is None
    store.fill(first, "keys")
    third = store.reserve("c")
    store.fill(third, "more keys")
    clock.now += 30
    assert store.get(first) == "keys"             # use keeps it alive
    clock.now += 45
    assert store.get(third) is None and store.get(first) == "keys"  # idle 75 s > 60 s
    assert store.usage()["key_sets"] == 1
