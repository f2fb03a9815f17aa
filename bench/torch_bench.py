"""torch models (issue 15) vs Concrete ML 1.9: digits 8x8, n_bits=6, rounding_threshold_bits=6.

    python bench/torch_bench.py [--models cnn mlp residual] [--execute N] [--epochs 30]
                                [--rounding-method APPROXIMATE|EXACT|DEFAULT] [--onnx]
                                [--concrete-ml /work/venvs/cml/bin/python]

Both models are trained identically in torch (seed 0, Adam lr 0.01, batches of 64, ``--epochs``) on
sklearn's digits (``train_test_split(X / 16, y, test_size=0.3, random_state=0)``), then
``compile_torch_model(model, X_train, n_bits=6, rounding_threshold_bits={"n_bits": 6,
"method": ...})`` (``--rounding-method DEFAULT``: ``rounding_threshold_bits=6``, each
library's default method) (``--onnx``: the model exported to an ONNX file by torch, then
``compile_onnx_model`` on that file). Reported: float
and simulated test accuracy, compile time, PBS per sample, keygen and encrypted seconds per
sample (``--execute N`` samples after a warm-up sample that compiles the numba kernels; the
encrypted predictions are checked against ``simulate``). With ``--concrete-ml PYTHON`` the
same trained weights (saved with ``torch.save``) are compiled by Concrete ML 1.9's
``compile_torch_model`` in that interpreter right after ours, with the same settings and
measurements (this file runs there as ``--cml-worker``, importing nothing of ours).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch
from torch import nn


class CNN(nn.Module):
    """conv(1→8, 3, pad 1) relu avgpool(2) conv(8→16, 3) relu linear(64→10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


class ResidualCNN(nn.Module):
    """conv(1→8, 3, pad 1) bn relu, conv(8→8, 3, pad 1) bn, skip add, relu, avgpool(2),
    linear(128→10): two convolutions with a residual connection and batch norm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(x + self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


MODELS = {"cnn": CNN, "mlp": mlp, "residual": ResidualCNN}


def data():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def train(factory, X, y, epochs: int):
    torch.manual_seed(0)
    model = factory()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    inputs, targets = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    for _ in range(epochs):
        for batch in torch.randperm(len(X)).split(64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
    return model.eval()


def export_file(model, folder: Path, name: str) -> Path:
    """The model as an ONNX file written by torch's exporter (opset 14, batch axis dynamic)."""
    path = folder / f"{name}.onnx"
    sample = torch.tensor(data()[0][:1], dtype=torch.float32)
    torch.onnx.export(model.eval(), (sample,), str(path), dynamo=False, opset_version=14,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    return path


def measure(model, compilers, name: str, execute: int, ours: bool, warmup: bool = True,
            method: str = "APPROXIMATE", onnx_path: Path | None = None) -> dict:
    """Compile ``model`` (or its ONNX file) with one library and time everything.

    ``compilers``: that library's ``(compile_torch_model, compile_onnx_model)``."""
    X_train, X_test, _, y_test = data()
    with torch.no_grad():
        float_accuracy = float(np.mean(
            model(torch.tensor(X_test, dtype=torch.float32)).numpy().argmax(1) == y_test))
    # DEFAULT: the int form, each library's own default method (Concrete ML: exact; ours:
    # approximate)
    rounding = 6 if method == "DEFAULT" else {"n_bits": 6, "method": method}
    start = time.perf_counter()
    try:
        if onnx_path is None:
            module = compilers[0](model, X_train, n_bits=6, rounding_threshold_bits=rounding)
        else:
            import onnx

            module = compilers[1](onnx.load(str(onnx_path)), X_train, n_bits=6,
                                  rounding_threshold_bits=rounding)
    except Exception as error:  # noqa: BLE001 - a bench row records why a library refused
        return {"library": "fhe_assistant" if ours else "concrete-ml", "model": name,
                "rounding_method": method, "float_accuracy": float_accuracy,
                "compile_error": str(error).splitlines()[0][:400],
                "compile_s": time.perf_counter() - start}
    compile_seconds = time.perf_counter() - start
    simulated = module.forward(X_test, fhe="simulate").argmax(1)
    circuit = module.fhe_circuit
    row = {"library": "fhe_assistant" if ours else "concrete-ml", "model": name,
           "rounding_method": method, "from": "torch" if onnx_path is None else "onnx file",
           "load_average": os.getloadavg()[0],
           "float_accuracy": float_accuracy,
           "clear_quantized_accuracy": float(np.mean(module.forward(X_test).argmax(1) == y_test)),
           "simulate_accuracy": float(np.mean(simulated == y_test)),
           "compile_s": compile_seconds,
           "pbs_per_sample": circuit.statistics["programmable_bootstrap_count"] if ours
           else circuit.programmable_bootstrap_count,
           "bitwidths": module.bitwidth_and_range_report() if ours else None}
    if ours:
        row["parameters"] = circuit.statistics["parameters"]
    if execute:
        start = time.perf_counter()
        (module.keygen if ours else circuit.keygen)()
        row["keygen_s"] = time.perf_counter() - start
        if warmup:
            module.forward(X_test[:1], fhe="execute")      # warm-up: kernels, key transfer
        start = time.perf_counter()
        encrypted = module.forward(X_test[1:1 + execute], fhe="execute")
        row["encrypted_s_per_sample"] = (time.perf_counter() - start) / execute
        reference = module.forward(X_test[1:1 + execute], fhe="simulate")
        row["encrypted_equals_simulate"] = bool(np.array_equal(encrypted.argmax(1),
                                                               reference.argmax(1)))
        row["encrypted_max_abs_difference"] = float(np.abs(encrypted - reference).max())
        row["load_average_after"] = os.getloadavg()[0]
    return row


def concrete_ml_row(python: str, model, name: str, execute: int, warmup: bool, method: str,
                    onnx_path: Path | None) -> dict:
    """Concrete ML on the same weights (or the same ONNX file), in its own interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        weights = Path(folder) / "weights.pt"
        torch.save(model.state_dict(), weights)
        command = [python, __file__, "--cml-worker", str(weights), "--models", name,
                   "--execute", str(execute), "--rounding-method", method]
        command += [] if warmup else ["--no-warmup"]
        command += [] if onnx_path is None else ["--onnx-file", str(onnx_path)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--execute", type=int, default=0, metavar="N")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--no-warmup", action="store_true",
                        help="time the first encrypted sample too (kernels cached on disk)")
    parser.add_argument("--concrete-ml", metavar="PYTHON")
    parser.add_argument("--cml-execute", type=int, metavar="N",
                        help="encrypted samples for Concrete ML (default: --execute)")
    parser.add_argument("--rounding-method", default="APPROXIMATE",
                        choices=["EXACT", "APPROXIMATE", "DEFAULT"],
                        help="rounding_threshold_bits={'n_bits': 6, 'method': ...} for both; "
                             "DEFAULT: rounding_threshold_bits=6, each library's default")
    parser.add_argument("--onnx", action="store_true",
                        help="export each model to an ONNX file and compile that file "
                             "(compile_onnx_model) in both libraries")
    parser.add_argument("--cml-worker", metavar="WEIGHTS", help=argparse.SUPPRESS)
    parser.add_argument("--onnx-file", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    method = arguments.rounding_method
    if arguments.cml_worker:
        from concrete.ml.torch.compile import compile_onnx_model, compile_torch_model

        model = MODELS[arguments.models[0]]()
        model.load_state_dict(torch.load(arguments.cml_worker))
        onnx_path = Path(arguments.onnx_file) if arguments.onnx_file else None
        print(json.dumps(measure(model.eval(), (compile_torch_model, compile_onnx_model),
                                 arguments.models[0], arguments.execute, False,
                                 not arguments.no_warmup, method, onnx_path)), flush=True)
        return
    from fhe_assistant.ml import compile_onnx_model, compile_torch_model

    X_train, _, y_train, _ = data()
    with tempfile.TemporaryDirectory() as folder:
        for name in arguments.models:
            model = train(MODELS[name], X_train, y_train, arguments.epochs)
            onnx_path = export_file(model, Path(folder), name) if arguments.onnx else None
            print(json.dumps(measure(model, (compile_torch_model, compile_onnx_model), name,
                                     arguments.execute, True, not arguments.no_warmup, method,
                                     onnx_path)), flush=True)
            if arguments.concrete_ml:
                cml_execute = arguments.execute if arguments.cml_execute is None \
                    else arguments.cml_execute
                print(json.dumps(concrete_ml_row(arguments.concrete_ml, model, name,
                                                 cml_execute, not arguments.no_warmup, method,
                                                 onnx_path)), flush=True)


if __name__ == "__main__":
    main()
