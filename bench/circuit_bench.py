"""Whole circuits, encrypted: `circuit.run` on ours and on Concrete, like with like.

    python bench/circuit_bench.py [--repeats 7] [--anchor PYTHON] [--json]

Both sides run the same harness on the same cases (``bench/circuit_cases.py``, written
against the shared ``fhe`` API): compile with ``p_error=1e-5`` per lookup, keygen, one
warm-up encrypt/run/decrypt, then ``--repeats`` timed ``run`` calls on fresh samples from
the same seeded generator. Both report the median and the spread (min–max) and count the
output elements that differ from the clear function. Concrete-python 2.11 runs this same
file in its own virtualenv (``--anchor``, or ``$FHE_ANCHOR_PYTHON``, or
``.venv-anchor/bin/python``) within the same invocation, with 1 and then 2 threads
(OMP/Rayon), as ours runs with 1 and 2 numba threads. The cost model's prediction is shown
next to our one-thread time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from circuit_cases import cases

P_ERROR = 1e-5


def default_anchor() -> str:
    return os.environ.get("FHE_ANCHOR_PYTHON", str(HERE.parent / ".venv-anchor/bin/python"))


def measure(fhe, case, repeats: int, options: dict) -> dict:
    """The shared harness: compile, keygen, one warm-up, ``repeats`` timed runs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        circuit = fhe.compiler(case.statuses)(case.function).compile(
            case.inputset, p_error=P_ERROR, global_p_error=None, **options)
        start = time.perf_counter()
        circuit.keygen()
        keygen_s = time.perf_counter() - start
        rng = np.random.default_rng(0)
        circuit.decrypt(circuit.run(circuit.encrypt(*case.sample(rng))))  # warm-up
        times, differing = [], 0
        for _ in range(repeats):
            args = case.sample(rng)
            encrypted = circuit.encrypt(*args)
            encrypted = encrypted if isinstance(encrypted, tuple) else (encrypted,)
            start = time.perf_counter()
            result = circuit.run(*encrypted)
            times.append(time.perf_counter() - start)
            differing += int(np.sum(np.asarray(circuit.decrypt(result))
                                    != np.asarray(case.function(*args))))
    statistics_ = circuit.statistics
    return {"pbs": int(statistics_["programmable_bootstrap_count"]),
            "keygen_s": round(keygen_s, 3),
            "run_ms": {"median": 1e3 * statistics.median(times), "min": 1e3 * min(times),
                       "max": 1e3 * max(times), "repeats": repeats},
            "outputs_differing_from_clear": differing, "_circuit": circuit}


def side_ours(repeats: int, names: list[str] | None) -> list[dict]:
    import numba

    import fhe_assistant as fhe

    rows = []
    for case in cases(fhe):
        if names and case.name not in names:
            continue
        row = {"case": case.name, "note": case.note}
        for threads in (1, 2):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            record = measure(fhe, case, repeats, {**case.options, "fuse_lookup_chains": True})
            circuit = record.pop("_circuit")
            row[f"threads_{threads}"] = record
        row["predicted_ms"] = 1e3 * circuit.statistics["predicted_seconds"]
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        rows.append(row)
    return rows


def side_concrete(repeats: int, names: list[str] | None) -> list[dict]:
    from concrete import fhe

    rows = []
    for case in cases(fhe):
        if names and case.name not in names:
            continue
        record = measure(fhe, case, repeats, case.options)
        record.pop("_circuit")
        rows.append(dict(record, case=case.name))
    return rows


def run_concrete(python: str, repeats: int, threads: int, names) -> dict:
    if not python or not Path(python).exists():
        return {}
    environment = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": str(threads),
                   "RAYON_NUM_THREADS": str(threads)}
    environment.pop("PYTHONPATH", None)
    command = [python, __file__, "--side", "concrete", "--repeats", str(repeats)]
    if names:
        command += ["--cases", *names]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600,
                            env=environment, check=False)
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return {}
    return {row["case"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])}


def _spread(run: dict) -> str:
    return f"{run['median']:.1f} ({run['min']:.1f}–{run['max']:.1f})"


def render(rows: list[dict]) -> str:
    lines = [("| case | PBS (ours / Concrete) | ours 1 thread | predicted | ours 2 threads | "
             "Concrete 1 thread | Concrete 2 threads | ratio 1 thread | ratio 2 threads | "
             "outputs ≠ clear (ours / Concrete) |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        ours1, ours2 = row["threads_1"], row["threads_2"]
        theirs1, theirs2 = row.get("concrete_1"), row.get("concrete_2")

        def ratio(ours, theirs):
            return f"{ours['run_ms']['median'] / theirs['run_ms']['median']:.2f}" \
                if theirs else "n/a"

        name = row["case"] + (f" — {row['note']}" if row["note"] else "")
        lines.append(
            f"| {name} | {ours1['pbs']} / {theirs1['pbs'] if theirs1 else 'n/a'} | "
            f"{_spread(ours1['run_ms'])} | {row['predicted_ms']:.1f} | {_spread(ours2['run_ms'])} | "
            f"{_spread(theirs1['run_ms']) if theirs1 else 'n/a'} | "
            f"{_spread(theirs2['run_ms']) if theirs2 else 'n/a'} | {ratio(ours1, theirs1)} | "
            f"{ratio(ours2, theirs2)} | {ours1['outputs_differing_from_clear']} / "
            f"{theirs1['outputs_differing_from_clear'] if theirs1 else 'n/a'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--anchor", default=default_anchor(),
                        help="python of the concrete-python 2.11 virtualenv")
    parser.add_argument("--cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--side", choices=("ours", "concrete"), default="ours",
                        help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.side == "concrete":
        print(json.dumps(side_concrete(arguments.repeats, arguments.cases)))
        return
    rows = side_ours(arguments.repeats, arguments.cases)
    for threads in (1, 2):
        concrete = run_concrete(arguments.anchor, arguments.repeats, threads, arguments.cases)
        for row in rows:
            row[f"concrete_{threads}"] = concrete.get(row["case"])
    if arguments.json:
        print(json.dumps(rows, indent=1))
        return
    print(render(rows))
    print(f"\nrun ms: median (min–max) of {arguments.repeats} runs after one warm-up, both sides; "
          "ratio = ours / Concrete medians at the same thread count.")


if __name__ == "__main__":
    main()
