"""What every built-in model shares: the scikit-learn estimator API plus FHE compilation.

A built-in model wraps a scikit-learn estimator that does the float training. After
``fit`` (or ``from_sklearn``) the float model is quantized post-training, calibrated on the
training data; ``compile(X)`` turns the integer program into a circuit, and
``predict(X, fhe=…)`` runs it:

| ``fhe=``     | runs                                                  | needs            |
|--------------|-------------------------------------------------------|------------------|
| ``disable``  | the quantized model on clear integers (exact numpy)   | ``fit``          |
| ``simulate`` | the compiled circuit, FHE-faithful (batched)           | ``compile``      |
| ``execute``  | encrypt, run on ciphertexts, decrypt (one at a time)  | ``keygen``       |

Constructor parameters are scikit-learn's (same names and defaults) plus the FHE ones
(``n_bits`` …); ``get_params``/``set_params``/``clone`` work as for any estimator.

``predict`` does not warn (``OutOfRangeWarning``) when test samples push a value past the
range seen on the training set: that is expected of new data, rounded accumulators keep
1.5× headroom for it, and the simulation still reproduces any wrap-around exactly.
"""
from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import check_is_fitted

from ..core.errors import InputError
from ..quantization.functions import QuantizedFunction, as_float_batch, check_fhe_mode, run_circuit
from ..quantization.n_bits import NBits
from .report import quantization_report


def _make_init(cls):
    """An ``__init__`` taking the FHE parameters and the scikit-learn class's, by keyword."""
    defaults = dict(cls.fhe_parameters)
    for name, parameter in inspect.signature(cls.sklearn_class).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        defaults.setdefault(name, parameter.default)

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            raise TypeError(f"{cls.__name__} got unexpected parameter(s) {unknown}; "
                            f"known: {', '.join(sorted(defaults))}")
        for name, default in defaults.items():
            setattr(self, name, kwargs.get(name, default))

    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
                   for name, default in defaults.items()]
    __init__.__signature__ = inspect.Signature(parameters)
    __init__.__qualname__ = f"{cls.__name__}.__init__"
    __init__.__doc__ = f"FHE parameters {sorted(cls.fhe_parameters)} plus those of " \
                       f"sklearn's {cls.sklearn_class.__name__}."
    return __init__


