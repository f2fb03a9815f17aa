#!/usr/bin/env python3
"""Benchmark of the TFHE core (``fhe_assistant.backend.tfhe``), next to Concrete in the same run.

Measures, with Concrete-python 2.11's parameter sets (tfhe-notes §3.1):

* latency of one table lookup on 1 thread: keyswitch (KS), bootstrap (PBS) and KS+PBS,
  for p = 2, 4, 6, 8 (median and min–max of ``--repeats``), and KS+PBS again on 2 threads
  (the keyswitch splits the key's rows; from N = 4096 the bootstrap runs in two lanes:
  ``backend/tfhe/algorithms/two_thread_bootstrap.py``);
* batched throughput: 100 4-bit KS+PBS on 1 and 2 threads, and the 1 → 2 scaling;
* key generation time (OS CSPRNG) and key sizes (Fourier BSK float64 pairs, KSK uint32);
* first-call JIT: a fresh process with an empty numba cache (cold) and again with the
  cache it left (warm): import, keygen, first and second 4-bit KS+PBS.

When the Concrete anchor virtualenv exists (``--anchor`` / ``$FHE_ANCHOR_PYTHON``, default
``.venv-anchor``, made by ``setup-anchor.sh``), the same run also executes the anchor script
(``--anchor-script`` / ``$FHE_ANCHOR_SCRIPT``, ``anchor_concrete.py --latency --json``) for
tlu_2bit … tlu_8bit (1 thread,
with the marginal-cost probe; and the scalar circuit again on 2 threads, to show what
Concrete makes of a second core for one lookup) and tlu_batch_4bit_100 (1 and 2 threads), and prints the
ratios. Both sides are compared by the same statistic: our median against Concrete's
marginal cost, which is itself a difference of medians ((median of the K-wide run − median
of the scalar run)/(K − 1)); the spread shown for Concrete's marginal uses the K-wide run's
min and max. A marginal whose K-wide circuit got other parameters than the scalar one is
flagged (``same_params_as_scalar``). The machine is shared and noisy: compare ratios from
one run, not absolute times.

Usage::

    python bench/tfhe_bench.py                 # everything, markdown tables
    python bench/tfhe_bench.py --json          # one JSON document
    python bench/tfhe_bench.py --bits 4 --no-anchor --no-jit
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANCHOR = {
    "python": Path(os.environ.get("FHE_ANCHOR_PYTHON", ROOT / ".venv-anchor" / "bin" / "python")),
    "script": Path(os.environ.get("FHE_ANCHOR_SCRIPT",
                                  ROOT.parent / "shared" / "bench" / "anchor_concrete.py")),
}

# Concrete-python 2.11's choices for one TLU, p_error 1e-5 (tfhe-notes §3.1):
# n, k, N, PBS base_log, PBS level, KS base_log, KS level.
CONCRETE_SETS = {
    2: (685, 5, 256, 15, 1, 4, 3),
    3: (736, 3, 512, 18, 1, 4, 3),
    4: (822, 2, 1024, 23, 1, 5, 3),
    5: (798, 1, 2048, 23, 1, 3, 5),
    6: (899, 1, 4096, 22, 1, 4, 4),
    7: (930, 1, 8192, 22, 1, 3, 6),
    8: (1031, 1, 16384, 22, 1, 4, 5),
}
ANCHOR_MARGINAL_K = {2: 8, 4: 8, 6: 8, 8: 4}


def parameters(bits: int):
    from fhe_assistant.crypto.parameters import TFHEParameters

    return TFHEParameters(*CONCRETE_SETS[bits], bits)


IDLE = {"threshold": 0.0, "timeout": 60.0}  # set from --wait-idle / --wait-timeout


def _idle_fraction(interval: float = 0.5) -> float:
    """Fraction of the machine's CPU time spent idle over ``interval`` seconds (/proc/stat)."""
    def sample():
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)

    try:
        idle0, total0 = sample()
        time.sleep(interval)
        idle1, total1 = sample()
    except OSError:
        return 1.0
    return (idle1 - idle0) / max(total1 - total0, 1)


def _wait_for_idle() -> float:
    """Wait (up to the timeout) until the other work on the machine leaves it idle enough."""
    if IDLE["threshold"] <= 0:
        return 1.0
    deadline = time.perf_counter() + IDLE["timeout"]
    idle = _idle_fraction()
    while idle < IDLE["threshold"] and time.perf_counter() < deadline:
        idle = _idle_fraction()
    return idle


