"""Encrypted batch inference on Dask (``dask.distributed``).

``run_batch(server, samples, evaluation_keys, client=None)`` runs the samples in chunks:

* ``client=None`` (and no ``scheduler_address``) starts a ``LocalCluster`` of ``n_workers``
  processes, one task at a time each, for the call and closes it afterwards;
  ``scheduler_address="tcp://…"`` or a ``distributed.Client`` uses an existing cluster.
* The program and the evaluation keys travel as their serialized envelopes, scattered to
  every worker once (``broadcast=True``) and kept scattered for the client's next batches;
  each worker deserializes them on first use and keeps them (keyed by digest), so tasks
  carry only their ciphertexts (seeded: 8 bytes an element). The task is
  ``Server.run_serialized``, taken from the server passed in (this module builds no server).
  The caller serializes and hashes the keys once per key set, not per batch.
* Samples go in chunks (``chunk_size``; by default guided: large chunks first, single
  samples last, :func:`chunk_sizes`) so that Dask's per-task cost is paid rarely while the
  workers still finish together.
* Clusters started here run with Dask's monitors slowed or off (:data:`QUIET_CONFIG`).
* Each task sets numba's thread count (``threads_per_worker``; by default the cores split
  evenly over a local cluster's workers) so that workers do not oversubscribe the cores.
* Results come back in input order. A task that raises is retried (``retries``); a worker
  that dies mid-batch has its chunks rescheduled by Dask (results it held are recomputed),
  so no sample is lost.

Everything crossing the wire is one of our envelopes (bytes); Dask pickles only the task
function's reference.
"""
from __future__ import annotations

import copy
import hashlib
import os
import uuid
import weakref
from collections import OrderedDict

from ..core.errors import InputError
from .keys import EvaluationKeys
from .value import Value

_CACHE_SIZE = 4
#: per Dask client: digest -> future of the scattered bytes (kept for the next batch)
_SCATTERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: (key id, fingerprint, ids of the key arrays) -> (weak references to them, digest)
_KEY_DIGESTS: OrderedDict[tuple, tuple[list, str]] = OrderedDict()
#: server -> digest of its serialized program
_PROGRAM_DIGESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def set_numba_threads(threads: int | dict) -> None:
    """numba threads for this task: a count, or {host: worker processes on it} to split
    the host's cores over them."""
    import numba

    if isinstance(threads, dict):
        from distributed import get_worker

        host = get_worker().address.rsplit(":", 1)[0].split("://")[-1]
        threads = (os.cpu_count() or 1) // max(1, threads.get(host, 1))
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def _samples(server, samples, evaluation_keys) -> list[list[bytes]]:
    payloads = []
    for index, sample in enumerate(samples):
        values = tuple(sample) if isinstance(sample, (tuple, list)) else (sample,)
        try:
            server.check_arguments(values, evaluation_keys)
        except InputError as error:
            raise InputError(f"sample {index}: {error}") from None
        payloads.append([(v if isinstance(v, Value) else Value(v, evaluation_keys.key_id))
                         .serialize() for v in values])
    return payloads


def _keys_digest(evaluation_keys: EvaluationKeys) -> tuple[str, bytes | None]:
    """The digest of the keys' serialized bytes, and the bytes when they had to be made.

    Serializing and hashing 78 MiB of keys takes about 0.5 s of the caller's CPU, as long as
    a whole 1-worker batch of 128 one-lookup samples: done on every batch it was the
    largest part of Dask's overhead. The digest is kept while the same key arrays are alive
    (weak references; the key objects themselves cannot be weakly referenced).
    """
    arrays = list(evaluation_keys._sections().values())
    identity = (evaluation_keys.key_id, evaluation_keys.fingerprint,
                tuple(id(array) for array in arrays))
    held = _KEY_DIGESTS.get(identity)
    if held is not None and all(ref() is array for ref, array in zip(held[0], arrays)):
        _KEY_DIGESTS.move_to_end(identity)
        return held[1], None
    data = evaluation_keys.serialize()
    digest = hashlib.sha256(data).hexdigest()
    _KEY_DIGESTS[identity] = ([weakref.ref(array) for array in arrays], digest)
    while len(_KEY_DIGESTS) > _CACHE_SIZE:
        _KEY_DIGESTS.popitem(last=False)
    return digest, data