class FHEModel(BaseEstimator, ABC):
    """Base class of the built-in models (see the module docstring)."""

    #: The scikit-learn class that does the float training.
    sklearn_class: type = None
    #: FHE parameters and their defaults, added to the scikit-learn class's parameters.
    fhe_parameters: ClassVar[dict] = {"n_bits": 8}
    #: Default widths when ``n_bits`` is a dict that leaves some out.
    default_n_bits = NBits(8, 8, 8)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("sklearn_class") is not None:
            cls.__init__ = _make_init(cls)

    # -- scikit-learn plumbing ---------------------------------------------------------------
    def _sklearn_kwargs(self) -> dict:
        """Parameters for the scikit-learn class (only those changed from its defaults)."""
        signature = inspect.signature(self.sklearn_class).parameters
        kwargs = {}
        for name, parameter in signature.items():
            value = getattr(self, name, parameter.default)
            if value is not parameter.default and not _same(value, parameter.default):
                kwargs[name] = value
        return kwargs

    def set_params(self, **params):
        """As in scikit-learn; changing an FHE parameter of a fitted model re-quantizes it."""
        super().set_params(**params)
        if getattr(self, "sklearn_model", None) is not None and \
                set(params) & set(self.fhe_parameters):
            if self._calibration_X is not None:
                self._calibrate(self._calibration_X)
            else:
                self.quantized_model, self.fhe_circuit = None, None
        return self

    @property
    def n_bits_(self) -> NBits:
        return NBits.parse(self.n_bits, self.default_n_bits)

    def _require_fitted(self) -> None:
        if getattr(self, "sklearn_model", None) is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call "
                                 f"fit(X, y) first, or build it with "
                                 f"{type(self).__name__}.from_sklearn(fitted_model, X)")

    def _check_X(self, X, what: str = "X") -> np.ndarray:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy()
        array = np.asarray(X)
        expected = getattr(self, "n_features_in_", None)
        if array.ndim == 1 and expected is not None and array.shape[0] == expected:
            raise InputError(f"{what} is one sample of shape {array.shape}: pass a 2-D array "
                             f"(X.reshape(1, -1) for a single sample)")
        if array.ndim != 2:
            raise InputError(f"{what} must be 2-D (n_samples, n_features), got shape "
                             f"{array.shape}")
        if expected is not None and array.shape[1] != expected:
            raise InputError(f"{what} has {array.shape[1]} features, but {type(self).__name__} "
                             f"was fitted with {expected} features")
        return as_float_batch(array, None, what)

    # -- training and import -----------------------------------------------------------------
    def fit(self, X, y, **fit_params):
        """Train the float model with scikit-learn, then quantize it (calibrated on ``X``)."""
        self.__dict__.pop("n_features_in_", None)
        X = self._check_X(X)
        y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise InputError(f"X has {X.shape[0]} samples but y has {y.shape[0]}")
        model = self.sklearn_class(**self._sklearn_kwargs())
        self._import(model.fit(X, y, **fit_params), X)
        return self

    @classmethod
    def from_sklearn(cls, fitted, X=None, n_bits=None, **fhe_parameters):
        """A built-in model from a fitted scikit-learn estimator of the matching class.

        ``X`` (training-like samples) calibrates the quantizers; without it calibration
        happens at ``compile(X)``.
        """
        if not isinstance(fitted, cls.sklearn_class):
            raise InputError(f"{cls.__name__}.from_sklearn needs a fitted sklearn "
                             f"{cls.sklearn_class.__name__}, got {type(fitted).__name__}")
        try:
            check_is_fitted(fitted)
        except NotFittedError as error:
            raise NotFittedError(f"{cls.__name__}.from_sklearn: {error}") from error
        parameters = {k: v for k, v in fitted.get_params().items()
                      if k in inspect.signature(cls).parameters}
        if n_bits is not None:
            parameters["n_bits"] = n_bits
        parameters.update(fhe_parameters)
        model = cls(**parameters)
        model._import(fitted, X)
        return model

    @classmethod
    def from_sklearn_model(cls, sklearn_model, X=None, n_bits=None, **fhe_parameters):
        """Concrete ML's name for :meth:`from_sklearn`."""
        return cls.from_sklearn(sklearn_model, X, n_bits, **fhe_parameters)

    def _import(self, fitted, X) -> None:
        """Adopt a fitted float model; calibrate on ``X`` (raw samples) when given."""
        self.sklearn_model = fitted
        self.n_features_in_ = int(fitted.n_features_in_)
        if hasattr(fitted, "classes_"):
            self.classes_ = fitted.classes_
        self._read_float_model(fitted)
        self.quantized_model = None
        self.fhe_circuit = None
        self._calibration_X = None
        self.pruning_ = (0.0, None)
        if X is not None:
            self._calibrate(self._check_X(X))

    @abstractmethod
    def _read_float_model(self, fitted) -> None:
        """Copy what the quantizer needs out of the fitted estimator (weights, tree …)."""

    # -- quantization and compilation ---------------------------------------------------------
    def _calibrate(self, X: np.ndarray) -> None:
        self._calibration_X = X
        self.quantized_model = self._quantize(X, self.n_bits_)
        self.fhe_circuit = None

    @abstractmethod
    def _quantize(self, X: np.ndarray, n_bits: NBits, **overrides) -> QuantizedFunction:
        """The integer program of this model at ``n_bits``, calibrated on ``X``."""

    def prune(self, fraction: float = 0.0, max_active_neurons: int | None = None):
        """Magnitude pruning of the float weights, then re-quantization (drops the circuit).

        ``fraction`` of each layer's weights (the smallest) become 0, and/or each neuron keeps
        its ``max_active_neurons`` largest inputs: accumulators narrow, and hidden neurons
        left without weights disappear (one lookup less each). Compile again afterwards.
        """
        self._require_fitted()
        self.pruning_ = (float(fraction), max_active_neurons)
        if self._calibration_X is not None:
            self._calibrate(self._calibration_X)
        return self

    def compile(self, X, configuration=None, **kwargs):
        """Compile the quantized model to a circuit; ``X`` is the inputset (and calibration
        data if the model has none yet). Keyword arguments go to ``Configuration``."""
        self._require_fitted()
        X = self._check_X(X)
        if self.quantized_model is None:
            self._calibrate(X)
        self.fhe_circuit = self.quantized_model.compile(X, configuration=configuration, **kwargs)
        return self.fhe_circuit

    def keygen(self, force: bool = False, seed: int | None = None) -> None:
        """Generate the keys of the compiled circuit (needed by ``fhe="execute"``)."""
        if self.fhe_circuit is None:
            raise InputError("keygen needs a compiled model: call compile(X_train) first")
        self.fhe_circuit.keygen(force=force, seed=seed)

    def _require_quantized(self) -> QuantizedFunction:
        self._require_fitted()
        if self.quantized_model is None:
            raise InputError(f"{type(self).__name__} was imported without calibration data: "
                             f"call compile(X_train) (or from_sklearn(model, X_train))")
        return self.quantized_model

    def _model_outputs(self, X, fhe: str = "disable") -> np.ndarray:
        """Dequantized model outputs (logits, scores, values) for float samples."""
        check_fhe_mode(fhe)
        quantized = self._require_quantized()
        X = self._check_X(X)
        program = quantized.program
        integers = program.quantize_inputs([X])
        outputs = run_circuit(self.fhe_circuit, program, integers, fhe, quiet=True)
        return program.decode(outputs)[0]

    def predict(self, X, fhe: str = "disable") -> np.ndarray:
        """Predictions for ``X``: ``fhe="disable"`` (quantized, clear), ``"simulate"`` or
        ``"execute"`` (encrypted; needs ``keygen()``)."""
        return self._predictions(self._model_outputs(X, fhe))

    @abstractmethod
    def _predictions(self, outputs: np.ndarray) -> np.ndarray:
        """Predictions from dequantized model outputs (argmax, threshold or values)."""

    def _float_outputs(self, X: np.ndarray, quantized: QuantizedFunction | None = None):
        """The float model's outputs (after pruning, if any), for reports."""
        return (quantized or self._require_quantized()).float_function(X)

    # -- metrics and reports ------------------------------------------------------------------
    def _metric(self, y_true, y_pred) -> float:
        if is_classifier(self):
            return float(accuracy_score(y_true, y_pred))
        return float(r2_score(y_true, y_pred))

    def quantization_report(self, X, y, n_bits=range(2, 9), **options):
        """Accuracy (or R²), bit widths, lookups and predicted latency for each ``n_bits``.

        See :func:`fhe_assistant.ml.report.quantization_report` for the options
        (``pruning``, ``rounding_threshold_bits``, ``calibration``).
        """
        return quantization_report(self, X, y, n_bits=n_bits, **options)

    @property
    def circuit(self):
        return self.fhe_circuit


class FHEScoreMixin:
    """``score(X, y, fhe=…)``; listed before scikit-learn's mixins so that it wins."""

    def score(self, X, y, sample_weight=None, fhe: str = "disable") -> float:
        """Accuracy (classifiers) or R² (regressors) of ``predict(X, fhe=fhe)``."""
        predictions = self.predict(X, fhe=fhe)
        if is_classifier(self):
            return float(accuracy_score(y, predictions, sample_weight=sample_weight))
        return float(r2_score(y, predictions, sample_weight=sample_weight))


def _same(a, b) -> bool:
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except (ValueError, TypeError):
        return False
