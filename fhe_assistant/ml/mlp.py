"""Multi-layer perceptrons: scikit-learn trains in float, each layer is quantized after.

Per layer, the circuit computes ``acc = q @ qW`` (leveled), rounds it with
``round_bit_pattern`` to ``rounding_threshold_bits`` and applies one table lookup that
dequantizes, adds the bias, applies the activation and requantizes to
``n_bits["outputs"]`` (one bootstrap per hidden neuron). The output layer's accumulator is
narrowed by one more lookup per output (decrypting a 20-bit sum of lookup outputs would
need far larger parameters); softmax / sigmoid / argmax run after decryption.

Latency is about ``(hidden neurons + outputs) × cost(rounding_threshold_bits)``: prune
neurons (``prune``, ``max_active_neurons``) or lower ``rounding_threshold_bits`` to go faster,
and read the effect on accuracy in ``quantization_report``.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn import neural_network
from sklearn.base import ClassifierMixin, RegressorMixin

from ..core.errors import InputError
from ..core.location import role
from ..quantization.functions import QuantizedFunction
from ..quantization.n_bits import NBits
from ..quantization.pruning import prune_layers
from .base import FHEModel, FHEScoreMixin
from .linear import class_probabilities

#: Activations as numpy code the quantizer traces (each one becomes a table lookup).
ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "identity": lambda z: z,
}


class _MLPFHEModel(FHEModel):
    fhe_parameters: ClassVar[dict] = {"n_bits": 8, "rounding_threshold_bits": 5,
                                      "max_active_neurons": None}

    def _read_float_model(self, fitted) -> None:
        if fitted.activation not in ACTIVATIONS:
            raise InputError(f"activation {fitted.activation!r} is not supported; use one of "
                             f"{sorted(ACTIVATIONS)}")
        self.float_layers_ = [(np.asarray(w, np.float64), np.asarray(b, np.float64))
                              for w, b in zip(fitted.coefs_, fitted.intercepts_)]
        self._activation = fitted.activation
        self._out_activation = fitted.out_activation_

    def _quantize(self, X: np.ndarray, n_bits: NBits, pruning=None,
                  rounding_threshold_bits="model", **_) -> QuantizedFunction:
        fraction, max_active = pruning if pruning is not None else self.pruning_
        if max_active is None:
            max_active = self.max_active_neurons
        activation = ACTIVATIONS[self._activation]
        layers = prune_layers(self.float_layers_, fraction, max_active,
                              activation=lambda z: np.asarray(activation(z)))
        hidden, (last_weights, last_bias) = layers[:-1], layers[-1]

        name = self._activation

        def mlp(x):      # nodes are named after their layer (no line of the user's made them)
            for index, (weights, bias) in enumerate(hidden, start=1):
                with role(f"hidden layer {index} ({weights.shape[0]}→{weights.shape[1]}, "
                          f"{name})"):
                    x = activation(x @ weights + bias)
            with role(f"output layer ({last_weights.shape[0]}→{last_weights.shape[1]})"):
                return x @ last_weights + last_bias

        if rounding_threshold_bits == "model":
            rounding_threshold_bits = self.rounding_threshold_bits
        return QuantizedFunction(mlp, n_bits, rounding_threshold_bits=rounding_threshold_bits
                                 ).calibrate(X)

    @property
    def hidden_neurons_(self) -> int:
        """Hidden neurons left after pruning (one table lookup each per sample)."""
        program = self._require_quantized().program
        return sum(record.element_count for record in program.lookups
                   if record.name != "output_requant")


class MLPClassifier(FHEScoreMixin, ClassifierMixin, _MLPFHEModel):
    """scikit-learn's MLPClassifier trained in float, quantized per layer, compiled to FHE."""

    sklearn_class = neural_network.MLPClassifier

    def predict_proba(self, X, fhe: str = "disable") -> np.ndarray:
        return class_probabilities(self._model_outputs(X, fhe),
                                   "multi-label" if self._out_activation == "logistic"
                                   else "softmax")

    def _predictions(self, logits: np.ndarray) -> np.ndarray:
        if logits.shape[1] == 1:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]


class MLPRegressor(FHEScoreMixin, RegressorMixin, _MLPFHEModel):
    """scikit-learn's MLPRegressor trained in float, quantized per layer, compiled to FHE."""

    sklearn_class = neural_network.MLPRegressor

    def _predictions(self, values: np.ndarray) -> np.ndarray:
        return values[:, 0] if values.shape[1] == 1 else values