def _timings(function, repeats: int) -> dict:
    """Median, best and worst wall time; each repetition first waits for an idle machine."""
    walls, cpus, idles = [], [], []
    for _ in range(repeats):
        idles.append(_wait_for_idle())
        start, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    best = walls.index(min(walls))
    return {
        "best_ms": round(min(walls) * 1e3, 3),
        "median_ms": round(statistics.median(walls) * 1e3, 3),
        "max_ms": round(max(walls) * 1e3, 3),
        "cpu_over_wall_best": round(cpus[best] / walls[best], 2),
        "idle_before_best": round(idles[best], 2),
    }


def _encrypted_inputs(params, secret_keys, count: int, rng):
    import numpy as np

    from fhe_assistant.backend import tfhe
    from fhe_assistant.crypto.security import noise_std_log2_mod

    p = params.message_bit_width
    messages = np.arange(count) % (1 << p)
    plaintexts = tfhe.encode(messages, p)
    return tfhe.encrypt_lwe(
        plaintexts, secret_keys.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension), rng
    )


def measure_latency(bits: int, repeats: int) -> dict:
    """Keygen, key sizes and 1-thread KS / PBS / KS+PBS latency for Concrete's p-bit set."""
    import numba
    import numpy as np

    from fhe_assistant.backend import tfhe

    params = parameters(bits)
    rng = tfhe.make_random()
    start = time.perf_counter()
    secret_keys, evaluation_keys = tfhe.generate_keys(params, rng)
    keygen_s = time.perf_counter() - start
    cts = _encrypted_inputs(params, secret_keys, 1, rng)
    table = np.arange(1 << bits)[::-1].copy()
    test_vectors = tfhe.make_test_vectors(table, params)
    numba.set_num_threads(1)
    small = tfhe.keyswitch_batch(cts, evaluation_keys.keyswitch_key, params)
    out = tfhe.programmable_bootstrap(cts, table, evaluation_keys, params)  # warm-up (and JIT)
    correct = bool(tfhe.decrypt_lwe(out, secret_keys.big_lwe_key, bits)[0] == table[0])
    record = {
        "bits": bits,
        "params": params.as_dict(),
        "keygen_s": round(keygen_s, 3),
        "key_sizes": tfhe.key_sizes(params),
        "keyswitch": _timings(
            lambda: tfhe.keyswitch_batch(cts, evaluation_keys.keyswitch_key, params), repeats
        ),
        "bootstrap": _timings(
            lambda: tfhe.bootstrap_batch(
                small, test_vectors, evaluation_keys.bootstrap_key_fourier, params
            ),
            repeats,
        ),
        "ks_pbs": _timings(
            lambda: tfhe.programmable_bootstrap(cts, table, evaluation_keys, params), repeats
        ),
    }
    # the same lookup with two threads: key-split keyswitch + two-lane bootstrap
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    out = tfhe.programmable_bootstrap(cts, table, evaluation_keys, params)
    correct &= bool(tfhe.decrypt_lwe(out, secret_keys.big_lwe_key, bits)[0] == table[0])
    record["threads_2"] = numba.get_num_threads()
    record["ks_pbs_2_threads"] = _timings(
        lambda: tfhe.programmable_bootstrap(cts, table, evaluation_keys, params), repeats
    )
    record["correct"] = correct
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return record


def measure_batch(bits: int, count: int, repeats: int) -> dict:
    """``count`` KS+PBS in one call on 1 and 2 threads."""
    import numba
    import numpy as np

    from fhe_assistant.backend import tfhe

    params = parameters(bits)
    rng = tfhe.make_random()
    secret_keys, evaluation_keys = tfhe.generate_keys(params, rng)
    cts = _encrypted_inputs(params, secret_keys, count, rng)
    table = np.arange(1 << bits)
    record = {"bits": bits, "count": count, "threads": {}}
    for threads in (1, 2):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        out = tfhe.programmable_bootstrap(cts, table, evaluation_keys, params)
        timing = _timings(
            lambda: tfhe.programmable_bootstrap(cts, table, evaluation_keys, params), repeats
        )
        timing["per_pbs_ms"] = round(timing["median_ms"] / count, 3)
        record["threads"][str(threads)] = timing
    decoded = tfhe.decrypt_lwe(out, secret_keys.big_lwe_key, bits)
    record["correct"] = bool(np.array_equal(decoded, table[np.arange(count) % (1 << bits)]))
    record["scaling_1_to_2"] = round(
        record["threads"]["1"]["median_ms"] / record["threads"]["2"]["median_ms"], 3
    )
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return record


