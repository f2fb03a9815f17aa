"""Whole circuits, encrypted: measured `run` vs the cost model's prediction, and vs Concrete.

    python bench/circuit_bench.py [--repeats 5] [--anchor .venv-anchor/bin/python] [--json]

The cases mirror ../shared/bench/anchor_concrete.py (same functions, seeds and inputsets);
concrete-python 2.11 runs them in the same invocation when its virtualenv exists. Our runs
use one numba thread (the cost model predicts single-thread time) and, for the batch, two.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ANCHOR = HERE.parent.parent / "shared" / "bench" / "anchor_concrete.py"
SEED = 20240601


def cases():
    import fhe_assistant as fhe

    def tlu4():
        values = np.random.default_rng(SEED + 4).integers(0, 16, 16).tolist()
        table = fhe.LookupTable(values)
        return (lambda x: table[x]), {"x": "encrypted"}, list(range(16)), \
            (lambda r: (int(r.integers(0, 16)),))

    def batch():
        rng = np.random.default_rng(SEED + 100)
        table = fhe.LookupTable(rng.integers(0, 16, 16).tolist())
        inputset = [rng.integers(0, 16, 100) for _ in range(30)]
        inputset += [np.zeros(100, np.int64), np.full(100, 15, np.int64)]
        return (lambda x: table[x]), {"x": "encrypted"}, inputset, \
            (lambda r: (r.integers(0, 16, 100),))

    def dot_relu():
        weights = np.random.default_rng(SEED + 8).integers(-3, 4, (8, 8))
        rng = np.random.default_rng(SEED + 9)
        inputset = [rng.integers(0, 16, 8) for _ in range(100)]
        inputset += [np.zeros(8, np.int64), np.full(8, 15, np.int64)]

        def dot_relu_8(x):
            y = fhe.round_bit_pattern(x @ weights, lsbs_to_remove=4)
            return np.maximum(y, 0) // 16

        return dot_relu_8, {"x": "encrypted"}, inputset, (lambda r: (r.integers(0, 16, 8),))

    def seed():
        return (lambda x: np.array([2]) @ x + 2), {"x": "encrypted"}, \
            list(np.arange(4).reshape(-1, 1)), (lambda r: (r.integers(0, 4, 1),))

    def mul():
        return (lambda x, y: x * y), {"x": "encrypted", "y": "encrypted"}, \
            [(i, j) for i in range(8) for j in range(8)], \
            (lambda r: (int(r.integers(0, 8)), int(r.integers(0, 8))))

    return {"seed_linear": seed, "tlu_4bit": tlu4, "tlu_batch_4bit_100": batch,
            "dot_relu_8": dot_relu, "add_mul_enc": mul}


def measure_ours(name: str, build, repeats: int, threads: int) -> dict:
    import numba

    import fhe_assistant as fhe

    numba.set_num_threads(threads)
    function, statuses, inputset, sample = build()
    # Concrete's anchor runs with p_error=1e-5 per PBS and fuses lookup chains: do the same
    circuit = fhe.compiler(statuses)(function).compile(inputset, p_error=1e-5,
                                                        fuse_lookup_chains=True)
    circuit.keygen()
    rng = np.random.default_rng(0)
    circuit.encrypt_run_decrypt(*sample(rng))  # loads the numba kernels
    times, mismatches = [], 0
    for _ in range(repeats):
        args = sample(rng)
        encrypted = circuit.encrypt(*args)
        encrypted = encrypted if isinstance(encrypted, tuple) else (encrypted,)
        start = time.perf_counter()
        result = circuit.run(*encrypted)
        times.append(time.perf_counter() - start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fhe.OutOfRangeWarning)
            mismatches += int(np.sum(np.asarray(circuit.decrypt(result))
                                     != np.asarray(circuit.simulate(*args))))
    predicted = circuit.analysis.plan.pbs_count * circuit.optimization.seconds_per_pbs
    return {"case": name, "threads": threads, "pbs": circuit.analysis.plan.pbs_count,
            "max_lookup_bits": circuit.analysis.plan.max_lookup_precision,
            "run_ms": 1e3 * statistics.median(times), "predicted_ms": 1e3 * predicted,
            "elements_differing_from_simulate": mismatches}


def measure_anchor(python: str, name: str) -> dict | None:
    if not python or not Path(python).exists() or not ANCHOR.exists():
        return None
    result = subprocess.run([python, str(ANCHOR), "--case", name, "--json"], check=False,
                            capture_output=True,
                            text=True, timeout=900, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    for line in reversed(result.stdout.strip().splitlines()):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("case") == name:
            return {"run_ms": record["run_ms"]["median"],
                    "pbs": record["params"]["programmable_bootstrap_count"]}
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--anchor", default=str(HERE.parent / ".venv-anchor/bin/python"))
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    rows = []
    for name, build in cases().items():
        ours = measure_ours(name, build, arguments.repeats, threads=1)
        if name != "seed_linear":  # no lookup: nothing to split over threads
            ours["run_ms_2_threads"] = measure_ours(name, build, arguments.repeats, 2)["run_ms"]
        ours["concrete"] = measure_anchor(arguments.anchor, name)
        rows.append(ours)
    if arguments.json:
        print(json.dumps(rows))
        return
    print("| case | PBS (ours / Concrete) | ours run ms, 1 thread | predicted ms | "
          "measured / predicted | ours run ms, 2 threads | Concrete run ms (2 threads) | "
          "ours / Concrete | outputs differing from simulate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        concrete = row["concrete"]
        best = row.get("run_ms_2_threads", row["run_ms"])
        fit = f"{row['run_ms'] / row['predicted_ms']:.2f}" if row["predicted_ms"] else "–"
        theirs = f"{concrete['run_ms']:.1f}" if concrete else "not installed"
        ratio = f"{best / concrete['run_ms']:.2f}" if concrete else "n/a"
        two = f"{row['run_ms_2_threads']:.1f}" if "run_ms_2_threads" in row else "–"
        print(f"| {row['case']} | {row['pbs']} / {concrete['pbs'] if concrete else 'n/a'} | "
              f"{row['run_ms']:.1f} | {row['predicted_ms']:.1f} | {fit} | {two} | {theirs} | "
              f"{ratio} | {row['elements_differing_from_simulate']} |")

if __name__ == "__main__":
    main()
