"""Batch inference on Dask: a two-worker LocalCluster, one worker killed mid-batch."""
from __future__ import annotations

import hashlib
import os
import signal
from collections import OrderedDict

import numpy as np
import pytest

from .conftest import SEED, expected

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    from fhe_assistant.deploy.batch import local_cluster

    cluster = local_cluster(n_workers=2)
    client = distributed.Client(cluster, timeout=60)
    client.wait_for_workers(2, timeout=120)
    yield client
    client.close()
    cluster.close()


def test_batch_on_a_scheduler_address_keeps_input_order(server, client, dask_client):
    """``scheduler_address=`` reaches a LocalCluster of separate worker processes; chunks
    of 2 samples spread over both workers, each keeping the keys it was sent once."""
    xs = [7, 0, 5, 2, 6, 1, 3, 4]
    pids = set(dask_client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids
    samples = [client.encrypt(x) for x in xs]
    samples[0] = samples[0].encrypted  # a bare ciphertext is taken as made for these keys
    results = server.run_batch(samples, client.evaluation_keys,
                               scheduler_address=dask_client.scheduler.address, chunk_size=2,
                               threads_per_worker=1, timeout=300)
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]
    cached = dask_client.run(_cached_digests)
    keys_digest = hashlib.sha256(client.evaluation_keys.serialize()).hexdigest()
    assert any(keys_digest in digests for digests in cached.values())
    per_host = {"127.0.0.1": 2}  # two workers on this host share its cores
    tasks = [dask_client.submit(_numba_threads_after_a_task, per_host, workers=[worker],
                                pure=False) for worker in dask_client.scheduler_info()["workers"]]
    assert set(dask_client.gather(tasks)) == {max(1, (os.cpu_count() or 1) // 2)}


def test_clusters_started_here_run_quiet(dask_client):
    """The nannies hand QUIET_CONFIG to their worker processes (no profiler, no memory
    limit), so Dask's monitors do not compete with the bootstraps for the cores."""
    from fhe_assistant.deploy.batch import QUIET_CONFIG

    settings = dask_client.run(_worker_settings, list(QUIET_CONFIG))
    assert len(settings) == 2
    for values in settings.values():
        assert values["config"] == [QUIET_CONFIG[name] for name in QUIET_CONFIG]
        assert not values["memory_limit"]


def test_quiet_environment_sets_the_same_settings():
    import dask

    from fhe_assistant.deploy.batch import QUIET_CONFIG, quiet_environment

    environment = quiet_environment()
    assert all(name.startswith("DASK_DISTRIBUTED__") for name in environment)
    with dask.config.set(dask.config.collect_env(environment)):
        assert {name: dask.config.get(name) for name in QUIET_CONFIG} == QUIET_CONFIG


def _worker_settings(names, dask_worker=None) -> dict:
    import dask

    return {"config": [dask.config.get(name) for name in names],
            "memory_limit": dask_worker.memory_manager.memory_limit}


def test_keys_are_serialized_and_hashed_once_per_key_set(client, monkeypatch):
    from fhe_assistant.deploy import EvaluationKeys, batch

    monkeypatch.setattr(batch, "_KEY_DIGESTS", OrderedDict())  # earlier batches filled it
    keys = client.evaluation_keys
    digest, data = batch._keys_digest(keys)
    assert data == keys.serialize() and digest == hashlib.sha256(data).hexdigest()
    calls = []
    original = EvaluationKeys.serialize
    monkeypatch.setattr(EvaluationKeys, "serialize",
                        lambda self: calls.append(1) or original(self))
    assert batch._keys_digest(keys) == (digest, None)
    same_arrays = EvaluationKeys(keys.parameters, keys.key_id, keys.inner, keys.key_set)
    assert batch._keys_digest(same_arrays) == (digest, None)
    assert calls == []
    other_id = EvaluationKeys(keys.parameters, "0" * len(keys.key_id), keys.inner, keys.key_set)
    other_digest, other_data = batch._keys_digest(other_id)
    assert calls == [1] and other_data is not None and other_digest != digest


def test_chunk_sizes_shrink_to_single_samples():
    from fhe_assistant.core.errors import InputError
    from fhe_assistant.deploy.batch import chunk_sizes

    for samples in (1, 7, 128, 1000):
        for workers in (1, 2, 5):
            sizes = chunk_sizes(samples, workers)
            assert sum(sizes) == samples and max(sizes) <= 64
            assert sizes == sorted(sizes, reverse=True)
            assert sizes[-1] == 1
    assert chunk_sizes(128, 2)[:3] == [32, 24, 18] and len(chunk_sizes(128, 2)) == 15
    assert chunk_sizes(10, 2, chunk_size=4) == [4, 4, 2]
    with pytest.raises(InputError, match="chunk_size"):
        chunk_sizes(10, 2, chunk_size=0)


def _cached_digests() -> list[str]:
    from fhe_assistant.deploy import server

    return list(server._WORKER_CACHE)


def _numba_threads_after_a_task(threads) -> int:
    import numba

    from fhe_assistant.deploy.batch import set_numba_threads

    set_numba_threads(threads)
    return numba.get_num_threads()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(server, client, dask_client):
    xs = [int(v) for v in np.random.default_rng(SEED).integers(0, 8, 40)]
    pids = dask_client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(done, total):
        if killed or done < 4:
            return
        processing = dask_client.processing()
        busy = [address for address, keys in processing.items() if keys] or list(pids)
        victim = busy[0]
        os.kill(pids[victim], signal.SIGKILL)
        killed.append((victim, done, len(processing.get(victim, ()))))

    results = server.run_batch([client.encrypt(x) for x in xs], client.evaluation_keys,
                               client=dask_client, chunk_size=4, timeout=300,
                               on_progress=kill_a_busy_worker)
    assert killed, "no worker was killed"
    _, done, in_flight = killed[0]
    assert done < len(xs) and in_flight > 0, "the worker was killed while running tasks"
    assert len(results) == len(xs)
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]
    # the nanny restarted the killed worker with the same quiet settings
    from fhe_assistant.deploy.batch import QUIET_CONFIG

    dask_client.wait_for_workers(2, timeout=120)
    assert set(dask_client.run(os.getpid).values()).isdisjoint({pids[killed[0][0]]})
    for values in dask_client.run(_worker_settings, list(QUIET_CONFIG)).values():
        assert values["config"] == list(QUIET_CONFIG.values())


@pytest.mark.slow
def test_default_batch_starts_and_stops_its_own_cluster(server, client):
    xs = [4, 1, 6]
    results = server.run_batch([client.encrypt(x) for x in xs], client.evaluation_keys,
                               n_workers=1, timeout=300)
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]
    assert server.run_batch([], client.evaluation_keys) == []
