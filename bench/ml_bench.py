"""Built-in models vs Concrete ML 1.9: accuracy, bit widths and encrypted latency per sample.

    python bench/ml_bench.py [--execute] [--samples 3] [--json] [--anchor PATH]

Every model is trained on the split of the issue
(``train_test_split(StandardScaler().fit_transform(X), y, test_size=0.3, random_state=0)``),
compiled on the training set and scored on the test set in FHE simulation; ``--execute``
also generates keys and times encrypted predictions (after one warm-up sample, which
compiles the numba kernels). Concrete ML's figures are read from
``../shared/bench/anchor_concrete_ml_results.jsonl`` (measured on this machine; Concrete ML
is not needed here). The last table times ``quantization_report`` for n_bits 2..8 against
Concrete ML's hand loop (fit + compile + simulate per n_bits).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fhe_assistant import ml  # noqa: E402

ANCHOR = ROOT.parent / "shared" / "bench" / "anchor_concrete_ml_results.jsonl"
BACKEND_ANCHOR = ROOT.parent / "shared" / "bench" / "anchor_concrete_results.jsonl"
MLP = {"random_state": 0, "max_iter": 1000}

#: (label, factory, data set, Concrete ML's model name in the anchor file)
MODELS = [
    ("LogisticRegression", lambda: ml.LogisticRegression(), "breast_cancer", "LogisticRegression"),
    ("LogisticRegression", lambda: ml.LogisticRegression(), "iris", "LogisticRegression"),
    ("LogisticRegression", lambda: ml.LogisticRegression(), "digits", "LogisticRegression"),
    ("LinearSVC", lambda: ml.LinearSVC(), "breast_cancer", "LinearSVC"),
    ("LinearRegression", lambda: ml.LinearRegression(), "diabetes", "LinearRegression"),
    ("Ridge", lambda: ml.Ridge(), "diabetes", "Ridge"),
    ("DecisionTreeClassifier(max_depth=5)",
     lambda: ml.DecisionTreeClassifier(max_depth=5, random_state=0), "breast_cancer",
     "DecisionTreeClassifier"),
    ("MLPClassifier (100 hidden)", lambda: ml.MLPClassifier(**MLP), "breast_cancer",
     "NeuralNetClassifier"),
    ("MLPClassifier (100 hidden)", lambda: ml.MLPClassifier(**MLP), "iris", None),
    ("MLPRegressor (100 hidden)", lambda: ml.MLPRegressor(random_state=0, max_iter=2000),
     "diabetes", None),
]


def split(name: str):
    X, y = {"iris": load_iris, "breast_cancer": load_breast_cancer, "digits": load_digits,
            "diabetes": load_diabetes}[name](return_X_y=True)
    return train_test_split(StandardScaler().fit_transform(X), y, test_size=0.3, random_state=0)


def read_anchor(path: Path) -> tuple[dict, dict | None]:
    records, sweep = {}, None
    if not path.exists():
        return records, sweep
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "sweep" in record:
            sweep = record
        elif "error" not in record:
            records[(record["model"], record["data"])] = record
    return records, sweep


def measure(label, make, dataset, execute: bool, samples: int, key_cache: str | None) -> dict:
    X_train, X_test, y_train, y_test = split(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model = make().fit(X_train, y_train)
        fit_s = time.perf_counter() - start
    start = time.perf_counter()
    options = {"insecure_key_cache_location": key_cache} if key_cache else {}
    circuit = model.compile(X_train, **options)
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    simulated = model.score(X_test, y_test, fhe="simulate")
    simulate_s = time.perf_counter() - start
    plan = circuit.analysis.plan
    record = {
        "model": label, "data": dataset, "n_bits": str(model.n_bits),
        "float": float(model.sklearn_model.score(X_test, y_test)),
        "quantized": float(model.score(X_test, y_test)), "simulate": float(simulated),
        "max_bit_width": int(circuit.graph.maximum_integer_bit_width()),
        "lookup_bit_width": int(plan.max_lookup_precision), "tlu_count": int(plan.pbs_count),
        "predicted_ms": 1e3 * plan.pbs_count * circuit.optimization.seconds_per_pbs,
        "fit_s": fit_s, "compile_s": compile_s, "simulate_s": simulate_s,
    }
    if execute:
        start = time.perf_counter()
        model.keygen()
        record["keygen_s"] = time.perf_counter() - start
        start = time.perf_counter()
        model.predict(X_test[:1], fhe="execute")          # warm-up: numba kernels load
        record["warmup_s"] = time.perf_counter() - start
        batch = X_test[1:1 + samples]
        start = time.perf_counter()
        encrypted = model.predict(batch, fhe="execute")
        record["execute_ms_per_sample"] = (time.perf_counter() - start) / len(batch) * 1e3
        simulated_batch = model.predict(batch, fhe="simulate")
        record["execute_matches_simulate"] = bool(np.array_equal(encrypted, simulated_batch))
        if record["execute_matches_simulate"]:
            record["execute_vs_simulate"] = "same predictions"
        elif hasattr(model, "classes_"):
            record["execute_vs_simulate"] = (f"{int(np.sum(encrypted != simulated_batch))} "
                                             f"of {len(batch)} differ")
        else:  # approximate rounding: a lookup may round a tie the other way
            spread = float(np.ptp(model.predict(X_train)))
            gap = float(np.max(np.abs(encrypted - simulated_batch)))
            record["execute_vs_simulate"] = f"max gap {100 * gap / spread:.1f}% of range"
    return record


def reference_pbs(key_cache: str | None) -> float:
    """Milliseconds for 100 4-bit lookups in one circuit (Concrete's ``tlu_batch_4bit_100``).

    Measured in the same run as the models, it tells how fast the backend (and the
    machine, often shared) is right now, next to Concrete's figure for the same circuit.
    """
    import fhe_assistant as fhe

    table = fhe.LookupTable(np.random.default_rng(20240607).integers(0, 16, 16))

    def lookups(x):
        return table[x]

    options = {"insecure_key_cache_location": key_cache} if key_cache else {}
    circuit = fhe.compiler({"x": "encrypted"})(lookups).compile(
        np.random.default_rng(0).integers(0, 16, (64, 100)), **options)
    circuit.keygen()
    sample = np.arange(100) % 16
    circuit.encrypt_run_decrypt(sample)                   # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        circuit.encrypt_run_decrypt(sample)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def concrete_reference_ms(path: Path) -> float | None:
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        record = json.loads(line) if line.strip() else {}
        if record.get("case") == "tlu_batch_4bit_100" and "run_ms" in record:
            return float(record["run_ms"]["median"])
    return None


def time_report() -> dict:
    X_train, X_test, y_train, y_test = split("breast_cancer")
    start = time.perf_counter()
    model = ml.LogisticRegression().fit(X_train, y_train)
    report = model.quantization_report(X_test, y_test, n_bits=range(2, 9))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": report[["n_bits", "simulated", "max_bit_width"]]
            .values.tolist()}


def fmt(value, digits=3, suffix=""):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{suffix}"
    return f"{value}{suffix}"


def markdown(records: list[dict], anchor: dict, execute: bool) -> str:
    header = ["model, data", "float", "ours simulate", "Concrete ML simulate",
              "max bit width (ours / CML)", "TLUs (bits)", "predicted ms"]
    if execute:
        header += ["encrypted ms/sample (ours / CML)", "execute = simulate"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for record in records:
        cml = anchor.get((record["cml_name"], record["data"]), {})
        cells = [f"{record['model']}, {record['data']}", fmt(record["float"]),
                 fmt(record["simulate"]), fmt(cml.get("simulate")),
                 f"{record['max_bit_width']} / {cml.get('max_bit_width', '–')}",
                 f"{record['tlu_count']} ({record['lookup_bit_width']})"
                 if record["tlu_count"] else "0",
                 fmt(record["predicted_ms"], 0)]
        if execute:
            latency = (f"{fmt(record.get('execute_ms_per_sample'), 1)} / "
                       f"{fmt(cml.get('execute_ms_per_sample'), 1)}")
            cells += [latency, record.get("execute_vs_simulate", "–")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="keygen and encrypted runs")
    parser.add_argument("--samples", type=int, default=3, help="encrypted samples per model")
    parser.add_argument("--only", default="", help="run models whose label contains this")
    parser.add_argument("--key-cache", default=None,
                        help="insecure key cache folder (skips keygen on reruns)")
    parser.add_argument("--anchor", type=Path, default=ANCHOR)
    parser.add_argument("--json", action="store_true", help="print one JSON line per record")
    args = parser.parse_args(argv)
    anchor, sweep = read_anchor(args.anchor)
    records = []
    for label, make, dataset, cml_name in MODELS:
        if args.only and args.only not in label:
            continue
        record = measure(label, make, dataset, args.execute, args.samples, args.key_cache)
        record["cml_name"] = cml_name
        records.append(record)
        if args.json:
            print(json.dumps(record), flush=True)
    report = time_report()
    reference = reference_pbs(args.key_cache) if args.execute else None
    if args.json:
        print(json.dumps({"sweep": "quantization_report n_bits 2..8", **report}))
        if reference is not None:
            print(json.dumps({"reference": "100 4-bit lookups", "ms": reference}))
        return 0
    print(markdown(records, anchor, args.execute))
    print()
    cml_seconds = sweep["seconds"] if sweep else float("nan")
    print("| n_bits 2..8, LogisticRegression, breast_cancer | seconds |")
    print("|---|---|")
    print(f"| Concrete ML: fit + compile + simulate per n_bits | {cml_seconds:.2f} |")
    print(f"| ours: fit + quantization_report | {report['seconds']:.2f} "
          f"({cml_seconds / report['seconds']:.0f}× faster) |")
    if reference is not None:
        concrete = concrete_reference_ms(BACKEND_ANCHOR)
        print()
        print(f"Backend reference in this run: 100 × 4-bit KS+PBS in one circuit took "
              f"{reference:,.0f} ms (Concrete on this machine: "
              f"{fmt(concrete, 0)} ms, ../shared/bench/anchor_concrete_results.jsonl); "
              f"encrypted latencies above scale with that ratio.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
