"""One random-table lookup at 9–16 bits: our method choice (native KS-PBS or WoP-PBS) against
concrete-python 2.11, both sides in the same invocation.

    python bench/wide_bench.py [--widths 9,10,11,12,16] [--repeats 3] [--anchor PYTHON] [--json]
    /path/to/anchor/python bench/wide_bench.py --concrete --widths 12,16 --json   # Concrete alone

Each width q compiles ``fhe.LookupTable(table)[x]`` on ``range(2**q)`` (random table, seed
20261206 + q), with ``p_error=1e-5`` per lookup on both sides (Concrete's anchor setting) and
``maximum_tlu_bit_width=16`` on ours (the issue's default). Reported per side: the method
(WoP when the program has packing keyswitches), compile, keygen and run seconds (median of
``--repeats`` ``circuit.run`` calls after one warm-up run; all cores), key sizes and the
number of correct decryptions. Ours counts keys as held in memory (Fourier bootstrapping key,
32-bit keyswitching key, packing keyswitch keys); Concrete's ``size_of_*`` statistics leave
its packing keyswitch keys out (its CompilationFeedback sums bootstrap and keyswitch keys
only), so they are shown as reported.
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

SEED = 20261206
HERE = Path(__file__).resolve()


def table_of(width: int) -> np.ndarray:
    return np.random.default_rng(SEED + width).integers(0, 2**width, 2**width)


def measure(fhe, width: int, repeats: int, key_bytes, **options) -> dict:
    table = fhe.LookupTable(table_of(width).tolist())

    def lookup(x):
        return table[x]

    start = time.perf_counter()
    circuit = fhe.compiler({"x": "encrypted"})(lookup).compile(range(2**width), p_error=1e-5,
                                                                **options)
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    circuit.keygen(force=True)
    keygen_s = time.perf_counter() - start
    rng = np.random.default_rng(width)
    values = table_of(width)
    circuit.decrypt(circuit.run(circuit.encrypt(0)))  # warm-up (kernels, key conversion)
    times, correct = [], 0
    for _ in range(repeats):
        x = int(rng.integers(0, 2**width))
        encrypted = circuit.encrypt(x)
        start = time.perf_counter()
        result = circuit.run(encrypted)
        times.append(time.perf_counter() - start)
        correct += int(circuit.decrypt(result) == values[x])
    return {"width": width, "compile_s": compile_s, "keygen_s": keygen_s,
            "run_s": statistics.median(times), "run_s_all": times,
            "correct": f"{correct}/{repeats}", **key_bytes(circuit)}


def _ours(circuit) -> dict:
    stats = circuit.statistics
    wop = circuit.program.wop
    return {"method": "WoP-PBS" if wop is not None else "KS-PBS",
            "bootstrap_keys_bytes": stats.get("bootstrap_key_fourier_bytes",
                                              stats.get("bootstrap_keys_bytes")),
            "keyswitch_keys_bytes": stats.get("keyswitch_key_bytes",
                                              stats.get("keyswitch_keys_bytes")),
            "evaluation_keys_bytes": stats["evaluation_keys_bytes"],
            "parameters": (wop.parameters.as_dict() if wop is not None
                           else stats["parameters"])}


def _concrete(circuit) -> dict:
    stats = circuit.statistics
    return {"method": "WoP-PBS" if stats["packing_key_switch_count"] else "KS-PBS",
            "bootstrap_keys_bytes": stats["size_of_bootstrap_keys"],
            "keyswitch_keys_bytes": stats["size_of_keyswitch_keys"],
            "evaluation_keys_bytes": stats["size_of_bootstrap_keys"]
            + stats["size_of_keyswitch_keys"],
            "parameters": [str(k) for k in stats["programmable_bootstrap_count_per_parameter"]]
            + [str(k) for k in stats["packing_key_switch_count_per_parameter"]]}


def run_concrete(widths: list[int], repeats: int) -> list[dict]:
    from concrete import fhe

    return [measure(fhe, width, repeats, _concrete) for width in widths]


def run_ours(widths: list[int], repeats: int) -> list[dict]:
    import fhe_assistant as fhe

    return [measure(fhe, width, repeats, _ours, maximum_tlu_bit_width=16) for width in widths]


def _mb(value) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f}"


def _pair(row: dict, other: dict, name: str, fmt) -> str:
    return f"{fmt(row[name])} / {fmt(other[name]) if name in other else '–'}"


HEADER = ("| width | method (ours / Concrete) | keygen s (ours / Concrete) | run s (ours / "
          "Concrete) | run ratio | BSK MB (ours / Concrete) | KSK MB (ours / Concrete) | "
          "all keys MB (ours / Concrete¹) | key ratio | correct |")


def table(ours: list[dict], concrete: list[dict]) -> str:
    theirs = {row["width"]: row for row in concrete}
    lines = [HEADER, "|---|---|---|---|---|---|---|---|---|---|"]
    for row in ours:
        other = theirs.get(row["width"], {})
        run_ratio = f"{row['run_s'] / other['run_s']:.2f}" if other else "–"
        key_ratio = (f"{row['evaluation_keys_bytes'] / other['evaluation_keys_bytes']:.2f}"
                     if other else "–")
        lines.append(
            f"| {row['width']} | {row['method']} / {other.get('method', '–')} | "
            f"{_pair(row, other, 'keygen_s', lambda v: f'{v:.1f}')} | "
            f"{_pair(row, other, 'run_s', lambda v: f'{v:.2f}')} | {run_ratio} | "
            f"{_pair(row, other, 'bootstrap_keys_bytes', _mb)} | "
            f"{_pair(row, other, 'keyswitch_keys_bytes', _mb)} | "
            f"{_pair(row, other, 'evaluation_keys_bytes', _mb)} | {key_ratio} | "
            f"{row['correct']} / {other.get('correct', '–')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--widths", default="9,10,11,12,16")
    parser.add_argument("--concrete-widths", default=None,
                        help="widths Concrete runs (default: the same; its native 9/10-bit "
                             "keys take 4 GB and minutes of keygen)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--anchor", default="/work/venvs/anchor/bin/python",
                        help="python of a concrete-python 2.11 virtualenv ('' to skip)")
    parser.add_argument("--concrete", action="store_true", help="run Concrete's side only")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    widths = [int(w) for w in arguments.widths.split(",")]
    if arguments.concrete:
        print(json.dumps(run_concrete(widths, arguments.repeats)))
        return
    concrete = []
    concrete_widths = arguments.concrete_widths or arguments.widths
    if arguments.anchor and Path(arguments.anchor).exists() and concrete_widths:
        done = subprocess.run([arguments.anchor, str(HERE), "--concrete", "--widths",
                               concrete_widths, "--repeats", str(arguments.repeats)],
                              capture_output=True, text=True, check=False, timeout=3600)
        lines = done.stdout.strip().splitlines()
        concrete = json.loads(lines[-1]) if lines else []
        if not concrete:
            print(done.stderr[-2000:], file=sys.stderr)
    ours = run_ours(widths, arguments.repeats)
    if arguments.json:
        print(json.dumps({"ours": ours, "concrete": concrete}))
    print(table(ours, concrete), file=sys.stderr if arguments.json else sys.stdout)


if __name__ == "__main__":
    main()
