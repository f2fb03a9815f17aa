"""Built-in models (``fhe_assistant.ml``) as explorer targets.

Each knob change re-quantizes the *fitted* float model (no retraining) at the chosen
widths, rounding and pruning, re-traces the integer program on the calibration data, and
scores it by simulating the traced program on the given ``X, y`` (exact integer
semantics, so it works before the program is FHE-compatible). The same per-setting steps
as ``fhe_assistant.ml.report.quantization_report``.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Mapping

import numpy as np

from ..core.errors import OutOfRangeWarning
from .model_warnings import model_warnings
from .targets import Built, Knob, Target


def is_model(obj) -> bool:
    """A built-in model: an instance of ``fhe_assistant.ml.FHEModel``."""
    module = type(obj).__module__ or ""
    if not module.startswith("fhe_assistant.ml"):
        return False
    from ..ml import FHEModel

    return isinstance(obj, FHEModel)


def _widths(model) -> tuple[int, int, int]:
    bits = model.n_bits_
    return bits.inputs, bits.weights, bits.outputs


def model_knobs(model) -> tuple[Knob, ...]:
    """Sliders for a built-in model: widths, and rounding / pruning where it has them."""
    inputs, weights, outputs = _widths(model)
    knobs = [Knob("input_bits", 1, max(8, inputs), inputs, description="n_bits['inputs']"),
             Knob("weight_bits", 1, max(8, weights), weights, description="n_bits['weights']"),
             Knob("output_bits", 1, max(8, outputs), outputs, description="n_bits['outputs']")]
    if hasattr(model, "rounding_threshold_bits"):
        rounding = model.rounding_threshold_bits or 0
        knobs.append(Knob("rounding_bits", 0, max(8, rounding), rounding,
                          description="rounding_threshold_bits (0: no rounding)"))
    if hasattr(model, "float_layers_"):
        knobs.append(Knob("pruning_percent", 0, 90, int(round(100 * model.pruning_[0])), 10,
                          description="share of the smallest weights set to 0"))
    return tuple(knobs)


class ModelTarget(Target):
    """A fitted built-in model scored on ``X, y`` (``fhe.explore(model, X, y)``)."""

    sweep_name = "n_bits"

    def __init__(self, model, X, y, knobs: tuple[Knob, ...] | None = None,
                 calibration=None, configuration=None):
        model._require_fitted()
        self.configuration = configuration  # the user's Configuration, used at every trace
        self.model = model
        self.X = model._check_X(X)
        self.y = np.asarray(y)
        calibration = calibration if calibration is not None else \
            getattr(model, "_calibration_X", None)
        self.calibration = self.X if calibration is None else model._check_X(calibration)
        self.knobs = knobs or model_knobs(model)
        self.name = type(model).__name__

    def sweep_setting(self, settings: Mapping[str, int], value: int) -> dict[str, int]:
        """``n_bits = value`` sets the three widths at once."""
        return {**settings, "input_bits": value, "weight_bits": value, "output_bits": value}

    def sweep_values(self) -> range:
        return range(2, 9)

    def sweep_position(self, settings: Mapping[str, int]) -> int | None:
        widths = {self._width(settings, n) for n in ("input_bits", "weight_bits", "output_bits")}
        return widths.pop() if len(widths) == 1 else None

    def _width(self, settings: Mapping[str, int], name: str) -> int:
        """A width from the settings, else the model's own (when it has no slider)."""
        if name in settings:
            return int(settings[name])
        return dict(zip(("input_bits", "weight_bits", "output_bits"), _widths(self.model)))[name]

    def quantized(self, settings: Mapping[str, int]):
        from ..quantization import NBits

        bits = NBits(*(self._width(settings, n)
                       for n in ("input_bits", "weight_bits", "output_bits")))
        overrides = {}
        if "pruning_percent" in settings:
            overrides["pruning"] = (settings["pruning_percent"] / 100.0, None)
        if "rounding_bits" in settings:
            overrides["rounding_threshold_bits"] = settings["rounding_bits"] or None
        return self.model._quantize(self.calibration, bits, **overrides)

    def build(self, settings: Mapping[str, int]) -> Built:
        quantized = self.quantized(settings)
        program = quantized.trace(self.calibration, configuration=self.configuration)
        inputset = quantized.inputset(self.calibration)
        start = time.perf_counter()
        accuracy, predictions = self.score(quantized, program, with_predictions=True)
        seconds = time.perf_counter() - start
        samples = quantized.program.quantize_inputs([self.X])
        return Built(program, inputset, accuracy, samples=samples[0] if len(samples) == 1
                     else list(zip(*samples)), extra={"seconds_accuracy": seconds,
                                                     "quantized": quantized,
                                                     "predictions": predictions})

    def warnings(self, built: Built) -> tuple[str, ...]:
        return model_warnings(self.model, self.X, self.y, built)

    def score(self, quantized, program, with_predictions: bool = False):
        """Accuracy (classifiers) or R² of the traced program simulated on ``X``."""
        integers = quantized.program.quantize_inputs([self.X])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OutOfRangeWarning)
            outputs = program.simulate_batch(*integers)
        outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
        outputs = [np.asarray(o).reshape((self.X.shape[0],) + quantized.program.graph[i].spec.shape)
                   for o, i in zip(outputs, quantized.program.graph.outputs)]
        predictions = self.model._predictions(quantized.program.decode(outputs)[0])
        metric = self.model._metric(self.y, predictions)
        return (metric, predictions) if with_predictions else metric


def model_target(model, X, y, *, sliders: Mapping | None = None, calibration=None,
                 configuration=None, **_):
    knobs = None
    if sliders:
        defaults = {k.name: k for k in model_knobs(model)}
        knobs = []
        for name, spec in sliders.items():
            base = defaults.get(name)
            if base is None:
                raise ValueError(f"unknown slider {name!r} for {type(model).__name__}; "
                                 f"known: {sorted(defaults)}")
            low, high, *rest = spec
            knobs.append(Knob(name, int(low), int(high),
                              max(int(low), min(int(high), int(rest[0]) if rest else
                                                base.default)), base.step, base.description))
        knobs = tuple(knobs)
    return ModelTarget(model, X, y, knobs, calibration, configuration)