def _program_digest(server) -> str:
    digest = _PROGRAM_DIGESTS.get(server)
    if digest is None:
        digest = _PROGRAM_DIGESTS[server] = hashlib.sha256(server.serialize_program()).hexdigest()
    return digest


def _scatter(client, data, digest: str):
    """Scatter ``data`` (bytes, or a function making them) to every worker once per client
    (the last few stay scattered)."""
    held = _SCATTERED.setdefault(client, OrderedDict())
    future = held.get(digest)
    if future is None or future.status != "finished":
        data = data() if callable(data) else data
        future = client.scatter(data, broadcast=True, hash=False)
        held[digest] = future
    held.move_to_end(digest)
    while len(held) > _CACHE_SIZE:
        held.popitem(last=False)[1].release()
    return future


#: Dask settings for the clusters this module starts. Dask's background work, measured
#: on the idle 2-worker LocalCluster of this 2-core machine, took 2.9 % of a core in the
#: parent (scheduler, nannies, client) and 2.2 % in each worker, 7.3 % in all; with these,
#: 0.7 % and 0.3 % each (bench/README_deploy.md). Each is a monitor FHE batches do not need:
#: the workers' statistical profiler (a stack sample every 10 ms), the event-loop tick
#: watchdog (every 20 ms), the system monitor (every 0.5 s, with a GIL sampler every 1 ms
#: when gilknocker is installed) and the memory monitor (every 0.1 s; ``memory_limit=0``
#: turns the workers' memory manager off altogether).
QUIET_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.tick.limit": "60s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "10s",
}



def quiet_environment() -> dict[str, str]:
    """:data:`QUIET_CONFIG` as environment variables, for the scheduler and workers of a
    cluster of your own (``env DASK_…=… dask worker …``): Dask reads them at start-up."""
    return {"DASK_" + name.upper().replace(".", "__").replace("-", "_"): str(value)
            for name, value in QUIET_CONFIG.items()}

