"""Deployment: serialized sizes next to Concrete's, and Dask batch throughput (1 vs 2 workers).

    python bench/deploy_bench.py [--samples 128] [--anchor .venv-anchor/bin/python]
                                 [--cases tlu_4bit,tlu_batch_4bit_100] [--repeats 3]
                                 [--previous]
                                 [--json] [--write bench/README_deploy.md]

Sizes are for the anchor's ``tlu_4bit`` case (../shared/bench/anchor_concrete.py: one random
4-bit LookupTable on an encrypted scalar, table seed 20240601 + 4): evaluation keys, one
input ciphertext, one result, client specs, the key set and server.zip, each as serialized
by ``fhe_assistant.deploy`` and by concrete-python 2.11 (``client.evaluation_keys.serialize()``,
``circuit.encrypt(x).serialize()`` …; also with Concrete's ``compress_evaluation_keys`` and
``compress_input_ciphertexts``). Our client sends seeded input ciphertexts by default
(``Client(..., compress_input_ciphertexts=False)`` for full ones); evaluation keys are not
compressed (that needs seeded key generation in the TFHE core). The Concrete side runs in its own virtualenv when
``--anchor`` exists (skipped otherwise).

Throughput: ``server.run_batch`` on a ``LocalCluster`` of 1 and then 2 worker processes
(one numba thread each, chunked tasks), timed after a warm-up batch on the same cluster,
for ``tlu_4bit`` (one PBS a sample) and ``tlu_batch_4bit_100`` (100 PBS a sample); an
in-process ``server.run`` loop at 1 numba thread and at every core is the reference. Keys
come from an insecure seed (benchmark only).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 20240601

ANCHOR_SCRIPT = r"""
import json, os, sys, tempfile
import numpy as np
from concrete import fhe
SEED = 20240601
values = np.random.default_rng(SEED + 4).integers(0, 16, size=16).tolist()
table = fhe.LookupTable(values)
def tlu(x):
    return table[x]
records = {}
for label, options in (("concrete", {}), ("concrete compressed",
                       {"compress_evaluation_keys": True, "compress_input_ciphertexts": True})):
    circuit = fhe.Compiler(tlu, {"x": "encrypted"}).compile(list(range(16)), **options)
    circuit.keygen()
    argument = circuit.encrypt(5)
    result = circuit.run(argument)
    assert circuit.decrypt(result) == values[5]
    folder = tempfile.mkdtemp()
    circuit.server.save(os.path.join(folder, "server.zip"))
    kind = "input_ciphertext_seeded" if options else "input_ciphertext_full"
    records[label] = {
        "evaluation_keys": len(circuit.client.evaluation_keys.serialize()),
        kind: len(argument.serialize()),
        "result_ciphertext": len(result.serialize()),
        "client_specs": len(circuit.client.specs.serialize()),
        "key_set": len(circuit.client.keys.serialize()),
        "server_zip": os.path.getsize(os.path.join(folder, "server.zip")),
    }
