"""Batch inference on Dask: a two-worker LocalCluster, one worker killed mid-batch."""
from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from .conftest import SEED, expected

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    from fhe_assistant.deploy.batch import local_cluster

    cluster = local_cluster(n_workers=2, threads=1)
    client = distributed.Client(cluster, timeout=60)
    client.wait_for_workers(2, timeout=120)
    yield client
    client.close()
    cluster.close()


def test_batch_on_a_scheduler_address_keeps_input_order(server, client, dask_client):
    xs = [7, 0, 5, 2, 6, 1]
    results = server.run_batch([client.encrypt(x) for x in xs], client.evaluation_keys,
                               client=dask_client.scheduler.address, timeout=300)
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(server, client, dask_client):
    xs = [int(v) for v in np.random.default_rng(SEED).integers(0, 8, 40)]
    pids = dask_client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(done, total):
        if killed or done < 3:
            return
        processing = dask_client.processing()
        busy = [address for address, keys in processing.items() if keys] or list(pids)
        victim = busy[0]
        os.kill(pids[victim], signal.SIGKILL)
        killed.append((victim, done, len(processing.get(victim, ()))))

    results = server.run_batch([client.encrypt(x) for x in xs], client.evaluation_keys,
                               client=dask_client, timeout=300, on_progress=kill_a_busy_worker)
    assert killed, "no worker was killed"
    _, done, in_flight = killed[0]
    assert done < len(xs) and in_flight > 0, "the worker was killed while running tasks"
    assert len(results) == len(xs)
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]


@pytest.mark.slow
def test_default_batch_starts_and_stops_its_own_cluster(server, client):
    xs = [4, 1, 6]
    results = server.run_batch([client.encrypt(x) for x in xs], client.evaluation_keys,
                               n_workers=1, timeout=300)
    assert [client.decrypt(r) for r in results] == [expected(x) for x in xs]
    assert server.run_batch([], client.evaluation_keys) == []
