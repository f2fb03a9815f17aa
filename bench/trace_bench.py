"""Compile (trace + bounds) and simulate over a 10,000-sample inputset: ours vs concrete-python.

    python bench/trace_bench.py [--samples 10000] [--anchor .venv-anchor/bin/python] [--json]

The concrete-python side runs in its own virtualenv (../shared/bench/README.md) on the
same function (bench/mlp_case.py) in the same run; the table reports both and the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from mlp_case import inputset, mlp  # noqa: E402

ANCHOR_SCRIPT = r"""
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from concrete import fhe
from mlp_case import inputset, mlp
samples = int(sys.argv[2])
data = inputset(samples)
compiler = fhe.Compiler(mlp, {"x": "encrypted"})
start = time.perf_counter(); compiler.trace(list(data)); trace_s = time.perf_counter() - start
compiler = fhe.Compiler(mlp, {"x": "encrypted"})
start = time.perf_counter()
circuit = compiler.compile(list(data), fhe.Configuration(fhe_simulation=True, fhe_execution=False))
compile_s = time.perf_counter() - start
start = time.perf_counter()
outputs = [circuit.simulate(sample) for sample in data]
simulate_s = time.perf_counter() - start
mismatches = sum(not np.array_equal(o, mlp(s)) for o, s in zip(outputs, data))
print(json.dumps({"trace_s": trace_s, "compile_s": compile_s, "simulate_s": simulate_s,
                  "mismatches": int(mismatches), "max_bit_width": circuit.graph.maximum_integer_bit_width()}))
"""


def measure_ours(samples: int, repeats: int = 3) -> dict:
    import fhe_assistant as fhe

    data = inputset(samples)
    compiler = fhe.compiler({"x": "encrypted"})(mlp)
    trace_times, compile_times, simulate_times = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        compiler.trace(data)
        trace_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        circuit = compiler.compile(data)
        compile_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        outputs = circuit.simulate(data)
        simulate_times.append(time.perf_counter() - start)
    expected = np.stack([mlp(s) for s in data])
    mismatches = int(np.sum(np.any(outputs != expected, axis=-1)))
    return {"trace_s": min(trace_times), "compile_s": min(compile_times),
            "simulate_s": min(simulate_times), "mismatches": mismatches,
            "max_bit_width": circuit.graph.maximum_integer_bit_width()}


def measure_anchor(python: str, samples: int) -> dict | None:
    if not python or not Path(python).exists():
        return None
    result = subprocess.run([python, "-c", ANCHOR_SCRIPT, str(HERE), str(samples)],
                            capture_output=True, text=True, timeout=1800,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--anchor", default=str(HERE.parent / ".venv-anchor/bin/python"))
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    ours = measure_ours(arguments.samples)
    anchor = measure_anchor(arguments.anchor, arguments.samples)
    if arguments.json:
        print(json.dumps({"samples": arguments.samples, "ours": ours, "concrete": anchor}))
        return
    print(f"MLP-like function (x@W1+b, relu, @W2), inputset of {arguments.samples} samples\n")
    print("| step | fhe_assistant | concrete-python 2.11 | speed-up |")
    print("|---|---|---|---|")
    for key, label in (("trace_s", "trace (trace + bounds)"),
                       ("compile_s", "compile (no keygen)"),
                       ("simulate_s", f"simulate {arguments.samples} samples")):
        theirs = anchor[key] if anchor else None
        ratio = f"{theirs / ours[key]:.0f}×" if theirs else "n/a"
        theirs_text = f"{theirs:.3f} s" if theirs else "not installed"
        print(f"| {label} | {ours[key]:.3f} s | {theirs_text} | {ratio} |")
    print(f"\nsamples whose simulation differs from numpy: ours={ours['mismatches']} "
          f"concrete={anchor['mismatches'] if anchor else 'n/a'}; "
          f"max bit width ours={ours['max_bit_width']} "
          f"concrete={anchor['max_bit_width'] if anchor else 'n/a'}")


if __name__ == "__main__":
    main()
