"""torch modules and ONNX models as explorer targets (``fhe.explore(torch_model, X, y)``).

The model is exported and imported once; each setting of the sliders (n_bits per role,
rounding threshold) re-quantizes the imported float graph, traces the integer program on
``X`` and scores it by simulating it on ``X, y``. ``extra["waterfall"]`` holds the accuracy
of the float model beside the quantized one, so the drop from quantization is visible
before compiling; once the run panel has compiled the setting, ``score_with_fhe_errors``
adds the stage with FHE's lookup errors (the explorer draws all of them as a waterfall;
``fhe_assistant.ml.torch.accuracy_waterfall`` is the same without widgets).
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Mapping

import numpy as np

from ..core.errors import OutOfRangeWarning
from ..quantization.post_training import evaluate_float
from .targets import Built, Knob, Target

_DEFAULTS = {"input_bits": 6, "weight_bits": 6, "output_bits": 6, "rounding_bits": 6}


def is_torch_model(obj) -> bool:
    """A ``torch.nn.Module`` or an ``onnx.ModelProto`` (without importing either)."""
    names = {f"{c.__module__}.{c.__name__}" for c in type(obj).__mro__}
    return "torch.nn.modules.module.Module" in names or "onnx.onnx_ml_pb2.ModelProto" in names


def _score(outputs: np.ndarray, y: np.ndarray) -> float:
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return float(np.mean(outputs.argmax(1) == y))
    return float(np.mean(outputs.reshape(len(y)) == y))


class TorchTarget(Target):
    """A torch / ONNX model scored on ``X, y`` at each setting of the sliders."""

    sweep_name = "n_bits"

    def __init__(self, model, X, y, sliders: Mapping | None = None):
        from ..ml.torch.export import export_onnx
        from ..ml.torch.onnx_import import import_onnx

        self.X = np.asarray(X.detach().cpu().numpy() if hasattr(X, "detach") else X,
                            dtype=np.float64)
        self.y = np.asarray(y)
        onnx_model = model if not hasattr(model, "named_modules") else \
            export_onnx(model, self.X[:1])
        self.imported = import_onnx(onnx_model, [self.X.shape[1:]])
        self.name = type(model).__name__
        defaults = {**_DEFAULTS, **{k: int(v[2]) for k, v in (sliders or {}).items()
                                    if len(v) == 3}}
        ranges = {k: (int(v[0]), int(v[1])) for k, v in (sliders or {}).items()}
        unknown = set(ranges) - set(_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown slider(s) {sorted(unknown)}; known: {sorted(_DEFAULTS)}")
        self.knobs = tuple(
            Knob(name, *ranges.get(name, (0 if name == "rounding_bits" else 2, 8)),
                 defaults[name], description="rounding_threshold_bits (0: none)"
                 if name == "rounding_bits" else f"n_bits['{name.split('_')[0]}s']")
            for name in _DEFAULTS)
        self.float_accuracy = _score(self.imported.finish(
            evaluate_float(self.imported.graph, [self.X])[0]), self.y)

    def sweep_setting(self, settings: Mapping[str, int], value: int) -> dict[str, int]:
        return {**settings, "input_bits": value, "weight_bits": value, "output_bits": value}

    def sweep_values(self) -> range:
        return range(2, 9)

    def build(self, settings: Mapping[str, int]) -> Built:
        from ..ml.torch.module import QuantizedModule
        from ..quantization import NBits

        settings = {**self.defaults(), **settings}
        bits = NBits(settings["input_bits"], settings["weight_bits"], settings["output_bits"])
        module = QuantizedModule(self.imported, bits,
                                 rounding_threshold_bits=settings["rounding_bits"] or None)
        module.calibrate(self.X)
        program = module.trace(self.X)
        start = time.perf_counter()
        integers = module.quantize_inputs(self.X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OutOfRangeWarning)
            outputs = program.simulate_batch(integers)
        shape = (self.X.shape[0],) + module.graph[module.graph.outputs[0]].spec.shape
        decoded = module.imported.finish(module.dequantize_outputs(np.reshape(outputs, shape)))
        accuracy = _score(decoded, self.y)
        extra = {"seconds_accuracy": time.perf_counter() - start, "quantized": module,
                 "waterfall": {"float": self.float_accuracy, "quantized": accuracy}}
        return Built(program, module.inputset(self.X), accuracy, samples=integers, extra=extra)

    def score_with_fhe_errors(self, built: Built, circuit) -> float:
        """Accuracy on ``X, y`` simulated with ``circuit``'s lookup errors (each lookup off by
        one step with its p_error; approximate rounded reads with their pre-bootstrap noise):
        the waterfall's stage after compiling."""
        from ..ml.torch.waterfall import with_pbs_errors

        module = built.extra["quantized"]
        noisy = with_pbs_errors(circuit, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OutOfRangeWarning)
            outputs = noisy.simulate_batch(*built.samples) \
                if isinstance(built.samples, (tuple, list)) else noisy.simulate_batch(built.samples)
        shape = (self.X.shape[0],) + module.graph[module.graph.outputs[0]].spec.shape
        return _score(module.imported.finish(
            module.dequantize_outputs(np.reshape(outputs, shape))), self.y)
