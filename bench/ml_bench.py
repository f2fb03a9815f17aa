"""Built-in models vs Concrete ML 1.9: accuracy, bit widths and encrypted latency per sample.

    python bench/ml_bench.py [--execute] [--samples 5] [--cml PYTHON] [--json]

Like with like: both sides run this same harness, Concrete ML in its own virtualenv
(``--cml``, ``$FHE_CML_PYTHON`` or ``.venv-cml/bin/python``: ``pip install
concrete-ml==1.9.0``) in the same invocation. Every model is trained on the same split
(``train_test_split(StandardScaler().fit_transform(X), y, test_size=0.3, random_state=0)``),
compiled on the training set and scored on the test set (accuracy, or R² for regressors)
in float, quantized clear and FHE simulation. ``--execute`` generates keys, runs one
warm-up encrypted sample, then times ``--samples`` single-sample encrypted predictions:
median and min–max per sample on both sides. Where the two libraries have no common model
(our scikit-learn MLP against Concrete ML's torch ``NeuralNetClassifier``) the row says
so and shows each model's float accuracy. The n_bits sweep times the same loop on both
sides (fit + compile + simulate for n_bits 2..8); our ``quantization_report`` (one fit)
is a labelled extra row.
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

ROOT = Path(__file__).resolve().parents[1]

# (label, data set, our model, Concrete ML's model, note); a model is (class name, kwargs)
LOGISTIC, TREE = ("LogisticRegression", {}), ("DecisionTreeClassifier",
                                              {"max_depth": 5, "random_state": 0})
MLP = ("MLPClassifier", {"random_state": 0, "max_iter": 1000})
NN_NOTE = ("different models: scikit-learn MLP (float-trained) vs Concrete ML's torch MLP "
           "(quantization-aware); compare each with its own float accuracy")
MODELS = [
    ("LogisticRegression", "breast_cancer", LOGISTIC, LOGISTIC, ""),
    ("LogisticRegression", "iris", LOGISTIC, LOGISTIC, ""),
    ("LogisticRegression", "digits", LOGISTIC, LOGISTIC, ""),
    ("LinearSVC", "breast_cancer", ("LinearSVC", {}), ("LinearSVC", {}), ""),
    ("LinearRegression", "diabetes", ("LinearRegression", {}), ("LinearRegression", {}), ""),
    ("Ridge", "diabetes", ("Ridge", {}), ("Ridge", {}), ""),
    ("DecisionTreeClassifier(max_depth=5)", "breast_cancer", TREE, TREE, ""),
    ("MLPClassifier (100 hidden) / NeuralNetClassifier", "breast_cancer", MLP,
     ("NeuralNetClassifier", {"module__n_layers": 2, "max_epochs": 30, "verbose": 0}), NN_NOTE),
    ("MLPClassifier (100 hidden)", "iris", MLP, None, ""),
    ("MLPRegressor (100 hidden)", "diabetes",
     ("MLPRegressor", {"random_state": 0, "max_iter": 2000}), None, ""),
]


def factory(module, spec):
    name, kwargs = spec
    return lambda: getattr(module, name)(**kwargs)


def split(name: str):
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = {"iris": load_iris, "breast_cancer": load_breast_cancer, "digits": load_digits,
            "diabetes": load_diabetes}[name](return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)  # Concrete ML's torch wants f32
    return train_test_split(X, y, test_size=0.3, random_state=0)


def metric(predictions, y, regressor: bool) -> float:
    if regressor:
        from sklearn.metrics import r2_score

        return float(r2_score(y, np.ravel(predictions)))
    return float(np.mean(np.ravel(predictions) == y))


SKLEARN_TWINS = {"LogisticRegression": "linear_model", "LinearRegression": "linear_model",
                 "Ridge": "linear_model", "LinearSVC": "svm", "DecisionTreeClassifier": "tree",
                 "MLPClassifier": "neural_network", "MLPRegressor": "neural_network"}


def float_twin(spec):
    """The scikit-learn model of the same name and options, trained in float (None: none)."""
    import importlib

    name, kwargs = spec
    if name not in SKLEARN_TWINS:
        return None
    module = importlib.import_module(f"sklearn.{SKLEARN_TWINS[name]}")
    return lambda: getattr(module, name)(**kwargs)


def float_predictions(model, make_float, X_train, y_train, X):
    """The float model's predictions: scikit-learn's twin trained on the same split, else
    the float model the library keeps (``sklearn_model``; Concrete ML's tree keeps one
    trained on quantized features, hence the twin first)."""
    if make_float is not None:
        return make_float().fit(X_train, y_train).predict(X)
    reference = getattr(model, "sklearn_model", None)
    return None if reference is None else reference.predict(X)


def evaluate(make, dataset: str, execute: bool, samples: int, keygen, make_float=None) -> dict:
    """The shared harness; ``keygen(model)`` generates the keys on either side."""
    X_train, X_test, y_train, y_test = split(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model = make().fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        circuit = model.compile(X_train)
        compile_s = time.perf_counter() - start
        regressor = dataset == "diabetes"  # the one regression data set
        floats = float_predictions(model, make_float, X_train, y_train, X_test)
        record = {"fit_s": fit_s, "compile_s": compile_s,
                  "float": None if floats is None else metric(floats, y_test, regressor),
                  "quantized": metric(model.predict(X_test), y_test, regressor),
                  "simulate": metric(model.predict(X_test, fhe="simulate"), y_test, regressor),
                  "max_bit_width": int(circuit.graph.maximum_integer_bit_width())}
        if not execute:
            return record
        start = time.perf_counter()
        keygen(model)
        record["keygen_s"] = time.perf_counter() - start
        model.predict(X_test[:1], fhe="execute")  # the same warm-up on both sides
        times, same = [], 0
        for i in range(1, 1 + samples):
            start = time.perf_counter()
            encrypted = model.predict(X_test[i:i + 1], fhe="execute")
            times.append(1e3 * (time.perf_counter() - start))
            same += bool(np.array_equal(np.ravel(encrypted),
                                        np.ravel(model.predict(X_test[i:i + 1], fhe="simulate"))))
        record["execute_ms"] = {"median": statistics.median(times), "min": min(times),
                                "max": max(times), "samples": samples}
        record["execute_equals_simulate"] = f"{same} of {samples}"
    return record


def sweep(make_with_bits) -> float:
    """Seconds for fit + compile + simulate at n_bits 2..8 (the loop a user writes)."""
    X_train, X_test, y_train, y_test = split("breast_cancer")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n_bits in range(2, 9):
            model = make_with_bits(n_bits).fit(X_train, y_train)
            model.compile(X_train)
            metric(model.predict(X_test, fhe="simulate"), y_test, False)
    return time.perf_counter() - start


def side_ours(execute: bool, samples: int, only: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from fhe_assistant import ml

    rows = {}
    for label, dataset, ours, _, _ in MODELS:
        if only in label:
            rows[f"{label}|{dataset}"] = evaluate(factory(ml, ours), dataset, execute, samples,
                                                  lambda model: model.keygen(), float_twin(ours))
    X_train, X_test, y_train, y_test = split("breast_cancer")
    start = time.perf_counter()
    ml.LogisticRegression().fit(X_train, y_train).quantization_report(X_test, y_test,
                                                                      n_bits=range(2, 9))
    report_s = time.perf_counter() - start
    return {"rows": rows, "sweep_s": sweep(lambda n: ml.LogisticRegression(n_bits=n)),
            "report_s": report_s}


def side_concrete_ml(execute: bool, samples: int, only: str) -> dict:
    from concrete.ml import sklearn as cml

    rows = {}
    for label, dataset, _, theirs, _ in MODELS:
        if theirs and only in label:
            rows[f"{label}|{dataset}"] = evaluate(factory(cml, theirs), dataset, execute, samples,
                                                  lambda model: model.fhe_circuit.keygen(),
                                                  float_twin(theirs))
    return {"rows": rows, "sweep_s": sweep(lambda n: cml.LogisticRegression(n_bits=n))}


def run_concrete_ml(python: str, execute: bool, samples: int, only: str) -> dict | None:
    if not python or not Path(python).exists():
        return None
    command = [python, __file__, "--side", "concrete-ml", "--samples", str(samples),
               "--only", only] + (["--execute"] if execute else [])
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    environment.pop("PYTHONPATH", None)
    result = subprocess.run(command, capture_output=True, text=True, timeout=7200,
                            env=environment, check=False)
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def fmt(value, digits=3):
    return "–" if value is None else f"{value:,.{digits}f}"


def latency(record: dict | None) -> str:
    run = (record or {}).get("execute_ms")
    return "–" if not run else f"{fmt(run['median'], 1)} ({fmt(run['min'], 1)}–{fmt(run['max'], 1)})"


def render(ours: dict, theirs: dict | None, execute: bool) -> str:
    header = ["model, data", "float (ours / CML)", "simulate (ours / CML)",
              "max bit width (ours / CML)"]
    if execute:
        header += ["encrypted ms/sample, ours", "encrypted ms/sample, CML",
                   "ours / CML (medians)", "encrypted = simulate (ours / CML)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = []
    for label, dataset, _, _, note in MODELS:
        key = f"{label}|{dataset}"
        if key not in ours["rows"]:
            continue
        mine, cml = ours["rows"][key], (theirs or {}).get("rows", {}).get(key)
        name = f"{label}, {dataset}" + (" (R²)" if dataset == "diabetes" else "")
        if note:
            notes.append(f"{label}: {note}.")
            name += f" [{len(notes)}]"
        cells = [name, f"{fmt(mine['float'])} / {fmt((cml or {}).get('float'))}",
                 f"{fmt(mine['simulate'])} / {fmt((cml or {}).get('simulate'))}",
                 f"{mine['max_bit_width']} / {(cml or {}).get('max_bit_width', '–')}"]
        if execute:
            ratio = (mine["execute_ms"]["median"] / cml["execute_ms"]["median"]
                     if cml and cml.get("execute_ms") else None)
            cells += [latency(mine), latency(cml), fmt(ratio, 2),
                      (f"{mine.get('execute_equals_simulate')} / "
                      f"{(cml or {}).get('execute_equals_simulate', '–')}")]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
    cml_sweep = (theirs or {}).get("sweep_s")
    lines += ["", "| n_bits 2..8, LogisticRegression, breast_cancer | seconds | CML / this |",
              "|---|---|---|",
              f"| Concrete ML: fit + compile + simulate per n_bits | {fmt(cml_sweep, 2)} | 1 |",
              (f"| ours: the same loop | {fmt(ours['sweep_s'], 2)} | "
              f"{fmt(cml_sweep / ours['sweep_s'] if cml_sweep else None, 1)} |"),
              (f"| ours: one fit + `quantization_report` (a different procedure) | "
              f"{fmt(ours['report_s'], 2)} | "
              f"{fmt(cml_sweep / ours['report_s'] if cml_sweep else None, 1)} |")]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--execute", action="store_true", help="keygen and encrypted runs")
    parser.add_argument("--samples", type=int, default=5, help="timed encrypted samples")
    parser.add_argument("--only", default="", help="run models whose label contains this")
    parser.add_argument("--cml", default=os.environ.get(
        "FHE_CML_PYTHON", str(ROOT / ".venv-cml/bin/python")),
        help="python of the Concrete ML 1.9 virtualenv")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--side", choices=("ours", "concrete-ml"), default="ours",
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side == "concrete-ml":
        print(json.dumps(side_concrete_ml(args.execute, args.samples, args.only)))
        return 0
    ours = side_ours(args.execute, args.samples, args.only)
    theirs = run_concrete_ml(args.cml, args.execute, args.samples, args.only)
    if args.json:
        print(json.dumps({"ours": ours, "concrete_ml": theirs}))
    else:
        print(render(ours, theirs, args.execute))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
