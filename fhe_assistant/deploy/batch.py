"""Encrypted batch inference on Dask (``dask.distributed``).

``run_batch(server, samples, evaluation_keys, client=None)`` runs one task per sample:

* ``client=None`` starts a ``LocalCluster`` (``n_workers`` processes, one thread each, numba
  limited to ``cores // n_workers`` threads) for the call and closes it afterwards; a
  scheduler address (``"tcp://…"``) or a ``distributed.Client`` uses that cluster.
* The program and the evaluation keys travel as their serialized envelopes, scattered to
  every worker once (``broadcast=True``) and kept scattered for the client's next batches;
  each worker deserializes them on first use and keeps them (keyed by digest), so tasks
  carry only their ciphertexts. The task is ``Server.run_serialized``, taken from the
  server passed in (this module builds no server).
* Results come back in input order. A task that raises is retried (``retries``); a worker
  that dies mid-batch has its tasks rescheduled by Dask (results it held are recomputed),
  so nothing is lost.

Everything crossing the wire is one of our envelopes (bytes); Dask pickles only the task
function's reference.
"""
from __future__ import annotations

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


def _samples(server, samples, evaluation_keys) -> list[list[bytes]]:
    payloads = []
    for index, sample in enumerate(samples):
        values = tuple(sample) if isinstance(sample, (tuple, list)) else (sample,)
        try:
            server.check_arguments(values, evaluation_keys)
        except InputError as error:
            raise InputError(f"sample {index}: {error}") from None
        payloads.append([(v if isinstance(v, Value) else Value(v)).serialize() for v in values])
    return payloads


def _scatter(client, data: bytes, digest: str):
    """Scatter ``data`` to every worker once per client (the last few stay scattered)."""
    held = _SCATTERED.setdefault(client, OrderedDict())
    future = held.get(digest)
    if future is None or future.status != "finished":
        future = client.scatter(data, broadcast=True, hash=False)
        held[digest] = future
    held.move_to_end(digest)
    while len(held) > _CACHE_SIZE:
        held.popitem(last=False)[1].release()
    return future


def local_cluster(n_workers: int = 2, threads: int | None = None):
    """A LocalCluster of worker processes sized for PBS work.

    Each worker runs one task at a time with ``threads`` numba threads (the cores split
    evenly). Dask's default worker environment (``OMP_NUM_THREADS=1`` and
    ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's adaptive mmap threshold so
    every large temporary of a bootstrap is a fresh mmap) is replaced for these workers.
    """
    import dask
    from distributed import LocalCluster

    threads = threads or max(1, (os.cpu_count() or 1) // n_workers)
    environ = {"NUMBA_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address="127.0.0.1:0",
                            scheduler_kwargs={"dashboard": False})


def run_batch(server, samples, evaluation_keys: EvaluationKeys, client=None, *,
              n_workers: int = 2, retries: int = 3, timeout: float | None = None,
              on_progress=None) -> list:
    """Run ``server`` on every sample with Dask; returns the results in input order.

    Parameters
    ----------
    samples : list
        One entry per call: a Value, or a tuple of Values (one per program input).
    evaluation_keys : EvaluationKeys
    client : None, str or distributed.Client
        None: a fresh ``LocalCluster`` of ``n_workers`` processes for this call; a str: a
        scheduler address; a Client: use it as is.
    retries : int
        How many times a failing task is retried.
    timeout : float, optional
        Seconds to wait for the whole batch (``TimeoutError`` past it).
    on_progress : callable(done, total), optional
        Called in the caller's thread as results arrive.
    """
    from distributed import Client, as_completed, wait

    evaluation_keys = server.check_keys(evaluation_keys)
    payloads = _samples(server, list(samples), evaluation_keys)
    if not payloads:
        return []
    program = server.serialize_program()
    keys = evaluation_keys.serialize()
    program_digest = hashlib.sha256(program).hexdigest()
    keys_digest = hashlib.sha256(keys).hexdigest()
    cluster = owned = None
    if client is None:
        cluster = local_cluster(n_workers)
        client = owned = Client(cluster)
    elif isinstance(client, str):
        client = owned = Client(client)
    try:
        program_future = _scatter(client, program, program_digest)
        keys_future = _scatter(client, keys, keys_digest)
        batch = uuid.uuid4().hex[:8]
        futures = [client.submit(server.run_serialized, program_future, program_digest, keys_future,
                                 keys_digest, payload, key=f"fhe-run-{batch}-{index}",
                                 retries=retries, pure=False)
                   for index, payload in enumerate(payloads)]
        if on_progress is not None:
            for done, _ in enumerate(as_completed(futures, timeout=timeout), start=1):
                on_progress(done, len(futures))
        else:
            wait(futures, timeout=timeout)
        outputs = client.gather(futures)
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
