"""Circuits that mix lookup widths: one parameter set per precision (MULTI) vs one for all
(MONO), and vs concrete-python 2.11 in the same invocation.

    python bench/mixed_bench.py [--repeats 5] [--anchor /path/to/anchor/python] [--json]
    /path/to/anchor/python bench/mixed_bench.py --concrete --json   # Concrete's side alone

Cases (random tables, seed 20241214; x: uint3 (32,), y: uint8):

* ``mixed_independent``: ``t3[x], t8[y]`` — 32 3-bit lookups and one 8-bit lookup;
* ``mixed_chained``: ``t8[np.sum(t3[x])]`` — the 3-bit outputs summed into the 8-bit lookup,
  which reads them through a cross-partition keyswitch.

Both sides compile with ``p_error=1e-5`` per lookup (Concrete's anchor setting) and run on
all cores (2 here). Keygen, run (median) and key sizes are reported; ours counts the keys
as held in memory (Fourier bootstrapping keys, 32-bit keyswitching keys), Concrete's its
``size_of_*`` statistics.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SEED = 20241214
HERE = Path(__file__).resolve()


def cases(fhe):
    rng = np.random.default_rng(SEED)
    t3 = fhe.LookupTable(rng.integers(0, 8, 8).tolist())
    t8 = fhe.LookupTable(rng.integers(0, 256, 256).tolist())
    xs = [rng.integers(0, 8, 32) for _ in range(50)] + [np.full(32, 7), np.zeros(32, np.int64)]
    ys = [int(v) for v in rng.integers(0, 256, 50)] + [255, 0]

    def independent(x, y):
        return t3[x], t8[y]

    def chained(x):
        return t8[np.sum(t3[x])]

    return {
        "mixed_independent": (independent, {"x": "encrypted", "y": "encrypted"},
                              list(zip(xs, ys)),
                              lambda r: (r.integers(0, 8, 32), int(r.integers(0, 256)))),
        "mixed_chained": (chained, {"x": "encrypted"}, xs, lambda r: (r.integers(0, 8, 32),)),
    }


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def _equal(a, b) -> bool:
    return all(np.array_equal(np.asarray(x), np.asarray(y))
               for x, y in zip(_as_tuple(a), _as_tuple(b)))


def measure(fhe, name, case, repeats, key_bytes, **compile_options) -> dict:
    function, statuses, inputset, sample = case
    start = time.perf_counter()
    circuit = fhe.Compiler(function, statuses).compile(inputset, p_error=1e-5,
                                                       **compile_options)
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    circuit.keygen(force=True)
    keygen_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    args = sample(rng)
    circuit.decrypt(circuit.run(circuit.encrypt(*args)))  # warm-up (kernels, key conversion)
    times, correct = [], 0
    for _ in range(repeats):
        args = sample(rng)
        encrypted = _as_tuple(circuit.encrypt(*args))
        start = time.perf_counter()
        result = circuit.run(*encrypted)
        times.append(time.perf_counter() - start)
        correct += _equal(circuit.decrypt(result), function(*args))
    return {"case": name, "compile_s": compile_s, "keygen_s": keygen_s,
            "run_ms": 1e3 * statistics.median(times), "run_ms_all": [1e3 * t for t in times],
            "correct": f"{correct}/{repeats}", **key_bytes(circuit)}


def _our_key_bytes(circuit) -> dict:
    stats = circuit.statistics
    return {"bootstrap_keys_bytes": stats.get("bootstrap_keys_bytes",
                                              stats.get("bootstrap_key_fourier_bytes")),
            "keyswitch_keys_bytes": stats.get("keyswitch_keys_bytes",
                                              stats.get("keyswitch_key_bytes")),
            "parameter_sets": stats.get("parameter_sets", [stats.get("parameters")])}


def _concrete_key_bytes(circuit) -> dict:
    stats = circuit.statistics
    return {"bootstrap_keys_bytes": stats["size_of_bootstrap_keys"],
            "keyswitch_keys_bytes": stats["size_of_keyswitch_keys"],
            "parameter_sets": [str(k) for k in
                               stats["programmable_bootstrap_count_per_parameter"]]}


def run_concrete(repeats: int) -> list[dict]:
    from concrete import fhe

    return [measure(fhe, name, case, repeats, _concrete_key_bytes)
            for name, case in cases(fhe).items()]


def run_ours(repeats: int, strategies: list[str]) -> list[dict]:
    import fhe_assistant as fhe

    rows = []
    for name, case in cases(fhe).items():
        for strategy in strategies:
            row = measure(fhe, name, case, repeats, _our_key_bytes,
                          parameter_selection_strategy=strategy)
            rows.append({**row, "strategy": strategy})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--anchor", default="/work/venvs/anchor/bin/python",
                        help="python of a concrete-python 2.11 virtualenv ('' to skip)")
    parser.add_argument("--concrete", action="store_true", help="run Concrete's side only")
    parser.add_argument("--strategies", default="multi,mono")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    if arguments.concrete:
        print(json.dumps(run_concrete(arguments.repeats)))
        return
    concrete = []
    if arguments.anchor and Path(arguments.anchor).exists():
        done = subprocess.run([arguments.anchor, str(HERE), "--concrete", "--repeats",
                               str(arguments.repeats)], capture_output=True, text=True,
                              check=False, timeout=1800)
        lines = done.stdout.strip().splitlines()
        concrete = json.loads(lines[-1]) if lines else []
        if not concrete:
            print(done.stderr[-2000:], file=sys.stderr)
    ours = run_ours(arguments.repeats, arguments.strategies.split(","))
    if arguments.json:
        print(json.dumps({"ours": ours, "concrete": concrete}))
        return
    theirs = {row["case"]: row for row in concrete}
    print("| case | strategy | keygen s (ours / Concrete) | run ms (ours / Concrete) | "
          "ours / Concrete run | BSK MB (ours / Concrete) | KSK MB (ours / Concrete) | correct |")
    print("|---|---|---|---|---|---|---|---|")
    for row in ours:
        other = theirs.get(row["case"])

        def pair(key, scale=1.0, fmt=".1f", row=row, other=other):
            mine = f"{row[key] / scale:{fmt}}" if row.get(key) is not None else "?"
            return f"{mine} / {other[key] / scale:{fmt}}" if other else f"{mine} / –"

        ratio = f"{row['run_ms'] / other['run_ms']:.2f}" if other else "–"
        print(f"| {row['case']} | {row['strategy']} | {pair('keygen_s', fmt='.2f')} | "
              f"{pair('run_ms')} | {ratio} | {pair('bootstrap_keys_bytes', 1e6, '.0f')} | "
              f"{pair('keyswitch_keys_bytes', 1e6, '.0f')} | {row['correct']} |")


if __name__ == "__main__":
    main()
