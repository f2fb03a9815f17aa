"""Trace + bounds, compile and simulate on a 10,000-sample inputset: ours vs concrete-python.

    python bench/trace_bench.py [--samples 10000] [--repeats 3] [--anchor PYTHON] [--json]

Like with like: both sides run this same harness (the Concrete side is this file run by
the concrete-python 2.11 virtualenv's python in the same invocation: ``--anchor``,
``$FHE_ANCHOR_PYTHON`` or ``.venv-anchor/bin/python``) on the same function
(``bench/mlp_case.py``), in the same input form (a list of 10,000 samples, one
``simulate`` call per sample), after the same warm-up (one pass of every step on 100
samples), and report the same statistic: median and min–max of ``--repeats`` timed passes.
One more row, ours only and labelled, simulates the 10,000 samples as one batched array
(an input form Concrete's ``simulate`` does not take).
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

from mlp_case import inputset, mlp

STEPS = (("trace_s", "trace + bounds"), ("compile_s", "compile (no keygen)"),
         ("simulate_s", "simulate, one call per sample"))


def _summary(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def measure(fhe, samples: int, repeats: int, ours: bool) -> dict:
    data = list(inputset(samples))
    configuration = {} if ours else {
        "configuration": fhe.Configuration(fhe_simulation=True, fhe_execution=False)}

    def one_pass(values, record=None):
        compiler = fhe.compiler({"x": "encrypted"})(mlp)
        start = time.perf_counter()
        compiler.trace(values)
        traced = time.perf_counter()
        circuit = fhe.compiler({"x": "encrypted"})(mlp).compile(values, **configuration)
        compiled = time.perf_counter()
        outputs = [circuit.simulate(sample) for sample in values]
        simulated = time.perf_counter()
        if record is not None:
            record["trace_s"].append(traced - start)
            record["compile_s"].append(compiled - traced)
            record["simulate_s"].append(simulated - compiled)
        return circuit, outputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_pass(data[:100])  # the same warm-up on both sides
        record = {key: [] for key, _ in STEPS}
        for _ in range(repeats):
            circuit, outputs = one_pass(data, record)
        result = {key: _summary(times) for key, times in record.items()}
        result["mismatches"] = int(sum(not np.array_equal(o, mlp(s))
                                       for o, s in zip(outputs, data)))
        result["max_bit_width"] = int(circuit.graph.maximum_integer_bit_width())
        if ours:
            batch, times = np.stack(data), []
            for _ in range(repeats):
                start = time.perf_counter()
                batched = circuit.simulate_batch(batch)
                times.append(time.perf_counter() - start)
            result["simulate_batched_s"] = _summary(times)
            result["mismatches_batched"] = int(np.sum(np.any(
                batched != np.stack([mlp(s) for s in data]), axis=-1)))
    return result


def measure_concrete(python: str, samples: int, repeats: int) -> dict | None:
    if not python or not Path(python).exists():
        return None
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    environment.pop("PYTHONPATH", None)
    result = subprocess.run([python, __file__, "--side", "concrete", "--samples", str(samples),
                             "--repeats", str(repeats)], capture_output=True, text=True,
                            timeout=3600, env=environment, check=False)
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _spread(summary: dict) -> str:
    return f"{summary['median']:.3g} s ({summary['min']:.3g}–{summary['max']:.3g})"


def render(ours: dict, concrete: dict | None, samples: int, repeats: int) -> str:
    lines = [(f"MLP-like function (x@W1+b, relu, @W2), inputset of {samples} samples; "
             f"median (min–max) of {repeats} passes after one warm-up pass, both sides\n"),
             "| step | fhe_assistant | concrete-python 2.11 | speed-up (medians) |",
             "|---|---|---|---|"]
    for key, label in STEPS:
        theirs = concrete[key] if concrete else None
        ratio = f"{theirs['median'] / ours[key]['median']:.0f}×" if theirs else "n/a"
        lines.append(f"| {label} | {_spread(ours[key])} | "
                     f"{_spread(theirs) if theirs else 'not installed'} | {ratio} |")
    theirs = concrete["simulate_s"] if concrete else None
    ratio = f"{theirs['median'] / ours['simulate_batched_s']['median']:.0f}×" if theirs else "n/a"
    lines.append(f"| simulate, one batched call (ours only: a different input form; "
                 f"against Concrete's per-sample calls) | {_spread(ours['simulate_batched_s'])} "
                 f"| {_spread(theirs) if theirs else 'n/a'} | {ratio} |")
    lines.append(f"\nsamples whose simulation differs from numpy: ours={ours['mismatches']} "
                 f"(batched {ours['mismatches_batched']}) "
                 f"concrete={concrete['mismatches'] if concrete else 'n/a'}; max bit width "
                 f"ours={ours['max_bit_width']} "
                 f"concrete={concrete['max_bit_width'] if concrete else 'n/a'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--anchor", default=os.environ.get(
        "FHE_ANCHOR_PYTHON", str(HERE.parent / ".venv-anchor/bin/python")))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--side", choices=("ours", "concrete"), default="ours",
                        help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.side == "concrete":
        from concrete import fhe

        print(json.dumps(measure(fhe, arguments.samples, arguments.repeats, ours=False)))
        return
    import fhe_assistant as fhe

    ours = measure(fhe, arguments.samples, arguments.repeats, ours=True)
    concrete = measure_concrete(arguments.anchor, arguments.samples, arguments.repeats)
    if arguments.json:
        print(json.dumps({"samples": arguments.samples, "repeats": arguments.repeats,
                          "ours": ours, "concrete": concrete}))
        return
    print(render(ours, concrete, arguments.samples, arguments.repeats))


if __name__ == "__main__":
    main()
