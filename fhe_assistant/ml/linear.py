"""Linear models: one dot product under FHE, everything else in the clear.

The circuit is ``q(x) @ qW`` — per-feature quantized inputs times per-output quantized
weights — with no table lookup, so it is not bound by the lookup width limit: the
optimizer sizes the parameters for the accumulator's full width. The zero points, the
intercept, and the sigmoid / softmax / argmax / threshold all run on the decrypted
accumulator. The compile inputset includes the corners of the input box that reach each
accumulator's extremes, so no input the quantizer can produce overflows.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn import linear_model, svm
from sklearn.base import ClassifierMixin, RegressorMixin

from ..core.location import role
from ..quantization.functions import QuantizedFunction
from ..quantization.n_bits import NBits
from ..quantization.pruning import prune_weights
from .base import FHEModel, FHEScoreMixin


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def class_probabilities(scores: np.ndarray, several: str) -> np.ndarray:
    """Class probabilities from decision scores ``(samples, columns)``, as scikit-learn
    computes them: one column is the positive class's logit; several are ``"softmax"``
    logits, ``"one-vs-rest"`` logits (normalized sigmoids) or ``"multi-label"`` logits."""
    if scores.shape[1] == 1:
        positive = _sigmoid(scores[:, 0])
        return np.stack([1 - positive, positive], axis=1)
    if several == "softmax":
        return _softmax(scores)
    probabilities = _sigmoid(scores)
    if several == "one-vs-rest":
        return probabilities / probabilities.sum(axis=1, keepdims=True)
    return probabilities


def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class _LinearFHEModel(FHEModel):
    """Shared by the linear models: weights ``(features, outputs)`` and a bias."""

    fhe_parameters: ClassVar[dict] = {"n_bits": 8}

    def _read_float_model(self, fitted) -> None:
        coefficients = np.asarray(fitted.coef_, dtype=np.float64)
        self._single_output = coefficients.ndim == 1
        weights = np.atleast_2d(coefficients).T
        bias = np.broadcast_to(np.asarray(fitted.intercept_, dtype=np.float64),
                               (weights.shape[1],)).copy()
        self.float_layers_ = [(weights, bias)]

    def _quantize(self, X: np.ndarray, n_bits: NBits, pruning=None, **_) -> QuantizedFunction:
        fraction, max_active = pruning if pruning is not None else self.pruning_
        weights, bias = self.float_layers_[0]
        weights = prune_weights(weights, fraction, max_active)

        label = (f"{type(self).__name__}: x @ W + b ({weights.shape[0]}→{weights.shape[1]})")

        def linear_model(x):
            with role(label):
                return x @ weights + bias

        return QuantizedFunction(linear_model, n_bits).calibrate(X)

    def decision_function(self, X, fhe: str = "disable") -> np.ndarray:
        """The dequantized scores ``x @ W + b`` (as scikit-learn's ``decision_function``)."""
        scores = self._model_outputs(X, fhe)
        return scores[:, 0] if scores.shape[1] == 1 else scores


class LinearRegression(FHEScoreMixin, RegressorMixin, _LinearFHEModel):
    """scikit-learn's LinearRegression, quantized to ``n_bits`` and compiled to FHE."""

    sklearn_class = linear_model.LinearRegression

    def _predictions(self, scores: np.ndarray) -> np.ndarray:
        return scores[:, 0] if self._single_output else scores


class Ridge(LinearRegression):
    """scikit-learn's Ridge, quantized to ``n_bits`` and compiled to FHE."""

    sklearn_class = linear_model.Ridge


class _LinearClassifier(FHEScoreMixin, ClassifierMixin, _LinearFHEModel):
    def _predictions(self, scores: np.ndarray) -> np.ndarray:
        if scores.shape[1] == 1:
            return self.classes_[(scores[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]


class LogisticRegression(_LinearClassifier):
    """scikit-learn's LogisticRegression; the sigmoid / softmax runs after decryption."""

    sklearn_class = linear_model.LogisticRegression

    def predict_proba(self, X, fhe: str = "disable") -> np.ndarray:
        one_vs_rest = getattr(self.sklearn_model, "solver", "lbfgs") == "liblinear"
        return class_probabilities(self._model_outputs(X, fhe),
                                   "one-vs-rest" if one_vs_rest else "softmax")


class LinearSVC(_LinearClassifier):
    """scikit-learn's LinearSVC (no ``predict_proba``, as in scikit-learn)."""

    sklearn_class = svm.LinearSVC