def jit_child() -> None:
    """Run in a fresh process: time import, keygen, first and second 4-bit KS+PBS."""
    start = time.perf_counter()
    import numpy as np

    from fhe_assistant.backend import tfhe

    imported = time.perf_counter()
    params = parameters(4)
    rng = tfhe.make_random()
    secret_keys, evaluation_keys = tfhe.generate_keys(params, rng)
    keyed = time.perf_counter()
    cts = _encrypted_inputs(params, secret_keys, 1, rng)
    table = np.arange(16)
    tfhe.programmable_bootstrap(cts, table, evaluation_keys, params)
    first = time.perf_counter()
    tfhe.programmable_bootstrap(cts, table, evaluation_keys, params)
    second = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": round(imported - start, 3),
                "keygen_s": round(keyed - imported, 3),
                "first_ks_pbs_s": round(first - keyed, 3),
                "second_ks_pbs_ms": round((second - first) * 1e3, 3),
                "total_s": round(second - start, 3),
            }
        )
    )


def measure_jit() -> dict:
    """Cold (empty numba cache) and warm (the cache the cold run left) fresh processes."""
    record = {}
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold", "warm"):
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--jit-child"],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                check=False,
            )
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                record[label] = {"error": proc.stderr[-2000:]}
                continue
            record[label] = json.loads(proc.stdout.strip().splitlines()[-1])
            record[label]["process_wall_s"] = round(wall, 3)
    return record


def run_anchor(
    case: str, threads: int | None, marginal_k: int | None, repeats: int, timeout: float
) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS")
    }
    if threads is not None:
        env.update(OMP_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
    command = [
        str(ANCHOR["python"]),
        str(ANCHOR["script"]),
        "--case",
        case,
        "--latency",
        "--json",
        "--latency-repeats",
        str(repeats),
    ]
    if marginal_k:
        command += ["--marginal-k", str(marginal_k)]
    _wait_for_idle()
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"status": "error", "stderr": proc.stderr[-2000:]}
    return json.loads(lines[-1])


