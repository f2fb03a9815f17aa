"""``QuantizedModule``: an imported torch / ONNX model, quantized, with Concrete ML's API.

It is a :class:`~fhe_assistant.quantization.QuantizedFunction` whose float graph comes from
ONNX instead of tracing a numpy function: ``compile``, ``keygen``, the circuit, deployment
(``fhe_circuit.server`` / ``client``) and the views work as for any quantized function.
"""
from __future__ import annotations

import inspect

import numpy as np

from ...core.dtypes import Integer
from ...core.errors import InputError
from ...quantization.functions import QuantizedFunction, check_fhe_mode
from ...quantization.post_training import evaluate_float, quantize_graph
from .layers import layer_name
from .onnx_import import ImportedModel


class QuantizedModule(QuantizedFunction):
    """A quantized torch / ONNX model (see :func:`compile_torch_model`).

    ``forward(x, fhe="disable" | "simulate" | "execute")`` runs it on a batch; the clear tail
    of the model (softmax, argmax) runs after decryption. Scales are per tensor by default,
    as in Concrete ML: per-feature input scales folded into weights quantized per output
    column cost accuracy when features have unequal ranges (digits: 0.963 vs 0.954).
    """

    def __init__(self, imported: ImportedModel, n_bits=8, *,
                 rounding_threshold_bits: int | None = None, per_channel: bool = False,
                 rounding_method: str = "approximate"):
        names = list(imported.input_names)

        def model(*inputs):  # pragma: no cover - never traced: the graph exists already
            raise InputError("an imported model is not traced")

        model.__name__ = imported.graph.name
        model.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
        super().__init__(model, n_bits, rounding_threshold_bits=rounding_threshold_bits,
                         per_channel=per_channel, rounding_method=rounding_method)
        self.imported = imported
        self._shapes = [tuple(s) for s in imported.input_shapes]

    # -- quantization -------------------------------------------------------------------------
    def calibrate(self, *inputs) -> QuantizedModule:
        batches = self._batches(inputs, "calibration data")
        self.program = quantize_graph(self.imported.graph, batches, self.options)
        self.circuit = None
        return self

    def float_function(self, *inputs):
        """The imported float model (what the quantized one approximates), clear tail included."""
        outputs = evaluate_float(self.imported.graph, self._batches(inputs, "input"))
        return self.imported.finish(outputs[0])

    def quantize_input(self, *x):
        """Float inputs → the integers the client encrypts (Concrete ML's name)."""
        return self.quantize_inputs(*x)

    def dequantize_output(self, q_y):
        """Decrypted integers → float outputs, before the clear tail (Concrete ML's name)."""
        return self.dequantize_outputs(q_y)

    def forward(self, *x, fhe: str = "disable") -> np.ndarray:
        """Float outputs of the model on a batch: quantize, run, dequantize, finish."""
        check_fhe_mode(fhe)
        return self.imported.finish(self(*x, fhe=fhe))

    def post_processing(self, y: np.ndarray) -> np.ndarray:
        return self.imported.finish(y)

    @property
    def fhe_circuit(self):
        return self.circuit

    @property
    def float_graph(self):
        return self.imported.graph

    def bitwidth_and_range_report(self) -> dict[str, dict] | None:
        """Per layer: the integer range its encrypted values took on the inputset, and widths.

        As Concrete ML's report (``None`` before ``compile``), keyed by layer (torch module
        name, or ONNX node name for functional ops), over the compiled graph's encrypted
        integer nodes located at that layer: ``range`` (min, max) and ``bitwidth`` (the
        widest node's type). A layer whose values a table lookup reads also gets
        ``rounded_bitwidth`` (the width that lookup reads after ``rounding_threshold_bits``,
        what prices its bootstrap) and ``lookups`` (bootstraps per sample).
        """
        if self.circuit is None:
            return None
        analysis = self.circuit.analysis
        graph, plan, bounds = analysis.lowered, analysis.plan, analysis.lowered_bounds
        report: dict[str, dict] = {}
        for node in graph.nodes:
            layer = layer_name(node.location)
            if layer is None or not node.is_encrypted or node.id not in bounds \
                    or not isinstance(node.spec.dtype, Integer) \
                    or node.id in plan.folded_roundings:  # read by the lookup, not stored
                continue
            entry = report.setdefault(layer, {"range": (int(bounds[node.id].min),
                                                        int(bounds[node.id].max)),
                                              "bitwidth": 0})
            low, high = entry["range"]
            entry["range"] = (min(low, int(bounds[node.id].min)),
                              max(high, int(bounds[node.id].max)))
            entry["bitwidth"] = max(entry["bitwidth"], node.spec.dtype.bit_width)
        for lookup in plan.lookups.values():
            entry = report.get(layer_name(graph[lookup.read_id].location))
            if entry is not None:
                entry["rounded_bitwidth"] = max(entry.get("rounded_bitwidth", 0),
                                                lookup.effective_precision)
                entry["lookups"] = entry.get("lookups", 0) + lookup.element_count
        return report

    def __repr__(self) -> str:
        state = "compiled" if self.circuit is not None else \
            "calibrated" if self.program is not None else "not calibrated"
        return f"QuantizedModule({self.imported.graph.name}, n_bits={self.options.n_bits}, {state})"