def local_cluster(n_workers: int = 2):
    """A LocalCluster of ``n_workers`` worker processes, one task at a time each.

    Dask's default worker environment (``OMP_NUM_THREADS=1`` and
    ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's adaptive mmap threshold so
    every large temporary of a bootstrap is a fresh mmap) is tuned for BLAS work; these
    workers get none of it (Dask sets that environment in the parent process before each
    spawn, where it would also change this process's numba settings). numba's thread
    count is set by each task instead (``threads_per_worker`` of :func:`run_batch`).
    Dask's monitors are slowed or off (:data:`QUIET_CONFIG`; the nannies hand the same
    settings to the worker processes they start or restart); workers have no memory limit.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ": {}, **QUIET_CONFIG}):
        # a copy: a nanny keeps only a shallow merge of the global config, which the end of
        # this block reverts, so a worker it restarts would otherwise get Dask's defaults
        settings = {"distributed": copy.deepcopy(dask.config.get("distributed"))}
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None, memory_limit=0,
                            config=settings)


def chunk_sizes(samples: int, workers: int, chunk_size: int | None = None) -> list[int]:
    """How many samples each task runs, in submission (= execution) order.

    A fixed ``chunk_size`` if given; otherwise guided self-scheduling: each chunk is the
    remaining samples over twice the workers (at most 64), so the first tasks are large
    (Dask's per-task cost, about 2 ms of the scheduler's CPU, is paid rarely) and the last
    ones single samples (the workers finish within one sample of each other, also when one
    runs slower). 128 samples on 2 workers: 15 tasks of 32, 24, 18 … 1.
    """
    if chunk_size is not None:
        if chunk_size < 1:
            raise InputError(f"chunk_size must be at least 1, not {chunk_size}")
        return [min(chunk_size, samples - start) for start in range(0, samples, chunk_size)]
    sizes, remaining = [], samples
    while remaining:
        size = min(64, remaining, max(1, -(-remaining // (2 * max(1, workers)))))
        sizes.append(size)
        remaining -= size
    return sizes


def run_batch(server, samples, evaluation_keys: EvaluationKeys, client=None, *,
              scheduler_address: str | None = None, n_workers: int = 2,
              threads_per_worker: int | None = None, chunk_size: int | None = None,
              retries: int = 3, timeout: float | None = None, on_progress=None) -> list:
    """Run ``server`` on every sample with Dask; returns the results in input order.

    Parameters
    ----------
    samples : list
        One entry per call: a Value, or a tuple of Values (one per program input).
    evaluation_keys : EvaluationKeys
    client : None, str or distributed.Client
        A Client: use its cluster as is; a str: a scheduler address (as
        ``scheduler_address``); None: ``scheduler_address`` if given, else a fresh
        ``LocalCluster`` of ``n_workers`` processes for this call.
    scheduler_address : str, optional
        e.g. ``"tcp://10.0.0.5:8786"`` (``dask scheduler`` / ``dask worker``).
    threads_per_worker : int, optional
        numba threads for each task. Default: the cores split over a local cluster's
        workers; on an existing cluster, the cores of the machine split over the cluster's
        worker processes on it (ask for more only if each worker has cores to itself).
    chunk_size : int, optional
        Samples per task (default: :func:`chunk_sizes`, large first chunks shrinking to
        single samples at the end).
    retries : int
        How many times a failing task is retried.
    timeout : float, optional
        Seconds to wait for the whole batch (``TimeoutError`` past it).
    on_progress : callable(done, total), optional
        Called in the caller's thread as chunks finish (counts in samples).
    """
    from distributed import Client, as_completed, wait

    evaluation_keys = server.check_keys(evaluation_keys)
    payloads = _samples(server, list(samples), evaluation_keys)
    if not payloads:
        return []
    program, program_digest = server.serialize_program(), _program_digest(server)
    keys_digest, keys = _keys_digest(evaluation_keys)
    cluster = owned = None
    address = client if isinstance(client, str) else scheduler_address
    if client is None and address is None:
        cluster = local_cluster(n_workers)
        client = owned = Client(cluster)
        client.wait_for_workers(n_workers, timeout=timeout)
    elif client is None or isinstance(client, str):
        client = owned = Client(address)
    try:
        threads = threads_per_worker or _workers_per_host(client)
        program_future = _scatter(client, program, program_digest)
        keys_future = _scatter(client, keys or evaluation_keys.serialize, keys_digest)
        sizes = chunk_sizes(len(payloads), len(client.scheduler_info()["workers"]), chunk_size)
        starts = [sum(sizes[:index]) for index in range(len(sizes))]
        chunks = [payloads[start:start + size] for start, size in zip(starts, sizes)]
        batch = uuid.uuid4().hex[:8]
        # submitted one by one: Dask runs them first in, first out (largest chunks first)
        futures = [client.submit(server.run_serialized, program_future, program_digest, keys_future,
                                 keys_digest, chunk, threads, key=f"fhe-run-{batch}-{index}",
                                 retries=retries, pure=False)
                   for index, chunk in enumerate(chunks)]
        if on_progress is not None:
            counts, done = {f.key: len(c) for f, c in zip(futures, chunks)}, 0
            for future in as_completed(futures, timeout=timeout):
                done += counts[future.key]
                on_progress(done, len(payloads))
        else:
            wait(futures, timeout=timeout)
        outputs = [item for chunk in client.gather(futures) for item in chunk]
        for future in futures:
            future.release()
    finally:
        if owned is not None:
            owned.close()
        if cluster is not None:
            cluster.close()
    results = []
    for serialized in outputs:
        values = tuple(Value.deserialize(item) for item in serialized)
        results.append(values[0] if len(values) == 1 else values)
    return results


def _workers_per_host(client) -> dict[str, int]:
    """How many worker processes each host runs (each task splits its host's cores)."""
    per_host: dict[str, int] = {}
    for address in client.scheduler_info()["workers"]:
        host = address.rsplit(":", 1)[0].split("://")[-1]
        per_host[host] = per_host.get(host, 0) + 1
    return per_host