def _fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def _row(*cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(title: str, header: list[str], rows: list[str]) -> list[str]:
    return ["", title, "", _row(*header), _row(*["---"] * len(header)), *rows]


def _spread(timing: dict | None) -> str:
    """median (min–max) of one of our timings."""
    if not timing:
        return "-"
    return f"{_fmt(timing['median_ms'])} ({_fmt(timing['best_ms'])}–{_fmt(timing.get('max_ms'))})"


def _marginal(anchor: dict, bits: int) -> tuple[float | None, str]:
    """Concrete's marginal KS+PBS (difference of medians) and its text with spread."""
    concrete = anchor.get(f"tlu_{bits}bit", {})
    marginal = concrete.get("marginal") or {}
    value = marginal.get("marginal_ms_per_pbs")
    if value is None:
        return None, "-"
    scalar = (concrete.get("run_ms") or {}).get("median")
    wide = marginal.get("run_ms_k_wide") or {}
    text = _fmt(value)
    if scalar is not None and "min" in wide:
        k = marginal["k"]
        text += f" ({_fmt((wide['min'] - scalar) / (k - 1))}–{_fmt((wide['max'] - scalar) / (k - 1))})"
    if marginal.get("same_params_as_scalar") is False:
        text += " ≠params"
    return value, text


def _latency_rows(results: dict, anchor: dict) -> list[str]:
    rows = []
    for record in results.get("latency", []):
        bits, params, sizes = record["bits"], record["params"], record["key_sizes"]
        concrete = anchor.get(f"tlu_{bits}bit", {})
        marginal, marginal_text = _marginal(anchor, bits)
        ours = record["ks_pbs"]["median_ms"]
        rows.append(_row(
            bits,
            f"{params['lwe_dimension']}, {params['glwe_dimension']}, {params['polynomial_size']}",
            _fmt(record["keyswitch"]["median_ms"]),
            _fmt(record["bootstrap"]["median_ms"]),
            _spread(record["ks_pbs"]),
            marginal_text,
            _fmt(ours / marginal if marginal else None),
            _fmt((concrete.get("run_ms") or {}).get("median")),
            f"{_fmt(record['keygen_s'])} / {_fmt(concrete.get('keygen_s'))}",
            f"{sizes['bootstrap_key_fourier'] / 1e6:.1f} + {sizes['keyswitch_key'] / 1e6:.1f}",
        ))
    return rows


def _machine_rows(results: dict, anchor: dict) -> list[str]:
    """One lookup with the threads this machine has (2): ours split (key-split keyswitch,
    lanes from N = 4096), Concrete as is."""
    rows = []
    for record in results.get("latency", []):
        bits = record["bits"]
        concrete = anchor.get(f"tlu_{bits}bit", {})
        marginal, marginal_text = _marginal(anchor, bits)
        run_1 = (concrete.get("run_ms") or {}).get("median")
        run_2 = (anchor.get(f"tlu_{bits}bit@2", {}).get("run_ms") or {}).get("median")
        ours_1 = record["ks_pbs"]["median_ms"]
        two = record.get("ks_pbs_2_threads")
        ours_2 = two["median_ms"] if two else None
        rows.append(_row(
            bits,
            _spread(record["ks_pbs"]),
            _spread(two),
            _fmt(ours_1 / ours_2 if ours_2 else None),
            marginal_text,
            _fmt(ours_2 / marginal if marginal and ours_2 else None),
            f"{_fmt(run_1)} / {_fmt(run_2)}",
        ))
    return rows


def _batch_rows(batch: dict, anchor: dict) -> list[str]:
    rows = []
    for threads in ("1", "2"):
        ours = batch["threads"][threads]
        run = anchor.get(f"tlu_batch_4bit_100@{threads}", {}).get("run_ms") or {}
        median = run.get("median")
        rows.append(_row(
            threads,
            f"{_fmt(ours['median_ms'], 0)} ({_fmt(ours['best_ms'], 0)}–{_fmt(ours['max_ms'], 0)})",
            _fmt(ours["per_pbs_ms"]),
            _fmt(ours.get("cpu_over_wall_best")),
            f"{_fmt(median, 0)} ({_fmt(run.get('min'), 0)}–{_fmt(run.get('max'), 0)})"
            if median else "-",
            _fmt(median / batch["count"] if median else None),
            _fmt(ours["median_ms"] / median if median else None),
        ))
    return rows


def render(results: dict) -> str:
    anchor = results.get("anchor", {})
    lines = _table(
        "### Latency of one table lookup, 1 thread (ms; median, min–max in parentheses)",
        ["p", "n, k, N", "KS median", "PBS median", "KS+PBS", "Concrete marginal KS+PBS",
         "ours / Concrete (medians)",
         "Concrete run() per call", "keygen s (ours / Concrete)", "Fourier BSK + KSK MB"],
        _latency_rows(results, anchor),
    )
    if any("ks_pbs_2_threads" in record for record in results.get("latency", [])):
        lines += _table(
            "### Latency of one table lookup with 2 threads (ms; median, min–max in parentheses)",
            ["p", "ours 1 thread", "ours 2 threads", "speed-up",
             "Concrete marginal KS+PBS", "ours 2 threads / Concrete",
             "Concrete scalar run() median, 1 / 2 threads"],
            _machine_rows(results, anchor),
        )
    batch = results.get("batch")
    if batch:
        lines += _table(
            f"### Batch of {batch['count']} {batch['bits']}-bit KS+PBS in one call (ms)",
            ["threads", "ours total, median (min–max)", "ours per PBS", "ours CPU/wall",
             "Concrete run(), median (min–max)", "Concrete per PBS", "ours / Concrete (medians)"],
            _batch_rows(batch, anchor),
        )
        scaling = f"\nScaling 1 → 2 threads: ours {batch['scaling_1_to_2']:.2f}×"
        c1 = (anchor.get("tlu_batch_4bit_100@1", {}).get("run_ms") or {}).get("median")
        c2 = (anchor.get("tlu_batch_4bit_100@2", {}).get("run_ms") or {}).get("median")
        lines.append(scaling + (f", Concrete {c1 / c2:.2f}×" if c1 and c2 else ""))
    jit = results.get("jit")
    if jit:
        rows = []
        for label in ("cold", "warm"):
            row = jit.get(label, {})
            keys = ("import_s", "keygen_s", "first_ks_pbs_s", "second_ks_pbs_ms", "process_wall_s")
            cells = ("error" if "error" in row else _fmt(row.get(key)) for key in keys)
            rows.append(_row(label, *cells))
        lines += _table(
            "### First call (fresh process, 4-bit keygen + KS+PBS, all threads)",
            ["numba cache", "import s", "keygen s", "first KS+PBS s", "second KS+PBS ms",
             "process wall s"],
            rows,
        )
    correct = [r.get("correct") for r in results.get("latency", [])]
    correct += [batch.get("correct")] if batch else []
    lines.append(f"\nAll decrypted results correct: {all(correct)}")
    if "load_average_start" in results:
        lines.append(
            f"Load average (1, 5, 15 min) at start {results['load_average_start']}, "
            f"at end {results.get('load_average_end')}; {results.get('cpu_count')} CPUs. "
            "Other work on the machine inflates the times."
        )
    return "\n".join(lines).lstrip("\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bits", default="2,4,6,8", help="comma-separated p values (default 2,4,6,8)"
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed repetitions per latency (default 10)"
    )
    parser.add_argument(
        "--batch", type=int, default=100, help="batch size of the throughput case (0: skip)"
    )
    parser.add_argument("--batch-repeats", type=int, default=3)
    parser.add_argument("--no-jit", action="store_true", help="skip the cold/warm JIT processes")
    parser.add_argument(
        "--no-anchor", action="store_true", help="skip Concrete even if .venv-anchor exists"
    )
    parser.add_argument("--anchor-timeout", type=float, default=600.0)
    parser.add_argument("--anchor", type=Path, default=ANCHOR["python"],
                        help="python of the concrete-python 2.11 virtualenv")
    parser.add_argument("--anchor-script", type=Path, default=ANCHOR["script"],
                        help="anchor_concrete.py")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document instead of tables"
    )
    parser.add_argument(
        "--wait-idle", type=float, default=0.9,
        help="before each timed repetition wait until this fraction of the CPUs is idle "
             "(the machine is shared; 0 disables; default 0.9)",
    )
    parser.add_argument(
        "--wait-timeout", type=float, default=60.0,
        help="longest wait for an idle machine per repetition, in s (default 60)",
    )
    parser.add_argument("--jit-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.jit_child:
        jit_child()
        return 0

    bits_list = [int(b) for b in args.bits.split(",") if b]
    IDLE.update(threshold=args.wait_idle, timeout=args.wait_timeout)
    ANCHOR.update(python=args.anchor, script=args.anchor_script)
    results: dict = {
        "command": " ".join(["python", "bench/tfhe_bench.py", *(argv or sys.argv[1:])]),
        "cpu_count": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "latency": [],
    }
    log = sys.stderr
    if not args.no_jit:
        print("[bench] JIT cold/warm processes ...", file=log, flush=True)
        results["jit"] = measure_jit()
    for bits in bits_list:
        print(f"[bench] latency p={bits} ...", file=log, flush=True)
        results["latency"].append(measure_latency(bits, args.repeats))
    if args.batch:
        print(f"[bench] batch of {args.batch} ...", file=log, flush=True)
        results["batch"] = measure_batch(4, args.batch, args.batch_repeats)
    if not args.no_anchor and ANCHOR["python"].exists() and ANCHOR["script"].exists():
        anchor = {}
        for bits in bits_list:
            if bits in ANCHOR_MARGINAL_K:
                print(f"[bench] Concrete tlu_{bits}bit (1 thread) ...", file=log, flush=True)
                anchor[f"tlu_{bits}bit"] = run_anchor(
                    f"tlu_{bits}bit", 1, ANCHOR_MARGINAL_K[bits], args.repeats, args.anchor_timeout
                )
                print(f"[bench] Concrete tlu_{bits}bit (2 threads) ...", file=log, flush=True)
                anchor[f"tlu_{bits}bit@2"] = run_anchor(
                    f"tlu_{bits}bit", 2, None, args.repeats, args.anchor_timeout
                )
        if args.batch == 100:
            for threads in (1, 2):
                print(
                    f"[bench] Concrete tlu_batch_4bit_100 ({threads} threads) ...",
                    file=log,
                    flush=True,
                )
                anchor[f"tlu_batch_4bit_100@{threads}"] = run_anchor(
                    "tlu_batch_4bit_100",
                    threads,
                    None,
                    max(3, args.batch_repeats),
                    args.anchor_timeout,
                )
        results["anchor"] = anchor
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(results, indent=1, default=str))
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
