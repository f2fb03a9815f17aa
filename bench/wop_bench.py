#!/usr/bin/env python3
"""Benchmark of the WoP-PBS kernels (lookups of 9–16 bits), next to Concrete in the same run.

For each input width q (default 9 … 16), at the parameters the optimizer picks
(``crypto.wop_optimizer.optimize_wop(CircuitRequirements(message_bit_width=q))``):

* key generation (OS CSPRNG) time and the key sizes (``wop_key_sizes``: Fourier BSK float64,
  32-bit KSK, identity packing keyswitch key, scheme-switch GGSWs);
* one lookup of a random table on a fresh encryption, end to end (``wop_table_lookup``),
  median of ``--repeats`` on 2 threads and on 1 thread, checked against the clear table;
* the steps, timed separately on 2 threads: bit extraction with the circuit bootstrap's
  bootstraps (q keyswitches + q many-output bootstraps), packing (identity packing keyswitch +
  scheme switch + GGSW to Fourier), vertical packing (D digit tables), digit bootstraps;
* first-call JIT (``--jit``): a fresh process with an empty numba cache, then one with the
  cache it left: import, first and second lookup at 9 bits.

Concrete-python 2.11 (anchor venv, ``--anchor``) compiles ``fhe.LookupTable(random)[x]`` over
``range(2**q)`` in the same run: keygen time, ``circuit.run`` time (median of
``--repeats``, encryption outside), its reported key sizes (``size_of_bootstrap_keys``,
``size_of_keyswitch_keys``: they leave out its packing keyswitch keys), the count of packing
keyswitches. The machine is shared: compare the ratios of one run, not absolute times.

Usage::

    python bench/wop_bench.py                      # 9..16 bits, Concrete too, markdown
    python bench/wop_bench.py --bits 12 16 --repeats 3 --json
    python bench/wop_bench.py --no-anchor --jit
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

ANCHOR_PYTHON = Path(os.environ.get("FHE_ANCHOR_PYTHON", "/work/venvs/anchor/bin/python"))

ANCHOR_SCRIPT = r"""
import json, sys, time, statistics
import numpy as np
from concrete import fhe
q, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(q)
values = rng.integers(0, 2**q, 2**q)
table = fhe.LookupTable(values.tolist())
@fhe.compiler({"x": "encrypted"})
def f(x):
    return table[x]
circuit = f.compile(range(2**q))
t = time.perf_counter(); circuit.keygen(); keygen = time.perf_counter() - t
runs, correct = [], True
for r in range(repeats):
    x = int(rng.integers(0, 2**q))
    args = circuit.encrypt(x)
    t = time.perf_counter(); result = circuit.run(args); runs.append(time.perf_counter() - t)
    correct &= int(circuit.decrypt(result)) == int(values[x])
stats = circuit.statistics
print(json.dumps({"keygen_s": keygen, "run_s": statistics.median(runs), "runs_s": runs,
                  "correct": bool(correct),
                  "bootstrap_key_bytes": int(stats["size_of_bootstrap_keys"]),
                  "keyswitch_key_bytes": int(stats["size_of_keyswitch_keys"]),
                  "packing_key_switch_count": int(stats["packing_key_switch_count"]),
                  "input_bytes": int(stats["size_of_inputs"])}))
