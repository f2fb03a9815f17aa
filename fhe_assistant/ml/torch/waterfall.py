"""The accuracy waterfall of a compiled model: where accuracy is lost on the way to FHE.

float model → quantized (clear, exact integers) → simulated with FHE's error probability
(each table lookup off by one with the probability the chosen parameters imply) → encrypted
on a few samples. Concrete ML's users cannot tell a quantization loss from an FHE-noise loss;
each stage here changes one thing only.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ...core.errors import InputError
from .module import QuantizedModule


@dataclass(frozen=True)
class WaterfallStage:
    """One stage: its name, the accuracy (or R² for regressors) and the samples it used."""

    name: str
    accuracy: float
    samples: int


def _score(outputs: np.ndarray, y: np.ndarray) -> float:
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:          # class scores
        return float(np.mean(outputs.argmax(1) == y))
    if outputs.ndim == 1 and np.issubdtype(outputs.dtype, np.integer):   # argmax tail
        return float(np.mean(outputs == y))
    prediction = outputs.reshape(len(y), -1)[:, 0]
    residual = np.sum((y - prediction) ** 2)
    total = np.sum((y - np.mean(y)) ** 2)
    return float(1 - residual / total) if total else float(residual == 0)


def with_pbs_errors(circuit, seed: int | None, errors: bool = True):
    """The same circuit (shared program and keys) whose ``simulate`` injects lookup errors,
    or not (``errors=False``: a circuit compiled with ``p_error`` injects them by default)."""
    noisy = copy.copy(circuit)
    noisy.configuration = circuit.configuration.fork(simulate_pbs_errors=errors)
    noisy._simulation_random = np.random.default_rng(seed)
    return noisy


def _simulated_score(module: QuantizedModule, X, y, errors: bool, seed: int | None) -> float:
    saved, module.circuit = module.circuit, with_pbs_errors(module.circuit, seed, errors)
    try:
        return _score(module.forward(X, fhe="simulate"), y)
    finally:
        module.circuit = saved


def accuracy_waterfall(module: QuantizedModule, X, y, encrypted_samples: int = 0,
                       p_error_seed: int | None = None) -> list[WaterfallStage]:
    """Accuracy of ``module`` on ``(X, y)`` at each stage on the way to FHE.

    ``encrypted_samples`` > 0 also runs that many samples encrypted (keys must exist:
    ``module.keygen()``), scored against ``y`` on those samples only. The simulation with
    errors injects them at the per-lookup probability of the compiled circuit.
    """
    if module.circuit is None:
        raise InputError("accuracy_waterfall needs a compiled module: call compile(X) first")
    y = np.asarray(y)
    stages = [WaterfallStage("float", _score(module.float_function(X), y), len(y)),
              WaterfallStage("quantized (clear)", _score(module.forward(X), y), len(y)),
              WaterfallStage("simulated (exact)",
                             _simulated_score(module, X, y, False, p_error_seed), len(y)),
              WaterfallStage("simulated with FHE errors",
                             _simulated_score(module, X, y, True, p_error_seed), len(y))]
    if encrypted_samples:
        count = min(encrypted_samples, len(y))
        stages.append(WaterfallStage("encrypted", _score(
            module.forward(np.asarray(X)[:count], fhe="execute"), y[:count]), count))
    return stages