print(json.dumps(records))
"""


def tlu_circuit(shape=(), cache: str | None = None):
    import fhe_assistant as fhe

    values = np.random.default_rng(SEED + 4).integers(0, 16, size=16).tolist()
    table = fhe.LookupTable(values)

    @fhe.compiler({"x": "encrypted"})
    def tlu(x):
        return table[x]

    inputset = np.arange(16) if shape == () else \
        np.random.default_rng(SEED + 100).integers(0, 16, (32,) + shape)
    if shape != ():
        inputset[0], inputset[1] = 0, 15
    return tlu.compile(inputset, insecure_key_cache_location=cache), values


def measure_sizes(cache: str) -> dict:
    from fhe_assistant.deploy import Client, Server

    circuit, values = tlu_circuit(cache=cache)
    server = Server.from_circuit(circuit)
    client = Client(server.client_specs, keyset_cache_directory=cache)
    client.keys.generate(seed=SEED)
    full = Client(server.client_specs, compress_input_ciphertexts=False)
    full.keys = client.keys
    argument = client.encrypt(5)
    result = server.run(argument, evaluation_keys=client.evaluation_keys)
    assert client.decrypt(result) == values[5]
    folder = tempfile.mkdtemp()
    server.save(os.path.join(folder, "server.zip"))
    p = circuit.parameters
    return {"fhe_assistant": {
        "evaluation_keys": len(client.evaluation_keys.serialize()),
        "input_ciphertext_full": len(full.encrypt(5).serialize()),
        "input_ciphertext_seeded": len(argument.serialize()),
        "result_ciphertext": len(result.serialize()),
        "client_specs": len(server.client_specs.serialize()),
        "key_set": len(client.keys.serialize()),
        "server_zip": os.path.getsize(os.path.join(folder, "server.zip")),
    }, "parameters": f"n={p.lwe_dimension} k={p.glwe_dimension} N={p.polynomial_size} "
                     f"pbs={p.decomposition_base_log}/{p.decomposition_level_count} "
                     f"ks={p.ks_decomposition_base_log}/{p.ks_decomposition_level_count}"}


def measure_anchor(anchor: str) -> dict:
    if not Path(anchor).exists():
        return {}
    result = subprocess.run([anchor, "-c", ANCHOR_SCRIPT], capture_output=True, text=True,
                            timeout=900, check=False)
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


def previous_cluster(n_workers: int):
    """The design before 2026-12-06 23:00 (A/B only): Dask's monitors at their defaults."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ": {}}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None)