"""


def _ours(q: int, repeats: int) -> dict:
    """Keygen, end-to-end lookups on 2 and 1 threads, and per-step times for width q."""
    import numba
    import numpy as np

    from fhe_assistant.backend import tfhe as T
    from fhe_assistant.backend.tfhe.algorithms.bit_extraction import extract_bits_and_levels
    from fhe_assistant.backend.tfhe.algorithms.circuit_bootstrap import (
        ggsw_from_levels,
        level_alphas,
    )
    from fhe_assistant.backend.tfhe.algorithms.wop_pbs import (
        digit_bootstraps,
        output_digit_bits,
        split_digits,
    )
    from fhe_assistant.backend.tfhe.entities.fourier_ggsw import ggsw_to_fourier
    from fhe_assistant.crypto.requirements import CircuitRequirements
    from fhe_assistant.crypto.security import noise_std_log2_mod
    from fhe_assistant.crypto.wop_optimizer import optimize_wop

    params = optimize_wop(CircuitRequirements(message_bit_width=q)).wop_parameters
    rng = T.make_random()  # the OS CSPRNG, as a real key set
    t = time.perf_counter()
    secret = T.SecretKeys(rng.binary(params.lwe_dimension),
                          rng.binary((params.glwe_dimension, params.polynomial_size)))
    keys = T.generate_wop_keys(secret, params, rng)
    keygen = time.perf_counter() - t
    values = np.random.default_rng(q).integers(0, 2**q, 2**q)
    table = T.encode(values, q)

    def encrypt(x):
        word = np.array([x], dtype=np.uint64) << np.uint64(63 - q)
        return T.encrypt_lwe(word, secret.big_lwe_key,
                             noise_std_log2_mod(params.big_lwe_dimension), rng)

    def lookups(threads):
        numba.set_num_threads(threads)
        times, correct = [], True
        for r in range(repeats + 1):  # the first call also loads the kernels: dropped
            x = int(np.random.default_rng(100 * q + r).integers(0, 2**q))
            ct = encrypt(x)
            t = time.perf_counter()
            out = T.wop_table_lookup(ct, table, q, params, keys)
            if r:
                times.append(time.perf_counter() - t)
            correct &= int(T.decrypt_lwe(out, secret.big_lwe_key, q)[0]) == int(values[x])
        return statistics.median(times), times, bool(correct)

    threads = numba.config.NUMBA_NUM_THREADS
    two, two_runs, ok2 = lookups(min(2, threads))
    one, one_runs, ok1 = lookups(1)
    numba.set_num_threads(min(2, threads))
    steps: dict[str, list[float]] = {"bits_and_cb_bootstraps": [], "packing": [],
                                      "vertical_packing": [], "digit_bootstraps": []}
    for _ in range(repeats):
        ct = encrypt(1)
        t0 = time.perf_counter()
        _, levels = extract_bits_and_levels(ct, q, params, keys.bootstrap_key_fourier,
                                            keys.keyswitch_key, level_alphas(params))
        t1 = time.perf_counter()
        ggsw = ggsw_from_levels(levels.reshape(q, *levels.shape[2:]), params, keys)
        ggsw_f = ggsw_to_fourier(ggsw.reshape(1, q, *ggsw.shape[1:]))
        t2 = time.perf_counter()
        luts, words = split_digits(table, output_digit_bits(params))
        digits = T.vertical_packing(ggsw_f, luts, params.cb_base_log)
        t3 = time.perf_counter()
        digit_bootstraps(digits, words, params, keys)
        t4 = time.perf_counter()
        for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            steps[name].append(seconds)
    return {
        "params": params.as_dict(), "keygen_s": keygen, "key_bytes": T.wop_key_sizes(params),
        "lookup_s_2_threads": two, "runs_2_threads": two_runs,
        "lookup_s_1_thread": one, "runs_1_thread": one_runs, "correct": ok1 and ok2,
        "digits": int(split_digits(table, output_digit_bits(params))[0].shape[0]),
        "steps_s": {name: statistics.median(v) for name, v in steps.items()},
    }


def _concrete(q: int, repeats: int) -> dict | None:
    if not ANCHOR_PYTHON.exists():
        return None
    done = subprocess.run([str(ANCHOR_PYTHON), "-c", ANCHOR_SCRIPT, str(q), str(repeats)],
                          check=False, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        return {"error": done.stderr[-400:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


_JIT_CHILD = r"""
import json, sys, time
t = time.perf_counter()
import numpy as np
from fhe_assistant.backend import tfhe as T
from fhe_assistant.crypto.security import noise_std_log2_mod
from fhe_assistant.crypto.wop_parameters import WopParameters
imported = time.perf_counter() - t
params = WopParameters(**json.loads(sys.argv[1]))
rng = T.make_random(1)  # insecure seed: only the timings matter here
secret = T.SecretKeys(rng.binary(params.lwe_dimension),
                      rng.binary((params.glwe_dimension, params.polynomial_size)))
