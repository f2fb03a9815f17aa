"""torch models (issue 15) vs Concrete ML 1.9: digits 8x8, n_bits=6, rounding_threshold_bits=6.

    python bench/torch_bench.py [--models cnn mlp] [--execute N] [--epochs 30]

Both models are trained identically in torch (seed 0, Adam, full-batch, ``--epochs``) on
sklearn's digits (``train_test_split(X / 16, y, test_size=0.3, random_state=0)``), then
``compile_torch_model(model, X_train, n_bits=6, rounding_threshold_bits=6)``. Reported: float
and simulated test accuracy, compile time, PBS per sample, keygen and encrypted seconds per
sample (``--execute N`` samples after a warm-up sample that compiles the numba kernels; the
encrypted predictions are checked against ``simulate``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from fhe_assistant.ml import compile_torch_model  # noqa: E402


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


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


MODELS = {"cnn": CNN, "mlp": mlp}


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


def run(name: str, epochs: int, execute: int) -> dict:
    X_train, X_test, y_train, y_test = data()
    model = train(MODELS[name], X_train, y_train, epochs)
    with torch.no_grad():
        float_accuracy = float(np.mean(
            model(torch.tensor(X_test, dtype=torch.float32)).numpy().argmax(1) == y_test))
    start = time.perf_counter()
    module = compile_torch_model(model, X_train, n_bits=6, rounding_threshold_bits=6)
    compile_seconds = time.perf_counter() - start
    simulated = module.forward(X_test, fhe="simulate").argmax(1)
    row = {"model": name, "float_accuracy": float_accuracy,
           "clear_quantized_accuracy": float(np.mean(module.forward(X_test).argmax(1) == y_test)),
           "simulate_accuracy": float(np.mean(simulated == y_test)),
           "compile_s": compile_seconds,
           "pbs_per_sample": module.circuit.statistics["programmable_bootstrap_count"],
           "parameters": module.circuit.statistics["parameters"],
           "bitwidths": module.bitwidth_and_range_report()}
    if execute:
        start = time.perf_counter()
        module.keygen()
        row["keygen_s"] = time.perf_counter() - start
        module.forward(X_test[:1], fhe="execute")          # warm-up: numba kernels
        start = time.perf_counter()
        encrypted = module.forward(X_test[1:1 + execute], fhe="execute")
        row["encrypted_s_per_sample"] = (time.perf_counter() - start) / execute
        reference = module.forward(X_test[1:1 + execute], fhe="simulate")
        row["encrypted_equals_simulate"] = bool(np.array_equal(encrypted.argmax(1),
                                                               reference.argmax(1)))
        row["encrypted_max_abs_difference"] = float(np.abs(encrypted - reference).max())
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--execute", type=int, default=0, metavar="N")
    parser.add_argument("--epochs", type=int, default=30)
    arguments = parser.parse_args()
    for name in arguments.models:
        print(json.dumps(run(name, arguments.epochs, arguments.execute)), flush=True)


if __name__ == "__main__":
    main()