def previous_batch(server, arguments, keys, dask_client):
    """The previous run_batch: eight equal chunks a worker, keys serialized and hashed
    again for every batch (what the digest cache now saves)."""
    from fhe_assistant.deploy import batch

    batch._KEY_DIGESTS.clear()
    workers = len(dask_client.scheduler_info()["workers"])
    chunk = min(32, max(1, -(-len(arguments) // (8 * workers))))
    return server.run_batch(arguments, keys, client=dask_client, threads_per_worker=1,
                            chunk_size=chunk)


def _cpu_seconds(processes) -> float:
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def measure_throughput(case: str, samples: int, cache: str, repeats: int = 3,
                       previous: bool = False) -> dict:
    """Samples per second, best of ``repeats`` timed batches after a warm-up, and the CPU
    seconds each batch cost in this process (client, scheduler, nannies) and in the workers.

    The in-process loops (numba at 1 thread, then at every core), the 1-worker and the
    2-worker clusters (one numba thread a worker) take turns, so that load from other
    processes on the machine hits all of them alike; each cluster is started for its turn
    and closed after it (warm-up batch, then the timed one), so no idle cluster runs beside it. ``previous`` adds the design before
    the scale-out work (Dask's default monitors, eight equal chunks a worker, keys
    serialized every batch) as a same-run A/B. CPU seconds depend much less on the load than
    wall time does: they show what Dask costs next to the bootstraps.
    """
    import numba
    import psutil
    from distributed import Client as DaskClient

    from fhe_assistant.deploy import Client, Server
    from fhe_assistant.deploy.batch import local_cluster

    shape = () if case == "tlu_4bit" else (100,)
    circuit, values = tlu_circuit(shape, cache)
    server = Server.from_circuit(circuit)
    client = Client(server.client_specs, keyset_cache_directory=cache)
    client.keys.generate(seed=SEED)
    rng = np.random.default_rng(SEED)
    xs = [rng.integers(0, 16, shape) for _ in range(samples)]
    arguments = [client.encrypt(x) for x in xs]
    expected = [np.asarray(values)[x] for x in xs]
    keys = client.evaluation_keys
    server.run(arguments[0], evaluation_keys=keys)  # warm-up
    designs = [(workers, "new") for workers in (1, 2)]
    designs += [(workers, "previous") for workers in (1, 2)] if previous else []
    this = psutil.Process()
    all_threads = numba.get_num_threads()
    labels = ["loop_1", "loop_all", *designs]
    best = {label: float("inf") for label in labels}
    cpu = {label: [] for label in labels}  # per batch: (this process, workers)
    load = [os.getloadavg()[0]]
    for _ in range(repeats):
        for label, threads in (("loop_1", 1), ("loop_all", all_threads)):
            numba.set_num_threads(threads)
            start, before = time.perf_counter(), _cpu_seconds([this])
            for argument in arguments:
                server.run(argument, evaluation_keys=keys)
            best[label] = min(best[label], time.perf_counter() - start)
            cpu[label].append((_cpu_seconds([this]) - before, 0.0))
        numba.set_num_threads(all_threads)
        for design in designs:
            # one cluster at a time: an idle cluster's scheduler and nannies would run in
            # this process too and be counted (and compete) during another's batch
            workers = design[0]
            cluster = (local_cluster if design[1] == "new" else previous_cluster)(workers)
            dask_client = DaskClient(cluster)
            try:
                dask_client.wait_for_workers(workers)
                processes = [psutil.Process(pid) for pid in dask_client.run(os.getpid).values()]
                server.run_batch(arguments[:2 * workers], keys, client=dask_client,
                                 threads_per_worker=1)  # warm-up: scatters the keys
                before = _cpu_seconds([this]), _cpu_seconds(processes)
                start = time.perf_counter()
                if design[1] == "new":
                    results = server.run_batch(arguments, keys, client=dask_client,
                                               threads_per_worker=1)
                else:
                    results = previous_batch(server, arguments, keys, dask_client)
                best[design] = min(best[design], time.perf_counter() - start)
                cpu[design].append((_cpu_seconds([this]) - before[0],
                                    _cpu_seconds(processes) - before[1]))
            finally:
                dask_client.close()
                cluster.close()
            assert all(np.array_equal(client.decrypt(r), e) for r, e in zip(results, expected))
    load.append(os.getloadavg()[0])

    def median(label, which):
        return float(np.median([row[which] for row in cpu[label]]))

    record = {"case": case, "samples": samples, "repeats": repeats, "load": load,
              "loop_1_thread_per_s": samples / best["loop_1"],
              "loop_all_threads_per_s": samples / best["loop_all"], "threads": all_threads,
              "loop_1_cpu_ms_per_sample": 1e3 * median("loop_1", 0) / samples}
    for workers, name in designs:
        prefix = f"workers_{workers}" + ("" if name == "new" else "_previous")
        record[f"{prefix}_per_s"] = samples / best[workers, name]
        record[f"{prefix}_parent_cpu_s"] = median((workers, name), 0)
        record[f"{prefix}_workers_cpu_ms_per_sample"] = \
            1e3 * median((workers, name), 1) / samples
    for suffix in ("", "_previous") if previous else ("",):
        record[f"speedup{suffix}"] = record[f"workers_2{suffix}_per_s"] / \
            record[f"workers_1{suffix}_per_s"]
        record[f"vs_loop_1{suffix}"] = record[f"workers_2{suffix}_per_s"] / \
            record["loop_1_thread_per_s"]
    return record


def _size(value) -> str:
    if value is None:
        return "–"
    if value >= 1 << 20:
        return f"{value / 2**20:.1f} MiB"
    if value >= 1 << 10:
        return f"{value / 2**10:.1f} KiB"
    return f"{value} B"


def table(sizes: dict, anchor: dict, throughput: list[dict]) -> str:
    rows = ["evaluation_keys", "input_ciphertext_full", "input_ciphertext_seeded",
            "result_ciphertext", "client_specs", "key_set", "server_zip"]
    columns = ["fhe_assistant", *anchor]
    lines = [f"Sizes for `tlu_4bit` (ours: {sizes['parameters']}), serialized bytes:", "",
             "| artifact | " + " | ".join(columns) + " |",
             "|---|" + "---|" * len(columns)]
    merged = {"fhe_assistant": sizes["fhe_assistant"], **anchor}
    for row in rows:
        lines.append(f"| {row.replace('_', ' ').replace('ciphertext ', 'ciphertext, ')} | "
                     + " | ".join(_size(merged[c].get(row)) for c in columns) + " |")
    loads = ", ".join(f"{r['case']} {r['load'][0]:.1f} → {r['load'][-1]:.1f}" for r in throughput)
    lines += ["", (f"Dask `run_batch` throughput on this machine ({os.cpu_count()} cores; load "
                   f"average at the start and end of each case: {loads}), samples per second, "
                   f"best of {throughput[0]['repeats'] if throughput else 3} timed batches "
                   "(taking turns) after a warm-up batch that scatters the keys; workers run "
                   "one numba thread each. CPU columns are medians per batch: the caller's "
                   "process (client, scheduler, nannies), and the workers' CPU per sample next "
                   "to the 1-thread loop's:"),
              "",
              ("| case | samples | loop, 1 thread | loop, all threads | 1 worker | 2 workers "
               "| 2 vs 1 | 2 workers vs loop at 1 thread | caller CPU a batch, 1 / 2 workers "
               "| CPU a sample: loop / 1 worker / 2 workers |"),
              "|---|---|---|---|---|---|---|---|---|---|"]
    for record in throughput:
        for suffix, label in (("", ""), ("_previous", " (previous design)")):
            if f"workers_1{suffix}_per_s" not in record:
                continue
            one, two = f"workers_1{suffix}", f"workers_2{suffix}"
            lines.append(
                f"| {record['case']}{label} | {record['samples']} | "
                f"{record['loop_1_thread_per_s']:.3g} | "
                f"{record['loop_all_threads_per_s']:.3g} ({record['threads']}) | "
                f"{record[one + '_per_s']:.3g} | {record[two + '_per_s']:.3g} | "
                f"{record['speedup' + suffix]:.2f}× | {record['vs_loop_1' + suffix]:.2f}× | "
                f"{record[one + '_parent_cpu_s']:.2f} s / {record[two + '_parent_cpu_s']:.2f} s | "
                f"{record['loop_1_cpu_ms_per_sample']:.3g} / "
                f"{record[one + '_workers_cpu_ms_per_sample']:.3g} / "
                f"{record[two + '_workers_cpu_ms_per_sample']:.3g} ms |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--anchor", default=str(ROOT / ".venv-anchor" / "bin" / "python"))
    parser.add_argument("--cases", default="tlu_4bit,tlu_batch_4bit_100")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--previous", action="store_true",
                        help="also time the design before the scale-out work (same-run A/B)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write", help="write the markdown table into this file")
    arguments = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="deploy-bench-keys-")
    sizes = measure_sizes(cache)
    anchor = measure_anchor(arguments.anchor)
    counts = {"tlu_4bit": arguments.samples,
              "tlu_batch_4bit_100": max(4, arguments.samples // 16)}
    throughput = []
    for case in arguments.cases.split(","):
        throughput.append(measure_throughput(case, counts[case], cache, arguments.repeats,
                                             arguments.previous))
        print(json.dumps(throughput[-1]), file=sys.stderr, flush=True)
    if arguments.json:
        print(json.dumps({"sizes": sizes, "anchor": anchor, "throughput": throughput}))
    text = table(sizes, anchor, throughput)
    print(text)
    if arguments.write:
        path = Path(arguments.write)
        previous = path.read_text() if path.exists() else ""
        marker = "<!-- deploy_bench -->"
        parts = previous.split(marker)
        tail = parts[2] if len(parts) > 2 else "\n"
        path.write_text(parts[0] + marker + "\n" + text + "\n" + marker + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