t = time.perf_counter(); keys = T.generate_wop_keys(secret, params, rng)
keygen = time.perf_counter() - t
table = np.arange(2**params.message_bit_width, dtype=np.uint64) << np.uint64(63 - params.message_bit_width)
ct = T.encrypt_lwe(table[:1], secret.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension), rng)
calls = []
for _ in range(2):
    t = time.perf_counter(); T.wop_table_lookup(ct, table, params.message_bit_width, params, keys)
    calls.append(time.perf_counter() - t)
print(json.dumps({"import_s": imported, "keygen_s": keygen, "first_s": calls[0], "second_s": calls[1]}))
"""


def _jit(params: dict) -> dict:
    """First-call JIT: cold (empty numba cache) then warm (the cache the cold run left)."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        for label in ("cold", "warm"):
            done = subprocess.run([sys.executable, "-c", _JIT_CHILD, json.dumps(params)],
                                  check=False, capture_output=True, text=True, env=env,
                                  timeout=1800)
            out[label] = (json.loads(done.stdout.strip().splitlines()[-1]) if not done.returncode
                          else {"error": done.stderr[-400:]})
    return out


def _markdown(results: dict) -> str:
    mib = 2**20
    lines = [f"machine: {results['uptime']}", "",
             ("| q | ours: n, BR b/l, CB b/l, PKS b/l, D | keygen s | lookup s, 2 thr (1 thr) "
              "| bits+CB PBS / packing / VP / digits s | keys MiB | Concrete keygen s | "
              "Concrete run s | Concrete keys MiB (BSK+KSK) | run ratio |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for q, row in results["widths"].items():
        ours, conc = row["ours"], row.get("concrete") or {}
        p = ours["params"]
        steps = " / ".join(f"{v:.3f}" for v in ours["steps_s"].values())
        keys = ours["key_bytes"]["evaluation_keys"] / mib
        if "run_s" in conc:
            conc_keys = (conc["bootstrap_key_bytes"] + conc["keyswitch_key_bytes"]) / mib
            cells = (f"{conc['keygen_s']:.1f}", f"{conc['run_s']:.2f}", f"{conc_keys:.0f}",
                     f"{ours['lookup_s_2_threads'] / conc['run_s']:.2f}")
        else:
            cells = ("–", "–", "–", "–")
        ok = "" if ours["correct"] else " WRONG"
        lines.append(
            f"| {q} | {p['lwe_dimension']}, {p['decomposition_base_log']}/"
            f"{p['decomposition_level_count']}, {p['cb_base_log']}/{p['cb_level']}, "
            f"{p['pfpks_base_log']}/{p['pfpks_level']}, {ours['digits']} | "
            f"{ours['keygen_s']:.1f} | {ours['lookup_s_2_threads']:.2f} "
            f"({ours['lookup_s_1_thread']:.2f}){ok} | {steps} | {keys:.0f} | " + " | ".join(cells)
            + " |")
    if "jit" in results:
        for label, row in results["jit"].items():
            lines.append(f"\nJIT {label}: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float)
                                                        else f"{k} {v}" for k, v in row.items()))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bits", type=int, nargs="+", default=list(range(9, 17)))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-anchor", action="store_true")
    parser.add_argument("--anchor-bits", type=int, nargs="*", default=None,
                        help="widths Concrete also runs (default: all of --bits)")
    parser.add_argument("--jit", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {"uptime": subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip(),
               "widths": {}}
    for q in args.bits:
        row = {"ours": _ours(q, args.repeats)}
        if not args.no_anchor and (args.anchor_bits is None or q in args.anchor_bits):
            row["concrete"] = _concrete(q, args.repeats)
        results["widths"][q] = row
        # each width as it finishes (a long run killed half-way keeps what it measured)
        print(f"# {q} bits: {json.dumps(row)}", file=sys.stderr, flush=True)
    if args.jit:
        first = results["widths"][min(results["widths"])]["ours"]["params"]
        results["jit"] = _jit(first)
    results["uptime_end"] = subprocess.run(["uptime"], check=False, capture_output=True,
                                           text=True).stdout.strip()
    print(json.dumps(results, indent=1) if args.json else _markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
